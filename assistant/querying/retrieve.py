"""Hybrid retrieval: BM25 with Italian stems over per-field texts + optional dense hits, fused by
reciprocal rank fusion, restricted to candidate objectives, with a confidence (topic coverage)."""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import bm25s
import numpy as np

from assistant.catalog import Catalog, record_strings
from assistant.lexicon import Lexicon, synonym_hits
from ingest.errors import StoreError
from ingest.store_search import FIELDS
from ingest.text import italian_words, norm, stem, stems, tokens
from ingest.types import Indicator

logger = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG at import, which floods any root handler: keep it quiet.
logging.getLogger("bm25s").setLevel(logging.WARNING)

RRF_K = 60
LEXICAL_RRF_WEIGHT = 2.0
UNKNOWN_WEIGHT = 0.6
EVERYDAY_FROM, EVERYDAY_TO, EVERYDAY_MIN = 4.0, 5.5, 0.15  # log10 counts in the Italian word list
KNOWN_DAMPING = 0.5  # the damping, softened, of a word some record uses
CONTEXT_WEIGHT = 0.3  # a word of the context before the question, against one of the question itself
WRITES_CACHE = 8192  # phrases whose being written by the records is remembered, at most
DENSE_BELOW_COVERAGE = 0.75
DENSE_CACHE_SIZE = 512
_END = re.compile(r"([.;!?])(?=\s+[A-ZÀ-Ý“\"«(-])")


class DenseSearch(Protocol):
    """Dense search over the objective index (``ingest.index.Index`` in production)."""

    def search(self, query: str, k: int = 10, where: dict[str, Any] | None = None) -> list[Any]: ...


class FallbackDense:
    """A dense search that gives no hits (with a logged warning) when the index fails: the records
    still answer, ranked lexically. E.g. an embedded index written by another process (``piao ingest``
    while ``piao serve`` runs, or another uvicorn worker) fails in this process until it restarts."""

    def __init__(self, inner: DenseSearch) -> None:
        self.inner = inner

    def search(self, query: str, k: int = 10, where: dict[str, Any] | None = None) -> list[Any]:
        """The inner search's hits, or none when it fails."""
        try:
            return self.inner.search(query, k=k, where=where)
        except StoreError as exc:
            logger.warning("dense search unavailable, lexical ranking only: %s", exc.message)
            return []


# field group -> (weight, texts); titles and indicator rows weigh more than a mention in a status text.
# The same groups as the store's full-text index: one rule for what a record's words are.
GROUPS = FIELDS


FAMILY_MIN = 6  # letters a word's root (the word less its final vowels) needs to start a word of its family


@dataclass(frozen=True)
class Concept:
    """One topic word of the question, with the lexicon terms that may stand for it."""

    word: str
    stems: frozenset[str]
    weight: float


@dataclass(frozen=True)
class Scored:
    """An objective with its fused rank score and how much of the topic it covers."""

    key: str
    score: float
    coverage: float  # share of the topic (idf-weighted) found anywhere in the record
    strong: float  # the same, outside the status text (title, indicators, card)
    dense_rank: int | None = None  # 1 = the nearest objective by meaning (None: dense search not run or no hit)
    dense_score: float | None = None  # cosine similarity of its nearest index entry
    lexical_rank: int | None = None  # 1 = the best objective by words alone


def _bm25(texts: list[list[str]]) -> bm25s.BM25 | None:
    if not texts:  # an empty store: bm25s cannot index nothing
        return None
    index = bm25s.BM25()
    index.index([t or [""] for t in texts], show_progress=False)
    return index


class Retriever:
    """Lexical (and optionally dense) search over one catalog of records."""

    def __init__(self, catalog: Catalog, lexicon: Lexicon, dense: DenseSearch | None = None,
                 prose: Any = None) -> None:
        self.catalog, self.lexicon, self.dense = catalog, lexicon, dense
        self.prose = prose  # the search over prose passages (``passages.PassageSearch``), built beside this one
        self.keys = [o.key for o in catalog.records]
        self._dense_cache: dict[str, list[str]] = {}  # question -> ranked keys (a whole dict swap is atomic)
        self._groups: dict[str, tuple[float, bm25s.BM25 | None]] = {}
        # per record, each stem with the field groups it occurs in (one bit per group): one small dict a
        # record, not a set per record and group (the states of many bodies are held at once)
        per_record: list[dict[str, int]] = [{} for _ in self.keys]
        for bit, (name, (weight, texts)) in enumerate(GROUPS.items()):
            docs = [[stem(t) for text in texts(o) for t in tokens(text)] for o in catalog.records]
            self._groups[name] = (weight, _bm25(docs))
            for found, doc in zip(per_record, docs, strict=True):
                for s in doc:
                    found[s] = found.get(s, 0) | 1 << bit
        self._stems: dict[str, dict[str, int]] = dict(zip(self.keys, per_record, strict=True))
        df: dict[str, int] = {}
        for key in self.keys:
            for s in self._stems[key]:
                df[s] = df.get(s, 0) + 1
        n = max(1, len(self.keys))
        self._idf = {s: math.log(1 + (n - d + 0.5) / (d + 0.5)) for s, d in df.items()}
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        # every text of the records as stems, one line each: whether the records write a phrase
        self._written = "\n".join(" ".join(stems(t)) for o in catalog.records for t in record_strings(o))
        self._writes: dict[str, bool] = {}
        self._families: dict[str, frozenset[str]] = {}  # a word the records never write -> its family's stems

    def concepts(self, topic: str, weak: Collection[str] = ()) -> list[Concept]:
        """The topic words of a (normalised) topic text, each with its lexicon alternatives; ``weak``
        words (context before the question, 'sono un'impiegata della ragioneria') weigh less."""
        alternatives: dict[str, set[str]] = {}
        for phrase, groups in synonym_hits(topic, self.lexicon):
            alt = {stem(w) for t in self.expansion(phrase, groups) for w in tokens(t) if w not in self.lexicon.stopwords}
            for w in tokens(phrase):
                alternatives.setdefault(w, set()).update(alt)
        out: list[Concept] = []
        seen: set[str] = set()
        for w in tokens(topic):
            if w in self.lexicon.stopwords or w.isdigit() or len(w) < 2 or w in seen:
                continue
            seen.add(w)
            s = stem(w)
            # a word no record contains weighs less than the rarest stored word: it may be phrasing
            # and a word common in everyday Italian ('cose', 'casa') says little of the topic even
            # when some record happens to use it
            known = self._idf.get(s)
            weight = (known * everyday_damping(w) ** KNOWN_DAMPING if known
                      else UNKNOWN_WEIGHT * self._max_idf * everyday_damping(w))
            weight *= CONTEXT_WEIGHT if w in weak else 1.0
            out.append(Concept(w, frozenset({s} | alternatives.get(w, set()) | self.family(w)), weight))
        return out

    def family(self, word: str) -> frozenset[str]:
        """Stored stems of the same word family as a word the records never use, the root of one (the word
        less its final vowels) starting the other ('digitalizzazione' -> 'digitale', 'regolamentazione' ->
        'regolamento'): roots long enough to name a thing ('comun' of 'comune' is not). Read once a word."""
        found = self._families.get(word)
        if found is None:
            mine = word.rstrip("aeiou")
            found = frozenset() if stem(word) in self._idf or len(mine) < FAMILY_MIN else frozenset(
                stem(t) for t in self.catalog.vocabulary
                if len(root := t.rstrip("aeiou")) >= FAMILY_MIN and (word.startswith(root) or root.startswith(mine)))
            self._families[word] = found
        return found

    def known(self, concept: Concept) -> bool:
        """Whether some record uses the concept's words."""
        return any(s in self._idf for s in concept.stems)

    def glossed(self, question: str) -> str:
        """The question with the glossary's terms for its words in brackets ('tettoia in eternit
        (amianto)'): the embedding model may not know a word the glossary does. Only terms the records
        use are added: a concept's other everyday names would pull the question away from the plan."""
        terms: list[str] = []
        for phrase, groups in synonym_hits(norm(question), self.lexicon):
            terms += [t for t in self.expansion(phrase, groups) if t not in terms]
        return f"{question} ({', '.join(terms)})" if terms else question

    def expansion(self, phrase: str, groups: Sequence[int] | None = None) -> list[str]:
        """The lexicon's terms for a phrase of the question: a synonym's terms, all of them (a directed
        rule: 'tassa rifiuti' adds 'tari' and 'rifiuti'); a glossary concept's other names that the
        records write, none made of the phrase's own words ('vigili urbani' is not 'vigili'), and none at
        all when the records write the phrase itself (the plan's own words need no other name: 'nido'
        must not bring in 'servizi 0-3')."""
        own, written = set(stems(phrase)), self._uses(phrase)
        out: list[str] = []
        for i in groups if groups is not None else self.lexicon.synonym_index[phrase]:
            group = self.lexicon.synonyms[i]
            if group.concept and written:
                continue
            out += [t for t in group.terms if t != phrase and t not in out and (
                not group.concept or (not set(stems(t)) <= own and self._uses(t)))]
        return out

    def _uses(self, term: str) -> bool:
        """Whether some record writes a (normalised) term word for word, in any inflection: a glossary
        term the plan does not write ('controllo del territorio') must not add its words one by one."""
        if term not in self._writes:
            if len(self._writes) >= WRITES_CACHE:  # phrases come from questions too: the cache is bounded
                self._writes = {}
            phrase = " ".join(stems(term))
            self._writes[term] = bool(phrase) and re.search(rf"(?m)(^| ){re.escape(phrase)}( |$)", self._written) is not None
        return self._writes[term]

    def coverage(self, concepts: Sequence[Concept], key: str, groups: Sequence[str] | None = None) -> float:
        """Share (idf-weighted) of the concepts found in the record's texts."""
        total = sum(c.weight for c in concepts)
        if not total:
            return 0.0
        mask = sum(1 << bit for bit, name in enumerate(GROUPS) if name in (groups or GROUPS))
        have = self._stems[key]
        return sum(c.weight for c in concepts if any(have.get(s, 0) & mask for s in c.stems)) / total

    def search(self, topic: str, candidates: Sequence[str] | None = None, question: str | None = None,
               weak: Collection[str] = ()) -> list[Scored]:
        """Candidates ranked for a topic (best first), each with its topic coverage."""
        concepts = self.concepts(topic, weak)
        allowed = set(candidates) if candidates is not None else set(self.keys)
        query = sorted({s for c in concepts for s in c.stems} | {t for t in tokens(topic) if t.isdigit()})
        lexical = np.zeros(len(self.keys))
        if query:
            for weight, index in self._groups.values():
                if index is not None:
                    lexical += weight * index.get_scores(query)
        top = float(lexical.max()) if len(lexical) and lexical.max() > 0 else 1.0
        scored: dict[str, tuple[float, float, float]] = {}
        for i, k in enumerate(self.keys):
            if k in allowed:
                cov, strong = self.coverage(concepts, k), self.coverage(concepts, k, ["titolo", "indicatori", "scheda"])
                # a match in the title, indicators or card counts more than a mention in the status
                scored[k] = (0.5 * cov + 0.5 * strong + 0.5 * float(lexical[i]) / top, cov, strong)
        order = sorted(scored, key=lambda k: -scored[k][0])
        in_order = [scored[k][0] for k in order]
        tied = tied_ranks(in_order)  # equal scores, equal ranks: meaning breaks the tie
        fused = {k: LEXICAL_RRF_WEIGHT / (RRF_K + r) for k, r in zip(order, tied, strict=True)}
        # dense search costs an embedding and a Chroma query: used when the lexical match is not clear,
        # that is when words' first choice does not hold most of the topic (another record mentioning
        # more of the words in its status does not make the first one clear)
        first = scored[order[0]][1] if order else 0.0
        dense: dict[str, tuple[int, float]] = {}
        if self.dense is not None and question and first < DENSE_BELOW_COVERAGE:
            for r, (k, sim) in enumerate(self._dense_keys(self.glossed(question), allowed), 1):
                fused[k] = fused.get(k, 0.0) + 1.0 / (RRF_K + r)
                dense[k] = (r, sim)
        ranked = sorted(fused, key=lambda k: (-fused[k], -scored[k][0]))
        lexical_rank = {k: int(r) for k, r in zip(order, tied_ranks(in_order, first=True), strict=True)}
        return [Scored(k, fused[k], scored[k][1], scored[k][2], *dense.get(k, (None, None)), lexical_rank[k])
                for k in ranked]

    def dense_ranks(self, question: str, candidates: Sequence[str] | None = None) -> dict[str, int]:
        """The rank by meaning of each candidate (1 = nearest); empty without dense search."""
        if self.dense is None:
            return {}
        allowed = set(candidates) if candidates is not None else set(self.keys)
        return {k: r for r, (k, _) in enumerate(self._dense_keys(self.glossed(question), allowed), 1)}

    def _dense_keys(self, question: str, allowed: set[str]) -> list[tuple[str, float]]:
        """Objectives by meaning, nearest first, each with the similarity of its nearest entry."""
        ranked = self._dense_cache.get(question)
        if ranked is None:
            hits = self.dense.search(question, k=30) if self.dense is not None else []
            best: dict[str, float] = {}
            for hit in hits:
                best.setdefault(hit.key, hit.score)
            ranked = list(best.items())
            if len(self._dense_cache) >= DENSE_CACHE_SIZE:
                self._dense_cache.clear()
            self._dense_cache[question] = ranked
        return [(k, s) for k, s in ranked if k in allowed]


def everyday_damping(word: str) -> float:
    """How much a word the records never use counts as topic: fully when it is rare in everyday Italian
    ('tettoia', 'cimitero': a topic the plan may lack), little when it is common ('vicino', 'fuori')."""
    zipf = math.log10(italian_words().get(word, 0) + 1)
    if zipf <= EVERYDAY_FROM:
        return 1.0
    return max(EVERYDAY_MIN, 1.0 - (zipf - EVERYDAY_FROM) / (EVERYDAY_TO - EVERYDAY_FROM) * (1.0 - EVERYDAY_MIN))


def tied_ranks(scores: Sequence[float], first: bool = False) -> list[float]:
    """Ranks (from 1) of scores sorted best first, equal scores sharing one: their mean rank, or with
    ``first`` the best of them ('1, 2, 2, 4')."""
    out: list[float] = []
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and math.isclose(scores[j + 1], scores[i], rel_tol=1e-9, abs_tol=1e-12):
            j += 1
        out += [float(i + 1) if first else (i + j + 2) / 2] * (j - i + 1)
        i = j + 1
    return out


ROW_PREFIX = 5  # letters two stems must share, one the start of the other, to be one word of a row


def row_matches(rows: Sequence[Indicator], concepts: Sequence[Concept]) -> list[frozenset[int]]:
    """For each indicator row, the concepts (by index) its texts hold. Within one objective's rows, a stem
    that starts the other counts ('sostenibilità' and 'sostenibile', which the stemmer cuts to 'sostenibil'
    and 'sosten')."""
    out = []
    for row in rows:
        have = {stem(t) for v in (row.indicatore, row.target, row.baseline) if v for t in tokens(v)}
        out.append(frozenset(i for i, c in enumerate(concepts) if c.stems & have or any(
            len(a) >= ROW_PREFIX and len(b) >= ROW_PREFIX and (a.startswith(b) or b.startswith(a))
            for a in c.stems for b in have)))
    return out


def row_weights(matches: Sequence[frozenset[int]], concepts: Sequence[Concept]) -> list[float]:
    """The weight of the concepts each row holds (``row_matches``)."""
    return [sum(concepts[i].weight for i in found) for found in matches]


def rank_rows(rows: Sequence[Indicator], concepts: Sequence[Concept]) -> list[float]:
    """How well each indicator row matches the topic (idf-weighted concepts in its texts)."""
    return row_weights(row_matches(rows, concepts), concepts)


def sentences(text: str) -> list[str]:
    """The sentences (and lines) of a text, each a verbatim substring of it.

    A sentence ends at . ; ! ? followed by a capital letter (or the end), unless the word before
    is a short abbreviation ('n. 3', 'det. n. 317', 'prot. N.').
    """
    out: list[str] = []
    for line in text.split("\n"):
        start = 0
        for m in _END.finditer(line):
            word = re.findall(r"[\w’']+$", line[:m.start()])
            if word and len(word[0]) <= 4 and word[0].isalpha() and m.group(1) == ".":
                continue
            out.append(line[start:m.end(1)])
            start = m.end(1)
        out.append(line[start:])
    return [s.strip() for s in out if s.strip()]


def best_sentences(text: str, concepts: Sequence[Concept], n: int = 2) -> list[str]:
    """The ``n`` sentences of a text that match the topic best, in text order (none when none match); a
    sentence introducing a list by a colon comes with the list's items."""
    parts = sentences(text)
    scores = [sum(c.weight for c in concepts if c.stems & {stem(t) for t in tokens(p)}) for p in parts]
    best = set(sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: -scores[i])[:n])
    for i in sorted(best):
        if parts[i].rstrip().endswith(":"):
            # a sentence introducing a list ('Gli eventi svolti al 30/06/2023 sono:'): its items with it
            j = i + 1
            while j < len(parts) and j - i <= LIST_ITEMS and _ITEM.match(parts[j]):
                best.add(j)
                j += 1
    return [parts[i] for i in sorted(best)]


LIST_ITEMS = 8  # the most items of a list quoted with the sentence introducing it
_ITEM = re.compile(r"\s*(?:\d{1,2}[).]|[a-z][)]|[-•*–])\s")
