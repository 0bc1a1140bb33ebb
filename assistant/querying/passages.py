"""Prose passages: hybrid search (BM25 on Italian stems + optional dense hits on the same index) and
the sentences to quote. Lists and counts never come from here: only records are counted."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import yaml

from assistant.querying.retrieve import RRF_K, Concept, DenseSearch, best_sentences, sentences
from ingest.text import phrase_pattern, stem, tokens
from ingest.types import Passage

PROSE_PATH = Path(__file__).with_name("prose.yaml")
CUED_COVERAGE = 0.5  # "cosa dice il piano su X": X must be (mostly) in the passage
UNCUED_COVERAGE = 0.75  # no objective matched: a passage answers only if it clearly covers the topic
LONG_PASSAGE = 600


@lru_cache(maxsize=1)
def prose_cues() -> re.Pattern[str]:
    """The phrases that ask what the plan's text says ('cosa dice il piano su ...')."""
    with open(PROSE_PATH, encoding="utf-8") as fh:
        pattern = phrase_pattern(yaml.safe_load(fh)["cues"])
    if pattern is None:
        raise ValueError(f"{PROSE_PATH}: no cues")
    return pattern


@dataclass(frozen=True)
class Found:
    """A passage with its share of the topic (idf-weighted) and its fused rank score."""

    passage: Passage
    coverage: float
    score: float


class PassageSearch:
    """Lexical (and optionally dense) search over the prose passages of the loaded documents."""

    def __init__(self, passages: Sequence[Passage], dense: DenseSearch | None = None) -> None:
        self.passages = tuple(passages)
        self.dense = dense
        docs = [[stem(t) for t in tokens(f"{p.sezione}\n{p.testo}")] for p in self.passages]
        self._stems = [set(d) for d in docs]
        self._bm25: bm25s.BM25 | None = None
        if self.passages:
            self._bm25 = bm25s.BM25()
            self._bm25.index([d or [""] for d in docs], show_progress=False)

    def search(self, concepts: Sequence[Concept], documenti: Sequence[str] | None = None,
               question: str | None = None, k: int = 3) -> list[Found]:
        """The passages (of ``documenti``, or all) best covering the concepts, best first."""
        total = sum(c.weight for c in concepts)
        if not self.passages or not total or self._bm25 is None:
            return []
        allowed = [i for i, p in enumerate(self.passages) if documenti is None or p.documento in documenti]
        query = sorted({s for c in concepts for s in c.stems})
        lexical = self._bm25.get_scores(query) if query else np.zeros(len(self.passages))
        coverage = {i: sum(c.weight for c in concepts if c.stems & self._stems[i]) / total for i in allowed}
        order = sorted(allowed, key=lambda i: (-coverage[i], -float(lexical[i])))
        fused = {i: 2.0 / (RRF_K + r) for r, i in enumerate(order, 1)}
        if self.dense is not None and question and order and coverage[order[0]] < UNCUED_COVERAGE:
            keys = {p.key: i for i, p in enumerate(self.passages)}
            hits = self.dense.search(question, k=10, where={"kind": "passage"})
            for r, hit in enumerate(hits, 1):
                i = keys.get(hit.key)
                if i is not None and i in fused:
                    fused[i] += 1.0 / (RRF_K + r)
        ranked = sorted(fused, key=lambda i: (-fused[i], -coverage[i]))
        return [Found(self.passages[i], coverage[i], fused[i]) for i in ranked[:k]]


def quote(passage: Passage, concepts: Sequence[Concept]) -> list[str]:
    """What to quote of a passage: all of a short one, else its best sentences (verbatim)."""
    if len(passage.testo) <= LONG_PASSAGE:
        return [passage.testo]
    return list(dict.fromkeys(best_sentences(passage.testo, concepts, 3) or sentences(passage.testo)[:2]))
