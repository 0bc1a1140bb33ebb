"""Ingest one file: read → extract records → quality report → embed → index + store, atomically.

Store and index never disagree, even when the process is killed (``SIGKILL``, power cut) half-way:
texts are embedded before anything is written; the new version's Chroma entries are then added as a
new *generation* beside the old one (named after the records' hash); the database transaction that
replaces the records commits, which switches the document to the new generation; only then are the
other generations deleted. A crash before the commit leaves the old records with their whole old
generation (plus an orphan, ignored by readers of the store); a crash after it, the new records with
their whole new generation (plus the old one, not yet deleted). Ingesting the same document again
repairs what a crash left for that document (its other generations go, an incomplete one is
rebuilt); ``piao repair`` (``Ingestor.repair``, also run when the server starts) checks them all.

Once the index holds exactly the stored version of a document, the store's database records it
(``ingest.index_state``; cleared before any index write): an unchanged re-ingest then reads neither
the index nor any other document, so it costs the same at 1 or 10,000 documents.

Reading and embedding run in a child process with a memory and time budget (``ingest.sandbox``,
``ingest.prepare``); the writes that follow hold the document's lock (``ingest.locks``), so two
ingests of the same document run one after the other and store and index hold the same version.

Re-ingesting a file whose bytes (and ``ente``) match what is stored returns ``"unchanged"`` without
parsing or embedding anything; ``force=True`` parses again (e.g. after upgrading the extractor).
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from ingest.embed import CachedEmbedder, Embedder, get_embedder
from ingest.errors import DocumentKeyTaken, IngestError, StoreError
from ingest.index import Index, IndexEntry
from ingest.index_state import IndexState, index_id
from ingest.locks import document_lock
from ingest.prepare import CountingEmbedder, Prepared, document_entries, embed_texts, notify, prepare
from ingest.readers.safety import check_file
from ingest.sandbox import release_memory
from ingest.settings import Settings, get_settings
from ingest.store import DocumentInfo, Store, records_hash
from ingest.types import Objective, Passage

if TYPE_CHECKING:
    from ingest.repair import RepairReport

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: ``"read"``, ``"embed"``, ``"store"``."""

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


class Ingestor:
    """Holds the store, the cached embedder and the index for a series of ingests."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None) -> None:
        self.settings = settings or get_settings()
        self._own_embedder = embedder is None
        self.store = Store(self.settings)
        self._counter = CountingEmbedder(embedder or get_embedder(self.settings))
        self.embedder = CachedEmbedder(self._counter, self.store)
        self.index = Index(self.settings, self.embedder)
        self.state = IndexState(self.store.engine, index_id(self.index.name, self.index.location))

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()

    def ingest(self, path: Path, *, ente: str | None = None, documento: str | None = None,
               progress: Progress | None = None, force: bool = False, periodo: str | None = None,
               replace: bool = True) -> IngestReport:
        """Ingest one file (see the module docstring). Bad input raises an ``IngestError``.

        ``periodo`` ('2023-2025') overrides the plan period read from the text or the file name.
        ``replace=False`` refuses to replace a stored document that came from another file
        (``DocumentKeyTaken``). Parsing and embedding run in a child process with a budget (see
        ``ingest.sandbox``) unless ``PIAO_INGEST_SANDBOX`` is off or an embedder was passed in."""
        started = time.perf_counter()
        path = Path(path)
        key, report = self.screen(path, ente=ente, documento=documento, force=force, periodo=periodo,
                                  replace=replace)
        if report is not None:
            report.timings.total_s = time.perf_counter() - started
            return report
        prepared = self._prepare(path, key, ente, periodo, progress)
        report = self.finish(prepared, progress=progress, force=force)
        del prepared
        if self.sandboxed:
            release_memory()  # the server's memory back where it was, big documents included
        report.timings.total_s = time.perf_counter() - started
        return report

    def screen(self, path: Path, *, ente: str | None = None, documento: str | None = None, force: bool = False,
               periodo: str | None = None, replace: bool = True) -> tuple[str, IngestReport | None]:
        """The document key of a file, and its report if it is stored unchanged (nothing to do); bad input
        (key, format, size) raises an ``IngestError`` without reading the file further."""
        key = check_documento_key(documento if documento is not None else path.stem, path.name)
        check_file(path, self.settings)  # the format first: a renamed file is refused, not "unchanged"
        if not replace:
            self._check_same_file(key, path.name)
        return key, None if force else self._unchanged(path, key, ente, periodo)

    def finish(self, prepared: Prepared, *, progress: Progress | None = None, force: bool = False) -> IngestReport:
        """Write a prepared document (see ``_commit``) and report on it."""
        report = self._commit(prepared, progress=progress, force=force)
        report.warnings = prepared.warnings + report.warnings
        report.ente_fonte, report.tables = prepared.ente_fonte, prepared.tables
        report.timings.parse_s = prepared.parse_s
        report.timings.embed_s = prepared.embed_s
        report.embedded_texts = prepared.embedded
        return report

    def _prepare(self, path: Path, key: str, ente: str | None, periodo: str | None,
                 progress: Progress | None) -> Prepared:
        """Parse and embed, in a budgeted child process when the embedder comes from the settings."""
        if not self.sandboxed:
            return prepare(path, key, ente, periodo, self.settings, embedder=self.embedder, progress=progress,
                           counter=self._counter)
        from ingest.sandbox import run_budgeted

        return run_budgeted(prepare, (path, key, ente, periodo, self.settings), file=path.name,
                            memory_mb=self.settings.ingest_memory_mb, timeout_s=self.settings.ingest_timeout_s,
                            progress=progress)

    def _check_same_file(self, documento: str, file: str) -> None:
        stored = self.store.document(documento)
        if stored is not None and stored.file != file:
            raise DocumentKeyTaken(
                f"esiste già il documento «{documento}», importato dal file «{stored.file}»: per sostituirlo "
                "con questo file chiederlo esplicitamente (campo «sostituisci»), altrimenti scegliere "
                "un'altra chiave (campo «documento»).", file=file)

    def _unchanged(self, path: Path, documento: str, ente: str | None,
                   periodo: str | None = None) -> IngestReport | None:
        """The stored report if this very file is stored (and fully indexed), else ``None``."""
        if not path.is_file() or path.stat().st_size > self.settings.max_file_mb * 1024 * 1024:
            return None  # let the reader raise the proper error
        digest = file_hash(path)
        with document_lock(self.settings, documento):  # another writer's generation is not a leftover
            stored = self.store.document(documento)
            # without --ente the ente is the one read from these same bytes (or given before)
            if stored is None or (ente is not None and stored.ente != ente) or stored.content_hash != digest or (
                    periodo is not None and stored.periodo != periodo):
                return None
            objectives, passages = self.store.objectives(documento), self.store.passages(documento)
            entries = document_entries(objectives, passages)
            generation = generation_of(stored.records_hash or records_hash(objectives, passages))
            if not self._settled(documento, generation, len(entries)):
                logger.warning("index of %s out of step with the store: rebuilding it", documento)
                return None
        return _report(stored, objectives, "unchanged", len(entries), 0)

    def _settled(self, documento: str, generation: str, n_entries: int) -> bool:
        """Whether the index holds ``generation`` of the document whole; if so, other generations
        (left by a crash) are deleted. The index is read only when the store does not record it as
        settled at that generation. Call it holding the document's lock."""
        if self.state.settled(documento) == generation:
            return True
        gens = self.index.generations(documento).get(documento, {})
        if gens.get(generation) != n_entries:
            return False
        if len(gens) > 1:
            removed = self.index.delete_generations(documento, keep=generation)
            logger.warning("removed %d index entries of %s left by an interrupted ingest", removed, documento)
        self.mark_settled(documento, generation, n_entries)
        return True

    def mark_settled(self, documento: str, generation: str, n_entries: int) -> None:
        """Record that the index holds ``generation`` of ``documento`` whole and alone; a failure only
        costs the next ingest of the document a read of the index."""
        try:
            self.state.mark(documento, generation, n_entries)
        except StoreError as exc:
            logger.warning("%s: could not record the index as settled: %s", documento, exc.message)

    def ingest_records(self, info: DocumentInfo, objectives: Sequence[Objective], *,
                       progress: Progress | None = None, force: bool = False,
                       passages: Sequence[Passage] = ()) -> IngestReport:
        """Store and index records (and prose passages) already extracted (see the module docstring)."""
        entries = document_entries(objectives, passages)
        if not force:
            with document_lock(self.settings, info.documento):
                if self._settled_same(info, objectives, passages, len(entries)):
                    return _report(self.store.document(info.documento) or info, objectives, "unchanged",
                                   len(entries), 0)
        t0 = time.perf_counter()
        before = self._counter.embedded
        vectors = embed_texts(self.embedder, [e.text for e in entries], progress)
        prepared = Prepared(info=info, objectives=list(objectives), passages=list(passages), vectors=vectors,
                            embed_s=time.perf_counter() - t0, embedded=self._counter.embedded - before)
        report = self._commit(prepared, progress=progress, force=force)
        report.timings.embed_s, report.embedded_texts = prepared.embed_s, prepared.embedded
        return report

    def _settled_same(self, info: DocumentInfo, objectives: Sequence[Objective], passages: Sequence[Passage],
                      n_entries: int) -> bool:
        """Whether the store holds these very records for this file, and the index their whole generation."""
        digest = records_hash(objectives, passages)
        stored = self.store.document(info.documento)
        same_records = stored is not None and (
            stored.content_hash, stored.ente, stored.records_hash, stored.periodo) == (
            info.content_hash, info.ente, digest, info.periodo)
        return same_records and self._settled(info.documento, generation_of(digest), n_entries)

    def _commit(self, prepared: Prepared, *, progress: Progress | None, force: bool) -> IngestReport:
        """Write a prepared document (index generation, then the store), one writer per document."""
        info, objectives, passages = prepared.info, prepared.objectives, prepared.passages
        entries = document_entries(objectives, passages)
        if len(entries) != len(prepared.vectors):
            raise StoreError(f"{info.documento}: {len(prepared.vectors)} vettori per {len(entries)} testi; "
                             "nulla è stato modificato.")
        t1 = time.perf_counter()
        with document_lock(self.settings, info.documento):
            if not force and self._settled_same(info, objectives, passages, len(entries)):
                return _report(self.store.document(info.documento) or info, objectives, "unchanged",
                               len(entries), 0)
            notify(progress, "store", 0, 1)
            status = self._write(info, objectives, entries, prepared.vectors, passages)
            notify(progress, "store", 1, 1)
        report = _report(self.store.document(info.documento) or info, objectives, status, len(entries), 0)
        report.timings.store_s = time.perf_counter() - t1
        return report

    @property
    def sandboxed(self) -> bool:
        """Whether documents are parsed (and, one at a time, embedded) in budgeted child processes."""
        return self.settings.ingest_sandbox and self._own_embedder

    @property
    def counter(self) -> CountingEmbedder:
        """Counts the texts that reached the model (not found in the embedding cache)."""
        return self._counter

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
        self.state.clear(documento)  # from here until the end the index may disagree with the store
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
        self.mark_settled(documento, generation, len(entries))
        return status

    def _forget(self, documento: str, generation: str) -> None:
        """Remove a generation the store never switched to (the failure that led here propagates)."""
        try:
            self.index.delete_generation(documento, generation)
        except StoreError:
            logger.exception("could not remove the unused index entries of %s: the next ingest of it, or "
                             "`piao repair`, removes them", documento)

    def delete(self, documento: str) -> bool:
        """Remove a document from the store and the index; ``False`` if it was not stored.

        The store first: a crash in between leaves index entries of no stored document, which
        ``piao repair`` removes (or a new ingest of the same key).
        """
        with document_lock(self.settings, documento):
            self.state.clear(documento)
            existed = self.store.delete_document(documento)
            self.index.delete_generations(documento)
        return existed

    def recover(self, documents: Iterable[str] | None = None) -> int:
        """Make the index agree with the store (all documents, or those named); the entries removed.
        See ``ingest.repair.repair``."""
        from ingest.repair import repair

        return repair(self, documents).removed

    def repair(self, documents: Iterable[str] | None = None) -> RepairReport:
        """What ``recover`` does, with the report of what it fixed (``piao repair``)."""
        from ingest.repair import repair

        return repair(self, documents)

    def disagreements(self) -> list[str]:
        """Where the index does not hold exactly the stored version of each document (Italian, one line
        each); documents being written at this moment are left out. See ``ingest.repair``."""
        from ingest.repair import disagreements

        return disagreements(self)


def generation_of(records_digest: str) -> str:
    """The index generation of a version of a document's records (from ``records_hash``)."""
    return records_digest[:16]


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
                embedder: Embedder | None = None, force: bool = False, periodo: str | None = None,
                replace: bool = True) -> IngestReport:
    """Ingest one file into the store and the index of ``settings`` (see ``Ingestor.ingest``)."""
    ingestor = Ingestor(settings, embedder=embedder)
    try:
        return ingestor.ingest(path, ente=ente, documento=documento, progress=progress, force=force,
                               periodo=periodo, replace=replace)
    finally:
        ingestor.close()
