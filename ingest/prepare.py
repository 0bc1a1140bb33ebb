"""The dear part of an ingest: read → records → quality report → embed, with nothing stored.

``prepare`` is what ``ingest.sandbox`` runs in a child process with a memory and time budget; the
pipeline then writes its result (``Prepared``) to the store and the index. Every failure of a
reader or of the extraction becomes an ``IngestError`` here: a reader's bug is a refused file with
an Italian message (exit 2 / HTTP 422), never a traceback.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.embed import CachedEmbedder, Embedder, EmbeddingError, get_embedder
from ingest.errors import IngestError, NoObjectiveTables, UnreadableDocument
from ingest.index import build_entries, passage_entries
from ingest.passages import MAX_CHARS, build_passages, has_prose
from ingest.plan import detect_ente, detect_periodo, monitoring_date
from ingest.settings import Settings
from ingest.store import DocumentInfo, Store
from ingest.types import DocumentModel, Objective, Passage

if TYPE_CHECKING:
    from ingest.index import IndexEntry
    from ingest.objectives import Extraction

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
EMBED_BATCH = 64  # larger batches embed faster (the engine parallelises a batch); 64 keeps progress moving
LONG_PASSAGE = 2 * MAX_CHARS  # a passage longer than this had no sentence boundary to split at
_SPACE = re.compile(r"\s+")


@dataclass
class Prepared:
    """A document read, its records extracted and its index texts embedded: ready to be written."""

    info: DocumentInfo
    objectives: list[Objective]
    passages: list[Passage]
    vectors: Sequence[Sequence[float]]  # one per index entry, in order (a float32 array from ``prepare``)
    warnings: list[str] = field(default_factory=list)
    parse_s: float = 0.0
    embed_s: float = 0.0
    embedded: int = 0  # texts the model embedded (not found in the cache)
    ente_fonte: str | None = None  # where the ente was read, when the document named it ('copertina ...')
    tables: list[dict[str, Any]] = field(default_factory=list)  # how each table was read (--explain)


class CountingEmbedder:
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


def document_entries(objectives: Sequence[Objective], passages: Sequence[Passage]) -> list[IndexEntry]:
    """Every index entry of a document: its records', then its prose passages'."""
    return build_entries(objectives) + passage_entries(passages)


def prepare(path: Path, documento: str, ente: str | None, periodo: str | None, settings: Settings, *,
            embedder: Embedder | None = None, counter: CountingEmbedder | None = None,
            progress: Progress | None = None) -> Prepared:
    """Read, extract and embed one file (``documento`` is its key, already checked).

    Without ``embedder`` (in the sandbox's child) the settings' model is used, its cache in the store."""
    store = None
    if embedder is None:
        store = Store(settings)
        counter = CountingEmbedder(get_embedder(settings))
        embedder = CachedEmbedder(counter, store)
    try:
        return _prepare(path, documento, ente, periodo, settings, embedder, counter, progress)
    finally:
        if store is not None:
            store.close()


def _prepare(path: Path, documento: str, ente: str | None, periodo: str | None, settings: Settings,
             embedder: Embedder, counter: CountingEmbedder | None, progress: Progress | None) -> Prepared:
    prepared = parse(path, documento, ente, periodo, settings, progress=progress)
    return embed_prepared(prepared, embedder, counter, progress)


def parse(path: Path, documento: str, ente: str | None, periodo: str | None, settings: Settings, *,
          progress: Progress | None = None) -> Prepared:
    """Read and extract one file, nothing embedded (``vectors`` empty): what ``piao ingest`` of many
    files runs in its parallel, budgeted children, embedding in batches itself afterwards."""
    from ingest.pipeline import file_hash
    from ingest.quality import build_report

    started = time.perf_counter()
    notify(progress, "read", 0, 1)
    doc, found, passages, extraction = _read(path, documento, ente, settings)
    ente = found.ente if found is not None else ente
    quality = build_report(extraction)
    info = DocumentInfo(
        documento=documento, file=doc.file or path.name, content_hash=file_hash(path), format=doc.format,
        ente=ente, periodo=periodo or detect_periodo(doc, path.name),
        data_monitoraggio=monitoring_date(extraction.objectives),
        sectors=[{"name": s.name, "declared_count": s.declared_count} for s in extraction.sectors],
        quality=quality.to_dict(), quality_text=quality.render(),
    )
    notify(progress, "read", 1, 1)
    return Prepared(info=info, objectives=list(extraction.objectives), passages=passages, vectors=[],
                    warnings=[str(w) for w in extraction.warnings], parse_s=time.perf_counter() - started,
                    ente_fonte=f"{found.fonte}: «{found.testo}»" if found is not None else None,
                    tables=[t.model_dump() for t in extraction.tables])


def embed_prepared(prepared: Prepared, embedder: Embedder, counter: CountingEmbedder | None,
                   progress: Progress | None) -> Prepared:
    """``prepared`` with the vectors of its index texts (from the cache where possible)."""
    entries = document_entries(prepared.objectives, prepared.passages)
    before = counter.embedded if counter is not None else 0
    t0 = time.perf_counter()
    # one float32 array, not lists of Python floats: ~6 times less memory, and one buffer to pass back
    prepared.vectors = np.asarray(embed_texts(embedder, [e.text for e in entries], progress), dtype=np.float32)
    prepared.embed_s = time.perf_counter() - t0
    prepared.embedded = (counter.embedded - before) if counter is not None else len(entries)
    return prepared


def _read(path: Path, documento: str, ente: str | None,
          settings: Settings) -> tuple[DocumentModel, Any, list[Passage], Extraction]:
    """The document model, the ente it names (when none is given), its passages and records; any failure
    of a reader is an ``IngestError``."""
    from ingest.readers import read_document

    try:
        doc = read_document(path, settings)
        found = detect_ente(doc) if ente is None else None
        ente = found.ente if found is not None else ente
        passages = bound_passages(build_passages(doc, documento, ente))
        return doc, found, passages, _extract(doc, documento, ente, passages)
    except (IngestError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a reader's bug must reach the user as a refused file
        logger.info("reading %s failed", path.name, exc_info=True)
        raise UnreadableDocument(
            "il documento non si riesce a leggere: la sua struttura non è quella attesa (errore interno "
            f"del lettore: {type(exc).__name__}). Provare a salvarlo di nuovo, o in un altro formato "
            "(.docx, .pdf, .txt).", file=path.name) from exc


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


def bound_passages(passages: list[Passage]) -> list[Passage]:
    """Passages cut to at most ``MAX_CHARS`` between words where one had no sentence boundary (a text
    export on one line): each is embedded and quoted whole, so none may be arbitrarily long."""
    if all(len(p.testo) <= LONG_PASSAGE for p in passages):
        return passages  # the usual case: ids unchanged
    out: list[Passage] = []
    for passage in passages:
        pieces = [passage.testo] if len(passage.testo) <= LONG_PASSAGE else _wrap(passage.testo, MAX_CHARS)
        out.extend(passage.model_copy(update={"testo": piece}) for piece in pieces)
    return [p.model_copy(update={"id": f"passaggio-{i}"}) for i, p in enumerate(out, 1)]


def _wrap(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at white space where there is some."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            space = max((m.start() for m in _SPACE.finditer(text, start + limit // 2, end)), default=-1)
            end = space if space > start else end
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)
        start = end
    return pieces


def embed_texts(embedder: Embedder, texts: list[str], progress: Progress | None) -> list[list[float]]:
    """Vectors of ``texts`` in batches (progress after each); a model failure is an ``EmbeddingError``."""
    vectors: list[list[float]] = []
    notify(progress, "embed", 0, len(texts))
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start:start + EMBED_BATCH]
        try:
            vectors.extend(embedder.embed_documents(batch))
        except (RuntimeError, ValueError, OSError) as exc:  # MemoryError: the sandbox's budget says it
            raise EmbeddingError(f"il calcolo degli embedding con il modello «{embedder.name}» non è "
                                 f"riuscito; nulla è stato modificato: {exc}") from exc
        notify(progress, "embed", len(vectors), len(texts))
    return vectors


def notify(progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Tell ``progress`` (if any) how far a stage is."""
    if progress is not None:
        progress(stage, done, total)
