"""The domain lexicon (``lexicon.yaml``), loaded once and compiled into regexes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from bm25s.stopwords import STOPWORDS_ITALIAN
from pydantic import BaseModel, ConfigDict

from ingest.text import ITALIAN_MIN_COUNT, italian_words, norm, phrase_pattern, stem

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
CONCEPTS_PATH = Path(__file__).with_name("concepts.yaml")
FOREIGN_PATH = Path(__file__).with_name("foreign.yaml")


@dataclass(frozen=True)
class Synonym:
    """A group of surface variants and the query terms they add; a concept of the domain glossary is a
    group whose every name adds the others (``concept``)."""

    variants: tuple[str, ...]
    terms: tuple[str, ...]
    concept: bool = False


@dataclass(frozen=True)
class Unsupported:
    """A kind of request the records do not usually answer (budget, phone numbers, ...): how the refusal
    names it, and the form its answer would have in a record's text."""

    name: str
    label: dict[str, str]
    answer_pattern: re.Pattern[str] | None = None
    asked_unit: re.Pattern[str] | None = None  # a question naming this unit asks this kind, whatever else it says


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _SynonymEntry(_Strict):
    variants: list[str]
    terms: list[str]


class _ConceptEntry(_Strict):
    concept: str
    expressions: list[str]


class ConceptsData(_Strict):
    """The schema of ``concepts.yaml``: the domain glossary of municipal administration, one group of
    expressions per concept (the plans' own terms, everyday words, acronyms, English), written from the
    domain and not from any question. Each expression of a group adds the others to a query."""

    concepts: list[_ConceptEntry]


class ForeignData(_Strict):
    """The schema of ``foreign.yaml``: English, Spanish, French and German words and phrases -> Italian."""

    en: dict[str, str] = {}
    es: dict[str, str] = {}
    fr: dict[str, str] = {}
    de: dict[str, str] = {}


class _UnsupportedEntry(_Strict):
    name: str
    label: dict[str, str]
    answer_pattern: str | None = None
    asked_unit: str | None = None


class LexiconData(_Strict):
    """The schema of ``lexicon.yaml``: language resources and a small domain glossary; an unknown key
    is an error (no cue list can creep back in unnoticed)."""

    synonyms: list[_SynonymEntry] = []
    english: dict[str, str] = {}
    indicator_fields: list[str] = []
    field_labels: dict[str, dict[str, str]] = {}
    unsupported: list[_UnsupportedEntry] = []
    injection: list[str] = []
    injection_payload: list[str] = []
    months: dict[str, int] = {}
    sector_cues: list[str] = []
    sector_synonyms: dict[str, str] = {}
    classification_cues: list[str] = []
    place_cues: list[str] = []
    glossary: dict[str, str] = {}
    fillers: list[str] = []
    honorifics: list[str] = []  # titles before a name ('dott.ssa', 'sig.', 'geom.'): no topic, never spell-corrected
    person_nouns: list[str] = []  # nouns for whoever does something ('chi è il capo?'): they ask the plan's people
    english_markers: list[str] = []
    deadline_cues: list[str] = []
    comparisons: dict[Literal["ge", "gt", "le", "lt", "ne"], list[str]] = {}
    comparisons_after: dict[Literal["ge", "le"], list[str]] = {}
    averages: list[str] = []
    totals: list[str] = []
    plan_parts: list[str] = []
    mentions: list[str] = []
    mention_nouns: list[str] = []
    month_positions: list[str] = []
    negations: list[str] = []
    negations_after: list[str] = []
    quantity_words: list[str] = []
    periods: dict[str, tuple[int, int]] = {}
    age_groups: dict[str, tuple[int, int]] = {}
    ordinals: dict[str, int] = {}
    some_quantifiers: list[str] = []
    exclusions: list[str] = []
    inclusions: list[str] = []
    universal_quantifiers: list[str] = []
    others: list[str] = []
    units: list[str] = []  # what an amount of time is counted in ('quanti giorni', 'quanto tempo')
    money_units: list[str] = []  # what an amount of money is counted in ('quanti soldi')


@dataclass(frozen=True)
class Lexicon:
    """Compiled lexicon: synonyms, translations, glossary, language resources."""

    synonyms: tuple[Synonym, ...]
    synonym_pattern: re.Pattern[str]
    synonym_index: dict[str, tuple[int, ...]]
    english: dict[str, str]
    english_pattern: re.Pattern[str]
    # a variant of two or more content words, by its words' match keys (``match_key``) -> its groups:
    # 'cambio della banca' is the variant 'cambio banca'
    synonym_keys: dict[tuple[str, ...], tuple[int, ...]]
    synonym_key_span: int  # the most content words of such a variant
    # language -> (word or phrase -> Italian, the pattern finding them): English and the foreign tables
    translations: dict[str, tuple[dict[str, str], re.Pattern[str]]]
    indicator_fields: tuple[str, ...]
    field_labels: dict[str, dict[str, str]]
    unsupported: tuple[Unsupported, ...]
    injection: re.Pattern[str]
    months: dict[str, int]
    sector_cues: frozenset[str]
    classification_cues: re.Pattern[str]
    place_cues: re.Pattern[str]
    glossary: dict[str, str]
    stopwords: frozenset[str]
    honorifics: frozenset[str] = frozenset()  # titles before a name (also stop words)
    person_nouns: frozenset[str] = frozenset()  # nouns for whoever does something: they ask the plan's people
    units: frozenset[str] = frozenset()  # what an amount of time or repetition is counted in
    money_units: frozenset[str] = frozenset()  # what an amount of money is counted in
    function_words: frozenset[str] = field(default_factory=frozenset)  # the language's own stop words, no fillers
    english_markers: frozenset[str] = field(default_factory=frozenset)
    deadline_cues: re.Pattern[str] = re.compile(r"(?!x)x")
    periods: dict[str, tuple[int, int]] = field(default_factory=dict)
    age_groups: dict[str, tuple[int, int]] = field(default_factory=dict)  # 'minori' -> (0, 17): ages a word names
    month_pattern: re.Pattern[str] = re.compile(r"(?!x)x")
    # instructions to the assistant that carry the attacker's payload: their whole clause is dropped
    injection_payload: re.Pattern[str] = re.compile(r"(?!x)x")
    # 'settore scuola' -> the stored sector whose name holds 'scolastici' (when one does)
    sector_synonyms: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)  # by stems
    comparisons: dict[str, re.Pattern[str]] = field(default_factory=dict)  # 'ge'/'gt'/'le'/'lt'/'ne' -> words before a number
    comparisons_after: dict[str, re.Pattern[str]] = field(default_factory=dict)  # 'ge'/'le' -> words after it
    averages: re.Pattern[str] = re.compile(r"(?!x)x")  # 'in media', 'peso medio': the mean, not the total
    totals: re.Pattern[str] = re.compile(r"(?!x)x")  # 'in tutto', 'messi insieme': a total is asked, no topic
    plan_parts: re.Pattern[str] = re.compile(r"(?!x)x")  # 'la sezione performance': the document itself, no topic
    mentions: re.Pattern[str] = re.compile(r"(?!x)x")  # 'citano', 'parla di': what follows is written in the records
    mention_nouns: re.Pattern[str] = re.compile(r"(?!x)x")  # 'la parola', 'il termine': the words after it, as written
    month_positions: re.Pattern[str] = re.compile(r"(?!x)x")  # 'fine' in 'a fine giugno': part of the date
    negations: re.Pattern[str] = re.compile(r"(?!x)x")  # 'senza', 'non': a field named after one is empty
    negations_after: re.Pattern[str] = re.compile(r"(?!x)x")  # 'vuoto', 'mancante': a field named before one is empty
    quantity: re.Pattern[str] = re.compile(r"(?!x)x")  # 'quanti', 'how many': an amount is asked
    ordinals: dict[str, int] = field(default_factory=dict)  # 'secondo' -> 2, 'ultimo' -> -1
    some: re.Pattern[str] = re.compile(r"(?!x)x")  # 'almeno un indicatore': some rows, not all
    exclusions: re.Pattern[str] = re.compile(r"(?!x)x")  # 'tranne', 'fuori da': the sector named next is left out
    inclusions: re.Pattern[str] = re.compile(r"(?!x)x")  # 'anche' before an exclusion: the others as well, none left out
    universal: re.Pattern[str] = re.compile(r"(?!x)x")  # 'tutte le pratiche': a whole, a share of 100%
    others: re.Pattern[str] = re.compile(r"(?!x)x")  # 'altri', 'what else': besides the one talked about

    def words(self) -> set[str]:
        """Every word the lexicon knows (protected from typo correction)."""
        out: set[str] = set(self.stopwords) | set(self.months) | set(self.sector_cues)
        for syn in self.synonyms:
            for text in syn.variants + syn.terms:
                out.update(re.findall(r"[a-z0-9]+", text))
        for key, value in self.english.items():
            out.update(re.findall(r"[a-z0-9]+", key + " " + value))
        for pat in (self.injection, self.injection_payload, self.classification_cues, self.place_cues, self.averages, self.totals, self.plan_parts,
                    self.mentions, self.mention_nouns,
                    self.universal, *self.comparisons_after.values()):
            out.update(re.findall(r"[a-z0-9]+", pat.pattern.replace("\\", " ")))
        return {w for w in out if len(w) > 1}


def _pattern(phrases: list[str]) -> re.Pattern[str]:
    pat = phrase_pattern(phrases)
    return pat if pat is not None else re.compile(r"(?!x)x")


def _synonyms(raw: list[_SynonymEntry], concepts: list[_ConceptEntry]
              ) -> tuple[tuple[Synonym, ...], dict[str, tuple[int, ...]]]:
    groups = (*(Synonym(tuple(norm(v) for v in g.variants), tuple(norm(t) for t in g.terms)) for g in raw),
              *(Synonym(names, names, concept=True) for names in (tuple(norm(e) for e in c.expressions)
                                                                  for c in concepts)))
    index: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        for v in g.variants:
            index.setdefault(v, []).append(i)
    return groups, {k: tuple(v) for k, v in index.items()}


def match_key(word: str) -> str:
    """How a word of a variant meets a word of a question: its inflection aside (the final vowel, and
    the 'h' of a plural in -che/-ghi: 'banca'/'banche', 'comunale'/'comunali'), not its derivation
    ('regola' is not 'regolatore', as a stemmer would have it); whole when short ('dat' is not 'data')."""
    if len(word) <= SHORT_WORD:
        return word
    key = word[:-1] if word[-1] in "aeiou" else word
    return key[:-1] if key[-1] == "h" and key[-2:-1] in ("c", "g") else key


SHORT_WORD = 4  # words this long or shorter are matched whole


def _content_words(text: str) -> list[re.Match[str]]:
    """The content words of a normalised text (the language's function words aside), where they are."""
    return [m for m in re.finditer(r"[a-z0-9]+", text) if m.group() not in _FUNCTION_WORDS]


_FUNCTION_WORDS = frozenset(norm(w) for w in STOPWORDS_ITALIAN)


def _variant_keys(index: dict[str, tuple[int, ...]]) -> dict[tuple[str, ...], tuple[int, ...]]:
    out: dict[tuple[str, ...], tuple[int, ...]] = {}
    for variant, groups in index.items():
        keys = tuple(match_key(m.group()) for m in _content_words(variant))
        if len(keys) >= 2:
            out[keys] = tuple(dict.fromkeys([*out.get(keys, ()), *groups]))
    return out


def build_lexicon(raw: dict[str, Any], concepts: dict[str, Any] | None = None,
                  foreign: dict[str, Any] | None = None) -> Lexicon:
    """Validate (``LexiconData``, ``ConceptsData``, ``ForeignData``) and compile the YAML data of a
    lexicon, of its domain glossary (a concept's expressions become one synonym group, each adding all
    the others) and of its translation tables."""
    data = LexiconData.model_validate(raw)
    tables = ForeignData.model_validate(foreign or {}).model_dump()
    groups = ConceptsData.model_validate(concepts).concepts if concepts is not None else []
    synonyms, syn_index = _synonyms(data.synonyms, groups)
    english = {norm(k): norm(v) for k, v in data.english.items()}
    unsupported = tuple(Unsupported(u.name, dict(u.label), re.compile(u.answer_pattern) if u.answer_pattern else None,
                                    re.compile(u.asked_unit) if u.asked_unit else None) for u in data.unsupported)
    stop = {norm(w) for w in STOPWORDS_ITALIAN} | {norm(w) for w in data.fillers} | {norm(w) for w in data.honorifics}
    return Lexicon(
        synonyms=synonyms,
        synonym_pattern=_pattern(list(syn_index)),
        synonym_index=syn_index,
        synonym_keys=(keys := _variant_keys(syn_index)),
        synonym_key_span=max(map(len, keys), default=0),
        english=english,
        english_pattern=_pattern(list(english)),
        translations={lang: (table, _pattern(list(table))) for lang, table in
                      {**{lang: {norm(k): norm(v) for k, v in t.items()} for lang, t in tables.items()},
                       # English: the table of foreign.yaml, the domain phrases of lexicon.yaml winning
                       "en": {**{norm(k): norm(v) for k, v in tables["en"].items()}, **english}}.items()},
        indicator_fields=tuple(data.indicator_fields),
        field_labels=data.field_labels,
        unsupported=unsupported,
        injection=_pattern(data.injection),
        injection_payload=_pattern(data.injection_payload),
        months={norm(k): v for k, v in data.months.items()},
        sector_cues=frozenset(norm(w) for w in data.sector_cues),
        comparisons={k: _pattern(v) for k, v in data.comparisons.items()},
        comparisons_after={k: _pattern(v) for k, v in data.comparisons_after.items()},
        averages=_pattern(data.averages),
        totals=_pattern(data.totals),
        plan_parts=_pattern(data.plan_parts),
        mentions=_pattern(data.mentions),
        mention_nouns=_pattern(data.mention_nouns),
        month_positions=_pattern(data.month_positions),
        negations=_pattern(data.negations),
        negations_after=_pattern(data.negations_after),
        quantity=_pattern(data.quantity_words),
        sector_synonyms={tuple(stem(w) for w in norm(k).split()): tuple(norm(v).split())
                         for k, v in data.sector_synonyms.items()},
        classification_cues=_pattern(data.classification_cues),
        place_cues=_pattern(data.place_cues),
        glossary=dict(data.glossary),
        stopwords=frozenset(stop),
        honorifics=frozenset(norm(w) for w in data.honorifics),
        person_nouns=frozenset(norm(w) for w in data.person_nouns),
        units=frozenset(norm(w) for w in data.units),
        money_units=frozenset(norm(w) for w in data.money_units),
        function_words=_FUNCTION_WORDS,
        english_markers=frozenset(norm(w) for w in data.english_markers),
        deadline_cues=_pattern(data.deadline_cues),
        periods={norm(k): v for k, v in data.periods.items()},
        age_groups={norm(k): v for k, v in data.age_groups.items()},
        month_pattern=_pattern(list(data.months)),
        ordinals={norm(k): v for k, v in data.ordinals.items()},
        some=_pattern(data.some_quantifiers),
        exclusions=_pattern(data.exclusions),
        inclusions=_pattern(data.inclusions),
        universal=_pattern(data.universal_quantifiers),
        others=_pattern(data.others),
    )


def synonym_hits(text: str, lexicon: Lexicon) -> list[tuple[str, tuple[int, ...]]]:
    """The lexicon's variants in a normalised text, each with the text it covers and its groups: those
    written as they are, and those of two or more content words written with other inflections or
    function words ('cambio della banca' for 'cambio banca') or with one more word inside ('waste
    collection tax' for 'waste tax', the inserted word not an Italian one); the longest first, none overlapping."""
    found = [(m.start(), m.end(), lexicon.synonym_index[m.group()]) for m in lexicon.synonym_pattern.finditer(text)]
    words = _content_words(text)
    keys = [match_key(m.group()) for m in words]
    for i in range(len(words)):
        for n in range(2, min(lexicon.synonym_key_span, len(words) - i) + 1):
            groups = lexicon.synonym_keys.get(tuple(keys[i:i + n]))
            if groups:
                found.append((words[i].start(), words[i + n - 1].end(), groups))
    gapped: list[tuple[int, int, tuple[int, ...]]] = []
    italian = italian_words()
    for i in range(len(words)):  # one more word inside, of another language ('waste collection tax': 'waste tax')
        for n in range(2, min(lexicon.synonym_key_span, len(words) - i - 1) + 1):
            for gap in range(1, n):
                if italian.get(words[i + gap].group(), 0) >= ITALIAN_MIN_COUNT:
                    continue
                groups = lexicon.synonym_keys.get(tuple(keys[i:i + gap] + keys[i + gap + 1:i + n + 1]))
                if groups:
                    gapped.append((words[i].start(), words[i + n].end(), groups))
    found += [g for g in gapped if not any(a <= g[0] and g[1] <= b for a, b, _ in found)]
    hits: list[tuple[int, int, tuple[int, ...]]] = []
    for start, end, groups in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if not any(a < end and start < b for a, b, _ in hits):
            hits.append((start, end, groups))
    return [(text[a:b], groups) for a, b, groups in sorted(hits)]


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH, concepts: Path | None = CONCEPTS_PATH,
                 foreign: Path | None = FOREIGN_PATH) -> Lexicon:
    """The lexicon in ``path`` with the domain glossary in ``concepts`` and the translation tables in
    ``foreign`` (the package's ``lexicon.yaml``, ``concepts.yaml`` and ``foreign.yaml`` by default;
    ``None``: none), loaded once."""
    return build_lexicon(*(_yaml(p) for p in (path, concepts, foreign)))


def _yaml(path: Path | None) -> Any:
    if path is None:
        return None
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def counts_back(text: str, lexicon: Lexicon) -> bool:
    """'quanti ne hanno piantati?': the clitic after the amount word counts what was talked about, and the
    words after it are what was done to it, not a new subject."""
    found = lexicon.quantity.search(text)
    return found is not None and re.match(r"\s+ne\b", text[found.end():]) is not None
