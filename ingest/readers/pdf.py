"""PDF reader: pdfplumber pages -> the neutral document model.

A PDF holds positioned glyphs and ruling lines, no paragraphs, cells or tables. The reader
rebuilds them as the word processor laid them out, so that a PDF printed from a .docx gives
the same model as the .docx (see ``docx.py``):

* tables come from their ruling lines (pdfplumber, ``lines`` strategy); a cell spanning grid
  columns appears once per row (pdfplumber's ``None`` cells are dropped), with its grid
  position in ``Table.grid``; a cell spanning rows repeats its text in the rows below it, as
  the .docx reader does;
* a table cut by a page break is joined again (``_continues``), its header row repeated on
  the new page dropped, and a row cut by the break joined into one row (``_is_split_row``);
* lines become paragraphs by the word processor's line-breaking rule (``pdf_lines.py``);
* text outside tables becomes paragraphs in reading order (page, then top to bottom); lines
  repeated at the same height on most pages (running headers, page numbers) are dropped;
  lines in a font clearly larger than the body text are headings, the largest level 1.

Not handled: tables drawn without ruling lines (their text comes out as paragraphs), text in
several columns on a page, rotated text (left out, with a warning in the log).
"""
from __future__ import annotations

import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from ingest.errors import EmptyDocument, UnreadableDocument
from ingest.readers.pdf_lines import EPS, Line, join, keeps_line_end_spaces, lines_from_chars, wraps
from ingest.types import Block, DocumentModel, Paragraph, Table

logger = logging.getLogger(__name__)

# snap_tolerance 1 (not 3): neighbouring rules a few points apart are different cell edges.
TABLE_SETTINGS: dict[str, Any] = {"vertical_strategy": "lines", "horizontal_strategy": "lines",
                                  "snap_tolerance": 1}
# What pdfminer raises on a broken file: its own errors, and built-in ones from deep inside
# its parser (a truncated cross-reference table ends in a KeyError or a TypeError, ...).
_BROKEN_PDF = (PSException, MalformedPDFException, ValueError, KeyError, TypeError, IndexError,
               AttributeError, AssertionError, RecursionError, OverflowError)
_SPACE = 0.278  # width of a space / font size in Helvetica, Arial, Liberation Sans
_Box = tuple[float, float, float, float]  # x0, top, x1, bottom
_NO_TEXT = ("il PDF non contiene testo (forse è una scansione): va prima passato a un "
            "riconoscimento del testo (OCR) e poi caricato di nuovo.")


@dataclass
class _Cell:
    x0: float
    x1: float
    top: float
    bottom: float
    lines: list[Line] = field(default_factory=list)
    same_as: _Cell | None = None  # a row-spanning cell, seen again from a lower row


@dataclass
class _Fragment:
    """The part of a table on one page."""

    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    rows: list[list[_Cell]]


@dataclass
class _PageContent:
    number: int
    fragments: list[_Fragment]
    lines: list[Line]  # text outside tables

    def cell_lines(self) -> list[Line]:
        return [ln for f in self.fragments for row in f.rows for c in row for ln in c.lines]


@dataclass
class _Metrics:
    """Measurements of the whole document used by the layout rules."""

    pad: float  # horizontal cell padding
    left: float  # text area of the pages
    right: float
    top: float
    bottom: float
    table_gap: float  # least room between two tables on a page (the paragraph between them)
    spaced_breaks: bool  # the producer keeps a space glyph at the end of a wrapped line


def read_pdf(path: Path) -> DocumentModel:
    """Read a PDF into blocks (paragraphs and tables) in reading order, with their pages.

    Raises ``UnreadableDocument`` for a corrupt or password-protected file and
    ``EmptyDocument`` for a PDF without text (a scan that needs OCR first).
    """
    path = Path(path)
    pages = _read_pages(path)
    if not any(p.lines or p.cell_lines() for p in pages):
        raise EmptyDocument(_NO_TEXT, file=path.name)
    headers = _drop_running_lines(pages)
    return DocumentModel(file=path.name, format="pdf", blocks=_blocks(pages, _measure(pages)),
                         page_headers=headers)


@dataclass
class _RawPage:
    """What pdfplumber gives of a page: glyphs, and tables as rows of cell boxes."""

    number: int
    chars: list[dict[str, Any]]
    tables: list[tuple[_Box, list[list[_Box | None]]]]  # bbox, rows of cell boxes (None: merged)


def _read_pages(path: Path) -> list[_PageContent]:
    return [_page_content(raw) for raw in _parse(path)]


def _parse(path: Path) -> list[_RawPage]:
    """Let pdfplumber parse every page; its errors become ``UnreadableDocument``."""
    name = path.name
    try:
        with pdfplumber.open(path) as pdf:
            return [_RawPage(page.page_number, list(page.chars),
                             [(t.bbox, [list(r.cells) for r in t.rows])
                              for t in page.find_tables(TABLE_SETTINGS)])
                    for page in pdf.pages]
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise UnreadableDocument(
                "il PDF è protetto da password: salvarne una copia senza protezione e riprovare.",
                file=name) from exc
        raise _broken(name, cause) from exc
    except _BROKEN_PDF as exc:
        raise _broken(name, exc) from exc


def _broken(name: str, exc: BaseException) -> UnreadableDocument:
    return UnreadableDocument(
        f"il PDF è danneggiato o incompleto e non si può leggere ({type(exc).__name__}). "
        "Esportarlo di nuovo in PDF e riprovare.", file=name)


# ----------------------------------------------------------------------------- one page


def _page_content(raw: _RawPage) -> _PageContent:
    chars = [c for c in raw.chars if c["text"] and c.get("upright", True)]
    if len(chars) < len(raw.chars):
        logger.warning("page %d: %d rotated characters left out (rotated text is not read)",
                       raw.number, len(raw.chars) - len(chars))
    spaces = [(c["x1"] - c["x0"]) / c["size"] for c in chars if c["text"] == " " and c["size"]]
    space = statistics.median(spaces) if spaces else _SPACE
    fragments = [f for f in (_fragment(bbox, rows, raw.number) for bbox, rows in raw.tables) if f.rows]
    free: list[dict[str, Any]] = []
    in_cells: dict[int, list[dict[str, Any]]] = {}
    for ch in chars:
        cell = _cell_at(ch, fragments)
        if cell is None:
            free.append(ch)
        else:
            in_cells.setdefault(id(cell), []).append(ch)
    for frag in fragments:
        for row in frag.rows:
            for cell in row:
                cell.lines = lines_from_chars(in_cells.get(id(cell), []), raw.number, space)
    return _PageContent(raw.number, fragments, lines_from_chars(free, raw.number, space))


def _cell_at(ch: dict[str, Any], fragments: list[_Fragment]) -> _Cell | None:
    """The cell holding a glyph (by its middle; the nearest one for a glyph on a rule),
    None outside tables."""
    mx, my = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    for frag in fragments:
        if frag.x0 <= mx <= frag.x1 and frag.top <= my <= frag.bottom:
            cells = [c for row in frag.rows for c in row if c.same_as is None]
            return min(cells, key=lambda c: max(c.x0 - mx, mx - c.x1, 0) + max(c.top - my, my - c.bottom, 0))
    return None


def _fragment(bbox: _Box, table_rows: list[list[_Box | None]], page_number: int) -> _Fragment:
    """pdfplumber table -> rows of cells; a row-spanning cell is repeated in the rows below."""
    rows: list[list[_Cell]] = []
    spanning: list[_Cell] = []
    for boxes in table_rows:
        cells = [_Cell(x0, x1, top, bottom) for x0, top, x1, bottom in (b for b in boxes if b is not None)]
        if not cells:
            continue
        top = min(c.top for c in cells)
        covering = [c for c in spanning if c.top < top - EPS < c.bottom - 2 * EPS]
        row = cells + [_Cell(c.x0, c.x1, top, min(c.bottom, max(x.bottom for x in cells)), same_as=c)
                       for c in covering]
        rows.append(sorted(row, key=lambda c: c.x0))
        spanning = [c for c in spanning + cells if c.bottom > top + EPS]
    x0, top, x1, bottom = bbox
    return _Fragment(page_number, x0, x1, top, bottom, rows)


# ----------------------------------------------------------------------------- the whole document


def _drop_running_lines(pages: list[_PageContent]) -> list[str]:
    """Drop running headers and footers: the same text (numbers aside) at the same height
    on at least half of the pages (two at least). Returns their texts, top to bottom."""
    if len(pages) < 2:
        return []

    def key(ln: Line) -> tuple[str, int]:
        return re.sub(r"\d+", "#", ln.text), round(ln.top)

    counts = Counter(k for p in pages for k in {key(ln) for ln in p.lines})
    running = {k for k, n in counts.items() if n >= max(2, len(pages) / 2)}
    if not any(p.fragments or any(key(ln) not in running for ln in p.lines) for p in pages):
        return []  # the repeated lines are all the text there is: they are the content
    texts: dict[tuple[str, int], str] = {}
    for p in pages:
        for ln in sorted(p.lines, key=lambda ln: ln.top):
            if key(ln) in running:
                texts.setdefault(key(ln), ln.text)
        p.lines = [ln for ln in p.lines if key(ln) not in running]
    return list(texts.values())


def _measure(pages: list[_PageContent]) -> _Metrics:
    pads = Counter(round(c.lines[0].x0 - c.x0, 1) for p in pages for f in p.fragments
                   for row in f.rows for c in row if c.lines)
    pad = pads.most_common(1)[0][0] if pads else 0.0
    xs = ([(ln.x0, ln.x1) for p in pages for ln in p.lines]
          + [(f.x0, f.x1) for p in pages for f in p.fragments])
    ys = ([(ln.top, ln.bottom) for p in pages for ln in p.lines + p.cell_lines()]
          + [(f.top, f.bottom) for p in pages for f in p.fragments])
    sizes = [ln.size for p in pages for ln in p.lines] or [ln.size for p in pages for ln in p.cell_lines()]
    gaps = [b.top - a.bottom for p in pages for a, b in zip(p.fragments, p.fragments[1:], strict=False)]
    left, right = min(x for x, _ in xs), max(x for _, x in xs)
    pairs = [(a, b, left, right) for p in pages for a, b in zip(p.lines, p.lines[1:], strict=False)]
    pairs += [(a, b, c.x0 + pad, c.x1 - pad) for p in pages for f in p.fragments for row in f.rows
              for c in row for a, b in zip(c.lines, c.lines[1:], strict=False)]
    return _Metrics(pad=pad, left=left, right=right, top=min(y for y, _ in ys), bottom=max(y for _, y in ys),
                    table_gap=min(gaps, default=1.2 * statistics.median(sizes)),  # an empty line
                    spaced_breaks=keeps_line_end_spaces(pairs))


# ----------------------------------------------------------------------------- blocks


@dataclass
class _TableParts:
    parts: list[_Fragment]


@dataclass
class _Text:
    lines: list[Line]


def _blocks(pages: list[_PageContent], m: _Metrics) -> list[Block]:
    items: list[tuple[int, float, _Fragment | Line]] = []
    for p in pages:
        items += [(p.number, f.top, f) for f in p.fragments]
        items += [(p.number, ln.top, ln) for ln in p.lines]
    items.sort(key=lambda it: (it[0], it[1]))
    groups: list[_TableParts | _Text] = []
    for _, _, item in items:
        last = groups[-1] if groups else None
        if isinstance(item, Line):
            if isinstance(last, _Text):
                last.lines.append(item)
            else:
                groups.append(_Text([item]))
        elif isinstance(last, _TableParts) and _continues(last.parts, item, m):
            last.parts.append(item)
        else:
            groups.append(_TableParts([item]))
    levels = _heading_levels(pages)
    blocks: list[Block] = []
    for group in groups:
        if isinstance(group, _TableParts):
            rows, grid = _table(group.parts, m)
            blocks.append(Table(index=sum(isinstance(b, Table) for b in blocks) + 1, rows=rows,
                                grid=grid, page=group.parts[0].page))
        else:
            blocks += _paragraphs(group.lines, m, levels)
    return blocks


def _continues(parts: list[_Fragment], nxt: _Fragment, m: _Metrics) -> bool:
    """``nxt`` goes on with the table ``parts`` across a page break: it starts the next page
    with the same width (nothing stands between them: the caller checks that), and either
    the table ends its page with no room left for the paragraph that separates two tables,
    or ``nxt`` repeats the table's header row over a row too tall for the room left."""
    prev = parts[-1]
    if (nxt.page != prev.page + 1 or nxt.top - m.top >= m.table_gap / 2
            or abs(prev.x0 - nxt.x0) > 2 * EPS or abs(prev.x1 - nxt.x1) > 2 * EPS):
        return False
    room = m.bottom - prev.bottom
    if room < m.table_gap:
        return True
    return (_repeats_header(parts[0], nxt, m) and len(nxt.rows) > 1
            and max(c.bottom for c in nxt.rows[1]) - min(c.top for c in nxt.rows[1]) > room)


def _repeats_header(first: _Fragment, nxt: _Fragment, m: _Metrics) -> bool:
    """``nxt`` starts with the table's first row, a header row (all bold). A first row with
    plain text (``Classificazione | Efficienza``) may well start a new record: kept."""
    if not (first.rows and nxt.rows):
        return False
    lines = [ln for c in first.rows[0] for ln in (c.same_as or c).lines]
    return (bool(lines) and all(ln.bold for ln in lines)
            and _texts(nxt.rows[0], m) == _texts(first.rows[0], m))


def _table(parts: list[_Fragment], m: _Metrics) -> tuple[list[list[str]], list[list[tuple[int, int]]]]:
    """Fragments -> rows of cell texts and the grid (first column, columns spanned) of each cell."""
    rows = list(parts[0].rows)
    for part in parts[1:]:
        below = part.rows
        if _repeats_header(parts[0], part, m):
            below = below[1:]
        if below and _is_split_row(rows[-1], below[0], m):
            joined: dict[int, _Cell] = {}
            for top_cell, bottom_cell in zip(rows[-1], below[0], strict=True):
                top_cell.lines += bottom_cell.lines
                joined[id(bottom_cell)] = top_cell.same_as or top_cell
            below = below[1:]
            for row in below:  # a cell merged down from the cut row repeats the whole joined text
                for cell in row:
                    if cell.same_as is not None and id(cell.same_as) in joined:
                        cell.same_as = joined[id(cell.same_as)]
        rows += below
    edges: list[float] = []
    for x in sorted({x for row in rows for c in row for x in (c.x0, c.x1)}):
        if not edges or x - edges[-1] > 2 * EPS:
            edges.append(x)

    def col(x: float) -> int:
        return min(range(len(edges)), key=lambda i: abs(edges[i] - x))

    grid = [[(col(c.x0), max(1, col(c.x1) - col(c.x0))) for c in row] for row in rows]
    return [_texts(row, m) for row in rows], grid


def _texts(row: list[_Cell], m: _Metrics) -> list[str]:
    return ["\n".join(join((c.same_as or c).lines, c.x0 + m.pad, c.x1 - m.pad, m.spaced_breaks)) for c in row]


def _is_split_row(prev: list[_Cell], nxt: list[_Cell], m: _Metrics) -> bool:
    """Is ``nxt`` (first row on a page) the rest of ``prev`` (last row of the previous page)?

    Yes when nothing but padding went over; no when a cell has text below but not above, or
    ended well above the page's end; yes when most cells going on in lower case run on
    mid-sentence; no when the first cell has text of its own (a year, a label); yes when every
    cell going on runs on from its last line, or one runs on from a line that ends in a kept space;
    else yes only if a single cell went on.
    """
    if len(prev) != len(nxt) or any(abs(a.x0 - b.x0) > 2 * EPS for a, b in zip(prev, nxt, strict=True)):
        return False
    going_on = [(a.same_as or a, b) for a, b in zip(prev, nxt, strict=True) if b.same_as is None and b.lines]
    if not going_on:
        return True
    bottom = max(a.bottom for a in prev)
    if any(not a.lines or bottom - a.lines[-1].bottom > 1.5 * a.lines[-1].size + 2 * m.pad
           for a, _ in going_on):
        return False
    lower = [wraps(a.lines[-1], b.lines[0], a.x0 + m.pad, a.x1 - m.pad, m.spaced_breaks)
             for a, b in going_on if b.lines[0].text[0].islower()]
    if lower and 2 * sum(lower) >= len(lower):
        return True
    runs_on = [wraps(a.lines[-1], b.lines[0], a.x0 + m.pad, a.x1 - m.pad, m.spaced_breaks) for a, b in going_on]
    if not nxt[0].lines and (all(runs_on) or m.spaced_breaks and any(
            r and a.lines[-1].spaced for r, (a, _) in zip(runs_on, going_on, strict=True))):
        # every cell going on runs on from its last line, or one does from a line ending in the space
        # a producer that keeps them leaves only at a wrap: the row was cut
        return True
    return not nxt[0].lines and len(going_on) == 1


def _heading_levels(pages: list[_PageContent]) -> dict[float, int]:
    """Font size -> heading level, for sizes clearly above the body text's (the size most
    of the text outside tables is set in), the largest level 1."""
    counts: Counter[float] = Counter()
    lines = [ln for p in pages for ln in p.lines] or [ln for p in pages for ln in p.cell_lines()]
    for ln in lines:
        counts[round(ln.size, 1)] += len(ln.text)
    if not counts:
        return {}
    body = counts.most_common(1)[0][0]
    bigger = sorted((s for s in counts if s >= 1.15 * body), reverse=True)
    return {s: i + 1 for i, s in enumerate(bigger)}


def _paragraphs(lines: list[Line], m: _Metrics, levels: dict[float, int]) -> list[Paragraph]:
    groups: list[list[Line]] = []
    for ln in lines:
        if groups and wraps(groups[-1][-1], ln, m.left, m.right, m.spaced_breaks):
            groups[-1].append(ln)
        else:
            groups.append([ln])
    return [Paragraph(text=join(g, m.left, m.right, m.spaced_breaks)[0], page=g[0].page,
                      bold=all(ln.bold for ln in g), heading_level=levels.get(round(g[0].size, 1)))
            for g in groups]
