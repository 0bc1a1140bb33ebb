"""Word (.docx) reader: the body XML, in document order, into the neutral document model.

python-docx opens the package; the body is then walked as XML (``w:p``, ``w:tbl``, ``w:tr``,
``w:tc``) because python-docx's cell API is slow and repeats merged cells. Choices:

* horizontal merges: one cell per ``w:tc`` (``gridSpan`` recorded in ``Table.grid``); legacy
  ``hMerge`` continuation cells are dropped;
* vertical merges: a ``vMerge`` continuation cell gets the text of the cell above it (python-docx
  would return the top cell too), so a merged ``Anno`` repeats its year on every row;
* nested tables: flattened into the enclosing cell, one line per paragraph in reading order;
* soft line breaks (``w:br``, ``w:cr``) split a paragraph into lines like paragraph breaks, as
  the text export does; ``w:tab`` and NBSP are white space.
"""
from __future__ import annotations

import logging
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from ingest.errors import UnreadableDocument
from ingest.text import join_paragraphs, normalize_space
from ingest.types import Block, DocumentModel, Paragraph, Table

logger = logging.getLogger(__name__)

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
P, TBL, TR, TC = f"{{{_W}}}p", f"{{{_W}}}tbl", f"{{{_W}}}tr", f"{{{_W}}}tc"
T, TAB, BR, CR = f"{{{_W}}}t", f"{{{_W}}}tab", f"{{{_W}}}br", f"{{{_W}}}cr"
NO_BREAK_HYPHEN = f"{{{_W}}}noBreakHyphen"
R, RPR, PPR, B, VAL = f"{{{_W}}}r", f"{{{_W}}}rPr", f"{{{_W}}}pPr", f"{{{_W}}}b", f"{{{_W}}}val"
PSTYLE, OUTLINE = f"{{{_W}}}pStyle", f"{{{_W}}}outlineLvl"
TCPR, GRIDSPAN, VMERGE, HMERGE = f"{{{_W}}}tcPr", f"{{{_W}}}gridSpan", f"{{{_W}}}vMerge", f"{{{_W}}}hMerge"
TRPR, GRIDBEFORE = f"{{{_W}}}trPr", f"{{{_W}}}gridBefore"
SDT, SDTCONTENT, CUSTOMXML = f"{{{_W}}}sdt", f"{{{_W}}}sdtContent", f"{{{_W}}}customXml"
PPR_CHANGE = f"{{{_W}}}pPrChange"
_WRAPPERS = (SDT, SDTCONTENT, CUSTOMXML)
_HEADING_STYLE = re.compile(r"^(heading|titolo|intestazione)\s*(\d)$", re.IGNORECASE)
_FALSE = {"0", "false", "off", "none"}


def read_docx(path: Path) -> DocumentModel:
    """Read a .docx into blocks (paragraphs and tables) in body order."""
    try:
        document = docx.Document(str(path))
        body = _body(document, path.name)
        styles = _StyleInfo(document)
        blocks = list(_blocks(body, styles))
        headers = _page_headers(document)
    except (PackageNotFoundError, zipfile.BadZipFile, zlib.error, KeyError, EOFError,
            etree.XMLSyntaxError) as exc:
        raise UnreadableDocument(
            "il documento Word è danneggiato o incompleto e non si può leggere "
            f"({type(exc).__name__}). Salvarlo di nuovo da Word come .docx e riprovare.",
            file=path.name,
        ) from exc
    return DocumentModel(file=path.name, format="docx", blocks=blocks, page_headers=headers)


def _page_headers(document: Any) -> list[str]:
    """The text lines of the page headers the document defines (first page and default)."""
    lines: list[str] = []
    for section in document.sections:
        for header in (section.first_page_header, section.header):
            if header.is_linked_to_previous:  # no header of its own (reading it would create one)
                continue
            for paragraph in header.paragraphs:
                text = normalize_space(paragraph.text)
                if text and text not in lines:
                    lines.append(text)
    return lines


def _body(document: Any, name: str) -> Any:
    """The ``w:body`` of the main part; a part that is not a ``w:document`` with a body is damage."""
    root = document.element
    body = root.find(f"{{{_W}}}body") if root.tag == f"{{{_W}}}document" else None
    if body is None:
        raise UnreadableDocument(
            "il documento Word è danneggiato: la parte principale (word/document.xml) non contiene il "
            "corpo del documento. Salvarlo di nuovo da Word come .docx e riprovare.",
            file=name,
        )
    return body


class _StyleInfo:
    """Style id -> (name, heading level, bold), resolving ``basedOn`` chains."""

    def __init__(self, document: Any) -> None:
        self._by_id: dict[str, tuple[str, int | None, bool]] = {}
        default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self._default_id: str | None = default.style_id if default is not None else None
        for style in document.styles:
            style_id = getattr(style, "style_id", None)
            if style_id is None:
                continue
            name = style.name or style_id
            level = None
            match = _HEADING_STYLE.match(name)
            if match:
                level = int(match.group(2))
            elif name.lower() == "title":
                level = 0
            bold = bool(getattr(getattr(style, "font", None), "bold", False))
            self._by_id[style_id] = (name, level, bold)

    def get(self, style_id: str | None) -> tuple[str | None, int | None, bool]:
        """(name, heading level, bold) of a paragraph style; no id means the default style."""
        style_id = style_id or self._default_id
        if style_id is None or style_id not in self._by_id:
            return None, None, False
        return self._by_id[style_id]


def _children(parent: Any) -> Iterator[Any]:
    """Direct block children, looking through content controls and custom XML wrappers."""
    for child in parent.iterchildren():
        if child.tag in _WRAPPERS:
            yield from _children(child)
        else:
            yield child


def _blocks(body: Any, styles: _StyleInfo) -> Iterator[Block]:
    table_index = 0
    for child in _children(body):
        if child.tag == P:
            paragraph = _paragraph(child, styles)
            if paragraph is not None:
                yield paragraph
        elif child.tag == TBL:
            table_index += 1
            rows, grid = _table_rows(child)
            yield Table(index=table_index, rows=rows, grid=grid)


def _paragraph_lines(p: Any) -> list[str]:
    """The text of one ``w:p``, split at soft line breaks."""
    lines: list[str] = []
    current: list[str] = []
    for node in p.iter(T, TAB, BR, CR, NO_BREAK_HYPHEN):
        tag = node.tag
        if tag == T:
            current.append(node.text or "")
        elif tag == TAB:
            current.append(" ")
        elif tag == NO_BREAK_HYPHEN:
            current.append("-")
        else:
            lines.append("".join(current))
            current = []
    lines.append("".join(current))
    return lines


def _paragraph(p: Any, styles: _StyleInfo) -> Paragraph | None:
    text = "\n".join(normalize_space(line) for line in _paragraph_lines(p)).strip("\n")
    if not text.strip():
        return None
    ppr = p.find(PPR)
    style_id = None
    outline = None
    if ppr is not None:
        pstyle = ppr.find(PSTYLE)
        style_id = pstyle.get(VAL) if pstyle is not None else None
        outline_el = ppr.find(OUTLINE)
        outline = int(outline_el.get(VAL)) + 1 if outline_el is not None and outline_el.get(VAL) else None
    name, level, style_bold = styles.get(style_id)
    if level is None and outline is not None and outline <= 9:
        level = outline
    return Paragraph(text=text, style=name, heading_level=level, bold=_is_bold(p, style_bold))


def _flag(rpr: Any) -> bool | None:
    if rpr is None:
        return None
    b = rpr.find(B)
    if b is None:
        return None
    return (b.get(VAL) or "true").lower() not in _FALSE


def _is_bold(p: Any, style_bold: bool) -> bool:
    """Bold when every run carrying text is bold (run formatting, else the style's)."""
    seen = False
    for run in p.iter(R):
        if not "".join(t.text or "" for t in run.iter(T)).strip():
            continue
        seen = True
        flag = _flag(run.find(RPR))
        if not (flag if flag is not None else style_bold):
            return False
    return seen


def _cell_lines(tc: Any) -> list[str]:
    """Lines of a cell: its paragraphs, and those of nested tables, in reading order."""
    lines: list[str] = []
    for child in _children(tc):
        if child.tag == P:
            lines.extend(_paragraph_lines(child))
        elif child.tag == TBL:
            for row in _children(child):
                if row.tag == TR:
                    for cell in _children(row):
                        if cell.tag == TC:
                            lines.extend(_cell_lines(cell))
    return lines


def _int_val(parent: Any, tag: str, default: int) -> int:
    if parent is None:
        return default
    el = parent.find(tag)
    if el is None or el.get(VAL) is None:
        return default
    try:
        return int(el.get(VAL))
    except ValueError:
        return default


def _table_rows(tbl: Any) -> tuple[list[list[str]], list[list[tuple[int, int]]]]:
    rows: list[list[str]] = []
    grid: list[list[tuple[int, int]]] = []
    above: dict[int, str] = {}  # grid column -> text of the last cell starting there
    for tr in _children(tbl):
        if tr.tag != TR:
            continue
        column = _int_val(tr.find(TRPR), GRIDBEFORE, 0)
        cells: list[str] = []
        spans: list[tuple[int, int]] = []
        for tc in _children(tr):
            if tc.tag != TC:
                continue
            tcpr = tc.find(TCPR)
            span = max(1, _int_val(tcpr, GRIDSPAN, 1))
            hmerge = tcpr.find(HMERGE) if tcpr is not None else None
            if hmerge is not None and (hmerge.get(VAL) or "continue") == "continue" and spans:
                first, width = spans[-1]
                spans[-1] = (first, width + span)
                column += span
                continue
            vmerge = tcpr.find(VMERGE) if tcpr is not None else None
            if vmerge is not None and (vmerge.get(VAL) or "continue") == "continue":
                text = above.get(column, "")
            else:
                text = join_paragraphs(_cell_lines(tc))
                above[column] = text
            cells.append(text)
            spans.append((column, span))
            column += span
        rows.append(cells)
        grid.append(spans)
    return rows, grid
