"""Generate a synthetic knowledge base for benchmarks: ``python kbgen.py OUT --entries N``.

Entries carry 1–3 KB of text each, 50 entries a file, in realistic shape (title, symptoms with
error messages, causes, solution steps with code, prevention), drawn from a seeded vocabulary
so runs are reproducible. One "needle" entry per KB holds words no other entry has.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from xml.sax.saxutils import escape

PER_FILE = 50
CATEGORIES = [
    "Database/AsyncIO",
    "Database/Migrations",
    "API/HTTP",
    "API/Auth",
    "Frontend/React",
    "Infra/Docker",
    "Infra/Kubernetes",
    "Testing/Pytest",
    "Testing/Fixtures",
    "Build/Packaging",
    "Security/Secrets",
    "Performance/Caching",
    "Messaging/Kafka",
    "Observability/Logging",
]
TECH = [
    "session",
    "connection",
    "pool",
    "timeout",
    "retry",
    "cache",
    "token",
    "header",
    "request",
    "response",
    "handler",
    "middleware",
    "dependency",
    "injection",
    "fixture",
    "coroutine",
    "event",
    "loop",
    "thread",
    "lock",
    "mutex",
    "queue",
    "worker",
    "scheduler",
    "migration",
    "schema",
    "index",
    "query",
    "transaction",
    "commit",
    "rollback",
    "cursor",
    "engine",
    "driver",
    "socket",
    "certificate",
    "proxy",
    "gateway",
    "container",
    "image",
    "volume",
    "network",
    "cluster",
    "deployment",
    "replica",
    "probe",
    "manifest",
    "secret",
    "config",
    "environment",
    "variable",
    "import",
    "module",
    "package",
    "wheel",
    "build",
    "cache",
    "layer",
    "registry",
    "template",
    "render",
    "serializer",
    "validator",
    "parser",
    "encoder",
    "decoder",
    "buffer",
    "stream",
    "chunk",
    "batch",
    "offset",
    "partition",
    "consumer",
    "producer",
    "topic",
    "broker",
    "schema",
    "payload",
    "signature",
    "checksum",
    "hash",
    "digest",
    "nonce",
    "cookie",
    "redirect",
    "callback",
]
EXC = [
    "AttributeError",
    "TypeError",
    "ValueError",
    "KeyError",
    "RuntimeError",
    "TimeoutError",
    "ConnectionResetError",
    "PermissionError",
    "ImportError",
    "AssertionError",
]


def _word(rng: random.Random) -> str:
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))


def _sentence(rng: random.Random, vocab: list[str], n: int) -> str:
    words = [rng.choice(vocab) if rng.random() < 0.6 else rng.choice(TECH) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _text(rng: random.Random, vocab: list[str], chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        s = _sentence(rng, vocab, rng.randint(6, 16))
        out.append(s)
        size += len(s) + 1
    return " ".join(out)


def _entry(rng: random.Random, vocab: list[str], n: int, category: str) -> str:
    title = _sentence(rng, vocab, rng.randint(4, 9)).rstrip(".")
    ident = f"{rng.choice(vocab)}-{rng.choice(TECH)}-{n}"
    sev = rng.choice(["critical", "high", "medium", "low"])
    date = f"20{rng.randint(20, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    budget = rng.randint(1000, 3000)
    exc = rng.choice(EXC)
    name = f"{rng.choice(vocab).capitalize()}{rng.choice(TECH).capitalize()}"
    sym = f"{exc}: '{name}' object has no attribute '{rng.choice(TECH)}'"
    desc = _text(rng, vocab, budget // 4)
    causes = [_text(rng, vocab, budget // 10) for _ in range(2)]
    steps = [_text(rng, vocab, budget // 8) for _ in range(2)]
    code = (
        f"async with {rng.choice(TECH)}() as {rng.choice(TECH)}:\n    await {rng.choice(vocab)}()"
    )
    prevention = [_text(rng, vocab, budget // 12) for _ in range(2)]
    tags = " ".join(f"<tag>{t}</tag>" for t in sorted({rng.choice(TECH) for _ in range(3)}))
    return f"""    <learning id="{ident}" severity="{sev}">
      <title>{escape(title)}</title>
      <date>{date}</date>
      <category>{category}</category>
      <description>{escape(desc)}</description>
      <tags>{tags}</tags>
      <symptoms>
        <symptom>{escape(sym)}</symptom>
        <symptom>{escape(_sentence(rng, vocab, 8))}</symptom>
      </symptoms>
      <root-causes>{"".join(f"<cause>{escape(c)}</cause>" for c in causes)}</root-causes>
      <solution>
        <step>{escape(steps[0])}</step>
        <step>{escape(steps[1])}<code lang="python">{escape(code)}</code></step>
      </solution>
      <prevention>{"".join(f"<item>{escape(p)}</item>" for p in prevention)}</prevention>
    </learning>
"""


NEEDLE = """    <learning id="needle-quokka-zeppelin" severity="high">
      <title>Quokka zeppelin handshake stalls</title>
      <date>2025-01-02</date>
      <category>{category}</category>
      <description>The quokka zeppelin handshake never completes.</description>
      <symptoms><symptom>ZeppelinError: quokka handshake stalled at 0x7f3a2b</symptom></symptoms>
    </learning>
"""


def generate(out: Path, entries: int, seed: int = 7, part: tuple[int, int] = (0, 1)) -> Path:
    """Write ``entries`` entries under ``out/learnings`` (plus a kbtool.toml); return ``out``.

    ``part`` (k, n) writes only every n-th file from the k-th, each of those files drawn from
    its own seeded generator, so that n processes can share a large KB; (0, 1), the default,
    writes the whole KB from one generator, as it always has."""
    rng = random.Random(seed)
    vocab = sorted({_word(rng) for _ in range(6000)})
    learnings = out / "learnings"
    learnings.mkdir(parents=True, exist_ok=True)
    (out / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n', encoding="utf-8")
    files = max(1, (entries + PER_FILE - 1) // PER_FILE)
    n = 0
    for f in range(files):
        if part != (0, 1):
            if f % part[1] != part[0]:
                continue
            rng = random.Random(seed * 1_000_003 + f)
            n = f * PER_FILE
        category = f"{CATEGORIES[f % len(CATEGORIES)]}{f // len(CATEGORIES)}"
        body = []
        for _ in range(min(PER_FILE, entries - n)):
            body.append(_entry(rng, vocab, n, category))
            n += 1
        if f == files // 2:
            body.append(NEEDLE.format(category=category))
        (learnings / f"gen_{f:05d}.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<specification>\n  <metadata>\n'
            f"    <name>Learnings - {category}</name>\n    <type>learnings</type>\n"
            f"    <category>{category}</category>\n  </metadata>\n  <learnings>\n"
            + "".join(body)
            + "  </learnings>\n</specification>\n",
            encoding="utf-8",
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.entries, args.seed)


if __name__ == "__main__":
    main()
