"""Reader of the plain-text export of a Word document (the kind Apache Tika writes).

Format (see the fixtures README): a line starting with a tab begins a table cell; the lines
after it without a tab are further paragraphs of that cell (a blank line inside a cell is an
empty paragraph). A row ends with one blank line, a table with one more; empty paragraphs
between tables are blank lines too; other paragraphs are plain lines. ``[bookmark: NAME]`` is
dropped.

The export is ambiguous: a blank line before a tab line is a row end or an empty last
paragraph of the cell, and a run of blank lines may also end the table. The reader decides with
the known row shapes: the cells of a run of tables are split into rows and tables by dynamic
programming, preferring a row end at every blank line unless that breaks a row shape (a
``label | value`` row needs its value, a data row has the width of the header row above it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.labels import is_no_field_label, label_kind
from ingest.text import drop_bookmarks, join_paragraphs, normalize_space
from ingest.types import Block, DocumentModel, Paragraph, Table

_MAX_ROW = 40  # cells in one row, at most
_MAX_STATES = 6  # expected widths kept per position in the search
_FORCED_ROW_END = 100.0  # a row cut where no blank line is (only when a row would pass _MAX_ROW)
_EPS = 0.01  # cost of reading one blank line as an empty paragraph instead of a row end
_NO_PARAGRAPH_BETWEEN_TABLES = 1.0  # Word always has a paragraph between two tables
_CONTEXT_ROW = 0.2  # a row of one cell across a table of several columns
_YEAR_ROW = 0.3  # a row of years only, under a header
_GLUED_HEADER = 1.0  # a first row holding labels and values
_MIN_CONTEXT_WIDTH = 3
_LABEL_KINDS = ("objective", "indicator", "both", "stato", "no_field", "year")  # cells of a header row
_YEAR_LABEL = re.compile(r"^(?:anno\s+)?(?:19|20)\d\d$", re.IGNORECASE)
_KV_KINDS = ("objective", "indicator", "both", "stato")


@dataclass
class _Cell:
    lines: list[str]
    blanks_after: int = 0
    text: str = ""


@dataclass
class _Step:
    cost: float
    prev: tuple[int, int] | None  # (position, expected width) of the previous state
    row_end: int = 0  # cells[start:row_end] is the row that led here
    table_break: bool = False  # a table ends after that row
    row_cost: float = 0.0


@dataclass
class _Parser:
    file: str
    blocks: list[Block] = field(default_factory=list)
    region: list[_Cell] = field(default_factory=list)
    blanks: int = 0
    tables: int = 0
    _cache: tuple[tuple[int, int], dict[tuple[int, int], _Step]] | None = None

    def feed(self, line: str) -> None:
        if line.startswith("\t"):
            if self.region:
                self.region[-1].blanks_after = self.blanks
            self.region.append(_Cell([line[1:]]))
        elif not line.strip():
            self.blanks += 1
            return
        elif self.region and (self.blanks <= 1 or not _can_end(self._best(), len(self.region))):
            self.region[-1].lines.extend([""] * self.blanks + [line])
        else:
            self.flush()
            self.blocks.append(Paragraph(text=normalize_space(line)))
        self.blanks = 0

    def flush(self) -> None:
        if not self.region:
            return
        for rows in _segment(self.region, self._best()):
            self.tables += 1
            self.blocks.append(Table(index=self.tables, rows=rows))
        self.region = []
        self._cache = None  # the next run of cells is solved afresh (its key may equal this one's)

    def _best(self) -> dict[tuple[int, int], _Step]:
        """The solution for the current run of cells (kept until a cell changes)."""
        key = (len(self.region), len(self.region[-1].lines))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, _solve(self.region))
        return self._cache[1]


def parse_text(text: str, file: str) -> DocumentModel:
    """Parse the text of an export into blocks (pure: no file access)."""
    parser = _Parser(file=file)
    for line in drop_bookmarks(text.lstrip("\ufeff")).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        parser.feed(line)
    parser.flush()
    return DocumentModel(file=file, format="txt", blocks=parser.blocks)


@lru_cache(maxsize=8192)
def _kind(text: str) -> str | None:
    kind = label_kind(text)
    if kind is None and _YEAR_LABEL.match(text.strip()):
        return "year"  # '2025' under 'Target' in a header over two rows
    return "no_field" if kind is None and is_no_field_label(text) else kind


def _row_cost(width: int, first_kind: str | None, nonempty: int, head: int, labels: int,
              expected: int, years: int = 0, year_run: int = 0) -> tuple[float, int]:
    """Cost of reading ``width`` cells as one row, and the expected width of the data rows after it.

    ``first_kind`` is the label kind of the first cell; ``nonempty``, ``head`` and ``labels``
    count the non-empty cells, those among the first two, and the header-label cells.
    """
    if nonempty >= 2 and labels == nonempty and year_run == years:
        # a header row; the years under a header's labels (side by side) cost a little: empty year
        # rows stay rows
        return (_YEAR_ROW if years == nonempty else 0.0), width
    if first_kind in _KV_KINDS:  # "label | value"
        if width == 1:
            return 2.0, expected
        return 1.5 * (nonempty - head), expected
    if expected == 0:  # first data row of a table without header: sets the width
        return (_GLUED_HEADER if labels >= 2 else 0.0), width  # (with labels: a header glued to data)
    if width == 1 and expected >= _MIN_CONTEXT_WIDTH:
        return _CONTEXT_ROW, expected  # one cell across the table (SETTORE ..., MISSIONE ...)
    if width == expected:
        return 0.0, expected
    if width == expected - 1:
        return 0.5, expected  # one merged cell
    return 1.0 + abs(width - expected), expected


def _solve(cells: list[_Cell]) -> dict[tuple[int, int], _Step]:
    """Cheapest split of ``cells`` into rows and tables; states are (position, expected width)."""
    for cell in cells:
        cell.text = join_paragraphs(cell.lines)
    kinds = [_kind(c.text) if c.text else None for c in cells]
    best: dict[tuple[int, int], _Step] = {(0, 0): _Step(0.0, None)}
    n = len(cells)
    for start in range(n):
        states = [(e, best[(start, e)]) for e in range(_MAX_ROW + 1) if (start, e) in best]
        # Only the cheapest few widths go on: keeps a long run of cells linear in time.
        states = sorted(states, key=lambda s: s[1].cost)[:_MAX_STATES]
        for expected, step in states:
            inner = nonempty = labels = head = years = run = year_run = 0
            for end in range(start + 1, min(n, start + _MAX_ROW) + 1):
                if end - 1 > start:
                    inner += cells[end - 2].blanks_after
                if cells[end - 1].text:
                    nonempty += 1
                    labels += kinds[end - 1] in _LABEL_KINDS
                    years += kinds[end - 1] == "year"
                    head += end - start <= 2
                run = run + 1 if kinds[end - 1] == "year" else 0
                year_run = max(year_run, run)
                gap = cells[end - 1].blanks_after if end < n else 1
                forced = gap == 0 and end - start == _MAX_ROW  # no blank line for too long: cut the row
                if gap == 0 and not forced:
                    continue
                cost, after = _row_cost(end - start, kinds[start], nonempty, head, labels, expected, years,
                                        year_run)
                if forced:
                    cost, gap = cost + _FORCED_ROW_END, 1
                total = step.cost + _EPS * inner + cost
                _relax(best, (end, after), _Step(total + _EPS * (gap - 1), (start, expected), end, False, cost))
                if end < n and gap >= 2:
                    extra = 0.0 if gap >= 3 else _NO_PARAGRAPH_BETWEEN_TABLES
                    _relax(best, (end, 0), _Step(total + extra, (start, expected), end, True, cost))
    return best


def _relax(best: dict[tuple[int, int], _Step], key: tuple[int, int], step: _Step) -> None:
    if key not in best or step.cost < best[key].cost:
        best[key] = step


def _final(best: dict[tuple[int, int], _Step], n: int) -> tuple[int, int]:
    return min((k for k in best if k[0] == n), key=lambda k: best[k].cost)


def _can_end(best: dict[tuple[int, int], _Step], n: int) -> bool:
    """Whether the tables can end after the last of ``n`` cells (its row is complete)."""
    return best[_final(best, n)].row_cost < 0.5


def _segment(cells: list[_Cell], best: dict[tuple[int, int], _Step]) -> list[list[list[str]]]:
    """Rows of each table in a run of cells, as cell texts."""
    key: tuple[int, int] | None = _final(best, len(cells))
    spans: list[tuple[int, int, bool]] = []
    while key is not None and best[key].prev is not None:
        step = best[key]
        assert step.prev is not None
        spans.append((step.prev[0], step.row_end, step.table_break))
        key = step.prev
    spans.reverse()
    tables: list[list[list[str]]] = [[]]
    for start, end, table_break in spans:
        tables[-1].append([c.text for c in cells[start:end]])
        if table_break:
            tables.append([])
    return [t for t in tables if t]
