"""What kbtool's own fix-report template (``templates/fix-report.md.j2``) writes that is not
entry text, in one place: the render side writes it, the import side knows it again, so an
entry rendered and imported back comes back as it was (``tests/test_render_roundtrip.py``).

- ``REPO_ONLY_LABEL`` opens a verification check that runs a script of the knowledge base's
  own repository (``REPO_ONLY`` in its text); import drops it again;
- ``UNTITLED_STEP`` heads a solution step that has code and no prose;
- ``GENERATED_RELATED`` are the labels of the Related items the template writes from the
  entry's own data ("Fix report: …", "Related learning: …"); "Learning entry: …" links the
  report to the entry it was rendered from and is no reference of the entry itself.
"""

from __future__ import annotations

import re

#: Verification that runs a script of the knowledge base's own repository.
REPO_ONLY = "tests/repro/"
#: The label the template puts before such a check.
REPO_ONLY_LABEL = "**In the knowledge base's repository:** "

#: A value a code block's info string holds (``python file=app/x.py``): no blank, backtick
#: or "="; a longer or stranger file name is left out of it.
INFO_VALUE = re.compile(r"[^\s`=]{1,200}")
#: The label render puts over a step's code of a given ``file`` or ``kind``
#: (``**Broken, in `app/x.py`:**``), which import drops again when it agrees with the code
#: block's fence (:func:`kbtool.reports.sections.solution_steps`).
CODE_LABEL = re.compile(r"^\*\*(?P<word>Broken|Fixed|In)(?:,? in)?(?: `(?P<file>[^`\n]+)`)?:\*\*$")
#: The heading of a step with no prose (only code); import reads it as no prose again.
UNTITLED_STEP = "Change the code"
#: … and of one whose code names its file.
FILE_STEP = "Change `{}`"

FIX_REPORT_ITEM = "Fix report: "
RELATED_LEARNING_ITEM = "Related learning: "
SUPERSEDES_ITEM = "Supersedes: "
#: The kind :func:`kbtool.reports.references.related_refs` gives a "Supersedes:" item: no
#: reference, the entry's ``<supersedes>``.
SUPERSEDES = "supersedes"
SOURCE_ENTRY_ITEM = "Learning entry: "
#: "Issue: [url](url)", "Link: …": a kind the URL alone would not give (see ``url_kind``).
KIND_ITEMS = {"Issue: ": "issue", "Link: ": "link"}
GENERATED_RELATED = (FIX_REPORT_ITEM, SOURCE_ENTRY_ITEM, RELATED_LEARNING_ITEM, SUPERSEDES_ITEM)

#: A generated Related item as a line of Markdown (``- Fix report: …``).
GENERATED_ITEM = re.compile(
    r"^- (?:" + "|".join(re.escape(g.strip()) for g in GENERATED_RELATED) + r") .*(?:\n|$)",
    re.MULTILINE,
)


def without_repo_label(check: str) -> str:
    """A verification item without the label the template added (only where the template
    adds it, so the label comes back when the entry is rendered again)."""
    if check.startswith(REPO_ONLY_LABEL) and REPO_ONLY in check:
        return check[len(REPO_ONLY_LABEL) :].lstrip()
    return check


def abbreviates(heading: str, paragraph: str) -> bool:
    """Whether a step heading only repeats the start of its first paragraph (a title taken
    from it, as ``kbtool render`` and many authors write one): the paragraph says it all.
    ``kbtool render`` asks too, so the titles it writes are read back as it meant them."""

    def norm(text: str) -> str:
        return " ".join(text.replace("`", "").split()).lower()

    head = norm(heading.rstrip(" .:…").removesuffix("...").rstrip(" .:"))
    text = norm(paragraph)
    return bool(head) and (
        text.startswith(head)
        if len(head) >= 3
        else text.startswith(head + " ") or text.rstrip(" .:!?") == head
    )


#: How a sentence may end; a step heading that ends otherwise gets its period back.
SENTENCE_ENDS = (".", "!", "?", ":", ";", "…")


def sentence_form(heading: str) -> str:
    """A step heading as the first sentence of the step's text: with the final period a
    heading leaves out (``### 1. Use a factory`` → "Use a factory."; ``kbtool render`` drops
    it: :func:`kbtool.render.derive.step_title`)."""
    heading = heading.rstrip()
    if not heading or heading.endswith(SENTENCE_ENDS):
        return heading
    return heading + "."
