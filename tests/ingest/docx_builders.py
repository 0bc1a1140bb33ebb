"""Build small Word documents with python-docx for the reader and variant tests.

``Cell`` text: ``"\\n"`` separates paragraphs. A row shorter than the grid is padded by merging
its last cell to the right edge (a real horizontal merge, ``gridSpan``); ``VMERGE`` in a cell
merges it with the cell above (a real vertical merge: python-docx writes ``vMerge``).
"""
from __future__ import annotations

from pathlib import Path

import docx
from docx.document import Document
from docx.table import Table as DocxTable
from docx.table import _Cell

VMERGE = "\x00vmerge"  # marker: merge this cell with the one above


def new_document() -> Document:
    return docx.Document()


def paragraph(doc: Document, text: str, *, bold: bool = False, style: str | None = None) -> None:
    p = doc.add_paragraph(style=style)
    p.add_run(text).bold = bold or None


def heading(doc: Document, text: str, level: int = 1) -> None:
    doc.add_heading(text, level=level)


def set_text(cell, text: str) -> None:  # type: ignore[no-untyped-def]
    """Set a cell's text, one paragraph per line."""
    lines = text.split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def table(doc: Document, rows: list[list[str]], *, cols: int | None = None) -> DocxTable:
    """A table whose rows may be shorter than the grid (their last cell spans the rest)."""
    width = cols or max(len(r) for r in rows)
    tbl = doc.add_table(rows=len(rows), cols=width)
    vmerges: list[tuple[int, int]] = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text == VMERGE:
                vmerges.append((r, c))
            else:
                set_text(tbl.cell(r, c), text)
        if len(row) < width:
            tbl.cell(r, len(row) - 1).merge(tbl.cell(r, width - 1))
    for r, c in vmerges:
        tbl.cell(r - 1, c).merge(tbl.cell(r, c))
    return tbl


def nested_table(cell, rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    """Put a table inside a cell (after its text)."""
    inner = cell.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            set_text(inner.cell(r, c), text)


def soft_break(cell, before: str, after: str) -> None:  # type: ignore[no-untyped-def]
    """Set a cell to two lines separated by a soft line break (``w:br``) in one paragraph."""
    run = cell.paragraphs[0].add_run(before)
    run.add_break()
    cell.paragraphs[0].add_run(after)


def save(doc: Document, path: Path) -> Path:
    doc.save(str(path))
    return path


def export_text(path: Path) -> str:
    """The document as a Tika-like text export (see the fixtures README), written from python-docx.

    Paragraph: one line. Table cell: a tab, then its paragraphs one per line; a row ends with a
    blank line, a table with one more. A merged cell is written once (a vertically merged one
    as an empty cell), as the exporter does.
    """
    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            for tr in block._tbl.tr_lst:
                for tc in tr.tc_lst:
                    texts = [p.text for p in _Cell(tc, block).paragraphs]
                    if tc.vMerge == "continue":
                        texts = [""]
                    lines.append("\t" + texts[0])
                    lines.extend(texts[1:])
                lines.append("")
            lines.append("")
        else:
            lines.append(block.text)
    return "\n".join(lines) + "\n"
