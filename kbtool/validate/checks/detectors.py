"""KB5xx: every detector compiles and behaves on its own examples.

Per file: each ``<detector>`` of each entry is compiled (KB503 regex, KB504 rule, KB505
examples, KB506 risky regex) and run on each of its examples: a bad example it does not
flag is KB501, a good example it flags is KB502, a Python example that does not parse is
KB507. The results depend only on the file's bytes, so they are cached with it.
"""

from __future__ import annotations

from kbtool.validate import FileContext, file_check


@file_check
def detector_examples(ctx: FileContext) -> None:
    counts = {"detectors": 0, "entries": 0}
    ctx.facts["detectors"] = counts
    # Most files have none. While no file parsed in this process has had one, lxml answers
    # from its table of names without a walk (~1/90 of the time of looking through the
    # bytes); after that, a walk in C takes about the time of the bytes.
    if next(ctx.root.iter("detectors"), None) is None:
        return
    for box in ctx.root.iterfind("learnings/learning/detectors"):
        from kbtool.scan.detectors.run import run_example, slow_reason
        from kbtool.scan.detectors.spec import compile_detector

        entry = box.getparent()
        counts["entries"] += 1
        entry_id = (entry.get("id") or "").strip()
        for index, el in enumerate(box.iterchildren("detector")):
            counts["detectors"] += 1
            det, problems = compile_detector(el, entry_id, index)
            for p in problems:
                ctx.report(p.element, p.code, p.message, attr=p.attr)
            if det is None:
                continue
            for ex in det.examples:
                result = run_example(det, ex.files)
                if result.timeouts:
                    ctx.report(
                        ex.element,
                        "KB506",
                        f"detector {index + 1} of {entry_id!r} stopped at its time limit on "
                        f"its {ex.kind} example: {slow_reason(det)}",
                    )
                    continue
                for bad in result.parse_problems:
                    ctx.report(
                        ex.xml_line(bad.file.rel, bad.line),
                        "KB507",
                        f"{ex.kind} example {bad.file.rel}:{bad.line}: {bad.message}",
                    )
                if result.parse_problems:
                    continue
                if ex.kind == "bad" and not result.hits:
                    ctx.report(
                        ex.element,
                        "KB501",
                        f"detector {index + 1} of {entry_id!r} does not flag its bad example",
                    )
                elif ex.kind == "good" and result.hits:
                    first = result.hits[0]
                    ctx.report(
                        ex.xml_line(first.file.rel, first.line),
                        "KB502",
                        f"detector {index + 1} of {entry_id!r} flags its good example "
                        f"at {first.file.rel}:{first.line}:{first.col}",
                    )
