"""Label vocabulary of objective tables, loaded from ``labels.yaml``.

One question per function: which schema field does this header cell name, is this cell a
monitoring ("stato di attuazione") label, is this paragraph a sector heading. A label is matched
whole, by prefix, with a year after it ("Target 2026"), or, failing those, by a close spelling
(rapidfuzz ratio, for typos and small wording changes: "Indicatore di risultato" is not close to
"Indicatore", "Indicatori di perfomance" is close to "Indicatori di performance").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from rapidfuzz import fuzz, process

from ingest.text import fold, normalize_space

Scope = Literal["objective", "indicator"]
OBJECTIVE_FIELDS = (
    "classificazione", "titolo", "settore_cdr", "destinatari", "contributor", "obiettivo_strategico",
    "responsabile", "personale_coinvolto", "peso", "pnrr", "anticorruzione",
)
INDICATOR_FIELDS = (
    "anno", "indicatore", "scadenza", "baseline", "target", "target_intermedio", "target_raggiunto",
    "peso", "fonte_verifica",
)
STATO = "stato_attuazione"


@dataclass(frozen=True)
class HeadingMatch:
    """A paragraph recognised as a sector heading."""

    name: str  # as written, without the count, white space collapsed
    declared_count: int | None
    slug_base: str  # the name with the slug prefix ("SETTORE ") removed


@dataclass(frozen=True)
class _Vocabulary:
    exact: dict[str, dict[str, str]]  # scope -> folded label -> field
    prefixes: dict[str, list[tuple[str, str]]]  # scope -> (folded prefix, field), longest first
    stato: tuple[re.Pattern[str], ...]
    sector_prefixes: tuple[str, ...]
    sector_prefixes_without_count: tuple[str, ...]
    count_pattern: re.Pattern[str]
    strip_from_slug: tuple[str, ...]
    dangling_words: frozenset[str]
    no_field: frozenset[str]


def _load_scope(section: dict[str, Any]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    for field, spec in section.items():
        for label in spec.get("labels", []):
            exact[fold(str(label))] = field
        for prefix in spec.get("prefixes", []):
            prefixes.append((fold(str(prefix)), field))
    prefixes.sort(key=lambda item: len(item[0]), reverse=True)
    return exact, prefixes


@lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    """The parsed ``labels.yaml`` (cached)."""
    raw = yaml.safe_load(resources.files("ingest").joinpath("labels.yaml").read_text(encoding="utf-8"))
    exact: dict[str, dict[str, str]] = {}
    prefixes: dict[str, list[tuple[str, str]]] = {}
    for scope in ("objective", "indicator"):
        exact[scope], prefixes[scope] = _load_scope(raw[scope])
    sector = raw["sector_heading"]
    return _Vocabulary(
        exact=exact,
        prefixes=prefixes,
        stato=tuple(re.compile(p) for p in raw["stato_attuazione"]["patterns"]),
        sector_prefixes=tuple(fold(p) for p in sector["prefixes"]),
        sector_prefixes_without_count=tuple(fold(p) for p in sector["prefixes_without_count"]),
        count_pattern=re.compile(sector["count_pattern"], re.IGNORECASE),
        strip_from_slug=tuple(fold(p) for p in sector["strip_from_slug"]),
        dangling_words=frozenset(raw["truncation"]["dangling_words"]),
        no_field=frozenset(fold(str(label)) for label in raw["no_field"]["labels"]),
    )


_YEAR_COLUMN_FIELDS = frozenset({"target", "target_intermedio", "target_raggiunto", "peso", "baseline"})
_TRAILING_YEAR = re.compile(r"[\s(]*(?:anno\s*)?(?:19|20)\d\d\)?$")


def _match_in(scope: str, folded: str) -> str | None:
    vocab = vocabulary()
    if folded in vocab.exact[scope]:
        return vocab.exact[scope][folded]
    for prefix, field in vocab.prefixes[scope]:
        if folded.startswith(prefix) and (len(folded) == len(prefix) or not folded[len(prefix)].isalnum()):
            return field
    # a label qualified by a year, one column per year ("Target 2024", "Peso (2025)"); not a deadline
    # ("Entro il 2024" is a value)
    bare = _TRAILING_YEAR.sub("", folded)
    field = _match_in(scope, bare) if bare and bare != folded else None
    return field if field in _YEAR_COLUMN_FIELDS else None


def _close_match(scope: str, folded: str) -> str | None:
    """The field of the label spelled closest to ``folded`` (ratio >= ``_FUZZY_CUTOFF``)."""
    if len(folded) < _FUZZY_MIN_LENGTH or len(folded) > _FUZZY_MAX_LENGTH or any(c.isdigit() for c in folded):
        return None
    labels = vocabulary().exact[scope]
    found = process.extractOne(folded, labels.keys(), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
    return labels[found[0]] if found else None


_FUZZY_CUTOFF = 90
_FUZZY_MIN_LENGTH = 7
_FUZZY_MAX_LENGTH = 60


@lru_cache(maxsize=16384)
def _field_of(folded: str, scope: str) -> str | None:
    return _match_in(scope, folded) or _close_match(scope, folded)


def match_field(text: str, scope: Scope) -> str | None:
    """The schema field a header cell names within ``scope``, or ``None``."""
    if not text or len(text) > 200:
        return None
    return _field_of(fold(text), scope)


def is_no_field_label(text: str) -> bool:
    """A column label that names no field of the records ("Cod.", "N.", "Descrizione/azioni")."""
    return bool(text) and len(text) <= 60 and fold(text) in vocabulary().no_field


def is_stato_label(text: str) -> bool:
    """True for ``Stato di attuazione al 30/06/2023`` and its variants."""
    folded = fold(text)
    return any(p.search(folded) for p in vocabulary().stato)


def label_kind(text: str) -> str | None:
    """``'objective'``, ``'indicator'``, ``'both'``, ``'stato'`` or ``None`` for a non-label cell."""
    if not text or len(text) > 200:
        return None
    folded = fold(text)
    in_objective = _field_of(folded, "objective") is not None
    in_indicator = _field_of(folded, "indicator") is not None
    if in_objective and in_indicator:
        return "both"
    if in_objective:
        return "objective"
    if in_indicator:
        return "indicator"
    if any(p.search(folded) for p in vocabulary().stato):
        return "stato"
    return None


def sector_heading(text: str, *, looks_like_heading: bool) -> HeadingMatch | None:
    """Parse ``SETTORE FINANZIARIO (4 OBIETTIVI)``; ``None`` when the paragraph is not a heading.

    Without a count the paragraph must also look like a heading (``looks_like_heading``: a
    Heading style, bold, or all capitals) and start with one of the stricter prefixes.
    """
    vocab = vocabulary()
    clean = normalize_space(text)
    if not clean or len(clean) > 150:
        return None
    count_match = vocab.count_pattern.search(clean)
    folded = fold(clean)
    prefixes = vocab.sector_prefixes if count_match else vocab.sector_prefixes_without_count
    if not any(folded == p or folded.startswith(p + " ") for p in prefixes):
        return None
    if count_match is None and not looks_like_heading:
        return None
    name = clean
    declared = None
    if count_match:
        name = normalize_space(clean[: count_match.start()] + clean[count_match.end():])
        declared = int(count_match.group(1))
    return HeadingMatch(name=name, declared_count=declared, slug_base=_slug_base(name))


def _slug_base(name: str) -> str:
    folded = fold(name)
    for prefix in vocabulary().strip_from_slug:
        if folded.startswith(prefix + " "):
            return name.split(None, len(prefix.split()))[-1]
    return name
