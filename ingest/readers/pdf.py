"""PDF reader: pdfplumber pages -> the neutral document model.

A PDF holds positioned glyphs and ruling lines, no paragraphs, cells or tables. The reader
rebuilds them as the word processor laid them out, so that a PDF printed from a .docx gives
the same model as the .docx (see ``docx.py``):

* tables come from their ruling lines (pdfplumber, ``lines`` strategy); a cell spanning grid
  columns appears once per row (pdfplumber's ``None`` cells are dropped); a cell spanning rows
  repeats its text in the rows below it, as the .docx reader does;
* a table cut by a page break is joined again (``_continues``), and so is a row cut by it
  (``_is_split_row``);
* lines become paragraphs by the word processor's own line-breaking rule (``_wraps``): a line
  was wrapped when the next line's first word would not have fitted after it; otherwise the
  paragraph ended there. Wrapped lines are joined with a space (none after a hyphen inside a
  word), paragraphs with ``\\n``;
* text outside tables becomes paragraphs in reading order (page, then top to bottom); lines
  repeated at the same height on most pages (running headers, page numbers) are dropped;
  lines in a font clearly larger than the body text are headings, the largest level 1.
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
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from ingest.errors import EmptyDocument, UnreadableDocument
from ingest.text import normalize_space
from ingest.types import Block, DocumentModel, Paragraph, Table

logger = logging.getLogger(__name__)

TABLE_SETTINGS: dict[str, Any] = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "snap_tolerance": 0.5}
# What pdfminer raises on a broken file: its own errors, and built-in ones from deep inside
# its parser (a truncated cross-reference table ends in a KeyError or a TypeError, ...).
_BROKEN_PDF = (PSException, MalformedPDFException, ValueError, KeyError, TypeError, IndexError,
               AttributeError, AssertionError, RecursionError, OverflowError)
_EPS = 0.75  # pt: tolerance of position comparisons (rounding in the PDF writer)
# A wrapped line may look up to this much (x font size) shorter than the width it had:
# glyph advances in the PDF and in the word processor's layout differ a little.
_FIT_TOLERANCE = 0.15
# Of the lines that could have wrapped, the share that must end with a space glyph to tell
# that the producer keeps the space at a line break (LibreOffice does).
_SPACED_SHARE = 0.5
_LIST_START = re.compile(r"^(?:[-–•▪●*+]|>=?|<=?|\d{1,2}[).])\s")
_HYPHEN_BREAK = re.compile(r"[^\W\d_][-/]$")  # a line broken inside a word
_NO_TEXT = ("il PDF non contiene testo (forse è una scansione): va prima passato a un "
            "riconoscimento del testo (OCR) e poi caricato di nuovo.")


@dataclass
class _Line:
    """A line of text with what the wrap rule needs."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    first_word: float  # width of the line's first unbreakable piece
    end: float  # right end including trailing spaces (a word processor keeps them on the line)
    spaced: bool  # the line ends with a space glyph
    space: float = 0.0  # width of a space in the line's font


@dataclass
class _Cell:
    x0: float
    x1: float
    top: float
    bottom: float
    lines: list[_Line] = field(default_factory=list)
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
    lines: list[_Line]  # text outside tables
    spaces: list[float]  # widths of the space glyphs, as a fraction of their font size


@dataclass
class _Metrics:
    """Measurements of the whole document used by the wrap and page-break rules."""

    space: float  # width of a space / font size
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
    if not any(p.lines or _cell_lines(p) for p in pages):
        raise EmptyDocument(_NO_TEXT, file=path.name)
    _drop_running_lines(pages)
    metrics = _measure(pages)
    return DocumentModel(file=path.name, format="pdf", blocks=_blocks(pages, metrics))


def _read_pages(path: Path) -> list[_PageContent]:
    name = path.name
    try:
        with pdfplumber.open(path) as pdf:
            return [_read_page(page) for page in pdf.pages]
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


def _cell_lines(page: _PageContent) -> list[_Line]:
    return [ln for f in page.fragments for row in f.rows for c in row for ln in c.lines]


# ----------------------------------------------------------------------------- one page


def _read_page(page: Page) -> _PageContent:
    chars = [c for c in page.chars if c["text"] and c.get("upright", True)]
    if len(chars) < len(page.chars):
        logger.warning("page %d: %d rotated characters left out (rotated text is not read)",
                       page.page_number, len(page.chars) - len(chars))
    fragments = [_fragment(t, page.page_number) for t in page.find_tables(TABLE_SETTINGS)]
    free: list[dict[str, Any]] = []
    in_cells: dict[int, list[dict[str, Any]]] = {}
    for ch in chars:
        cell = _cell_at(ch, fragments)
        if cell is None:
            free.append(ch)
        elif cell is not False:
            in_cells.setdefault(id(cell), []).append(ch)
    for frag in fragments:
        for row in frag.rows:
            for cell in row:
                cell.lines = _lines(in_cells.get(id(cell), []), page.page_number)
    spaces = [(c["x1"] - c["x0"]) / c["size"] for c in chars if c["text"] == " " and c["size"]]
    return _PageContent(page.page_number, fragments, _lines(free, page.page_number), spaces)


def _cell_at(ch: dict[str, Any], fragments: list[_Fragment]) -> _Cell | None | bool:
    """The cell holding a glyph (by its middle); None outside tables, False on a rule."""
    mx, my = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    for frag in fragments:
        if frag.x0 <= mx <= frag.x1 and frag.top <= my <= frag.bottom:
            for row in frag.rows:
                for cell in row:
                    if cell.same_as is None and cell.x0 <= mx <= cell.x1 and cell.top <= my <= cell.bottom:
                        return cell
            return False
    return None


def _fragment(table: Any, page_number: int) -> _Fragment:
    """pdfplumber table -> rows of cells; a row-spanning cell is repeated in the rows below."""
    rows: list[list[_Cell]] = []
    spanning: list[_Cell] = []
    for prow in table.rows:
        cells = [_Cell(x0, x1, top, bottom) for x0, top, x1, bottom in
                 (b for b in prow.cells if b is not None)]
        if not cells:
            continue
        top = min(c.top for c in cells)
        covering = [c for c in spanning if c.top < top - _EPS < c.bottom - 2 * _EPS]
        row = cells + [_Cell(c.x0, c.x1, top, min(c.bottom, max(x.bottom for x in cells)), same_as=c)
                       for c in covering]
        rows.append(sorted(row, key=lambda c: c.x0))
        spanning = [c for c in spanning + cells if c.bottom > top + _EPS]
    x0, top, x1, bottom = table.bbox
    return _Fragment(page_number, x0, x1, top, bottom, rows)


def _lines(chars: list[dict[str, Any]], page: int) -> list[_Line]:
    """Glyphs -> lines, top to bottom; a glyph joins the line its vertical middle falls in."""
    groups: list[list[dict[str, Any]]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        mid = (ch["top"] + ch["bottom"]) / 2
        for group in reversed(groups[-3:]):
            if group[0]["top"] - _EPS <= mid <= max(c["bottom"] for c in group) + _EPS:
                group.append(ch)
                break
        else:
            groups.append([ch])
    lines = [_line(sorted(g, key=lambda c: c["x0"]), page) for g in groups]
    return [ln for ln in lines if ln.text]


def _line(chars: list[dict[str, Any]], page: int) -> _Line:
    glyphs = [c for c in chars if not c["text"].isspace()] or chars
    size = statistics.median(c["size"] for c in glyphs)
    text: list[str] = []
    first_word: float | None = None
    start = glyphs[0]["x0"]
    prev: dict[str, Any] | None = None
    for i, ch in enumerate(chars):
        gap = prev is not None and ch["x0"] - prev["x1"] > 0.15 * size
        breaks = gap or ch["text"] in (" ", "\t")  # NBSP does not break
        if first_word is None and prev is not None and breaks and "".join(text).strip():
            first_word = prev["x1"] - start
        if gap and not ch["text"].isspace():
            text.append(" ")
        text.append(ch["text"])
        if (first_word is None and ch["text"] == "-" and prev is not None and prev["text"].isalpha()
                and i + 1 < len(chars) and chars[i + 1]["text"].isalpha()):
            first_word = ch["x1"] - start  # a line may break after a hyphen inside a word
        prev = ch
    x1 = max(c["x1"] for c in glyphs)
    return _Line(text=normalize_space("".join(text)), page=page, x0=start, x1=x1,
                 end=max(x1, chars[-1]["x1"]), spaced=chars[-1]["text"].isspace(),
                 top=min(c["top"] for c in glyphs), bottom=max(c["bottom"] for c in glyphs),
                 size=size, bold=all("bold" in c["fontname"].lower() for c in glyphs),
                 first_word=first_word if first_word is not None else x1 - start)


# ----------------------------------------------------------------------------- the whole document


def _measure(pages: list[_PageContent]) -> _Metrics:
    spaces = [s for p in pages for s in p.spaces]
    space = statistics.median(spaces) if spaces else 0.278  # Helvetica/Arial/Liberation
    for p in pages:
        for ln in p.lines + _cell_lines(p):
            ln.space = space * ln.size
    pads = Counter(round(c.lines[0].x0 - c.x0, 1) for p in pages for f in p.fragments
                   for row in f.rows for c in row if c.lines)
    pad = pads.most_common(1)[0][0] if pads else 0.0
    xs = [(ln.x0, ln.x1) for p in pages for ln in p.lines] + [(f.x0, f.x1) for p in pages for f in p.fragments]
    ys = ([(ln.top, ln.bottom) for p in pages for ln in p.lines + _cell_lines(p)]
          + [(f.top, f.bottom) for p in pages for f in p.fragments])
    sizes = [ln.size for p in pages for ln in p.lines + _cell_lines(p)]
    gaps = [b.top - a.bottom for p in pages for a, b in zip(p.fragments, p.fragments[1:], strict=False)]
    left, right = min(x for x, _ in xs), max(x for _, x in xs)
    breaks = [a.spaced for p in pages for a, b in zip(p.lines, p.lines[1:], strict=False)
              if _may_wrap(a, b, left, right)]
    breaks += [a.spaced for p in pages for f in p.fragments for row in f.rows for c in row
               for a, b in zip(c.lines, c.lines[1:], strict=False) if _may_wrap(a, b, c.x0 + pad, c.x1 - pad)]
    return _Metrics(
        space=space, pad=pad, left=left, right=right,
        top=min(y for y, _ in ys), bottom=max(y for _, y in ys),
        table_gap=min(gaps, default=3 * statistics.median(sizes)),
        spaced_breaks=len(breaks) >= 3 and sum(breaks) >= _SPACED_SHARE * len(breaks),
    )


def _drop_running_lines(pages: list[_PageContent]) -> None:
    """Drop running headers and footers: the same text (numbers aside) at the same height
    on at least half of the pages (two at least)."""
    if len(pages) < 2:
        return

    def key(ln: _Line) -> tuple[str, int]:
        return re.sub(r"\d+", "#", ln.text), round(ln.top)

    counts = Counter(k for p in pages for k in {key(ln) for ln in p.lines})
    running = {k for k, n in counts.items() if n >= max(2, len(pages) / 2)}
    for p in pages:
        p.lines = [ln for ln in p.lines if key(ln) not in running]


def _wraps(prev: _Line, nxt: _Line, left: float, right: float, m: _Metrics) -> bool:
    """True when ``nxt`` goes on with the paragraph of ``prev`` (text between ``left`` and
    ``right``): same font, no blank line or list item, and ``nxt``'s first word did not fit
    on ``prev``. When the producer keeps the space at a line break, a line that ends with no
    space though one had room ended its paragraph."""
    if not _may_wrap(prev, nxt, left, right):
        return False
    if not m.spaced_breaks or prev.spaced or _HYPHEN_BREAK.search(prev.text):
        return True
    return _start(prev, left, right) + (prev.end - prev.x0) + prev.space > right - 0.07 * prev.size


def _may_wrap(prev: _Line, nxt: _Line, left: float, right: float) -> bool:
    """The line-breaking rule alone: could ``nxt`` be the rest of ``prev``'s paragraph?"""
    if abs(nxt.size - prev.size) > 0.5 or nxt.bold != prev.bold:
        return False
    if nxt.page == prev.page and nxt.top - prev.bottom > 0.8 * prev.size:
        return False  # an empty paragraph or paragraph spacing in between
    if _LIST_START.match(nxt.text):
        return False  # a list item
    space = 0.0 if prev.spaced or _HYPHEN_BREAK.search(prev.text) else prev.space
    needed = (prev.end - prev.x0) + space + nxt.first_word
    return needed > right - _start(prev, left, right) - _FIT_TOLERANCE * prev.size


def _start(line: _Line, left: float, right: float) -> float:
    """Where the line could start: the left edge for a centred line, else its own start."""
    centred = line.x0 > left + 2 * _EPS and abs((line.x0 - left) - (right - line.x1)) < 2 * _EPS
    return left if centred else line.x0


def _join(lines: list[_Line], left: float, right: float, m: _Metrics) -> list[str]:
    """Lines -> the texts of their paragraphs."""
    paras: list[str] = []
    for i, ln in enumerate(lines):
        if i and _wraps(lines[i - 1], ln, left, right, m):
            glue = "" if _HYPHEN_BREAK.search(paras[-1]) or paras[-1].endswith("/") else " "
            paras[-1] += glue + ln.text
        else:
            paras.append(ln.text)
    return paras


def _cell_text(cell: _Cell, m: _Metrics) -> str:
    source = cell.same_as or cell
    return "\n".join(_join(source.lines, source.x0 + m.pad, source.x1 - m.pad, m))


# ----------------------------------------------------------------------------- blocks


@dataclass
class _TableParts:
    parts: list[_Fragment]


@dataclass
class _Text:
    lines: list[_Line]


def _blocks(pages: list[_PageContent], m: _Metrics) -> list[Block]:
    items: list[tuple[int, float, _Fragment | _Line]] = []
    for p in pages:
        items += [(p.number, f.top, f) for f in p.fragments]
        items += [(p.number, ln.top, ln) for ln in p.lines]
    items.sort(key=lambda it: (it[0], it[1]))
    merged: list[_TableParts | _Text] = []
    for _, _, item in items:
        last = merged[-1] if merged else None
        if isinstance(item, _Line):
            if isinstance(last, _Text):
                last.lines.append(item)
            else:
                merged.append(_Text([item]))
        elif isinstance(last, _TableParts) and _continues(last.parts[-1], item, m):
            last.parts.append(item)
        else:
            merged.append(_TableParts([item]))
    levels = _heading_levels(pages)
    blocks: list[Block] = []
    for group in merged:
        if isinstance(group, _TableParts):
            rows, grid = _table(group.parts, m)
            blocks.append(Table(index=sum(isinstance(b, Table) for b in blocks) + 1, rows=rows,
                                grid=grid, page=group.parts[0].page))
        else:
            blocks += _paragraphs(group.lines, m, levels)
    return blocks


def _continues(prev: _Fragment, nxt: _Fragment, m: _Metrics) -> bool:
    """``nxt`` goes on with ``prev`` across a page break: ``prev`` ends its page with no room
    left for the paragraph that separates two tables, ``nxt`` starts the next page, and
    they have the same width (nothing stands between them: the caller checks that)."""
    return (nxt.page == prev.page + 1
            and m.bottom - prev.bottom < m.table_gap
            and nxt.top - m.top < m.table_gap / 2
            and abs(prev.x0 - nxt.x0) <= 2 * _EPS and abs(prev.x1 - nxt.x1) <= 2 * _EPS)


def _table(parts: list[_Fragment], m: _Metrics) -> tuple[list[list[str]], list[list[tuple[int, int]]]]:
    """Fragments -> rows of cell texts and the grid (first column, columns spanned) of each cell."""
    rows = list(parts[0].rows)
    for part in parts[1:]:
        below = part.rows
        if below and _texts(below[0], m) == _texts(rows[0], m):
            below = below[1:]  # the header row, repeated on the new page
        if below and _is_split_row(rows[-1], below[0], m):
            for top_cell, bottom_cell in zip(rows[-1], below[0], strict=True):
                top_cell.lines += bottom_cell.lines
            below = below[1:]
        rows += below
    edges = _edges([c for row in rows for c in row])
    grid = [[(_col(c.x0, edges), max(1, _col(c.x1, edges) - _col(c.x0, edges))) for c in row] for row in rows]
    return [_texts(row, m) for row in rows], grid


def _texts(row: list[_Cell], m: _Metrics) -> list[str]:
    return [_cell_text(c, m) for c in row]


def _edges(cells: list[_Cell]) -> list[float]:
    edges: list[float] = []
    for x in sorted({x for c in cells for x in (c.x0, c.x1)}):
        if not edges or x - edges[-1] > 2 * _EPS:
            edges.append(x)
    return edges


def _col(x: float, edges: list[float]) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - x))


def _is_split_row(prev: list[_Cell], nxt: list[_Cell], m: _Metrics) -> bool:
    """Is ``nxt`` (first row on a page) the rest of ``prev`` (last row of the previous page)?

    Yes when nothing but padding went over; no when a cell has text below but not above, or
    ended well above the page's end; yes when a cell's text runs on mid-sentence; no when the
    first cell has text of its own (a year, a label); else yes only if a single cell went on.
    """
    if len(prev) != len(nxt) or any(abs(a.x0 - b.x0) > 2 * _EPS for a, b in zip(prev, nxt, strict=True)):
        return False
    pairs = [(a.same_as or a, b) for a, b in zip(prev, nxt, strict=True) if b.same_as is None]
    going_on = [(a, b) for a, b in pairs if b.lines]
    if not going_on:
        return True
    bottom = max(a.bottom for a in prev)
    for a, _ in going_on:
        if not a.lines or bottom - a.lines[-1].bottom > 1.5 * a.lines[-1].size + 2 * m.pad:
            return False
    for a, b in going_on:
        if b.lines[0].text[0].islower() and _wraps(a.lines[-1], b.lines[0], a.x0 + m.pad, a.x1 - m.pad, m):
            return True
    if nxt[0].lines:
        return False
    return len(going_on) == 1


def _heading_levels(pages: list[_PageContent]) -> dict[float, int]:
    """Font size -> heading level, for sizes clearly above the body text's (the size most
    of the text outside tables is set in), the largest level 1."""
    counts: Counter[float] = Counter()
    lines = [ln for p in pages for ln in p.lines] or [ln for p in pages for ln in _cell_lines(p)]
    for ln in lines:
        counts[round(ln.size, 1)] += len(ln.text)
    if not counts:
        return {}
    body = counts.most_common(1)[0][0]
    bigger = sorted((s for s in counts if s >= 1.15 * body), reverse=True)
    return {s: i + 1 for i, s in enumerate(bigger)}


def _paragraphs(lines: list[_Line], m: _Metrics, levels: dict[float, int]) -> list[Paragraph]:
    groups: list[list[_Line]] = []
    for ln in lines:
        if groups and _wraps(groups[-1][-1], ln, m.left, m.right, m):
            groups[-1].append(ln)
        else:
            groups.append([ln])
    return [Paragraph(text=_join(g, m.left, m.right, m)[0], page=g[0].page,
                      bold=all(ln.bold for ln in g), heading_level=levels.get(round(g[0].size, 1)))
            for g in groups]
