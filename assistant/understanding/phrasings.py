"""The question phrasings (``phrasings.yaml``), loaded through a schema that refuses unknown keys."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

PHRASINGS_PATH = Path(__file__).with_name("phrasings.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(_Strict):
    it: list[str]
    en: list[str] = []
    other: list[str] = []  # French, Spanish, German: recognised (answered in Italian)


class Presence(_Strict):
    missing: list[str]
    present: list[str]


class FieldPhrasing(_Strict):
    nouns: list[str]
    questions: list[str]
    en: list[str] = []
    other: list[str] = []  # French, Spanish, German
    # objectives told apart by this field in words of its own, not 'with/without {noun}' ('che non hanno
    # raggiunto il target': 'target raggiunto' missing)
    presence: Presence | None = None


class Directions(_Strict):
    max: list[str]
    min: list[str]


class Filters(_Strict):
    settore: list[str]
    responsabile: list[str]
    classificazione: list[str]
    anno: list[str]
    topic: list[str]
    peso: list[str]
    none: list[str]


class Phrasings(_Strict):
    """Every template family of the question generator."""

    objective_refs: Bilingual
    fields: dict[str, FieldPhrasing]
    describe: Bilingual
    compare_years: Bilingual
    list: Bilingual
    count: Bilingual
    sum: Bilingual
    sum_by: dict[str, list[str]]
    max: Directions
    rank: dict[str, Directions]
    filters: Filters
    list_for: list[str]
    presence: Presence
    guidance: Bilingual
    unknown: dict[str, list[str]]
    followup: Bilingual
    back_refs: Bilingual
    preambles: Bilingual
    closings: Bilingual
    abbreviations: dict[str, list[str]]


@lru_cache(maxsize=2)
def load_phrasings(path: Path = PHRASINGS_PATH) -> Phrasings:
    """The phrasings in ``path`` (validated; an unknown key is an error)."""
    with open(path, encoding="utf-8") as fh:
        return Phrasings.model_validate(yaml.safe_load(fh))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, BaseModel):
        return _strings(value.model_dump())
    return []


@lru_cache(maxsize=2)
def phrasing_words(path: Path = PHRASINGS_PATH) -> frozenset[str]:
    """Every (normalised) word of the phrasings outside placeholders: the words of asking, not of a topic."""
    from ingest.text import tokens  # noqa: PLC0415

    phrasings = load_phrasings(path)
    # preambles and closings are context, not the words of asking: a topic word there ('computer') stays one
    text = " ".join(_strings(phrasings.model_dump(exclude={"abbreviations", "preambles", "closings"})))
    return frozenset(tokens(re.sub(r"\{\w+\}", " ", text)))


@lru_cache(maxsize=2)
def objective_nouns(path: Path = PHRASINGS_PATH) -> frozenset[str]:
    """The nouns people call objectives by: the words of the objective references ('obiettivo',
    'progetto', 'scheda', 'attività', 'intervento'), singular and plural."""
    from ingest.text import tokens  # noqa: PLC0415

    refs = load_phrasings(path).objective_refs.it
    words = {w for ref in refs for w in tokens(re.sub(r"\{\w+\}", " ", ref)) if len(w) > 3 and w != "quello"}
    plural = {w[:-1] + ("e" if w.endswith("a") else "i") for w in words if w[-1] in "ao"}
    return frozenset(words | plural)


@lru_cache(maxsize=4)
def superlative_stems(function_words: frozenset[str], path: Path = PHRASINGS_PATH) -> frozenset[str]:
    """The stems of the words the generator's superlatives are asked with ('pesa', 'importante', 'massimo',
    'highest'), function words and objective nouns aside: a 'più' among none of them is no superlative of
    the weights ('al nido ci sono più posti?')."""
    from ingest.text import stem, tokens  # noqa: PLC0415

    directions = load_phrasings(path).max
    nouns = objective_nouns(path)
    return frozenset(stem(w) for t in (*directions.max, *directions.min) for w in tokens(re.sub(r"\{\w+\}", " ", t))
                     if w not in function_words and w not in nouns)
