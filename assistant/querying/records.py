"""Exact filters and aggregates over ALL records (never a top-k): lists, counts, weight sums, max/min."""
from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from datetime import date

from assistant.catalog import (
    REPORTED_IN_STATUS,
    ROW_FIELDS,
    Catalog,
    has_field,
    indicator_names,
    writes,
    written_in,
)
from assistant.lexicon import Lexicon
from assistant.querying.attainment import overall
from assistant.types import Filters
from assistant.understanding.dates import parse_deadline
from ingest.text import norm, stated, stem, tokens, writes_phrase
from ingest.types import Indicator, Objective

_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%?")


def parse_weight(text: str | None) -> float | None:
    """A weight as a number: '30%' -> 30, '30' -> 30 (the documents write both), else None."""
    if not text:
        return None
    found = _PERCENT.fullmatch(text.strip())
    return float(found.group(1).replace(",", ".")) if found else None


def _contains_words(value: str | None, phrase: str) -> bool:
    """Every word of the phrase (by stem) occurs in the value."""
    if not value:
        return False
    have = {stem(t) for t in tokens(value)}
    return all(stem(t) in have for t in tokens(phrase))


def shares_words(value: str | None, phrase: str, ignore: frozenset[str] = frozenset()) -> bool:
    """Some word of the phrase (by stem, ``ignore`` aside) occurs in the value."""
    wanted = {stem(t) for t in tokens(phrase) if t not in ignore}
    return bool(value) and bool(wanted & {stem(t) for t in tokens(value or "")})


def _class_match(value: str | None, phrase: str, exact: bool) -> bool:
    if not value:
        return False
    v = " ".join(tokens(value))
    return v == phrase if exact else re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", v) is not None


def _in_range(catalog: Catalog, obj: Objective, start: date, end: date) -> bool:
    return any(d is not None and start <= d <= end for _, d in catalog.deadlines[obj.key])


_NUMBER = re.compile(r"(?<![\d/])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\d/])")
_MONEY = re.compile(r"€|\beuro\b", re.IGNORECASE)


def target_form(target: str, lexicon: Lexicon) -> str | None:
    """The form a target is written in: a deadline ('Entro il 30/09/2025'), an amount of money ('€ 250.000'),
    a percentage ('≥ 85%'), a number ('1.200', '6 km'); ``None`` for words alone ('Aggiornamento annuale')."""
    if lexicon.deadline_cues.search(norm(target)) and parse_deadline(target, lexicon):
        return "scadenza"
    if _MONEY.search(target):
        return "importo"
    if "%" in target:
        return "percentuale"
    return "numero" if _NUMBER.search(target) else None


def _numbers(text: str) -> list[float]:
    return [float(m.group(1).replace(".", "") + (f".{m.group(2)}" if m.group(2) else "")) for m in _NUMBER.finditer(text)]


def target_matches(target: str | None, filters: Filters, lexicon: Lexicon) -> bool:
    """Whether a target is of the asked form and states the asked value (its unit too, when one was said)."""
    if not target:
        return False
    form = target_form(target, lexicon)
    if filters.target_forma and form != filters.target_forma:
        return False
    if filters.target_valore:
        wanted = _numbers(filters.target_valore)
        unit = _NUMBER.sub(" ", filters.target_valore).strip().lower()
        if not wanted or wanted[0] not in _numbers(target) or form == "scadenza":
            return False
        if unit == "%" and form != "percentuale" or unit in ("€", "euro") and form != "importo":
            return False
        if unit not in ("", "%", "€", "euro") and unit not in target.lower():
            return False
    return True


def target_rows(obj: Objective, filters: Filters, lexicon: Lexicon) -> list[Indicator]:
    """The indicator rows (of the year, if one is given) whose target has the asked form and value."""
    rows = [r for r in obj.indicatori if (filters.anno is None or r.anno == filters.anno)
            and target_matches(r.target, filters, lexicon)]
    return list({(r.anno, r.target): r for r in rows}.values())  # one row per year and value


def _targets_match(obj: Objective, filters: Filters, lexicon: Lexicon) -> bool:
    """Whether one target of the objective (of the year, if one is given) has the asked form and value, or
    every one when every one is asked ('esclusivamente in percentuale')."""
    rows = [r for r in obj.indicatori if r.target and (filters.anno is None or r.anno == filters.anno)]
    matched = [target_matches(r.target, filters, lexicon) for r in rows]
    return bool(matched) and (all(matched) if filters.target_tutti else any(matched))


def _states(catalog: Catalog, obj: Objective, name: str, year: int | None) -> bool:
    """Whether a record states a field; a deadline also where a target is one ('Entro il 30/09/2025'), as
    plans without a deadline column write it."""
    if has_field(obj, name, year):
        return True
    return name == "scadenza" and any(d is not None and (year is None or row.anno == year)
                                      for row, d in catalog.deadlines[obj.key])


def filter_records(catalog: Catalog, filters: Filters, within: Sequence[str] | None = None) -> list[Objective]:
    """Every record matching all the filters (document order), optionally within some keys."""
    allowed = set(within) if within is not None else None
    exact_class = filters.classificazione is not None and any(
        " ".join(tokens(c)) == filters.classificazione for c in catalog.classifications)
    judged_year = catalog.judged_year(filters.anno) if REPORTED_IN_STATUS & {*filters.missing, *filters.present} \
        else None
    out = []
    for o in catalog.records:
        if allowed is not None and o.key not in allowed:
            continue
        if filters.documento and o.documento != filters.documento:
            continue
        if filters.documenti is not None and o.documento not in filters.documenti:
            continue
        if filters.ente and norm(o.ente or "") != norm(filters.ente):
            continue
        if filters.settore and (o.settore in (filters.settore, *filters.altri_settori)) == filters.settore_escluso:
            continue
        if filters.classificazione and _class_match(o.classificazione, filters.classificazione, exact_class) \
                == filters.classificazione_esclusa:
            continue
        if filters.responsabile and not any(norm(p) in norm(o.responsabile or "")
                                            for p in (filters.responsabile, *filters.altri_responsabili)):
            continue
        if filters.pnrr and not has_field(o, "pnrr"):
            continue
        if filters.anno and filters.anno not in o.anni and not set(filters.missing) & ROW_FIELDS:
            continue  # 'senza target per il 2027' includes the objectives with no row for 2027
        if filters.destinatari and not _contains_words(o.destinatari, filters.destinatari):
            continue
        if filters.indicatori is not None and not COMPARE.get(filters.indicatori_op, operator.eq)(
                len(indicator_names(o, filters.anno)), filters.indicatori):
            continue
        if filters.peso is not None and not _has_weight(o, filters.peso, filters.anno, filters.peso_op, filters.peso_max):
            continue
        if (filters.target_forma or filters.target_valore) and not _targets_match(o, filters, catalog.lexicon):
            continue
        missing, present = filters.missing, filters.present
        if judged_year is not None and not any(has_field(o, name, judged_year) for name in REPORTED_IN_STATUS):
            # 'non hanno raggiunto il target': judged from what the status reports (no row states it)
            verdict = overall(catalog.assessments(o, judged_year) or [])
            if (set(missing) & REPORTED_IN_STATUS and verdict != "missed") or (
                    set(present) & REPORTED_IN_STATUS and verdict != "met"):
                continue
            missing = [m for m in missing if m not in REPORTED_IN_STATUS]
            present = [m for m in present if m not in REPORTED_IN_STATUS]
        if filters.missing_in_some and missing and not any(_lacks_somewhere(o, name, filters.anno) for name in missing):
            continue
        if not filters.missing_in_some and any(_states(catalog, o, name, filters.anno) for name in missing):
            continue
        if not all(_states(catalog, o, name, filters.anno) for name in present):
            continue
        if filters.quoted and not any((writes(o, q) if not filters.quoted_in else any(
                writes_phrase(written_in(o, f, filters.anno), q) for f in filters.quoted_in))
                for q in filters.quoted_any or [filters.quoted]):
            continue
        if filters.scadenza_da and filters.scadenza_a and not _in_range(
                catalog, o, date.fromisoformat(filters.scadenza_da), date.fromisoformat(filters.scadenza_a)):
            continue
        out.append(o)
    return out


def unjudged(catalog: Catalog, filters: Filters, within: Sequence[str] | None = None) -> list[Objective]:
    """The records a 'target raggiunto' filter judged from the statuses leaves out because their status
    tells neither way (no status for the year, or no value told apart for a target)."""
    year = catalog.judged_year(filters.anno)
    if year is None or not REPORTED_IN_STATUS & {*filters.missing, *filters.present}:
        return []
    rest = filters.model_copy(update={"missing": [m for m in filters.missing if m not in REPORTED_IN_STATUS],
                                      "present": [m for m in filters.present if m not in REPORTED_IN_STATUS],
                                      "missing_in_some": False if not set(filters.missing) - REPORTED_IN_STATUS
                                      else filters.missing_in_some})
    return [o for o in filter_records(catalog, rest, within) if not any(
        has_field(o, name, year) for name in REPORTED_IN_STATUS) and o.anni and year in o.anni
        and overall(catalog.assessments(o, year) or []) == "unknown"]


def rows_with_weight(obj: Objective, weight: float, year: int | None) -> list[Indicator]:
    """The indicator rows stating a weight (in the year, if one is given)."""
    return [r for r in obj.indicatori if parse_weight(r.peso) == weight and (year is None or r.anno == year)]


def _lacks_somewhere(obj: Objective, name: str, year: int | None) -> bool:
    """Whether some indicator of the record leaves a field empty (in the year, if given: an indicator with
    no row for it lacks it there too); a card field, whether the card leaves it empty."""
    if name not in ROW_FIELDS:
        return not has_field(obj, name)
    series = {norm(r.indicatore or "") for r in obj.indicatori} or {""}
    filled = {norm(r.indicatore or "") for r in obj.indicatori
              if (year is None or r.anno == year) and stated(getattr(r, name))}
    return bool(series - filled)


COMPARE = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt, "ne": operator.ne}


def _has_weight(obj: Objective, weight: float, year: int | None, op: str = "eq", high: float | None = None) -> bool:
    """Whether an objective's weight is, or compares so with, a value ('between': from ``weight`` to ``high``);
    an objective stating no weight is none of them."""
    if op == "eq":
        return parse_weight(obj.peso) == weight or bool(rows_with_weight(obj, weight, year))
    total = weight_rows(obj, year if year is not None else (obj.anni[0] if obj.anni else None))[0]
    if op == "ne":
        return total is not None and not _has_weight(obj, weight, year)
    if op == "between":
        return total is not None and weight <= total <= (high if high is not None else weight)
    return total is not None and COMPARE[op](total, weight)




def rows_in_range(catalog: Catalog, obj: Objective, start: date, end: date) -> list[Indicator]:
    """The indicator rows of a record whose deadline falls in the range."""
    return [i for i, d in catalog.deadlines[obj.key] if d is not None and start <= d <= end]


def weight_rows(obj: Objective, year: int | None) -> tuple[float | None, list[Indicator]]:
    """The weight of an objective for a year and the rows it comes from.

    The card's own weight when it states one; otherwise the sum of the weights of that year's
    indicator rows (None when no row of that year has a weight).
    """
    card = parse_weight(obj.peso)
    if card is not None:
        return card, []
    rows = [i for i in obj.indicatori if (year is None or i.anno == year) and parse_weight(i.peso) is not None]
    if not rows:
        return None, []
    return sum(parse_weight(i.peso) or 0.0 for i in rows), rows


def default_year(records: Sequence[Objective]) -> int | None:
    """The first year with indicator rows among the records."""
    years = sorted({y for o in records for y in o.anni})
    return years[0] if years else None


def sum_weights(records: Sequence[Objective], year: int | None) -> float:
    """Sum of the objectives' weights for a year."""
    return sum(weight_rows(o, year)[0] or 0.0 for o in records)


def extreme_weight(records: Sequence[Objective], year: int | None, direction: str,
                   top: int | None = None) -> list[Objective]:
    """The objectives with the highest (or lowest) weight for a year; ties all returned. With ``top``,
    the ``top`` heaviest (lightest) in order, with every objective tied with the last one."""
    weights = {o.key: weight_rows(o, year)[0] for o in records}
    known = sorted({w for w in weights.values() if w is not None}, reverse=direction == "max")
    if not known:
        return []
    ranked = sorted((o for o in records if weights[o.key] is not None),
                    key=lambda o: -weights[o.key] if direction == "max" else weights[o.key])
    if not top:
        return [o for o in ranked if weights[o.key] == known[0]]
    cut = weights[ranked[min(top, len(ranked)) - 1].key]
    return [o for o in ranked if (weights[o.key] >= cut if direction == "max" else weights[o.key] <= cut)]


def format_number(value: float) -> str:
    """30.0 -> '30', 12.5 -> '12,5' (Italian decimal comma)."""
    return str(int(value)) if value == int(value) else f"{value:.2f}".rstrip("0").replace(".", ",")


def group_records(records: Sequence[Objective], by: str) -> list[tuple[str | None, list[Objective]]]:
    """Records grouped by the value of one field (as written), largest group first; None = not stated."""
    groups: dict[str | None, list[Objective]] = {}
    for obj in records:
        groups.setdefault(getattr(obj, by) or None, []).append(obj)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0] is None, kv[0] or ""))
