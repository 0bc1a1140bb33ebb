"""Readers: a document file -> the neutral document model (``ingest.types.DocumentModel``).

``read_document`` checks the file first (``safety.check_file``: existence, size, zip bombs,
encryption, binary text), detects the format from the content (a zip with
``word/document.xml`` is Word, ``%PDF-`` is PDF, UTF-8 text is a text export) and refuses a
file whose extension says otherwise, then dispatches to the reader of that format.
"""
from __future__ import annotations

from pathlib import Path

from ingest.errors import EmptyDocument, UnsupportedFormat
from ingest.readers.docx import read_docx
from ingest.readers.safety import check_file
from ingest.readers.text import parse_text
from ingest.settings import Settings, get_settings
from ingest.types import DocumentModel, Paragraph

__all__ = ["read_document", "read_docx", "parse_text"]


def read_document(path: Path, settings: Settings | None = None) -> DocumentModel:
    """Read a .docx, .txt export or .pdf into a ``DocumentModel``.

    Raises an ``IngestError`` subclass (Italian message naming the file) for a missing,
    oversized, unsafe, encrypted, corrupt, unsupported or empty file.
    """
    path = Path(path)
    checked = check_file(path, settings or get_settings())
    if checked.format == "docx":
        model = read_docx(path)
    elif checked.format == "txt":
        assert checked.text is not None
        model = parse_text(checked.text, path.name)
    else:
        model = _read_pdf(path)
    if not _has_text(model):
        raise EmptyDocument("il documento non contiene testo.", file=path.name)
    return model


def _read_pdf(path: Path) -> DocumentModel:
    try:
        from ingest.readers.pdf import read_pdf  # lazy: pdfplumber is slow to import
    except ModuleNotFoundError as exc:
        if exc.name != "ingest.readers.pdf":
            raise
        raise UnsupportedFormat("la lettura dei PDF non è disponibile in questa installazione.",
                                file=path.name) from exc
    return read_pdf(path)


def _has_text(model: DocumentModel) -> bool:
    for block in model.blocks:
        if isinstance(block, Paragraph):
            if block.text.strip():
                return True
        elif any(cell.strip() for row in block.rows for cell in row):
            return True
    return False
