"""The record store: documents, objectives, indicators and the embedding cache (SQLAlchemy 2.x).

SQLite in ``settings.data_dir`` by default (WAL mode, so readers keep reading while a document is
ingested); PostgreSQL through ``PIAO_DATABASE_URL`` with the same code: only portable SQL here.
The store is the source of truth; the Chroma index is derived from it (see ``pipeline.py``).
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
from sqlalchemy import (
    delete,
    exists,
    func,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ingest import store_search
from ingest.errors import StoreError
from ingest.settings import Settings, get_settings
from ingest.store_rows import (
    DocumentInfo,
    DocumentRow,
    EmbeddingRow,
    EntityInfo,
    IndicatorRow,
    ObjectiveRow,
    PassageRow,
    StatusEntry,
    StatusHistoryRow,
    document_info,
    document_row,
    has_pnrr,
    objective_rows,
    status_entry,
)
from ingest.store_schema import create_schema, make_engine
from ingest.store_search import TextHit
from ingest.types import Objective, Passage

logger = logging.getLogger(__name__)

UpsertStatus = Literal["new", "updated", "unchanged"]
FILTERS = ("settore", "classificazione", "responsabile", "has_pnrr", "ente", "anno", "contains")
_CHUNK = 500  # keeps IN (...) lists well under every database's parameter limit


def records_hash(objectives: Sequence[Objective], passages: Sequence[Passage] = ()) -> str:
    """A hash of the records' (and passages') content: equal records give equal hashes."""
    digest = hashlib.sha256()
    for obj in objectives:
        digest.update(obj.model_dump_json().encode("utf-8"))
        digest.update(b"\n")
    for passage in passages:  # none: the same hash as before passages existed
        digest.update(b"P" + passage.model_dump_json().encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


class Store:
    """Documents, objective records, indicator rows and the embedding cache."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        try:
            self.engine = make_engine(self.settings)
            create_schema(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"impossibile aprire l'archivio dei dati ({self._where()}): {exc}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _where(self) -> str:
        return "PIAO_DATABASE_URL" if self.settings.database_url else str(self.settings.data_dir)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @contextmanager
    def _session(self, action: str) -> Iterator[Session]:
        """A session whose database errors become ``StoreError`` (nothing committed)."""
        try:
            with self._sessions() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"errore dell'archivio dei dati durante {action}; nulla è stato modificato: "
                             f"{exc.__class__.__name__}") from exc

    # -- documents -----------------------------------------------------------------------------

    def upsert_document(
        self,
        info: DocumentInfo,
        objectives: Sequence[Objective],
        *,
        before_commit: Callable[[], None] | None = None,
        passages: Sequence[Passage] = (),
    ) -> UpsertStatus:
        """Store a document and its records in one transaction.

        Same content hash, ente and records as stored: nothing is written, ``"unchanged"``.
        Otherwise the document's old records (if any) are replaced; other documents are untouched.
        ``before_commit`` runs inside the open transaction after every row is written (the pipeline
        writes the index there); if it raises, the transaction is rolled back and the error propagates.
        """
        if any(obj.documento != info.documento for obj in [*objectives, *passages]):
            raise ValueError(f"every record must belong to documento {info.documento!r}")
        rec_hash = records_hash(objectives, passages)
        with self._session("il salvataggio del documento") as session, session.begin():
            old = session.get(DocumentRow, info.documento)
            if old is not None and (old.content_hash, old.ente, old.records_hash, old.periodo) == (
                info.content_hash, info.ente, rec_hash, info.periodo
            ):
                return "unchanged"
            status: UpsertStatus = "new" if old is None else "updated"
            _delete_document_rows(session, info.documento)
            session.flush()
            session.add(document_row(info, objectives, rec_hash))
            session.add_all(objective_rows(objectives))
            store_search.add(session, objectives)
            session.add_all(PassageRow(documento=p.documento, id=p.id, position=i, record=p.model_dump_json())
                            for i, p in enumerate(passages))
            _record_history(session, info, objectives)
            session.flush()
            if before_commit is not None:
                before_commit()
        return status

    def delete_document(self, documento: str) -> bool:
        """Remove a document and its records; ``False`` if it was not stored."""
        with self._session("la cancellazione del documento") as session, session.begin():
            existed = session.get(DocumentRow, documento) is not None
            _delete_document_rows(session, documento)
        return existed

    def passages(self, documento: str | None = None) -> list[Passage]:
        """Stored prose passages in document order (documents by key)."""
        query = select(PassageRow.record)
        if documento is not None:
            query = query.where(PassageRow.documento == documento)
        query = query.order_by(PassageRow.documento, PassageRow.position)
        with self._session("la lettura dei passaggi") as session:
            return [Passage.model_validate_json(rec) for rec in session.scalars(query)]

    def status_history(self, objective_id: str | None = None, *, ente: str | None = None,
                       periodo: str | None = None) -> list[StatusEntry]:
        """Dated statuses kept across monitoring versions, oldest first (all, one body's, or one objective of a plan)."""
        query = select(StatusHistoryRow)
        if objective_id is not None:
            query = query.where(StatusHistoryRow.objective_id == objective_id,
                                StatusHistoryRow.ente == (ente or ""), StatusHistoryRow.periodo == (periodo or ""))
        elif ente is not None:  # one body's plans
            query = query.where(StatusHistoryRow.ente == ente)
        query = query.order_by(StatusHistoryRow.ente, StatusHistoryRow.periodo, StatusHistoryRow.objective_id,
                               StatusHistoryRow.data)
        with self._session("la lettura dello storico degli stati") as session:
            return [status_entry(row) for row in session.scalars(query)]

    def document(self, documento: str) -> DocumentInfo | None:
        """One stored document, or ``None``."""
        with self._session("la lettura del documento") as session:
            row = session.get(DocumentRow, documento)
            return document_info(row) if row is not None else None

    def documents(self) -> list[DocumentInfo]:
        """Every stored document, by key."""
        with self._session("la lettura dei documenti") as session:
            rows = session.scalars(select(DocumentRow).order_by(DocumentRow.documento))
            return [document_info(row) for row in rows]

    def revision(self) -> str:
        """A token that changes whenever the stored content changes (readers reload on change): the
        number of documents and the latest write (every upsert that writes stamps ``ingested_at``), read
        from an index, so checking costs the same at any store size."""
        with self._session("la lettura della revisione") as session:
            count, latest = session.execute(
                select(func.count(), func.max(DocumentRow.ingested_at)).select_from(DocumentRow)).one()
        return hashlib.sha256(f"{count}\t{latest}".encode()).hexdigest()[:16]

    def entities(self) -> list[EntityInfo]:
        """Each ente with its documents, plan periods and number of records (an unnamed ente last)."""
        query = select(DocumentRow.ente, DocumentRow.documento, DocumentRow.periodo, DocumentRow.n_objectives)
        by_ente: dict[str | None, EntityInfo] = {}
        with self._session("la lettura degli enti") as session:
            for ente, documento, periodo, n in session.execute(query.order_by(DocumentRow.documento)):
                entity = by_ente.setdefault(ente, EntityInfo(ente=ente))
                entity.documents.append(documento)
                entity.n_objectives += n or 0
                if periodo and periodo not in entity.periodi:
                    entity.periodi.append(periodo)
        return sorted(by_ente.values(), key=lambda e: (e.ente is None, e.ente or ""))

    def search_text(self, query: str, *, ente: str | None = None, documento: str | None = None,
                    limit: int = 20) -> list[TextHit]:
        """Objectives whose words (Italian stems, any inflection) match the query's, best first, within an
        ente and/or a document: full-text search in the database (FTS5 bm25 on SQLite, ``ts_rank`` over
        ``to_tsvector('italian')`` on PostgreSQL)."""
        with self._session("la ricerca nel testo") as session:
            return store_search.search(session, query, ente=ente, documento=documento, limit=limit)

    # -- objectives ----------------------------------------------------------------------------

    def objectives(self, documento: str | None = None, *, limit: int | None = None, offset: int = 0,
                   **filters: Any) -> list[Objective]:
        """Stored records in document order (documents by key), or the page ``offset``/``limit`` of them.

        Filters: ``settore``, ``classificazione``, ``responsabile`` (case-insensitive substring),
        ``has_pnrr`` (bool), ``ente`` (exact), ``anno`` (an indicator row of that year), ``contains`` (a
        ``store_search.Phrase``: words of the record's values, in order; see ``store_search.contains_clause``).
        ``None`` values are ignored; an unknown filter raises ``ValueError``.
        """
        query = _filtered(select(ObjectiveRow.record), documento, filters, self.engine.dialect.name)
        query = query.order_by(ObjectiveRow.documento, ObjectiveRow.position).offset(offset).limit(limit)
        with self._session("la lettura degli obiettivi") as session:
            return [Objective.model_validate_json(rec) for rec in session.scalars(query)]

    def get_objectives(self, keys: Iterable[str]) -> list[Objective]:
        """The records with these keys ``<documento>/<id>``, in the keys' order (unknown keys skipped)."""
        wanted = list(dict.fromkeys(k for k in keys if "/" in k))
        found: dict[str, Objective] = {}
        with self._session("la lettura degli obiettivi") as session:
            for start in range(0, len(wanted), _CHUNK):
                pairs = [tuple(k.partition("/")[::2]) for k in wanted[start:start + _CHUNK]]
                query = select(ObjectiveRow.record).where(
                    tuple_(ObjectiveRow.documento, ObjectiveRow.id).in_(pairs))
                for rec in session.scalars(query):
                    obj = Objective.model_validate_json(rec)
                    found[obj.key] = obj
        return [found[k] for k in wanted if k in found]

    def get_objective(self, key: str) -> Objective | None:
        """One record by key ``<documento>/<id>``; a bare ``id`` works when only one document has it."""
        with self._session("la lettura dell'obiettivo") as session:
            if "/" in key:
                documento, _, obj_id = key.partition("/")
                row = session.get(ObjectiveRow, (documento, obj_id))
                return Objective.model_validate_json(row.record) if row is not None else None
            records = session.scalars(select(ObjectiveRow.record).where(ObjectiveRow.id == key)).all()
            return Objective.model_validate_json(records[0]) if len(records) == 1 else None

    def count_objectives(self, documento: str | None = None, **filters: Any) -> int:
        """How many records are stored (for one document, or all; the filters of ``objectives``)."""
        query = _filtered(select(func.count()).select_from(ObjectiveRow), documento, filters,
                          self.engine.dialect.name)
        with self._session("il conteggio degli obiettivi") as session:
            return int(session.scalar(query) or 0)

    def count_by_ente(self, documento: str | None = None, **filters: Any) -> dict[str | None, int]:
        """How many records each ente has (the filters of ``objectives``), by ente; ``None``: no ente."""
        query = _filtered(select(ObjectiveRow.ente, func.count()).select_from(ObjectiveRow), documento, filters,
                          self.engine.dialect.name)
        with self._session("il conteggio degli obiettivi") as session:
            rows = session.execute(query.group_by(ObjectiveRow.ente))
            counts = {ente: int(n) for ente, n in rows}
        return dict(sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or "")))

    # -- embedding cache -----------------------------------------------------------------------

    def get_embeddings(self, keys: Iterable[str]) -> dict[str, list[float]]:
        """Cached vectors by key; missing keys are absent from the result."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, list[float]] = {}
        with self._session("la lettura della cache degli embedding") as session:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start:start + _CHUNK]
                rows = session.execute(select(EmbeddingRow.key, EmbeddingRow.vector)
                                       .where(EmbeddingRow.key.in_(chunk)))
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype="<f4").tolist()
        return found

    def put_embeddings(self, model: str, vectors: dict[str, Sequence[float]]) -> None:
        """Cache vectors by key (keys already cached are left as they are)."""
        if not vectors:
            return
        try:
            self._insert_embeddings(model, vectors)
        except StoreError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            # another process cached some of the same texts meanwhile: insert what is still missing
            self._insert_embeddings(model, vectors)

    def _insert_embeddings(self, model: str, vectors: dict[str, Sequence[float]]) -> None:
        with self._session("la scrittura della cache degli embedding") as session, session.begin():
            keys = list(vectors)
            present: set[str] = set()
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start:start + _CHUNK]
                present.update(session.scalars(select(EmbeddingRow.key).where(EmbeddingRow.key.in_(chunk))))
            session.add_all(
                EmbeddingRow(key=key, model=model, dim=len(vec),
                             vector=np.asarray(vec, dtype="<f4").tobytes())
                for key, vec in vectors.items() if key not in present
            )

    def count_embeddings(self) -> int:
        """How many vectors the cache holds."""
        with self._session("il conteggio della cache degli embedding") as session:
            return int(session.scalar(select(func.count()).select_from(EmbeddingRow)) or 0)


def _filtered(query: Any, documento: str | None, filters: dict[str, Any], dialect: str) -> Any:
    """The query restricted to a document and the ``objectives`` filters (unknown ones: ``ValueError``)."""
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown filters: {sorted(unknown)}")
    if documento is not None:
        query = query.where(ObjectiveRow.documento == documento)
    for name, value in filters.items():
        if value is not None:
            query = query.where(_filter_clause(name, value, dialect))
    return query


def _filter_clause(name: str, value: Any, dialect: str) -> Any:
    if name == "contains":
        return store_search.contains_clause(value, dialect)
    if name == "has_pnrr":
        return ObjectiveRow.has_pnrr.is_(bool(value))
    if name == "ente":
        return ObjectiveRow.ente == value
    if name == "anno":
        return exists().where(
            IndicatorRow.documento == ObjectiveRow.documento,
            IndicatorRow.objective_id == ObjectiveRow.id,
            IndicatorRow.anno == int(value),
        )
    column = getattr(ObjectiveRow, name)
    return column.icontains(str(value), autoescape=True)


def _record_history(session: Session, info: DocumentInfo, objectives: Sequence[Objective]) -> None:
    """Keep each dated status (a later version of the same date replaces the text; other dates stay)."""
    for obj in objectives:
        stato = obj.stato_attuazione
        if stato is None or not stato.data or not stato.testo:
            continue
        key = (info.ente or "", info.periodo or "", obj.id, stato.data)
        row = session.get(StatusHistoryRow, key)
        if row is None:
            session.add(StatusHistoryRow(ente=key[0], periodo=key[1], objective_id=obj.id, data=stato.data,
                                         testo=stato.testo, documento=info.documento, titolo=obj.titolo))
        else:
            row.testo, row.documento, row.titolo = stato.testo, info.documento, obj.titolo


def _delete_document_rows(session: Session, documento: str) -> None:
    store_search.remove(session, documento)
    session.execute(delete(IndicatorRow).where(IndicatorRow.documento == documento))
    session.execute(delete(PassageRow).where(PassageRow.documento == documento))
    session.execute(delete(ObjectiveRow).where(ObjectiveRow.documento == documento))
    session.execute(delete(DocumentRow).where(DocumentRow.documento == documento))


__all__ = ["DocumentInfo", "EntityInfo", "IndicatorRow", "StatusEntry", "Store", "TextHit", "UpsertStatus",
           "has_pnrr", "records_hash"]
