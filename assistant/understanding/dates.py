"""Dates in scadenza cells and date ranges in questions."""
from __future__ import annotations

import calendar
import re
from datetime import date

from assistant.lexicon import Lexicon
from ingest.text import norm

_DMY = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)")
_YEAR = re.compile(r"(?<![\d.,/])(20\d{2})(?![\d.,/]\d)")


def safe_date(y: int, m: int, d: int) -> date | None:
    if y < 100:
        y += 2000
    try:
        return date(y, m, d)
    except ValueError:
        return None


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(text: str | None, lexicon: Lexicon) -> date | None:
    """The date a scadenza cell states ('31.12.2023', '30/06/23', 'secondo semestre 2023'), if any.

    A period ('secondo semestre 2023', 'dicembre 2023') counts as its last day; a truncated or
    unreadable value ('Entro il 31/12/202') gives None.
    """
    if not text:
        return None
    found = _DMY.search(text)
    if found:
        d, m, y = (int(g) for g in found.groups())
        return safe_date(y, m, d)
    n = norm(text)
    years = _YEAR.findall(n)
    if not years:
        return None
    year = int(years[-1])
    for phrase, (_, last) in lexicon.periods.items():
        if phrase in n:
            return month_end(year, last)
    for name, month in lexicon.months.items():
        if re.search(rf"(?<![a-z]){name}(?![a-z])", n):
            return month_end(year, month)
    return None


def question_years(text: str) -> list[int]:
    """The years (2000-2099) named in a normalised question, in order, without repeats."""
    out: list[int] = []
    for y in _YEAR.findall(text):
        if int(y) not in out:
            out.append(int(y))
    return out


def question_range(text: str, lexicon: Lexicon, default_year: int | None) -> tuple[date, date] | None:
    """A date range named in a normalised question: 'tra luglio e settembre 2023', 'entro giugno',
    'nel secondo semestre 2023', 'dal 01/07/2023 al 30/09/2023'."""
    dates = [dt for dt in (safe_date(int(y), int(m), int(d)) for d, m, y in _DMY.findall(text)) if dt]
    if len(dates) >= 2:
        return min(dates), max(dates)
    years = question_years(text)
    year = years[0] if years else default_year
    if len(dates) == 1:
        return (date(dates[0].year, 1, 1) if re.search(r"\bentro\b", text) else dates[0]), dates[0]
    if year is None:
        return None
    for phrase, (first, last) in lexicon.periods.items():
        if phrase in text:
            return date(year, first, 1), month_end(year, last)
    months = [lexicon.months[m.group()] for m in lexicon.month_pattern.finditer(text)]
    if not months:
        return None
    if len(months) == 1 and re.search(r"\bentro\b", text):
        return date(year, 1, 1), month_end(year, months[0])
    return date(year, months[0], 1), month_end(year, months[-1])
