"""Dense search over records held in memory (the same texts and embedder as the Chroma index), with
the vectors cached on disk by text: evaluation runs on gold records without ingesting them first."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embed import Embedder
from ingest.index import Hit, build_entries
from ingest.types import Objective

CACHE_DIR = Path(__file__).resolve().parent / "reports" / "vectors"


class MemoryDense:
    """``DenseSearch`` over some records: cosine similarity in numpy."""

    def __init__(self, records: Sequence[Objective], embedder: Embedder, cache_dir: Path = CACHE_DIR) -> None:
        self.embedder = embedder
        self.entries = build_entries(records)
        self.vectors = self._vectors([e.text for e in self.entries], cache_dir)
        self._queries: dict[str, np.ndarray] = {}

    def _vectors(self, texts: list[str], cache_dir: Path) -> np.ndarray:
        name = getattr(self.embedder, "name", type(self.embedder).__name__)
        digest = hashlib.sha256(json.dumps([name, texts]).encode()).hexdigest()[:16]
        path = cache_dir / f"{digest}.npy"
        if path.exists():
            return np.load(path)
        vectors = np.asarray(self.embedder.embed_documents(texts), dtype=np.float32)
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return vectors

    def search(self, query: str, k: int = 10, where: dict[str, Any] | None = None) -> list[Hit]:
        """The ``k`` entries nearest to the query (``where`` filters on metadata equality)."""
        if query not in self._queries:
            self._queries[query] = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        scores = self.vectors @ self._queries[query]
        hits = []
        for i in np.argsort(-scores):
            entry = self.entries[int(i)]
            if where and any(entry.metadata.get(key) != value for key, value in where.items()):
                continue
            hits.append(Hit(key=str(entry.metadata["objective_key"]), kind=entry.metadata["kind"], text=entry.text,
                            score=float(scores[i]), id=entry.id, metadata=dict(entry.metadata)))
            if len(hits) == k:
                break
        return hits
