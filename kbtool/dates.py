"""Reading a day however a person wrote it: ISO, day-first with dots, month names in
English, French, German and Spanish. One home for the legacy migration (XML and Markdown
learnings) and the fix-report importer."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january", "janvier", "januar", "enero"),
            ("feb", "february", "février", "fevrier", "februar", "febrero"),
            ("mar", "march", "mars", "märz", "maerz", "marzo"),
            ("apr", "april", "avril", "abril"),
            ("may", "mai", "mayo"),
            ("jun", "june", "juin", "juni", "junio"),
            ("jul", "july", "juillet", "juli", "julio"),
            ("aug", "august", "août", "aout", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre"),
            ("oct", "october", "octobre", "oktober", "octubre"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "décembre", "decembre", "dezember", "diciembre"),
        ],
        1,
    )
    for name in names
}
_YMD = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?!\d)")
_DAY_MONTH = re.compile(
    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|er)?\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})(?!\d)"
)
_MONTH_DAY = re.compile(r"\b([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_any_date(text: str) -> dt.date | None:
    """A day however a person wrote it: ISO (``2024-03-03``, ``2024-3-3``, ``2024/3/3``, a
    date-time), ``29.02.2024`` (day first, as dots are written), ``March 3rd 2024``,
    ``Feb 29, 2024``, ``3 mars 2023``. A slash or dash date that could be day-first or
    month-first (``12/03/2024``) is no date: guessing would type a wrong one. ``Q1 2024`` is
    no day either."""
    value = text.strip()
    match = _YMD.search(value)
    if match:
        return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _DMY.search(value)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        if match.group(2) == ".":
            return _day(year, second, first)
        if first > 12 >= second:
            return _day(year, second, first)
        if second > 12 >= first:
            return _day(year, first, second)
        return None
    match = _DAY_MONTH.search(value)
    if match and match.group(2).lower() in _MONTHS:
        return _day(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
    match = _MONTH_DAY.search(value)
    if match and match.group(1).lower() in _MONTHS:
        return _day(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
    return None
