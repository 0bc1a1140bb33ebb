"""The store's tables (SQLAlchemy models) and the conversions between rows and records.

Only portable column types: the same models serve SQLite and PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ingest.text import stated
from ingest.types import Indicator, Objective


class DocumentInfo(BaseModel):
    """What the store knows about one ingested document."""

    documento: str
    file: str
    content_hash: str
    format: str
    ente: str | None = None
    ingested_at: datetime | None = None
    n_objectives: int = 0
    records_hash: str | None = None
    sectors: list[dict[str, Any]] = Field(default_factory=list)  # [{"name", "declared_count"}, ...]
    quality: dict[str, Any] | None = None  # QualityReport.to_dict()
    quality_text: str | None = None  # QualityReport.render()
    periodo: str | None = None  # plan period, '2023-2025'
    data_monitoraggio: str | None = None  # ISO date of the 'Stato di attuazione al ...' it reports


class EntityInfo(BaseModel):
    """One ente (body) of the store: its documents, plan periods and number of records."""

    ente: str | None = None  # None: documents whose ente was not read
    documents: list[str] = Field(default_factory=list)
    periodi: list[str] = Field(default_factory=list)
    n_objectives: int = 0


class StatusEntry(BaseModel):
    """One dated status of an objective, kept across monitoring versions of the same plan."""

    ente: str | None = None
    periodo: str | None = None
    objective_id: str
    data: str  # ISO date
    testo: str
    documento: str  # the document it was read from
    titolo: str = ""


class _Base(DeclarativeBase):
    pass


class DocumentRow(_Base):
    __tablename__ = "documents"

    documento: Mapped[str] = mapped_column(String(255), primary_key=True)
    file: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    records_hash: Mapped[str | None] = mapped_column(String(64))
    ente: Mapped[str | None] = mapped_column(String(255), index=True)
    format: Mapped[str] = mapped_column(String(16))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    n_objectives: Mapped[int] = mapped_column(Integer)
    sectors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quality: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    quality_text: Mapped[str | None] = mapped_column(Text)
    periodo: Mapped[str | None] = mapped_column(String(32))
    data_monitoraggio: Mapped[str | None] = mapped_column(String(10))


class StatusHistoryRow(_Base):
    """Every dated status ever ingested for an objective of a plan (ente + periodo + id)."""

    __tablename__ = "status_history"

    ente: Mapped[str] = mapped_column(String(255), primary_key=True)  # '' when unknown
    periodo: Mapped[str] = mapped_column(String(32), primary_key=True)  # '' when unknown
    objective_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[str] = mapped_column(String(10), primary_key=True)
    testo: Mapped[str] = mapped_column(Text)
    documento: Mapped[str] = mapped_column(String(255), index=True)
    titolo: Mapped[str] = mapped_column(Text)


class PassageRow(_Base):
    """A prose passage of a document (``ingest/passages.py``)."""

    __tablename__ = "passages"

    documento: Mapped[str] = mapped_column(String(255), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    record: Mapped[str] = mapped_column(Text)  # Passage.model_dump_json()


class ObjectiveRow(_Base):
    __tablename__ = "objectives"
    # one body's records in document order, read from the index (``objectives(ente=...)``)
    __table_args__ = (Index("ix_objectives_ente_documento_position", "ente", "documento", "position"),)

    documento: Mapped[str] = mapped_column(String(255), primary_key=True)
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    ente: Mapped[str | None] = mapped_column(String(255), index=True)
    settore: Mapped[str] = mapped_column(String(255), index=True)
    classificazione: Mapped[str | None] = mapped_column(Text)
    responsabile: Mapped[str | None] = mapped_column(Text)
    has_pnrr: Mapped[bool] = mapped_column(Boolean, index=True)
    titolo: Mapped[str] = mapped_column(Text)
    record: Mapped[str] = mapped_column(Text)  # Objective.model_dump_json(): round-trips exactly


class IndicatorRow(_Base):
    __tablename__ = "indicators"

    documento: Mapped[str] = mapped_column(String(255), primary_key=True)
    objective_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    anno: Mapped[int | None] = mapped_column(Integer, index=True)
    indicatore: Mapped[str | None] = mapped_column(Text)
    scadenza: Mapped[str | None] = mapped_column(Text)
    baseline: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    target_intermedio: Mapped[str | None] = mapped_column(Text)
    target_raggiunto: Mapped[str | None] = mapped_column(Text)
    peso: Mapped[str | None] = mapped_column(Text)
    fonte_verifica: Mapped[str | None] = mapped_column(Text)


class EmbeddingRow(_Base):
    __tablename__ = "embedding_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(model name + text)
    model: Mapped[str] = mapped_column(Text)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little endian



def status_entry(row: StatusHistoryRow) -> StatusEntry:
    return StatusEntry(ente=row.ente or None, periodo=row.periodo or None, objective_id=row.objective_id,
                       data=row.data, testo=row.testo, documento=row.documento, titolo=row.titolo)


def document_row(info: DocumentInfo, objectives: Sequence[Objective], rec_hash: str) -> DocumentRow:
    return DocumentRow(
        documento=info.documento,
        file=info.file,
        content_hash=info.content_hash,
        records_hash=rec_hash,
        ente=info.ente,
        format=info.format,
        ingested_at=datetime.now(UTC),
        n_objectives=len(objectives),
        sectors=list(info.sectors),
        quality=info.quality,
        quality_text=info.quality_text,
        periodo=info.periodo,
        data_monitoraggio=info.data_monitoraggio,
    )


def objective_rows(objectives: Sequence[Objective]) -> Iterator[ObjectiveRow | IndicatorRow]:
    for position, obj in enumerate(objectives):
        yield ObjectiveRow(
            documento=obj.documento,
            id=obj.id,
            position=position,
            ente=obj.ente,
            settore=obj.settore,
            classificazione=obj.classificazione,
            responsabile=obj.responsabile,
            has_pnrr=has_pnrr(obj),
            titolo=obj.titolo,
            record=obj.model_dump_json(),
        )
        for n, ind in enumerate(obj.indicatori):
            yield indicator_row(obj, n, ind)


def indicator_row(obj: Objective, n: int, ind: Indicator) -> IndicatorRow:
    return IndicatorRow(documento=obj.documento, objective_id=obj.id, n=n, **ind.model_dump())


def has_pnrr(obj: Objective) -> bool:
    """Whether the objective is linked to a PNRR measure ('No' or 'Non previsto' is no link)."""
    return stated(obj.pnrr)


def document_info(row: DocumentRow) -> DocumentInfo:
    ingested_at = row.ingested_at
    if ingested_at is not None and ingested_at.tzinfo is None:  # SQLite drops the zone; it was UTC
        ingested_at = ingested_at.replace(tzinfo=UTC)
    return DocumentInfo(
        documento=row.documento,
        file=row.file,
        content_hash=row.content_hash,
        records_hash=row.records_hash,
        format=row.format,
        ente=row.ente,
        ingested_at=ingested_at,
        n_objectives=row.n_objectives,
        sectors=row.sectors or [],
        quality=row.quality,
        quality_text=row.quality_text,
        periodo=row.periodo,
        data_monitoraggio=row.data_monitoraggio,
    )
