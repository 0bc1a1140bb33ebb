"""Scope first: which bodies' records a question is answered from, decided before any scoring.

The loaded documents are partitioned by body (ente). A question is answered within the state
(catalog, retriever, composer) of its scope only: the body it names, else the default body, else,
with a few bodies loaded, all of them together. States are built on first use from the scope's
records (read from the store one document at a time) and kept in a bounded LRU cache, so memory
and time per question do not grow with the number of bodies loaded.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from assistant.scope import PlanDoc, _config, _entity_variants
from ingest.text import norm, tokens

logger = logging.getLogger(__name__)

ScopeKey = tuple[str | None, ...]  # the bodies of a scope, sorted (None: documents with no body)
T = TypeVar("T")


def scope_key(entes: Sequence[str | None]) -> ScopeKey:
    """The cache key of a scope over these bodies."""
    return tuple(sorted(set(entes), key=lambda e: e or ""))


class EntityIndex:
    """The bodies of the loaded documents and the names they are called by, built once per store
    revision: a question is linked to a body by dictionary look-ups of its word sequences (no
    pattern per body, no loop over the bodies)."""

    def __init__(self, docs: Sequence[PlanDoc]) -> None:
        self.docs: dict[str, PlanDoc] = {d.documento: d for d in docs}
        self.documents_of: dict[str | None, list[str]] = defaultdict(list)
        for d in sorted(docs, key=lambda d: d.documento):
            self.documents_of[d.ente].append(d.documento)
        self.bodies: list[str | None] = sorted(self.documents_of, key=lambda e: e or "")
        type_words = set(_config()["entity_types"])
        owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for ente in self.bodies:
            if ente:
                for variant in _entity_variants(ente, type_words):
                    owners[variant].add(ente)
        # a name two bodies share ('San Giorgio' of a Comune and of an Unione) names neither alone
        self._names = {v: next(iter(es)) for v, es in owners.items() if len(es) == 1}
        self._longest = max((len(v) for v in self._names), default=0)

    def __len__(self) -> int:
        return len(self.bodies)

    def find(self, question: str) -> tuple[str | None, bool]:
        """The body a question names (the longest name found) and whether it asks about all of them."""
        text = norm(question)
        pattern = _config()["all_pattern"]
        everyone = bool(pattern and pattern.search(text))
        words = tokens(text)
        best: tuple[int, str] | None = None
        for i in range(len(words)):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                ente = self._names.get(tuple(words[i:i + n]))
                if ente is not None:
                    if best is None or n > best[0]:
                        best = (n, ente)
                    break
        return (best[1] if best else None), everyone

    def known(self, ente: str | None) -> str | None:
        """The loaded body spelled as stored, for a configured name ('comune di x' -> 'Comune di X')."""
        if not ente:
            return None
        wanted = norm(ente)
        return next((e for e in self.bodies if e and norm(e) == wanted), None)

    def documents(self, key: ScopeKey) -> list[str]:
        """The documents of a scope's bodies (every version and plan of each)."""
        return [d for ente in key for d in self.documents_of.get(ente, [])]


class ScopeCache(Generic[T]):
    """A bounded LRU cache of per-scope states, built on a miss by ``build(key)`` (thread-safe; two
    threads missing the same key at once may both build it, the second result is dropped)."""

    def __init__(self, build: Callable[[Hashable], T], size: int) -> None:
        if size < 1:
            raise ValueError("la cache degli ambiti deve contenere almeno un ambito")
        self._build, self.size = build, size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0  # how many states were built (a measure of cache misses)

    def get(self, key: Hashable) -> T:
        """The state of a scope, built on first use; the least recently used one goes beyond the bound."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        state = self._build(key)
        with self._lock:
            self.builds += 1
            found = self._items.setdefault(key, state)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items


@dataclass(frozen=True)
class ScopedDense:
    """Dense search pushed down to a scope's documents: Chroma filters by ``where`` before ranking,
    so the top k are the scope's nearest entries (never a global top k filtered afterwards)."""

    inner: Any
    documents: tuple[str, ...]

    def search(self, query: str, k: int = 10, where: dict[str, Any] | None = None) -> list[Any]:
        """The inner search's hits within the scope's documents."""
        return self.inner.search(query, k=k, where=scoped_where(where, self.documents))


def scoped_where(where: dict[str, Any] | None, documents: Sequence[str]) -> dict[str, Any]:
    """A Chroma ``where`` filter restricted to some documents."""
    scope: dict[str, Any] = {"documento": documents[0]} if len(documents) == 1 else \
        {"documento": {"$in": list(documents)}}
    if not where:
        return scope
    parts = list(where["$and"]) if set(where) == {"$and"} else [{k: v} for k, v in where.items()]
    return {"$and": [*parts, scope]}


def sample_documents(index: EntityIndex, first: Sequence[str | None], count: Callable[[str], int],
                     limit: int) -> list[str]:
    """Documents whose records train the question model: those of the ``first`` bodies, then of the
    others in order, until about ``limit`` records (the model learns phrasings, not a body's values)."""
    order = list(dict.fromkeys([*first, *index.bodies]))
    out: list[str] = []
    total = 0
    for ente in order:
        for documento in index.documents_of.get(ente, []):
            if total >= limit and out:
                return out
            out.append(documento)
            total += count(documento)
    return out


__all__ = ["EntityIndex", "ScopeCache", "ScopeKey", "ScopedDense", "sample_documents", "scope_key", "scoped_where"]
