"""Match the cells of a data row to the columns of the header row above it.

Equal widths: by position. A different width means merged cells: with the Word grid
(``Table.grid``) a cell goes to the header column it overlaps most; without a grid (text
export, PDF) the missing header columns are chosen so that the values fit their columns best
(a percentage under ``peso``, a year under ``anno``, a date under ``scadenza``), preferring to
drop a column next to an empty cell (a merged empty cell is the usual cause).
"""
from __future__ import annotations

import re
from itertools import combinations

from ingest.text import null_if_empty

Span = tuple[int, int]  # (first grid column, columns spanned)
_PERCENT = re.compile(r"^\d{1,3}([.,]\d+)?\s*%$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DATE = re.compile(r"^(entro (il )?)?\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$", re.IGNORECASE)
_MAX_DROPPED = 3


def align(
    header: list[str | None],
    cells: list[str],
    header_grid: list[Span] | None = None,
    row_grid: list[Span] | None = None,
) -> list[str | None]:
    """For each cell of ``cells``, the field of the header column it belongs to (or ``None``).

    ``header`` holds the field of each header column (``None`` for an unknown or empty label).
    """
    if len(cells) == len(header):
        return list(header)
    if header_grid and row_grid and len(header_grid) == len(header) and len(row_grid) == len(cells):
        return _by_grid(header, header_grid, row_grid)
    if len(cells) < len(header) and len(header) - len(cells) <= _MAX_DROPPED:
        return _by_content(header, cells)
    return [header[i] if i < len(header) else None for i in range(len(cells))]


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[0] + a[1], b[0] + b[1]) - max(a[0], b[0]))


def _by_grid(header: list[str | None], header_grid: list[Span], row_grid: list[Span]) -> list[str | None]:
    fields: list[str | None] = []
    used: set[int] = set()
    for span in row_grid:
        overlaps = [_overlap(span, h) for h in header_grid]
        best = max(range(len(header)), key=lambda i: overlaps[i]) if overlaps else -1
        if best < 0 or overlaps[best] == 0 or best in used:
            fields.append(None)
            continue
        used.add(best)
        fields.append(header[best])
    return fields


def _fit(value: str | None, field: str | None) -> int:
    """How well a value suits a column: positive fits, negative clashes."""
    if value is None:
        return 0
    text = value.strip()
    score = 0
    if _PERCENT.match(text):
        score += 2 if field == "peso" else -2
    if _YEAR.match(text):
        score += 2 if field == "anno" else 0
    elif field == "anno":
        score -= 2
    if _DATE.match(text):
        score += 1 if field == "scadenza" else 0
    return score


def _by_content(header: list[str | None], cells: list[str]) -> list[str | None]:
    values = [null_if_empty(c) for c in cells]
    best: tuple[int, int, tuple[int, ...]] | None = None
    best_fields: list[str | None] = list(header[: len(cells)])
    for dropped in combinations(range(len(header)), len(header) - len(cells)):
        fields = [f for i, f in enumerate(header) if i not in dropped]
        fit = sum(_fit(v, f) for v, f in zip(values, fields, strict=True))
        # a dropped column is usually covered by a merged empty cell just before it
        kept = [i for i in range(len(header)) if i not in dropped]
        beside_empty = sum(1 for d in dropped if _empty_before(d, kept, values))
        key = (fit, beside_empty, dropped)
        if best is None or key > best:
            best, best_fields = key, fields
    return best_fields


def _empty_before(dropped: int, kept: list[int], values: list[str | None]) -> bool:
    """Whether the cell covering the header column before ``dropped`` is empty."""
    before = [pos for pos, column in enumerate(kept) if column < dropped]
    return bool(before) and values[before[-1]] is None
