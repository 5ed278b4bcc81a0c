"""Score `kbtool migrate` on a legacy corpus: word recall, typed share, records found against
the expected records, complete entries, crashes and run time; the last line is the summary.

    python tests/benchmarks/score_migrate.py [CORPUS] [EXPECTED.json]

Defaults: tests/fixtures/legacy and tests/fixtures/legacy_expected.json; the fix-report
fixtures of tests/fixtures/reports/import_failures/ are imported and scored too. A held-out
folder is scored the same way with its own expected-records file ({"records": {file: [titles]},
"catalogues": {file: …}}).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from helpers_corpus import score, score_reports  # noqa: E402

REPORTS = HERE.parent / "fixtures" / "reports" / "import_failures"


def main(argv: list[str]) -> int:
    corpus = Path(argv[0]) if argv else HERE.parent / "fixtures" / "legacy"
    expected_path = (
        Path(argv[1]) if len(argv) > 1 else HERE.parent / "fixtures" / "legacy_expected.json"
    )
    expected = json.loads(expected_path.read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "legacy"
        shutil.copytree(corpus, src, symlinks=True)
        result = score(src, Path(tmp) / "out", expected)
    worst = sorted(result.missing.items(), key=lambda kv: -kv[1])[:10]
    print(f"corpus: {corpus} ({result.records_expected} expected records)")
    print(f"word recall: {result.recall:.5f}; words missing (top 10): {worst}")
    print(f"typed share: {result.typed:.1%} of the words of migrated entries")
    print(f"records found: {result.records_found}/{result.records_expected}")
    for name, title in result.missed_records:
        print(f"  missed: {name}: {title}")
    for name, title in result.extra_records:
        print(f"  unexpected: {name}: {title}")
    print(f"complete entries: {result.complete}/{result.entries}")
    print(f"crashes: {result.crashes}; run time {result.seconds:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        kb = Path(tmp)
        (kb / "learnings").mkdir()
        (kb / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n')
        expected_reports = json.loads((REPORTS / "expected.json").read_text("utf-8"))
        reports = score_reports(REPORTS, expected_reports, kb)
    for report in reports:
        if not report.complete:
            print(f"  report incomplete: {report.name}: {'; '.join(report.problems)}")
    done = sum(r.complete for r in reports)
    print(f"{result.summary()}; reports complete {done}/{len(reports)}")
    return 1 if result.crashes else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
