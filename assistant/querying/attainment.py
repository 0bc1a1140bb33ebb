"""Whether an indicator's target was reached, read from what the status reports.

Many plans leave 'target raggiunto' empty and report the year's results in the status text instead
("Incassati € 231.500 (92,6% del target)", "Concluse 5 assunzioni su 6 previste"). When the status
covers the whole year of a target, each indicator's target is compared with the value the status writes
beside the indicator's own words:

- a target is a number, a share ('≥ 85%'), an amount ('€ 250.000') or a deadline ('Entro il 30/09/2025');
  at most ('≤ 2', 'non oltre', a deadline) or at least (anything else);
- the status's candidates are its numbers of the same kind ('45,6%', '391 richieste su 437' as a share,
  'tutte evase' as 100%; amounts in euro; dates; plain numbers, never years or dates), each read with the
  words between it and its neighbouring values in the same sentence;
- the value is the candidate whose words share the most stems with the indicator; none sharing one, or
  two different values sharing as many, is no reading ('unknown'): nothing is guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from assistant.lexicon import Lexicon
from assistant.understanding.dates import safe_date
from ingest.text import norm, stated, stem, tokens
from ingest.types import Indicator, Objective

Verdict = Literal["met", "missed", "unknown"]
Kind = Literal["date", "percent", "money", "number"]

WINDOW = 5  # content words read on each side of a value, up to its neighbouring values
_DMY = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?!\d)")
_NUMBER = re.compile(r"(?<![\d.,/])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\d/]|[.,]\d)")
_YEAR_LIKE = re.compile(r"^(19|20)\d\d$")
_PERCENT_AFTER = re.compile(r"^\s*%")
_EURO_BEFORE = re.compile(r"(€|euro|eur)\s*$", re.IGNORECASE)
_EURO_AFTER = re.compile(r"^\s*(€|euro\b)", re.IGNORECASE)
_SHARE = re.compile(r"^\s*(?:[^\W\d_]+\s+){0,3}su\s+(\d{1,3}(?:\.\d{3})+|\d+)(?![\d/])")
_AT_MOST = re.compile(r"[≤<]|\bmax\b|\bmassimo\b|\bnon oltre\b|\bentro\b|\bnon superiore\b|\bfino a\b")
_CLAUSE = re.compile(r"\n+|;\s*|\.\s+(?=[A-ZÀ-Ý])")
_ACT_NUMBER = re.compile(r"^\s*(?:del|dell'|in data)\s*\d{1,2}[./-]\d{1,2}[./-]\d{4}", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Target:
    kind: Kind
    value: float | date
    at_most: bool  # lower is better ('≤ 2 giorni', a deadline)


@dataclass(frozen=True)
class Reading:
    value: float | date
    clause: str  # the status sentence it is read from, as written


@dataclass(frozen=True)
class Assessment:
    row: Indicator
    reading: Reading | None
    verdict: Verdict


def _number(whole: str, decimals: str | None) -> float:
    return float(whole.replace(".", "") + (f".{decimals}" if decimals else ""))


def _date(m: re.Match[str]) -> date | None:
    d, mo, y = (int(g) for g in m.groups())
    return safe_date(y, mo, d)


def parse_target(text: str | None) -> Target | None:
    """The value a target cell states, with its kind and direction ('≥ 85%', 'Entro il 30/09/2025')."""
    if not stated(text):
        return None
    assert text is not None
    m = _DMY.search(text)
    if m:
        deadline = _date(m)
        return Target("date", deadline, True) if deadline else None
    nums = [n for n in _NUMBER.finditer(text) if not _YEAR_LIKE.match(n.group(0))]
    if not nums:
        return None
    n = nums[0]
    after, before = text[n.end():], text[:n.start()]
    if re.search(r"[+\-–]\s*$", before):  # '+5% dichiarazioni', '-50%': a change from before, not a value
        return None
    kind: Kind = "percent" if _PERCENT_AFTER.match(after) else \
        "money" if _EURO_BEFORE.search(before) or _EURO_AFTER.match(after) else "number"
    return Target(kind, _number(n.group(1), n.group(2)), bool(_AT_MOST.search(norm(text)) or "≤" in text))


def covered_year(obj: Objective) -> int | None:
    """The last year a status reports whole: its own at 31 December, else the one before."""
    s = obj.stato_attuazione
    if not s or not s.data or not stated(s.testo):
        return None
    try:
        d = date.fromisoformat(s.data)
    except ValueError:
        return None
    return d.year if (d.month, d.day) == (12, 31) else d.year - 1


def _values(clause: str) -> tuple[list[tuple[int, int, date]], list[re.Match[str]]]:
    """The clause's dates and its numbers that are values: never a year, a part of a date, or an act's
    number ('deliberazione n. 41 del 29/09/2025')."""
    dates = [(m.start(), m.end(), d) for m in _DMY.finditer(clause) if (d := _date(m)) is not None]
    numbers = [m for m in _NUMBER.finditer(clause)
               if not any(s <= m.start() < e for s, e, _ in dates) and not _YEAR_LIKE.match(m.group(0))
               and not _ACT_NUMBER.match(clause[m.end():])]
    return dates, numbers


def _candidates(clause: str, kind: Kind, lexicon: Lexicon) -> tuple[list[tuple[int, int, float | date]],
                                                                     list[tuple[int, int]]]:
    """(start, end, value) of the clause's values of a kind, and the spans that end a value's words (the
    other values: numbers, and dates when dates are read)."""
    dates, numbers = _values(clause)
    bounds = [(m.start(), m.end()) for m in numbers] + ([(s, e) for s, e, _ in dates] if kind == "date" else [])
    if kind == "date":
        return [(s, e, d) for s, e, d in dates], bounds
    out: list[tuple[int, int, float | date]] = []
    for m in numbers:
        after, before = clause[m.end():], clause[:m.start()]
        value = _number(m.group(1), m.group(2))
        percent = _PERCENT_AFTER.match(after) is not None
        money = _EURO_BEFORE.search(before) is not None or _EURO_AFTER.match(after) is not None
        share = _SHARE.match(after)
        if kind == "percent" and percent:
            out.append((m.start(), m.end(), value))
        elif kind == "percent" and share and _number(share.group(1), None) > 0:
            out.append((m.start(), m.end(), 100 * value / _number(share.group(1), None)))
        elif kind == "money" and money:
            out.append((m.start(), m.end(), value))
        elif kind == "number" and not percent and not money:
            out.append((m.start(), m.end(), value))
    if kind == "percent":  # 'tutte evase entro 30 giorni': the whole
        for w in _WORD.finditer(clause):
            before_words = tokens(clause[:w.start()])
            if lexicon.universal.fullmatch(norm(w.group(0))) and not (
                    before_words and lexicon.negations.fullmatch(before_words[-1])):
                out.append((w.start(), w.end(), 100.0))
                bounds.append((w.start(), w.end()))
    return sorted(out, key=lambda c: c[0]), bounds


def _content_stems(text: str, lexicon: Lexicon) -> list[str]:
    return [stem(t) for t in tokens(text) if t.isalpha() and len(t) > 2 and t not in lexicon.stopwords]


def _closeness(wanted: set[str], words: list[str]) -> float:
    """How near the value the indicator's words are (words listed from the value outwards)."""
    return sum(1 / (1 + i) for i, w in enumerate(words) if w in wanted)


def read_value(status: str, row: Indicator, target: Target, lexicon: Lexicon) -> Reading | None:
    """The value the status reports for an indicator, if one is told apart (see the module's doc): the
    value with most of the indicator's stems among its words, the nearer words deciding a tie; a date is
    read with the words before it ('approvato dal Consiglio il 29/09/2025')."""
    wanted = set(_content_stems(row.indicatore or "", lexicon))
    if not wanted:
        return None
    found: list[tuple[int, float, Reading]] = []
    for clause in filter(None, _CLAUSE.split(status)):
        cands, bounds = _candidates(clause, target.kind, lexicon)
        for start, end, value in cands:
            left_end = max((e for s, e in bounds if e <= start), default=0)
            right_start = min((s for s, e in bounds if s >= end), default=len(clause))
            left = _content_stems(clause[left_end:start], lexicon)[::-1][:WINDOW]
            right = [] if target.kind == "date" else _content_stems(clause[end:right_start], lexicon)[:WINDOW]
            score = len(wanted & set(left + right))
            if score:
                found.append((score, _closeness(wanted, left) + _closeness(wanted, right),
                              Reading(value, clause.strip())))
    if not found:
        return None
    best = max((score, near) for score, near, _ in found)
    top = [r for score, near, r in found if (score, near) == best]
    return top[0] if len({r.value for r in top}) == 1 else None


def _verdict(target: Target, value: float | date) -> Verdict:
    if isinstance(target.value, date) != isinstance(value, date):
        return "unknown"
    reached = value <= target.value if target.at_most else value >= target.value  # type: ignore[operator]
    return "met" if reached else "missed"


def assess(obj: Objective, year: int, lexicon: Lexicon) -> list[Assessment] | None:
    """Each target of the year, judged from the status ('unknown' where the status does not cover the
    year or reports no value for it); None when no row of the year has a target or the rows state their
    own 'target raggiunto' (the plan says it itself)."""
    rows = [r for r in obj.indicatori if r.anno == year and stated(r.target)]
    if not rows or any(stated(r.target_raggiunto) for r in rows):
        return None
    covered = covered_year(obj)
    status = obj.stato_attuazione.testo if obj.stato_attuazione and covered is not None and year <= covered else None
    out = []
    for r in rows:
        target = parse_target(r.target)
        reading = read_value(status, r, target, lexicon) if target and status else None
        verdict: Verdict = _verdict(target, reading.value) if target and reading else "unknown"
        out.append(Assessment(r, reading, verdict))
    return out


def overall(assessments: list[Assessment]) -> Verdict:
    """An objective's verdict for a year: missed if any target is, met if every one is, else unknown."""
    if any(a.verdict == "missed" for a in assessments):
        return "missed"
    return "met" if assessments and all(a.verdict == "met" for a in assessments) else "unknown"
