"""The Chroma index: texts derived from the records, with metadata for filters.

Embedded ``PersistentClient`` in ``settings.chroma_path`` by default; ``HttpClient`` when
``PIAO_CHROMA_HOST`` is set. Chroma never embeds anything itself: the collection has no embedding
function and every call passes our vectors, so it never reaches for (or downloads) its default model.
One collection per embedding model (``<chroma_collection>-<model slug>-<hash>``): switching
``PIAO_EMBEDDING_MODEL`` cannot mix vector spaces.

Entry ids: ``<documento>/<objective id>#card``, ``#ind-<n>`` (n from 1, the indicator row),
``#status``. Metadata: documento, ente ('' if none), settore, classificazione, responsabile,
has_pnrr, anni ('2023,2024'), ``anno_<year>: True`` per year, objective_key, objective_id, kind.

Generations (crash safety, see ``pipeline.py``): the pipeline writes a version's entries as one
*generation* (ids ``<entry id>@<generation>``, metadata ``generation``) beside the previous one, the
store's commit switches to it, and the other generations are deleted afterwards.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, Field

from ingest.embed import Embedder
from ingest.errors import StoreError
from ingest.settings import Settings, get_settings
from ingest.store import has_pnrr
from ingest.types import Indicator, Objective, Passage

logger = logging.getLogger(__name__)

Kind = Literal["card", "indicator", "status", "passage"]
T = TypeVar("T")
_BATCH = 1000  # below Chroma's max batch size on every backend
_PAGE = 5000  # entries read per call when scanning the whole collection
_ID_PAGE = 50_000  # entry ids read per call (ids alone: ten times cheaper than their metadata)
# '<documento>/<objective or passage id>#<kind>[@<generation>]' (a documento has no '/' nor '#')
_ENTRY_ID = re.compile(r"(?P<documento>[^/#]+)/.+#(?:card|ind-\d+|status|passage)(?:@(?P<generation>[0-9a-f]{16}))?")
_QUERY_CACHE = 64  # query vectors kept per index
_WORD_END = re.compile(r"\s+\S*$")


@lru_cache(maxsize=1)
def _chroma_errors() -> tuple[type[Exception], ...]:
    """What a Chroma call may raise (imported on first use: ``chromadb`` takes a second to import, and
    an unchanged re-ingest never needs it)."""
    import chromadb.errors
    import httpx

    return (chromadb.errors.ChromaError, httpx.HTTPError, ValueError, RuntimeError, OSError)


class IndexEntry(BaseModel):
    """One text of the index with its id and metadata."""

    id: str
    text: str
    metadata: dict[str, str | int | float | bool]


class Hit(BaseModel):
    """A search result: the objective it belongs to, which text matched, and the cosine similarity."""

    key: str  # objective key '<documento>/<id>'
    kind: Kind
    text: str
    score: float
    id: str = ""  # the index entry id
    metadata: dict[str, Any] = Field(default_factory=dict)


class IndexSnapshot(BaseModel):
    """A document's entries with their vectors, to put back if a write fails half-way."""

    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    embeddings: list[list[float]]


# -- texts derived from records (pure) ------------------------------------------------------------

_CARD_FIELDS = (
    ("titolo", "Obiettivo"),
    ("settore", "Settore"),
    ("classificazione", "Classificazione"),
    ("destinatari", "Destinatari"),
    ("contributor", "Contributor"),
    ("obiettivo_strategico", "Obiettivo strategico"),
    ("responsabile", "Responsabile"),
    ("personale_coinvolto", "Personale coinvolto"),
    ("peso", "Peso"),
    ("pnrr", "PNRR"),
    ("anticorruzione", "Anticorruzione"),
)
_INDICATOR_FIELDS = (
    ("indicatore", "Indicatore"),
    ("scadenza", "Entro il"),
    ("baseline", "Baseline"),
    ("target", "Target"),
    ("target_intermedio", "Target intermedio"),
    ("target_raggiunto", "Target raggiunto"),
    ("peso", "Peso"),
    ("fonte_verifica", "Fonte di verifica"),
)


def card_text(obj: Objective) -> str:
    """The objective card: its descriptive fields, one per line."""
    lines = [f"{label}: {getattr(obj, field)}" for field, label in _CARD_FIELDS if getattr(obj, field)]
    return "\n".join(lines)


def indicator_text(obj: Objective, ind: Indicator) -> str:
    """One indicator row, with the objective's title for context."""
    head = f"Anno {ind.anno}" if ind.anno is not None else "Indicatore"
    fields = [f"{label}: {getattr(ind, field)}" for field, label in _INDICATOR_FIELDS if getattr(ind, field)]
    return f"{obj.titolo}\n{head}. " + "\n".join(fields)


def status_text(obj: Objective) -> str | None:
    """The monitoring status, with the objective's title; ``None`` when the record has none."""
    stato = obj.stato_attuazione
    if stato is None or not stato.testo:
        return None
    when = f" al {stato.data}" if stato.data else ""
    return f"{obj.titolo}\nStato di attuazione{when}: {stato.testo}"


def _metadata(obj: Objective, kind: Kind, years: Sequence[int]) -> dict[str, str | int | float | bool]:
    meta: dict[str, str | int | float | bool] = {
        "documento": obj.documento,
        "ente": obj.ente or "",
        "settore": obj.settore,
        "classificazione": obj.classificazione or "",
        "responsabile": obj.responsabile or "",
        "has_pnrr": has_pnrr(obj),
        "anni": ",".join(str(y) for y in years),
        "objective_key": obj.key,
        "objective_id": obj.id,
        "kind": kind,
    }
    meta.update({f"anno_{y}": True for y in years})
    return meta


def build_entries(objectives: Sequence[Objective]) -> list[IndexEntry]:
    """Every index entry of the records, in document order (pure)."""
    entries: list[IndexEntry] = []
    for obj in objectives:
        entries.append(IndexEntry(id=f"{obj.key}#card", text=card_text(obj),
                                  metadata=_metadata(obj, "card", obj.anni)))
        for n, ind in enumerate(obj.indicatori, start=1):
            years = [ind.anno] if ind.anno is not None else []
            meta = _metadata(obj, "indicator", years) | {"n": n}
            entries.append(IndexEntry(id=f"{obj.key}#ind-{n}", text=indicator_text(obj, ind), metadata=meta))
        text = status_text(obj)
        if text is not None:
            entries.append(IndexEntry(id=f"{obj.key}#status", text=text,
                                      metadata=_metadata(obj, "status", obj.anni)))
    return entries


def passage_entries(passages: Sequence[Passage]) -> list[IndexEntry]:
    """One index entry per prose passage: its section path and text (pure).

    Metadata as for records where it applies (``objective_key`` is the passage key, ``kind`` 'passage')."""
    return [IndexEntry(id=f"{p.key}#passage", text=f"{p.sezione}\n{p.testo}" if p.sezione else p.testo,
                       metadata={"documento": p.documento, "ente": p.ente or "", "objective_key": p.key,
                                 "objective_id": p.id, "kind": "passage", "sezione": p.sezione,
                                 "pagina": p.pagina if p.pagina is not None else -1})
            for p in passages]


def bounded_query(query: str, max_chars: int) -> str:
    """The text of a question to embed: white space collapsed, at most ``max_chars`` characters, cut
    at a word's end. A question's cost to embed grows faster than its length (attention), so a long
    one must not cost the server seconds: its start carries the question, and the lexical search
    still reads all of it."""
    text = " ".join(query.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars + 1]
    return _WORD_END.sub("", cut) or text[:max_chars]


def normalise_where(where: dict[str, Any] | None) -> dict[str, Any] | None:
    """Chroma wants one key per filter dict: ``{"a": 1, "b": 2}`` becomes ``{"$and": [...]}``."""
    if not where:
        return None
    if len(where) == 1:
        return where
    return {"$and": [{key: value} for key, value in where.items()]}


def collection_name(base: str, model: str) -> str:
    """A valid Chroma collection name per (base, embedding model)."""
    tail = "-".join(model.lower().rstrip("/").split("/")[-2:])  # 'org/name' or 'parent/dir' of a path
    slug = re.sub(r"[^a-z0-9]+", "-", tail).strip("-")[-40:].strip("-")
    digest = hashlib.sha256(model.encode("utf-8")).hexdigest()[:8]
    return f"{base}-{slug or 'model'}-{digest}"


def _batches(items: Sequence[T], size: int = _BATCH) -> list[Sequence[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


# -- the collection -------------------------------------------------------------------------------

def make_client(settings: Settings) -> Any:
    """Chroma client: HTTP when ``chroma_host`` is set, else embedded in ``chroma_path``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                   settings=chroma_settings)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


class Index:
    """The vector index of one embedding model."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        from ingest.embed import get_embedder

        self.settings = settings or get_settings()
        self.embedder = embedder or get_embedder(self.settings)
        self.name = collection_name(self.settings.chroma_collection, self.embedder.name)
        self._collection: Any = None
        self._opening = threading.Lock()
        self._queries: dict[str, list[float]] = {}
        self._queries_lock = threading.Lock()

    @property
    def location(self) -> str:
        """Where the index lives: ``host:port`` of a Chroma server, or the folder of an embedded one."""
        if self.settings.chroma_host:
            return f"http://{self.settings.chroma_host}:{self.settings.chroma_port}"
        return str(self.settings.chroma_path.resolve())

    @property
    def collection(self) -> Any:
        """The Chroma collection (created on first use, without an embedding function).

        Opened under a lock: the first requests of a server arrive together, and Chroma's client
        set-up is not safe to run in several threads at once ("Could not connect to tenant").
        """
        if self._collection is not None:
            return self._collection
        with self._opening:
            if self._collection is None:
                self._collection = self._guard("l'apertura dell'indice", lambda: make_client(self.settings)
                                               .get_or_create_collection(
                                                   self.name, embedding_function=None,
                                                   metadata={"hnsw:space": "cosine",
                                                             "embedding_model": self.embedder.name}))
        return self._collection

    def _guard(self, action: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except _chroma_errors() as exc:
            raise StoreError(f"errore dell'indice di ricerca durante {action}: {exc}") from exc

    def replace_document(self, documento: str, objectives: Sequence[Objective]) -> None:
        """Replace a document's entries by those of ``objectives`` (embedded here)."""
        entries = build_entries(objectives)
        vectors = self.embedder.embed_documents([e.text for e in entries])
        self.replace_entries(documento, entries, vectors)

    def replace_entries(self, documento: str, entries: Sequence[IndexEntry],
                        vectors: Sequence[Sequence[float]]) -> None:
        """Delete a document's entries and add ``entries`` with their precomputed ``vectors``."""
        if len(entries) != len(vectors):
            raise ValueError("one vector per entry")
        self.delete_document(documento)
        for chunk in _batches(list(zip(entries, vectors, strict=True))):
            self._guard("la scrittura dell'indice", lambda chunk=chunk: self.collection.add(
                ids=[e.id for e, _ in chunk],
                documents=[e.text for e, _ in chunk],
                metadatas=[dict(e.metadata) for e, _ in chunk],
                embeddings=[list(v) for _, v in chunk],
            ))

    def write_generation(self, documento: str, generation: str, entries: Sequence[IndexEntry],
                         vectors: Sequence[Sequence[float]]) -> None:
        """Add ``entries`` as generation ``generation`` of a document, beside the entries already there."""
        if len(entries) != len(vectors):
            raise ValueError("one vector per entry")
        for chunk in _batches(list(zip(entries, vectors, strict=True))):
            self._guard("la scrittura dell'indice", lambda chunk=chunk: self.collection.add(
                ids=[f"{e.id}@{generation}" for e, _ in chunk],
                documents=[e.text for e, _ in chunk],
                metadatas=[dict(e.metadata) | {"generation": generation} for e, _ in chunk],
                embeddings=np.asarray([v for _, v in chunk], dtype=np.float32),
            ))

    def generations(self, documento: str | None = None) -> dict[str, dict[str, int]]:
        """Entries per document and generation: ``{documento: {generation: n}}`` (``''``: none)."""
        where = {"documento": documento} if documento is not None else None
        found: dict[str, dict[str, int]] = {}
        offset = 0
        while True:
            got = self._guard("la lettura dell'indice", lambda offset=offset: self.collection.get(
                where=where, include=["metadatas"], limit=_PAGE, offset=offset))
            for meta in got.get("metadatas") or []:
                gens = found.setdefault(str(meta.get("documento", "")), {})
                gen = str(meta.get("generation", ""))
                gens[gen] = gens.get(gen, 0) + 1
            if len(got["ids"]) < _PAGE:
                return found
            offset += _PAGE

    def generations_by_id(self) -> dict[str, dict[str, int]]:
        """Like ``generations()`` over the whole index, read from the entry ids (which name their
        document and generation) rather than from the metadata; the few entries whose ids do not
        follow the scheme are read by their metadata."""
        found: dict[str, dict[str, int]] = {}
        odd: list[str] = []
        offset = 0
        while True:
            got = self._guard("la lettura dell'indice", lambda offset=offset: self.collection.get(
                include=[], limit=_ID_PAGE, offset=offset))
            for entry_id in got["ids"]:
                match = _ENTRY_ID.fullmatch(entry_id)
                if match is None:
                    odd.append(entry_id)
                    continue
                gens = found.setdefault(match["documento"], {})
                gen = match["generation"] or ""
                gens[gen] = gens.get(gen, 0) + 1
            if len(got["ids"]) < _ID_PAGE:
                break
            offset += _ID_PAGE
        for chunk in _batches(odd):
            got = self._guard("la lettura dell'indice", lambda chunk=chunk: self.collection.get(
                ids=list(chunk), include=["metadatas"]))
            for meta in got.get("metadatas") or []:
                gens = found.setdefault(str(meta.get("documento", "")), {})
                gen = str(meta.get("generation", ""))
                gens[gen] = gens.get(gen, 0) + 1
        return found

    def delete_generations(self, documento: str, keep: str | None = None) -> int:
        """Delete a document's entries of every generation but ``keep`` (all with ``None``); how many."""
        got = self._guard("la lettura dell'indice", lambda: self.collection.get(
            where={"documento": documento}, include=["metadatas"]))
        ids = [i for i, m in zip(got["ids"], got.get("metadatas") or [], strict=True)
               if keep is None or str(m.get("generation", "")) != keep]
        for chunk in _batches(ids):
            self._guard("la cancellazione dall'indice", lambda chunk=chunk: self.collection.delete(ids=list(chunk)))
        return len(ids)

    def delete_generation(self, documento: str, generation: str) -> None:
        """Delete one generation of a document's entries."""
        self._guard("la cancellazione dall'indice", lambda: self.collection.delete(
            where={"$and": [{"documento": documento}, {"generation": generation}]}))

    def delete_document(self, documento: str) -> None:
        """Remove every entry of a document."""
        self._guard("la cancellazione dall'indice",
                    lambda: self.collection.delete(where={"documento": documento}))

    def snapshot(self, documento: str) -> IndexSnapshot:
        """A document's current entries with their vectors."""
        got = self._guard("la lettura dell'indice", lambda: self.collection.get(
            where={"documento": documento}, include=["documents", "metadatas", "embeddings"]))
        embeddings = got.get("embeddings")
        return IndexSnapshot(
            ids=list(got["ids"]),
            texts=list(got.get("documents") or []),
            metadatas=[dict(m) for m in got.get("metadatas") or []],
            embeddings=[[float(x) for x in v] for v in (embeddings if embeddings is not None else [])],
        )

    def restore(self, documento: str, snapshot: IndexSnapshot) -> None:
        """Put a document's entries back as they were in ``snapshot``."""
        entries = [IndexEntry(id=i, text=t, metadata=m)
                   for i, t, m in zip(snapshot.ids, snapshot.texts, snapshot.metadatas, strict=True)]
        self.replace_entries(documento, entries, snapshot.embeddings)

    def count(self, documento: str | None = None) -> int:
        """Number of entries (of one document, or all)."""
        if documento is None:
            return int(self._guard("il conteggio dell'indice", lambda: self.collection.count()))
        got = self._guard("il conteggio dell'indice",
                          lambda: self.collection.get(where={"documento": documento}, include=[]))
        return len(got["ids"])

    def search(self, query: str, k: int = 10, where: dict[str, Any] | None = None) -> list[Hit]:
        """The ``k`` entries nearest to ``query`` (optionally filtered by metadata), best first.

        Only the first ``PIAO_MAX_QUERY_CHARS`` characters of the query are embedded (see
        :func:`bounded_query`); the vectors of the last few queries are kept, as one question is
        often searched more than once (records, then prose)."""
        text = bounded_query(query, self.settings.max_query_chars)
        with self._queries_lock:
            vector = self._queries.get(text)
        if vector is None:
            vector = self.embedder.embed_query(text)
            with self._queries_lock:
                if len(self._queries) >= _QUERY_CACHE:
                    self._queries.pop(next(iter(self._queries)))
                self._queries[text] = vector
        return self.search_vector(vector, k=k, where=where)

    def search_vector(self, vector: Sequence[float], k: int = 10,
                      where: dict[str, Any] | None = None) -> list[Hit]:
        """Like ``search`` with a query vector already computed."""
        if k <= 0:
            return []
        result = self._guard("la ricerca", lambda: self.collection.query(
            query_embeddings=[list(vector)], n_results=k, where=normalise_where(where),
            include=["documents", "metadatas", "distances"]))
        hits = []
        for entry_id, text, meta, dist in zip(result["ids"][0], result["documents"][0],
                                              result["metadatas"][0], result["distances"][0], strict=True):
            if meta is None:  # deleted meanwhile (an old generation, by another process): not a result
                logger.debug("index entry %s is gone: skipped", entry_id)
                continue
            hits.append(Hit(key=str(meta["objective_key"]), kind=meta["kind"], text=text or "",
                            score=1.0 - float(dist), id=entry_id, metadata=dict(meta)))
        return hits
