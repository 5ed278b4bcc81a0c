"""The bad-input battery through the command line: ``python -m kbtool validate`` as a subprocess.

Fixtures: tests/fixtures/badinputs/ (README.md there says where each comes from). Every run is
under an address-space limit and a timeout, with a listener on 127.0.0.1:9 (where the hostile
files point) that nothing may connect to. Each case checks the README's rules: findings as
``path:line:col: CODE message``, the right codes and lines, the exit code, no traceback, and no
content of /etc/hostname (or of a file outside the KB) in any output.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "badinputs"
MEMORY_LIMIT = 512 << 20  # RLIMIT_AS, bytes
TIMEOUT = 30.0
FINDING = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>KB\d{3}) (?P<message>.*)$"
)
SECRET = "OUTSIDE-THE-KB-7f3a9c"  # written outside the KB root; must never be printed


def _hostname() -> str | None:
    try:
        name = Path("/etc/hostname").read_text().strip()
    except OSError:
        return None
    return name if len(name) >= 4 else None  # too short to recognise in output


HOSTNAME = _hostname()


@dataclass
class Run:
    args: list[str]
    code: int
    out: str
    err: str
    seconds: float

    @property
    def findings(self) -> list[re.Match[str]]:
        return [m for m in map(FINDING.match, self.out.splitlines()) if m]

    def found(self) -> set[tuple[str, str, int]]:
        return {(m["path"], m["code"], int(m["line"])) for m in self.findings}

    def check_hygiene(self) -> None:
        """The rules every run is held to, whatever its input."""
        both = self.out + self.err
        assert "Traceback" not in both, both
        assert "internal error" not in both, both
        assert SECRET not in both
        if HOSTNAME:
            assert HOSTNAME not in both, "the content of /etc/hostname was printed"
        assert all(FINDING.match(line) for line in self.out.splitlines()), self.out
        assert "\x1b" not in both, "a raw terminal escape reached the output"


def _limits(memory: int, files: int | None) -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if files is not None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))


def run_many(
    jobs: list[tuple[list[str], Path]],
    tmp: Path,
    *,
    memory: int = MEMORY_LIMIT,
    files: int | None = None,
    timeout: float = TIMEOUT,
    parallel: int = 4,
) -> list[Run]:
    """Run ``kbtool ARGS`` in each folder, a few at a time, each under the resource limits.

    Popen from this thread only (preexec_fn is not thread-safe); output goes to files so that
    no child blocks on a full pipe.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("KBTOOL")}
    env.update(NO_COLOR="1", LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    results: list[Run | None] = [None] * len(jobs)
    pending = list(enumerate(jobs))
    running: dict[int, tuple[subprocess.Popen[bytes], float, Path, Path]] = {}
    try:
        while pending or running:
            while pending and len(running) < parallel:
                i, (args, cwd) = pending.pop(0)
                out, err = tmp / f"run{i}.out", tmp / f"run{i}.err"
                with out.open("wb") as fo, err.open("wb") as fe:
                    proc = subprocess.Popen(
                        [sys.executable, "-m", "kbtool", *args],
                        cwd=cwd,
                        env=env,
                        stdout=fo,
                        stderr=fe,
                        stdin=subprocess.DEVNULL,
                        preexec_fn=lambda: _limits(memory, files),
                    )
                running[i] = (proc, time.monotonic(), out, err)
            time.sleep(0.01)
            for i, (proc, start, out, err) in list(running.items()):
                elapsed = time.monotonic() - start
                if proc.poll() is None and elapsed < timeout:
                    continue
                if proc.returncode is None:
                    proc.kill()
                    proc.wait()
                    pytest.fail(f"kbtool {jobs[i][0]} did not finish in {timeout:.0f} s")
                assert proc.returncode >= 0, (
                    f"kbtool {jobs[i][0]} was killed by signal {-proc.returncode}"
                )
                results[i] = Run(
                    jobs[i][0],
                    proc.returncode,
                    out.read_bytes().decode("utf-8", "replace"),
                    err.read_bytes().decode("utf-8", "replace"),
                    elapsed,
                )
                del running[i]
    finally:  # a failed run stops the others
        for proc, *_ in running.values():
            proc.kill()
            proc.wait()
    return [r for r in results if r is not None]


def make_kb(folder: Path, learnings: str = "learnings") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kbtool.toml").write_text(f'learnings = "{learnings}"\n')
    (folder / learnings).mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def port9() -> Iterator[socket.socket | None]:
    """A listener on 127.0.0.1:9, where the hostile files point; None when the port is taken
    (another test run on this machine holds it): the cases still run, unwatched."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", 9))
    except OSError:
        sock.close()
        yield None
        return
    sock.listen(64)
    sock.setblocking(False)
    yield sock
    sock.close()


def assert_no_connection(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        conn, addr = sock.accept()
    except BlockingIOError:
        return
    conn.close()
    pytest.fail(f"kbtool connected to 127.0.0.1:9 (from {addr})")


def test_network_is_watched(port9: socket.socket | None) -> None:
    if port9 is None:
        pytest.skip("127.0.0.1:9 is taken (another test run?): no-network checks are off")
    with socket.create_connection(("127.0.0.1", 9)):  # the check does see a connection
        time.sleep(0.05)
        with pytest.raises(pytest.fail.Exception, match=r"connected to 127\.0\.0\.1:9"):
            assert_no_connection(port9)


# ------------------------------------------------------------------ xml/ and duplicate_ids/

# file → (exit code, {(code, line)}): the README's behaviour in our codes. Files the README
# says are accepted give no finding at all.
XML_CASES: dict[str, tuple[int, set[tuple[str, int]]]] = {
    "ansi_escape_in_text.xml": (1, {("KB101", 4)}),
    "billion_laughs.xml": (1, {("KB103", 2)}),
    "binary_garbage.xml": (1, {("KB101", 1)}),
    "crlf.xml": (0, set()),
    "deep_nesting.xml": (1, {("KB101", 2)}),
    "dtd_retrieval_local.xml": (1, {("KB103", 2)}),
    "dtd_retrieval_remote.xml": (1, {("KB103", 2)}),
    "empty.xml": (1, {("KB102", 1)}),
    "id_absolute_path.xml": (1, {("KB302", 2)}),
    "id_newline_and_control.xml": (1, {("KB302", 2)}),
    "id_path_traversal.xml": (1, {("KB302", 2)}),
    "internal_entity_benign.xml": (1, {("KB103", 2)}),
    "invalid_values.xml": (
        1,
        {("KB203", 4), ("KB301", 5), ("KB203", 7), ("KB203", 8), ("KB314", 8)},
    ),
    "latin1_declared_utf8.xml": (1, {("KB101", 3)}),
    "markdown_structure_injection.xml": (0, set()),
    "namespace_missing.xml": (1, {("KB200", 2)}),
    "nul_byte.xml": (1, {("KB101", 3)}),
    "quadratic_blowup.xml": (1, {("KB103", 2)}),
    "roundtrip_fidelity.xml": (1, {("KB204", 4), ("KB201", 8)}),
    "title_html_injection.xml": (0, set()),
    "truncated.xml": (1, {("KB101", 4)}),
    "unknown_root.xml": (1, {("KB200", 2)}),
    "utf16_bom.xml": (0, set()),
    "utf8_bom.xml": (0, set()),
    "very_long_line.xml": (0, set()),
    "whitespace_only.xml": (1, {("KB102", 1)}),
    "xinclude.xml": (1, {("KB201", 4), ("KB203", 4)}),
    "xsi_schema_location.xml": (0, set()),
    "xslt_stylesheet_pi.xml": (0, set()),
    "xxe_local_file.xml": (1, {("KB103", 2)}),
    "xxe_remote.xml": (1, {("KB103", 2)}),
}


def test_every_fixture_has_a_case() -> None:
    assert {p.name for p in (FIXTURES / "xml").glob("*.xml")} == set(XML_CASES)


@pytest.fixture(scope="module")
def xml_runs(
    tmp_path_factory: pytest.TempPathFactory, port9: socket.socket | None
) -> dict[str, Run]:
    """Each file alone in a fresh KB, plus all of them in one KB."""
    tmp = tmp_path_factory.mktemp("badxml")
    jobs = []
    for name in XML_CASES:
        kb = make_kb(tmp / name.removesuffix(".xml"))
        shutil.copyfile(FIXTURES / "xml" / name, kb / "learnings" / name)
        jobs.append((["validate"], kb))
    together = make_kb(tmp / "together")
    for name in XML_CASES:
        shutil.copyfile(FIXTURES / "xml" / name, together / "learnings" / name)
    # titles and categories repeat across these files: only the per-file checks matter here
    jobs.append((["validate", "--ignore", "KB317,KB318"], together))
    runs = run_many(jobs, tmp)
    assert_no_connection(port9)
    return {**dict(zip(XML_CASES, runs, strict=False)), "*": runs[-1]}


@pytest.mark.parametrize("name", sorted(XML_CASES))
def test_xml_case(xml_runs: dict[str, Run], name: str) -> None:
    run = xml_runs[name]
    run.check_hygiene()
    code, expected = XML_CASES[name]
    assert run.code == code, (run.out, run.err)
    assert run.found() == {(f"learnings/{name}", c, line) for c, line in expected}, run.out
    if code:
        assert "error" in run.err  # the summary line says what happened


def test_one_broken_file_does_not_stop_the_others(xml_runs: dict[str, Run]) -> None:
    """All files in one KB: each still gets exactly its own findings."""
    run = xml_runs["*"]
    run.check_hygiene()
    assert run.code == 1
    expected = {
        (f"learnings/{n}", c, line) for n, (_, found) in XML_CASES.items() for c, line in found
    }
    assert run.found() == expected, run.out


def test_messages_are_one_line_and_escaped(xml_runs: dict[str, Run]) -> None:
    run = xml_runs["id_newline_and_control.xml"]
    assert len(run.out.splitlines()) == 1
    assert r"ok\nInjected-Header: yes" in run.out


def test_duplicate_ids_name_both_places(tmp_path: Path, port9: socket.socket | None) -> None:
    kb = make_kb(tmp_path / "kb")
    for src in (FIXTURES / "duplicate_ids").glob("*.xml"):
        shutil.copyfile(src, kb / "learnings" / src.name)
    [run] = run_many([(["validate"], kb)], tmp_path)
    run.check_hygiene()
    assert run.code == 1
    lines = {m["path"]: m for m in run.findings if m["code"] == "KB303"}
    assert "also at learnings/b.xml:2" in lines["learnings/a.xml"]["message"]
    assert "also at learnings/a.xml:2" in lines["learnings/b.xml"]["message"]
    # the case variant is a collision too (outputs would clash on case-insensitive filesystems),
    # and not a valid id in the first place
    variant = {m["code"] for m in run.findings if m["path"] == "learnings/c_case_variant.xml"}
    assert variant == {"KB302", "KB303"}
    assert_no_connection(port9)


# ------------------------------------------------------------------ generated large inputs


def generate_large(folder: Path, scale: float) -> dict[str, int]:
    """gen_large_inputs.py in our format: the same shapes, at ``scale``. Returns file sizes."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'

    def doc(category: str, attrs: str, description: str) -> str:
        return (
            f"{head}<specification><metadata><name>n</name><type>learnings</type>"
            f"<category>{category}</category></metadata><learnings>\n"
            f'<learning id="{category.replace(" ", "-")}"{attrs}><title>{category}</title>'
            f"<date>2025-01-01</date><category>{category}</category>"
            f"<description>{description}</description></learning></learnings></specification>\n"
        )

    mb = 1 << 20
    texts = {
        "huge_text_node": doc(
            "huge text node",
            "",
            "lorem ipsum dolor sit amet ".ljust(64, ".") * int(mb * 50 * scale // 64),
        ),
        "huge_attribute_value": doc(
            "huge attribute value", f' note="{"A" * int(mb * 20 * scale)}"', "b"
        ),
        "wide_tree": doc("wide tree", "", "<p>x</p>" * int(1_000_000 * scale)),
        "long_element_name": head + "<" + "n" * 100_000 + "/>\n",
    }
    sizes = {}
    for name, text in texts.items():
        (folder / f"{name}.xml").write_text(text)
        sizes[name] = len(text.encode())
    return sizes


def test_large_inputs_stay_bounded(tmp_path: Path, port9: socket.socket | None) -> None:
    kb = make_kb(tmp_path / "kb")
    sizes = generate_large(kb / "learnings", scale=0.05)
    assert sizes["huge_text_node"] > 1 << 20 and sizes["huge_attribute_value"] > 1 << 20
    [run] = run_many([(["validate"], kb)], tmp_path, memory=384 << 20, timeout=20)
    run.check_hygiene()
    assert run.code == 1
    found = {(m["path"].removeprefix("learnings/"), m["code"]) for m in run.findings}
    assert found == {
        ("huge_text_node.xml", "KB105"),  # refused at the size cap, before parsing
        ("huge_attribute_value.xml", "KB105"),
        ("long_element_name.xml", "KB101"),  # over libxml2's name limit (never huge_tree)
        ("wide_tree.xml", "KB201"),  # 50k <p> in a text element: a schema error ...
        ("wide_tree.xml", "KB203"),
    }
    wide = [m for m in run.findings if m["path"] == "learnings/wide_tree.xml"]
    assert len(wide) <= 5  # ... reported once, not once per element
    assert_no_connection(port9)


def test_size_cap_is_configurable(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb")
    (kb / "kbtool.toml").write_text('learnings = "learnings"\nmax-file-bytes = 4096\n')
    src = FIXTURES / "xml" / "very_long_line.xml"  # accepted under the default cap
    shutil.copyfile(src, kb / "learnings" / src.name)
    [run] = run_many([(["validate"], kb)], tmp_path)
    run.check_hygiene()
    assert run.code == 1
    assert [(m["code"], m["message"]) for m in run.findings] == [
        ("KB105", f"file is {src.stat().st_size} bytes, over the 4096-byte cap")
    ]


def test_many_attributes_finish_in_seconds(tmp_path: Path) -> None:
    """20 000 unknown attributes (220 kB, under the cap): bounded time and memory."""
    kb = make_kb(tmp_path / "kb")
    attrs = " ".join(f'a{i}="{i}"' for i in range(20_000))
    text = (FIXTURES / "xml" / "crlf.xml").read_text().replace('id="crlf"', f'id="crlf" {attrs}')
    (kb / "learnings" / "crlf.xml").write_text(text)
    [run] = run_many([(["validate"], kb)], tmp_path, memory=384 << 20, timeout=15)
    run.check_hygiene()
    assert run.code == 1
    assert run.findings and {m["code"] for m in run.findings} <= {"KB204", "KB209"}


def test_many_files_with_few_file_descriptors(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb")
    crlf = (FIXTURES / "xml" / "crlf.xml").read_text()
    for i in range(150):
        text = crlf.replace("crlf", f"kb {i:05d}").replace('id="kb 0', 'id="kb-0')
        text = text.replace("Windows line endings", f"Entry {i}")
        (kb / "learnings" / f"kb_{i:05d}.xml").write_text(text)
    [run] = run_many([(["validate", "--no-cache"], kb)], tmp_path, files=64)
    run.check_hygiene()
    assert (run.code, run.out) == (0, ""), run.err
    assert "150 files" in run.err


# ------------------------------------------------------------------ filesystem traps

BROKEN = '<?xml version="1.0"?>\n<specification>\n  <metadata>\n'  # KB101 at line 4


def make_traps(base: Path) -> Path:
    """make_fs_traps.sh in our format; the KB root is ``base/kb``, ``base/outside`` is not."""
    kb = make_kb(base / "kb", learnings=".")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.xml").write_text(SECRET)
    ok = (FIXTURES / "xml" / "crlf.xml").read_text()
    (kb / "crlf.xml").write_text(ok)
    (kb / "loop_a.xml").symlink_to("loop_b.xml")
    (kb / "loop_b.xml").symlink_to("loop_a.xml")
    (kb / "dirloop").mkdir()
    (kb / "dirloop" / "up").symlink_to("..")
    (kb / "leak_hostname.xml").symlink_to("/etc/hostname")
    (kb / "escape_relative.xml").symlink_to("../outside/secret.xml")
    (kb / "escape_dir").symlink_to("../outside")
    (kb / "dangling.xml").symlink_to("does_not_exist.xml")
    os.mkfifo(kb / "fifo_entry.xml")
    (kb / "zero_entry.xml").symlink_to("/dev/zero")
    (kb / "urandom_entry.xml").symlink_to("/dev/urandom")
    (kb / "directory_named.xml").mkdir()
    (kb / "unreadable.xml").write_text(ok)
    (kb / "unreadable.xml").chmod(0)
    for name in (
        "-rf.xml",
        "--help.xml",
        "name with spaces.xml",
        "newline\nin_name.xml",
        "UPPER.XML",
    ):
        (kb / name).write_text(BROKEN)
    Path(os.fsdecode(os.fsencode(kb) + b"/latin1_\xe9.xml")).write_text(BROKEN)
    return kb


def _readable_when_chmod_0() -> bool:
    return os.geteuid() == 0  # root reads it all the same


TRAP_FINDINGS = {
    "loop_a.xml": ("KB100", "symbolic link loop"),
    "loop_b.xml": ("KB100", "symbolic link loop"),
    "leak_hostname.xml": ("KB104", "leaves the knowledge base root"),
    "escape_relative.xml": ("KB104", "leaves the knowledge base root"),
    "escape_dir": ("KB104", "a link to a folder outside"),  # reported, not skipped (issue 10)
    "dangling.xml": ("KB100", "no such file"),
    "fifo_entry.xml": ("KB106", "not a regular file"),
    "zero_entry.xml": ("KB104", "leaves the knowledge base root"),
    "urandom_entry.xml": ("KB104", "leaves the knowledge base root"),
    "directory_named.xml": ("KB106", "not a regular file"),
    "-rf.xml": ("KB101", ""),
    "--help.xml": ("KB101", ""),
    "name with spaces.xml": ("KB101", ""),
    "newline in_name.xml": ("KB101", ""),  # the newline is not printed: one finding, one line
    "latin1_\\xe9.xml": ("KB101", ""),  # the undecodable byte, escaped
}


@pytest.fixture(scope="module")
def trap_runs(
    tmp_path_factory: pytest.TempPathFactory, port9: socket.socket | None
) -> dict[str, Run]:
    base = tmp_path_factory.mktemp("traps")
    kb = make_traps(base)
    named = [
        "--",
        "-rf.xml",
        "--help.xml",
        "fifo_entry.xml",
        "zero_entry.xml",
        "loop_a.xml",
        "escape_dir/secret.xml",
        "../outside/secret.xml",
        "newline\nin_name.xml",
    ]
    runs = run_many(
        [
            (["validate", "--select", "KB1"], kb),
            (["validate", "--select", "KB1", *named], kb),
        ],
        base,
        timeout=20,
    )
    assert_no_connection(port9)
    return {"walk": runs[0], "named": runs[1]}


def test_traps_when_walking(trap_runs: dict[str, Run]) -> None:
    run = trap_runs["walk"]
    run.check_hygiene()
    assert run.code == 1
    got: dict[str, tuple[str, str]] = {}
    for m in run.findings:
        assert m["path"] not in got, f"two findings for {m['path']}"
        got[m["path"]] = (m["code"], m["message"])
    expected = dict(TRAP_FINDINGS)
    if not _readable_when_chmod_0():
        expected["unreadable.xml"] = ("KB100", "ermission denied")
    assert set(got) == set(expected), run.out  # crlf.xml is fine; UPPER.XML is not a KB file
    for path, (code, reason) in expected.items():
        assert got[path][0] == code and reason in got[path][1], (path, got[path])


def test_traps_when_named(trap_runs: dict[str, Run]) -> None:
    """File arguments are paths after ``--``, even when they look like options."""
    run = trap_runs["named"]
    run.check_hygiene()
    assert run.code == 1
    got = {m["path"]: m["code"] for m in run.findings}
    assert got.pop("-rf.xml") == "KB101" and got.pop("--help.xml") == "KB101"
    assert got.pop("newline in_name.xml") == "KB101"
    assert got.pop("fifo_entry.xml") == "KB106"
    assert got.pop("loop_a.xml") == "KB100"
    assert got.pop("zero_entry.xml") == "KB104"
    assert set(got.values()) == {"KB104"} and len(got) == 2, got  # both ways to the outside file
