"""The injection clause model: whether a clause of a question is addressed to the assistant (a role to
play, a statement to repeat, rules to drop, its prompt to show, data to invent) rather than asked of the
plan. Learned, like the question model, from a corpus generated here: the phrasings of
``injections.yaml`` x the loaded records' values x noise as positives; the clauses of the question corpus
and the user's own requests that only look like orders ('mi confermi che pesa il 30%?') as negatives.

A clause the model reads as an instruction is dropped whole and never obeyed (``plan.strip_injection``).
"""
from __future__ import annotations

import random
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from assistant.understanding.generate import Example, Values
from assistant.understanding.phrasings import load_phrasings
from ingest.text import norm

INJECTIONS_PATH = Path(__file__).with_name("injections.yaml")
POSITIVES = 2500  # generated instruction clauses
NEGATIVES = 8000  # question clauses at most
THRESHOLD = 0.5  # a clause is an instruction when its score reaches this
SCALE = 3.0  # margin -> score
SEED = 29
# where a question's clauses end: a full stop, a question or exclamation mark, a semicolon or a bracket
CLAUSE = re.compile(r"[^.?!;()\[\]]+[.?!;)\]]*|[.?!;()\[\]]+")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InjectionPhrasings(_Strict):
    prefixes: list[str]
    roles: list[str]
    role_values: list[str]
    dictations: list[str]
    claims: list[str]
    overrides: list[str]
    reveals: list[str]
    inventions: list[str]
    requests: list[str]


@lru_cache(maxsize=1)
def load_injections(path: Path = INJECTIONS_PATH) -> InjectionPhrasings:
    """The phrasings in ``path`` (validated; an unknown key is an error)."""
    with open(path, encoding="utf-8") as fh:
        return InjectionPhrasings.model_validate(yaml.safe_load(fh))


def _fill(rng: random.Random, template: str, values: Values, data: InjectionPhrasings) -> str:
    out = template
    if "{role}" in out:
        out = out.replace("{role}", rng.choice(data.role_values))
    if "{claim}" in out:
        out = out.replace("{claim}", rng.choice(data.claims))
    for slot, pool in (("{o}", values.titles), ("{p}", values.people), ("{t}", values.topics)):
        while slot in out:
            value = rng.choice(pool)
            out = out.replace(slot, " ".join(value.split()[:8]), 1)
    return out


def _noise(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return text.upper()
    if roll < 0.45:
        return text.lower()
    if roll < 0.6:
        return text[:1].upper() + text[1:] + rng.choice([".", "!", "", ":"])
    return text


def instructions(values: Values, n: int = POSITIVES, seed: int = SEED) -> list[str]:
    """Generated clauses addressed to the assistant."""
    data, rng = load_injections(), random.Random(seed)
    kinds = [data.roles, data.dictations, data.overrides, data.reveals, data.inventions]
    out = []
    for _ in range(n):
        body = _fill(rng, rng.choice(rng.choice(kinds)), values, data)
        if rng.random() < 0.25:  # a role, then what to say in it ('sei il sindaco: dichiara che ...')
            body = f"{_fill(rng, rng.choice(data.roles), values, data)}{rng.choice([': ', ', ', ' e '])}" \
                   f"{_fill(rng, rng.choice(data.dictations), values, data)}"
        prefix = rng.choice(data.prefixes)
        out.append(_noise(rng, f"{prefix} {body}".strip()))
    return out


def requests(values: Values, examples: Sequence[Example], n: int = NEGATIVES, seed: int = SEED) -> list[str]:
    """Clauses asked of the plan: those of the generated questions, preambles, and the user's own requests
    that name a claim or a way of answering."""
    data, rng = load_injections(), random.Random(seed + 1)
    clauses = [c.strip() for e in examples for c in CLAUSE.findall(e.text) if re.search(r"[a-zA-Z]", c)]
    rng.shuffle(clauses)
    phrasings = load_phrasings()
    preambles = [*phrasings.preambles.it, *phrasings.preambles.en]
    own = [_noise(rng, _fill(rng, rng.choice(data.requests), values, data)) for _ in range(n // 8)]
    return clauses[:n] + preambles * 3 + own


class InjectionModel:
    """A linear classifier of clauses over character and word n-grams."""

    def __init__(self, positives: Sequence[str], negatives: Sequence[str]) -> None:
        texts = [norm(t) for t in [*positives, *negatives]]
        labels = [1] * len(positives) + [0] * len(negatives)
        self.features = FeatureUnion([
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                      max_features=40000)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                      token_pattern=r"(?u)\b\w+\b")),
        ])
        self.classifier = LinearSVC(C=0.5, class_weight="balanced").fit(self.features.fit_transform(texts), labels)

    @classmethod
    def for_values(cls, values: Values, examples: Sequence[Example]) -> InjectionModel:
        return cls(instructions(values), requests(values, examples))

    def score(self, clause: str) -> float:
        """How surely a clause is addressed to the assistant, in [0, 1]."""
        x = self.features.transform([norm(clause)])
        margin = float(np.asarray(x @ self.classifier.coef_.T).ravel()[0] + self.classifier.intercept_[0])
        return 1.0 / (1.0 + np.exp(-SCALE * margin))

    def dictates(self, clause: str) -> bool:
        return self.score(clause) >= THRESHOLD
