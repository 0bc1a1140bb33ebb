"""How a table is laid out, decided from its content (pure): header rows, context rows spanning the
table, legend tables, several indicators written on the lines of one cell, and what was read.

Used by ``objectives.py``, which walks the document and builds the records. Nothing here depends
on a municipality's wording: labels come from ``labels.yaml`` through ``labels.py``.
"""
from __future__ import annotations

import re

from pydantic import BaseModel, Field

from ingest.labels import (
    INDICATOR_FIELDS,
    OBJECTIVE_FIELDS,
    is_no_field_label,
    label_kind,
    match_field,
    sector_heading,
)
from ingest.text import null_if_empty
from ingest.types import Table

Span = tuple[int, int]
HEADER_KINDS = ("objective", "indicator", "both")
INDICATOR_ONLY = frozenset(INDICATOR_FIELDS) - frozenset(OBJECTIVE_FIELDS)
_MAX_UNKNOWN_LABEL = 40  # characters: an unknown cell longer than this is a value, not a label
_MAX_UNKNOWN_WORDS = 5
_VALUE_LIKE = re.compile(r"\d|%")
# a grouping row of a plan's structure: 'MISSIONE 01 - Servizi istituzionali', 'Programma 3', 'Linea strategica 2'
_GROUPING = re.compile(r"^(missione|programma|linea strategica|linea di mandato|ambito strategico|"
                       r"obiettivo strategico)\s*(n\.?\s*|n°\s*)?\d+\b", re.IGNORECASE)
_LEGEND_MIN_ROWS = 3
_LEGEND_SHARE = 0.8
# fields whose cell in a legend holds a description, where a card holds a number, a date or a %
_VALUED_FIELDS = frozenset({"anno", "target", "target_intermedio", "target_raggiunto", "peso", "baseline",
                            "scadenza"})
# indicator fields that may be written once for all the indicators of a cell split into lines
_SHARED_FIELDS = frozenset({"scadenza", "baseline", "fonte_verifica", "peso"})


class TableReading(BaseModel):
    """How one table was read (``piao ingest --explain``)."""

    tabella: int
    ruolo: str  # scheda | matrice | continuazione | legenda | non letta
    intestazioni: list[tuple[str, str | None]] = Field(default_factory=list)  # header -> field (None: ignored)
    righe: int = 0  # rows read as data
    obiettivi: int = 0  # objectives that start in this table
    note: list[str] = Field(default_factory=list)


def is_header(cells: list[str]) -> bool:
    """A header row: two or more cells naming fields, the other non-empty cells labels too (a
    monitoring column, a known label of no field such as ``Cod.``, or a short unknown label
    when the named ones are many)."""
    labels = [c for c in cells if c]
    kinds = [label_kind(c) for c in labels]
    named = sum(k in HEADER_KINDS for k in kinds)
    if named < 2:
        return False
    others = [c for c, k in zip(labels, kinds, strict=True) if k not in HEADER_KINDS and k != "stato"
              and not is_no_field_label(c)]
    return not others or (3 * len(others) <= named and all(_label_like(c) for c in others))


def _label_like(text: str) -> bool:
    return (len(text) <= _MAX_UNKNOWN_LABEL and len(text.split()) <= _MAX_UNKNOWN_WORDS
            and not text.rstrip().endswith((".", ";", ",")))


def names_indicators(cells: list[str]) -> bool:
    """Whether a header names an indicator-only column (Anno, Indicatore, Target...)."""
    return any(match_field(c, "indicator") in INDICATOR_ONLY for c in cells if c)


def context_text(cells: list[str], spans: list[Span] | None, width: int) -> str | None:
    """The text of a row that sets the context of the rows below (``SETTORE ...``, ``MISSIONE 01 ...``,
    ``Obiettivo strategico (DUP): ...``): one cell across the whole table, or alone in the first
    column with such a text; ``None`` for any other row. ``width``: the table's columns."""
    texts = [c for c in cells if c]
    if len(texts) != 1 or width < 3:
        return None
    if len(cells) == 1:
        return texts[0]
    if spans and len(spans) == len(cells):
        total = sum(s[1] for s in spans)
        widest = max(s[1] for s, c in zip(spans, cells, strict=True) if c)
        if widest * 3 >= total * 2:
            return texts[0]
    return cells[0] if cells[0] and is_context_like(cells[0]) else None


def is_context_like(text: str) -> bool:
    """A sector heading, an objective field given for the rows below, or a grouping (``MISSIONE 01``)."""
    first = text.split("\n")[0]
    return (sector_heading(first, looks_like_heading=True) is not None or split_label_value(first) is not None
            or _GROUPING.match(first.strip()) is not None)


def split_label_value(text: str) -> tuple[str, str] | None:
    """``'Obiettivo strategico (DUP): Sviluppo'`` -> (label, value) when the label names an objective field."""
    label, sep, value = text.partition(":")
    if not sep or not value.strip() or match_field(label, "objective") is None:
        return None
    return label.strip(), value.strip()


def is_legend(table: Table) -> bool:
    """A key to the columns: ``label | what it means`` rows (most rows), naming indicator columns or
    labels of no field, whose value-type fields (target, peso, anno...) hold words, not values."""
    rows = [[c for c in r if c] for r in table.rows]
    rows = [r for r in rows if r]
    if not rows:
        return False
    if all(len(r) == 1 and label_kind(r[0]) is not None for r in rows) and len(rows) >= _LEGEND_MIN_ROWS:
        return True  # a bare list of column labels
    keyed = [r for r in rows if len(r) == 2 and (label_kind(r[0]) is not None or is_no_field_label(r[0]))]
    if len(keyed) < _LEGEND_MIN_ROWS or len(keyed) < _LEGEND_SHARE * (len(rows) - 1):
        return False
    fields = [match_field(r[0], "indicator") or match_field(r[0], "objective") for r in keyed]
    if not any(f in INDICATOR_ONLY for f in fields) and not any(is_no_field_label(r[0]) for r in keyed):
        return False
    valued = [r[1] for r, f in zip(keyed, fields, strict=True) if f in _VALUED_FIELDS]
    return bool(valued) and not any(_VALUE_LIKE.search(v) and len(v.split()) <= 3 for v in valued)


def split_indicators(values: dict[str, str | None]) -> list[dict[str, str | None]] | None:
    """Several indicators written on the lines of one cell, each target on the matching line of
    its cell: one dict per line. ``None`` when the lines do not line up (then the cells are one
    indicator). A single line in a shared column (scadenza, baseline, fonte) goes to every one."""
    name = values.get("indicatore")
    lines = name.split("\n") if name else []
    if len(lines) < 2:
        return [values]
    count = len(lines)
    split: dict[str, list[str | None]] = {}
    for field, value in values.items():
        parts = value.split("\n") if value is not None else [None]  # type: ignore[list-item]
        if len(parts) == count:
            split[field] = [null_if_empty(p) for p in parts]
        elif value is None or (len(parts) == 1 and field in _SHARED_FIELDS):
            split[field] = [value] * count
        else:
            return None
    return [{f: split[f][i] for f in values} for i in range(count)]


_YEAR_CELL = re.compile(r"^(?:anno\s+)?((?:19|20)\d\d)$", re.IGNORECASE)


def header_with_years(top: list[str], top_spans: list[Span] | None, sub: list[str],
                      sub_spans: list[Span] | None) -> tuple[list[str], list[Span] | None] | None:
    """A header over two rows: labels, then the years under a label spanning them (``Target`` over
    ``2025 | 2026 | 2027``). Returns the one-row header (``Target 2025``...) with the sub row's grid,
    or ``None`` when ``sub`` is not such a row. Without a grid (text export), the years sit under
    the top cell at the position of the first year, the cells before and after one to one."""
    years = [i for i, c in enumerate(sub) if c and _YEAR_CELL.match(c.strip())]
    if len(years) < 2 or years != list(range(years[0], years[0] + len(years))):
        return None
    above = _labels_above(top, top_spans, sub, sub_spans, years)
    if above is None or any(c and i not in years and c != above[i] for i, c in enumerate(sub)):
        return None
    merged = []
    for i, cell in enumerate(sub):
        year = _YEAR_CELL.match(cell.strip()) if i in years else None
        merged.append(f"{above[i]} {year.group(1)}" if year else above[i])
    return merged, sub_spans


def _labels_above(top: list[str], top_spans: list[Span] | None, sub: list[str], sub_spans: list[Span] | None,
                  years: list[int]) -> list[str] | None:
    """For each cell of the sub row, the top row's label over it."""
    if top_spans and sub_spans and len(top_spans) == len(top) and len(sub_spans) == len(sub):
        labels = []
        for first_column, _ in sub_spans:
            over = [t for t, (first, width) in zip(top, top_spans, strict=True)
                    if first <= first_column < first + width]
            if not over:
                return None
            labels.append(over[0])
        return labels
    if len(top) - 1 + len(years) != len(sub):
        return None
    first = years[0]
    return [top[i] if i < first else top[first] if i < first + len(years) else top[i - len(years) + 1]
            for i in range(len(sub))]


def repeated_fields(fields: list[str | None], years: list[int | None],
                    scopes: list[str | None] | None = None) -> list[int]:
    """Columns naming a field (for the same year and scope) that a column to their left already
    names (``Obiettivo | Descrizione obiettivo``): the first is read, these are reported as not read."""
    seen: set[tuple[str, int | None, str | None]] = set()
    repeated = []
    for i, name in enumerate(fields):
        key = (name, years[i] if years else None, scopes[i] if scopes else None)
        if name is not None and key in seen:
            repeated.append(i)
        elif name is not None:
            seen.add(key)
    return repeated


def widen(cells: list[str], fields: list[str | None], header: list[str | None], header_grid: list[Span] | None,
          spans: list[Span] | None) -> list[str]:
    """A row whose cells merge differently from the header's, spread to one cell per header column:
    by the grid where known (the header column each cell overlaps most), else by the fields
    ``columns.align`` gave each cell, left to right."""
    full = [""] * len(header)
    if header_grid and spans and len(header_grid) == len(header) and len(spans) == len(cells):
        for cell, (first, width) in zip(cells, spans, strict=True):
            overlaps = [max(0, min(first + width, h0 + hw) - max(first, h0)) for h0, hw in header_grid]
            best = max(range(len(header)), key=lambda i: overlaps[i])
            if overlaps[best] and not full[best]:
                full[best] = cell
        return full
    used: set[int] = set()
    for cell, name in zip(cells, fields, strict=True):
        column = next((i for i, h in enumerate(header) if h == name and i not in used), None) if name else None
        if column is not None:
            used.add(column)
            full[column] = cell
    return full
