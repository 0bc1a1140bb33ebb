"""Ingest one file: read → extract records → quality report → embed → index + store, atomically.

Store and index never disagree, even when the process is killed (``SIGKILL``, power cut) half-way:
texts are embedded before anything is written; the new version's Chroma entries are then added as a
new *generation* beside the old one (named after the records' hash); the database transaction that
replaces the records commits, which switches the document to the new generation; only then are the
other generations deleted. A crash before the commit leaves the old records with their whole old
generation (plus an orphan, ignored by readers of the store); a crash after it, the new records with
their whole new generation (plus the old one, not yet deleted). ``Ingestor.recover()`` (run by
``piao ingest`` before it starts, and by ingesting the same document again) removes the orphans.

Re-ingesting a file whose bytes (and ``ente``) match what is stored returns ``"unchanged"`` without
parsing or embedding anything; ``force=True`` parses again (e.g. after upgrading the extractor).
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from ingest.embed import CachedEmbedder, Embedder, EmbeddingError, get_embedder
from ingest.errors import IngestError, NoObjectiveTables, StoreError
from ingest.index import Index, IndexEntry, build_entries, passage_entries
from ingest.passages import build_passages, has_prose
from ingest.plan import detect_ente, detect_periodo, monitoring_date
from ingest.settings import Settings, get_settings
from ingest.store import DocumentInfo, Store, records_hash
from ingest.types import DocumentModel, Objective, Passage

if TYPE_CHECKING:
    from ingest.objectives import Extraction

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: ``"read"``, ``"embed"``, ``"store"``."""

EMBED_BATCH = 64  # larger batches embed faster (the engine parallelises a batch); 64 keeps progress moving
_BAD_KEY = re.compile(r"[/#\x00-\x1f]")


class Timings(BaseModel):
    parse_s: float = 0.0
    embed_s: float = 0.0
    store_s: float = 0.0
    total_s: float = 0.0


class IngestReport(BaseModel):
    """What ingesting one file did."""

    documento: str
    file: str
    ente: str | None = None
    periodo: str | None = None  # plan period, '2023-2025'
    data_monitoraggio: str | None = None  # ISO date of the latest 'Stato di attuazione al ...'
    status: Literal["new", "updated", "unchanged"]
    n_objectives: int
    objectives_per_sector: dict[str, int]  # in document order
    declared_per_sector: dict[str, int | None] = Field(default_factory=dict)  # "(N OBIETTIVI)" headings
    index_entries: int = 0
    embedded_texts: int = 0  # texts the model embedded (not found in the cache)
    quality: dict[str, Any] | None = None
    quality_text: str | None = None
    warnings: list[str] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)
    ente_fonte: str | None = None  # where the ente was read, when the document named it ('copertina ...')
    tables: list[dict[str, Any]] = Field(default_factory=list)  # how each table was read (--explain)


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_documento_key(documento: str, file: str) -> str:
    """The document key, or an error if it cannot be used as one."""
    key = documento.strip()
    if not key or len(key) > 255 or _BAD_KEY.search(key):
        raise IngestError(f"chiave del documento non valida «{documento}»: non può essere vuota né contenere "
                          "«/» o «#»", file=file)
    return key


def _per_sector(objectives: Sequence[Objective], sectors: Sequence[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {str(s["name"]): 0 for s in sectors}
    for obj in objectives:
        counts[obj.settore] = counts.get(obj.settore, 0) + 1
    return counts


class _CountingEmbedder:
    """Counts the texts that reach the real model (i.e. were not in the cache)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.embedded = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class Ingestor:
    """Holds the store, the cached embedder and the index for a series of ingests."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None) -> None:
        self.settings = settings or get_settings()
        self.store = Store(self.settings)
        self._counter = _CountingEmbedder(embedder or get_embedder(self.settings))
        self.embedder = CachedEmbedder(self._counter, self.store)
        self.index = Index(self.settings, self.embedder)

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()

    def ingest(self, path: Path, *, ente: str | None = None, documento: str | None = None,
               progress: Progress | None = None, force: bool = False, periodo: str | None = None) -> IngestReport:
        """Ingest one file (see the module docstring). Bad input raises an ``IngestError``.

        ``periodo`` ('2023-2025') overrides the plan period read from the text or the file name."""
        started = time.perf_counter()
        path = Path(path)
        key = check_documento_key(documento if documento is not None else path.stem, path.name)
        if not force:
            report = self._unchanged(path, key, ente, periodo)
            if report is not None:
                report.timings.total_s = time.perf_counter() - started
                return report
        from ingest.quality import build_report
        from ingest.readers import read_document

        _notify(progress, "read", 0, 1)
        doc = read_document(path, self.settings)
        found = detect_ente(doc) if ente is None else None
        ente = found.ente if found is not None else ente
        passages = build_passages(doc, key, ente)
        extraction = _extract(doc, key, ente, passages)
        quality = build_report(extraction)
        parse_s = time.perf_counter() - started
        _notify(progress, "read", 1, 1)
        info = DocumentInfo(
            documento=key, file=doc.file or path.name, content_hash=file_hash(path), format=doc.format,
            ente=ente, periodo=periodo or detect_periodo(doc, path.name),
            data_monitoraggio=monitoring_date(extraction.objectives),
            sectors=[{"name": s.name, "declared_count": s.declared_count} for s in extraction.sectors],
            quality=quality.to_dict(), quality_text=quality.render(),
        )
        report = self.ingest_records(info, extraction.objectives, progress=progress, force=force, passages=passages)
        report.warnings = [str(w) for w in extraction.warnings] + report.warnings
        report.ente_fonte = f"{found.fonte}: «{found.testo}»" if found is not None else None
        report.tables = [t.model_dump() for t in extraction.tables]
        report.timings.parse_s = parse_s
        report.timings.total_s = time.perf_counter() - started
        return report

    def _unchanged(self, path: Path, documento: str, ente: str | None,
                   periodo: str | None = None) -> IngestReport | None:
        """The stored report if this very file is stored (and fully indexed), else ``None``."""
        if not path.is_file() or path.stat().st_size > self.settings.max_file_mb * 1024 * 1024:
            return None  # let the reader raise the proper error
        stored = self.store.document(documento)
        # without --ente the ente is the one read from these same bytes (or given before)
        if stored is None or (ente is not None and stored.ente != ente) or stored.content_hash != file_hash(path) or (
                periodo is not None and stored.periodo != periodo):
            return None
        objectives, passages = self.store.objectives(documento), self.store.passages(documento)
        entries = document_entries(objectives, passages)
        if not self._settled(documento, generation_of(stored.records_hash or records_hash(objectives, passages)),
                             len(entries)):
            logger.warning("index of %s out of step with the store: rebuilding it", documento)
            return None
        return _report(stored, objectives, "unchanged", len(entries), 0)

    def _settled(self, documento: str, generation: str, n_entries: int) -> bool:
        """Whether the index holds ``generation`` of the document whole; if so, other generations
        (left by a crash) are deleted."""
        gens = self.index.generations(documento).get(documento, {})
        if gens.get(generation) != n_entries:
            return False
        if len(gens) > 1:
            removed = self.index.delete_generations(documento, keep=generation)
            logger.warning("removed %d index entries of %s left by an interrupted ingest", removed, documento)
        return True

    def ingest_records(self, info: DocumentInfo, objectives: Sequence[Objective], *,
                       progress: Progress | None = None, force: bool = False,
                       passages: Sequence[Passage] = ()) -> IngestReport:
        """Store and index records (and prose passages) already extracted (see the module docstring)."""
        entries = document_entries(objectives, passages)
        digest = records_hash(objectives, passages)
        stored = self.store.document(info.documento)
        same_records = stored is not None and (
            stored.content_hash, stored.ente, stored.records_hash, stored.periodo) == (
            info.content_hash, info.ente, digest, info.periodo)
        if same_records and not force and self._settled(info.documento, generation_of(digest), len(entries)):
            return _report(stored, objectives, "unchanged", len(entries), 0)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        before = self._counter.embedded
        vectors = self._embed([e.text for e in entries], progress)
        embed_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        _notify(progress, "store", 0, 1)
        status = self._write(info, objectives, entries, vectors, passages)
        _notify(progress, "store", 1, 1)
        report = _report(self.store.document(info.documento) or info, objectives, status, len(entries),
                         self._counter.embedded - before)
        report.timings.embed_s = embed_s
        report.timings.store_s = time.perf_counter() - t1
        return report

    def _embed(self, texts: list[str], progress: Progress | None) -> list[list[float]]:
        vectors: list[list[float]] = []
        _notify(progress, "embed", 0, len(texts))
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            try:
                vectors.extend(self.embedder.embed_documents(batch))
            except (RuntimeError, ValueError, OSError, MemoryError) as exc:
                raise EmbeddingError(f"il calcolo degli embedding con il modello «{self.embedder.name}» non è "
                                     f"riuscito; nulla è stato modificato: {exc}") from exc
            _notify(progress, "embed", len(vectors), len(texts))
        return vectors

    def _write(self, info: DocumentInfo, objectives: Sequence[Objective], entries: Sequence[IndexEntry],
               vectors: Sequence[Sequence[float]], passages: Sequence[Passage] = (),
               ) -> Literal["new", "updated", "unchanged"]:
        """Index generation first, then the DB commit (the switch), then the old generations go."""
        documento = info.documento
        generation = generation_of(records_hash(objectives, passages))
        stored = self.store.document(documento)
        current = generation_of(stored.records_hash) if stored is not None and stored.records_hash else None
        gens = self.index.generations(documento).get(documento, {})
        written = False
        done = False
        try:
            if gens.get(generation) != len(entries):
                if generation in gens:  # part of it, left by an interrupted ingest
                    self.index.delete_generation(documento, generation)
                written = True
                self.index.write_generation(documento, generation, entries, vectors)
            status = self.store.upsert_document(info, objectives, passages=passages)
            done = True
        finally:
            if not done and written and generation != current:
                self._forget(documento, generation)
        removed = self.index.delete_generations(documento, keep=generation)
        logger.debug("%s: generation %s in place, %d old entries removed", documento, generation, removed)
        return status

    def _forget(self, documento: str, generation: str) -> None:
        """Remove a generation the store never switched to (the failure that led here propagates)."""
        try:
            self.index.delete_generation(documento, generation)
        except StoreError:
            logger.exception("could not remove the unused index entries of %s: `piao ingest` removes them "
                             "at its next run", documento)

    def delete(self, documento: str) -> bool:
        """Remove a document from the store and the index; ``False`` if it was not stored.

        The store first: a crash in between leaves index entries of no stored document, which
        ``recover`` removes.
        """
        existed = self.store.delete_document(documento)
        self.index.delete_generations(documento)
        return existed

    def recover(self) -> int:
        """Make the index agree with the store after an interrupted ingest; the entries removed.

        Removes the entries of documents the store does not hold and of generations the store does
        not point to; rebuilds (from the embedding cache) a stored document whose generation is
        incomplete (an index written before generations existed, or damaged by hand).
        """
        stored = {d.documento: d for d in self.store.documents()}
        indexed = self.index.generations()
        removed = 0
        for documento, gens in indexed.items():
            info = stored.get(documento)
            keep = generation_of(info.records_hash) if info is not None and info.records_hash else None
            if any(gen != keep for gen in gens):
                removed += self.index.delete_generations(documento, keep)
        for documento, info in stored.items():
            objectives, passages = self.store.objectives(documento), self.store.passages(documento)
            entries = document_entries(objectives, passages)
            generation = generation_of(info.records_hash or records_hash(objectives, passages))
            if indexed.get(documento, {}).get(generation) != len(entries):
                logger.warning("index of %s incomplete: rebuilding it from the stored records", documento)
                self.index.delete_generation(documento, generation)
                vectors = self._embed([e.text for e in entries], None)
                self.index.write_generation(documento, generation, entries, vectors)
        if removed:
            logger.warning("removed %d index entries left by an interrupted ingest", removed)
        return removed


def document_entries(objectives: Sequence[Objective], passages: Sequence[Passage]) -> list[IndexEntry]:
    """Every index entry of a document: its records', then its prose passages'."""
    return build_entries(objectives) + passage_entries(passages)


def _extract(doc: DocumentModel, documento: str, ente: str | None, passages: Sequence[Passage]) -> Extraction:
    """The objective records; a plan with prose but no objective table gives none (a warning says so)."""
    from ingest.objectives import Extraction, extract

    try:
        return extract(doc, documento, ente)
    except NoObjectiveTables as exc:
        if not has_prose(list(passages)):
            raise
        logger.info("%s: no objective table, ingested as prose (%d passages)", documento, len(passages))
        return Extraction(warnings=[f"nessuna scheda obiettivo: il documento è importato come testo "
                                    f"({len(passages)} passaggi). ({exc.message})"])


def generation_of(records_digest: str) -> str:
    """The index generation of a version of a document's records (from ``records_hash``)."""
    return records_digest[:16]


def _notify(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def _report(info: DocumentInfo, objectives: Sequence[Objective], status: Literal["new", "updated", "unchanged"],
            n_entries: int, embedded: int) -> IngestReport:
    return IngestReport(
        documento=info.documento, file=info.file, ente=info.ente, periodo=info.periodo,
        data_monitoraggio=info.data_monitoraggio, status=status,
        n_objectives=len(objectives),
        objectives_per_sector=_per_sector(objectives, info.sectors),
        declared_per_sector={str(s["name"]): s.get("declared_count") for s in info.sectors},
        index_entries=n_entries, embedded_texts=embedded,
        quality=info.quality, quality_text=info.quality_text,
    )


def ingest_file(path: Path, *, ente: str | None = None, documento: str | None = None,
                settings: Settings | None = None, progress: Progress | None = None,
                embedder: Embedder | None = None, force: bool = False, periodo: str | None = None) -> IngestReport:
    """Ingest one file into the store and the index of ``settings`` (see ``Ingestor.ingest``)."""
    ingestor = Ingestor(settings, embedder=embedder)
    try:
        return ingestor.ingest(path, ente=ente, documento=documento, progress=progress, force=force,
                               periodo=periodo)
    finally:
        ingestor.close()
