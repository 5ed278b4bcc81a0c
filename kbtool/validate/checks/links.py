"""KB401-KB406: two-way links between entries and Markdown fix reports (kbtool.reports.links)."""

from __future__ import annotations

from kbtool.validate import KbContext, kb_check


@kb_check
def report_links(kb: KbContext) -> None:
    """Anchors of report hrefs, mentions of entries in reports, and links back both ways."""
    from kbtool.reports.files import has_reports

    links_to_markdown = any(
        ref.target.partition("#")[0].endswith(".md") for entry in kb.entries for ref in entry.refs
    )
    if not links_to_markdown and not has_reports(kb.config):
        return  # nothing to check: no report, no href to one (and the graph is not imported)
    from kbtool.reports.links import graph_from_facts

    for rel, line, col, code, message in graph_from_facts(kb).findings():
        kb.report(rel, line, col, code, message)
