"""The domain lexicon (``lexicon.yaml``), loaded once and compiled into regexes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from bm25s.stopwords import STOPWORDS_ITALIAN

from assistant.normalize import norm, phrase_pattern

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")


@dataclass(frozen=True)
class Synonym:
    """A group of surface variants and the query terms they add."""

    variants: tuple[str, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Unsupported:
    """A kind of request the records cannot answer (budget, phone numbers, ...)."""

    name: str
    cues: re.Pattern[str]
    label: dict[str, str]
    answer_pattern: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Lexicon:
    """Compiled lexicon: patterns for cues, synonyms, translations, glossary."""

    synonyms: tuple[Synonym, ...]
    synonym_pattern: re.Pattern[str]
    synonym_index: dict[str, tuple[int, ...]]
    english: dict[str, str]
    english_pattern: re.Pattern[str]
    fields: dict[str, re.Pattern[str]]
    indicator_fields: tuple[str, ...]
    field_labels: dict[str, dict[str, str]]
    intents: dict[str, re.Pattern[str]]
    followup_leading: re.Pattern[str]
    followup_anaphora: re.Pattern[str]
    unsupported: tuple[Unsupported, ...]
    injection: re.Pattern[str]
    months: dict[str, int]
    sector_cues: frozenset[str]
    classification_cues: re.Pattern[str]
    place_cues: re.Pattern[str]
    glossary: dict[str, str]
    stopwords: frozenset[str]
    english_markers: frozenset[str] = field(default_factory=frozenset)
    deadline_cues: re.Pattern[str] = re.compile(r"(?!x)x")
    periods: dict[str, tuple[int, int]] = field(default_factory=dict)
    month_pattern: re.Pattern[str] = re.compile(r"(?!x)x")
    # instructions to the assistant that carry the attacker's payload: their whole clause is dropped
    injection_payload: re.Pattern[str] = re.compile(r"(?!x)x")
    # 'settore scuola' -> the stored sector whose name holds 'scolastici' (when one does)
    sector_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rank_by: dict[str, re.Pattern[str]] = field(default_factory=dict)  # group name -> its cue words
    rank_fewest: re.Pattern[str] = re.compile(r"(?!x)x")  # asks for the smallest group
    missing_cues: re.Pattern[str] = re.compile(r"(?!x)x")  # "senza", "non hanno": a field must be empty
    weak_field_cues: frozenset[str] = frozenset()  # verb-like cues: yield to a named field
    common_words: frozenset[str] = frozenset()  # everyday words never "corrected" into record words
    comparisons: dict[str, re.Pattern[str]] = field(default_factory=dict)  # 'ge'/'le' -> words before a number

    def words(self) -> set[str]:
        """Every word the lexicon knows (protected from typo correction)."""
        out: set[str] = set(self.stopwords) | set(self.months) | set(self.sector_cues) | set(self.common_words)
        for syn in self.synonyms:
            for text in syn.variants + syn.terms:
                out.update(re.findall(r"[a-z0-9]+", text))
        for key, value in self.english.items():
            out.update(re.findall(r"[a-z0-9]+", key + " " + value))
        for pat in [*self.fields.values(), *self.intents.values(), self.injection, self.injection_payload,
                    self.followup_anaphora, self.classification_cues, self.place_cues,
                    *(u.cues for u in self.unsupported)]:
            out.update(re.findall(r"[a-z0-9]+", pat.pattern.replace("\\", " ")))
        return {w for w in out if len(w) > 1}


def _pattern(phrases: list[str]) -> re.Pattern[str]:
    pat = phrase_pattern(phrases)
    return pat if pat is not None else re.compile(r"(?!x)x")


def _synonyms(raw: list[dict[str, Any]]) -> tuple[tuple[Synonym, ...], dict[str, tuple[int, ...]]]:
    groups = tuple(Synonym(tuple(norm(v) for v in g["variants"]), tuple(norm(t) for t in g["terms"]))
                   for g in raw)
    index: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        for v in g.variants:
            index.setdefault(v, []).append(i)
    return groups, {k: tuple(v) for k, v in index.items()}


def build_lexicon(data: dict[str, Any]) -> Lexicon:
    """Compile the YAML data of a lexicon."""
    synonyms, syn_index = _synonyms(data.get("synonyms", []))
    english = {norm(k): norm(v) for k, v in data.get("english", {}).items()}
    unsupported = tuple(
        Unsupported(u["name"], _pattern(u["cues"]), dict(u["label"]),
                    re.compile(u["answer_pattern"]) if u.get("answer_pattern") else None)
        for u in data.get("unsupported", []))
    follow = data.get("followup", {})
    stop = {norm(w) for w in STOPWORDS_ITALIAN} | {norm(w) for w in data.get("fillers", [])}
    return Lexicon(
        synonyms=synonyms,
        synonym_pattern=_pattern(list(syn_index)),
        synonym_index=syn_index,
        english=english,
        english_pattern=_pattern(list(english)),
        fields={k: _pattern(v) for k, v in data.get("fields", {}).items()},
        indicator_fields=tuple(data.get("indicator_fields", [])),
        field_labels=data.get("field_labels", {}),
        intents={k: _pattern(v) for k, v in data.get("intents", {}).items()},
        followup_leading=re.compile(r"^(?:" + "|".join(re.escape(norm(w)) for w in follow.get("leading", []))
                                    + r")(?![a-z0-9])"),
        followup_anaphora=_pattern(follow.get("anaphora", [])),
        unsupported=unsupported,
        injection=_pattern(data.get("injection", [])),
        injection_payload=_pattern(data.get("injection_payload", [])),
        months={norm(k): int(v) for k, v in data.get("months", {}).items()},
        sector_cues=frozenset(norm(w) for w in data.get("sector_cues", [])),
        rank_fewest=_pattern(data.get("rank_fewest", [])),
        missing_cues=_pattern(data.get("missing_cues", [])),
        rank_by={k: _pattern(v) for k, v in data.get("rank_by", {}).items()},
        weak_field_cues=frozenset(norm(w) for w in data.get("weak_field_cues", [])),
        common_words=frozenset(norm(w) for w in data.get("common_words", [])),
        comparisons={k: _pattern(v) for k, v in data.get("comparisons", {}).items()},
        sector_synonyms={norm(k): tuple(norm(v).split()) for k, v in data.get("sector_synonyms", {}).items()},
        classification_cues=_pattern(data.get("classification_cues", [])),
        place_cues=_pattern(data.get("place_cues", [])),
        glossary=dict(data.get("glossary", {})),
        stopwords=frozenset(stop),
        english_markers=frozenset(norm(w) for w in data.get("english_markers", [])),
        deadline_cues=_pattern(data.get("deadline_cues", [])),
        periods={norm(k): (int(v[0]), int(v[1])) for k, v in data.get("periods", {}).items()},
        month_pattern=_pattern(list(data.get("months", {}))),
    )


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """The lexicon in ``path`` (the package's ``lexicon.yaml`` by default), loaded once."""
    with open(path, encoding="utf-8") as fh:
        return build_lexicon(yaml.safe_load(fh))
