"""Data types of the ingest layer: the neutral document model and the objective records.

The document model is what every reader produces (``readers/``); the records are what
``objectives.py`` builds from it and what the store, the index and the assistant share.
Field names of the records are the document's own Italian terms (see ``objective.schema.json``).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocFormat = Literal["docx", "txt", "pdf"]


class Paragraph(BaseModel):
    """A paragraph outside tables, in document order."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["paragraph"] = "paragraph"
    text: str
    style: str | None = None
    heading_level: int | None = None  # set when the reader knows it is a heading
    bold: bool = False
    page: int | None = None


class Table(BaseModel):
    """A table as rows of cell texts.

    Merged cells appear once per row (horizontal merges de-duplicated); the paragraphs of a
    cell are joined with ``\\n``, each whitespace-normalised, empty ones dropped.
    ``index`` is the 1-based position of the table among the document's tables.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["table"] = "table"
    index: int
    rows: list[list[str]]
    page: int | None = None
    # Where the format knows the grid (.docx): per row, per cell, (first grid column, columns
    # spanned), parallel to ``rows``. Lets a header be matched to data rows whose cells merge
    # differently. ``None`` when unknown (text export, PDF).
    grid: list[list[tuple[int, int]]] | None = None


Block = Paragraph | Table


class DocumentModel(BaseModel):
    """What a reader returns: blocks in reading order."""

    file: str
    format: DocFormat
    blocks: list[Block] = Field(default_factory=list)
    page_headers: list[str] = Field(default_factory=list)  # running header lines (Word header, PDF)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


class Indicator(BaseModel):
    """One indicator row of an objective (one year, one indicator)."""

    anno: int | None = None
    indicatore: str | None = None
    scadenza: str | None = None
    baseline: str | None = None
    target: str | None = None
    target_intermedio: str | None = None
    target_raggiunto: str | None = None
    peso: str | None = None
    fonte_verifica: str | None = None


class StatoAttuazione(BaseModel):
    data: str | None = None  # ISO date of the monitoring, e.g. '2023-06-30'
    testo: str | None = None


class Fonte(BaseModel):
    file: str
    tabella: int
    pagina: int | None = None


class Passage(BaseModel):
    """A stretch of prose outside the objective tables, under one heading chain (``ingest/passages.py``)."""

    id: str  # 'passaggio-3': stable for the same document text
    documento: str
    ente: str | None = None
    sezione: str = ""  # heading chain, 'Sezione 3 › Lavoro agile'
    testo: str  # whole paragraphs (whole sentences when one paragraph is split), joined by newlines
    pagina: int | None = None
    paragrafo: int  # 1-based position of its first paragraph among the document's paragraphs

    @property
    def key(self) -> str:
        """Unique across documents: ``<documento>/<id>``."""
        return f"{self.documento}/{self.id}"


class Objective(BaseModel):
    """One performance objective, valid against ``objective.schema.json``."""

    id: str
    ente: str | None = None
    documento: str
    settore: str
    settore_cdr: str | None = None
    classificazione: str | None = None
    titolo: str
    destinatari: str | None = None
    contributor: str | None = None
    obiettivo_strategico: str | None = None
    responsabile: str | None = None
    personale_coinvolto: str | None = None
    peso: str | None = None
    pnrr: str | None = None
    anticorruzione: str | None = None
    indicatori: list[Indicator] = Field(default_factory=list)
    stato_attuazione: StatoAttuazione | None = None
    fonte: Fonte

    @property
    def key(self) -> str:
        """Unique across documents: ``<documento>/<id>``."""
        return f"{self.documento}/{self.id}"

    @property
    def anni(self) -> list[int]:
        return sorted({i.anno for i in self.indicatori if i.anno is not None})
