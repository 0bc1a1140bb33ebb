"""What the records contain, prepared once per revision: sectors, people, classifications, vocabulary."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any

from rapidfuzz.distance import Levenshtein

from assistant.lexicon import Lexicon
from assistant.querying.attainment import Assessment, assess
from assistant.scope import PlanDoc, Plans
from assistant.understanding.dates import parse_deadline
from ingest.text import Speller, norm, stated, stem, tokens, writes_phrase
from ingest.types import Indicator, Objective, Passage

CARD_FIELDS = ("settore", "settore_cdr", "classificazione", "titolo", "destinatari", "contributor",
               "obiettivo_strategico", "responsabile", "personale_coinvolto", "peso", "pnrr", "anticorruzione")
FIELDS = (*CARD_FIELDS, "stato_attuazione", *(f for f in Indicator.model_fields if f != "anno"))  # in form order
ROW_FIELDS = frozenset(FIELDS) & frozenset(Indicator.model_fields)  # the fields of an indicator row
SECTOR_KINDS = frozenset({"settore", "area", "servizio", "ufficio", "unita", "direzione", "dipartimento"})
_NOT_A_PERSON = {"settore", "responsabile", "servizio", "ufficio", "dirigente", "segretario"}


@dataclass(frozen=True)
class Sector:
    """A sector heading and the normalised names it is known by."""

    name: str
    variants: tuple[tuple[str, ...], ...]  # token sequences


@dataclass(frozen=True)
class Person:
    """A named person of the records (responsabile or staff involved)."""

    name: str
    tokens: tuple[str, ...]


AMOUNT_FIELDS = ("target", "baseline", "stato_attuazione")  # where an amount of an objective is stated: planned, at the start, reported
REPORTED_IN_STATUS = frozenset({"target_raggiunto"})  # what a status reports when no indicator row states it


def subject_texts(obj: Objective) -> list[str]:
    """What an objective is about, in its own words: its title and its indicators."""
    return [t for t in (obj.titolo, *(i.indicatore for i in obj.indicatori)) if t]


_LETTERS = re.compile(r"[^\W\d_]+")


def acronyms(text: str) -> set[str]:
    """Words written in capitals between words that are not ('Sportello unico per l'edilizia (SUE)'), not
    the words of a heading or a title in capitals ('LINEE DI INDIRIZZO')."""
    words = _LETTERS.findall(text)
    caps = [len(w) >= 2 and w.isupper() for w in words]
    return {norm(w) for i, w in enumerate(words) if caps[i] and len(w) <= 6
            and not (i > 0 and caps[i - 1]) and not (i + 1 < len(words) and caps[i + 1])}


def plan_lexicon(lexicon: Lexicon, records: Sequence[Objective]) -> Lexicon:
    """The lexicon for a plan whose records write an acronym that is also a function word ('Sportello
    unico per l'edilizia (SUE)' and 'sue'): for that plan the word is a name, never a stop word."""
    names = {a for o in records for text in record_strings(o) for a in acronyms(text)} & lexicon.stopwords
    return replace(lexicon, stopwords=lexicon.stopwords - names) if names else lexicon


def sector_heads(names: Iterable[str]) -> set[str]:
    """The words sector names start with ('SETTORE Entrate', 'Area Tecnica' -> 'settore', 'area'): what a
    plan calls its sectors."""
    return {words[0] for words in map(tokens, names) if words and words[0].isalpha()}


def field_text(obj: Objective, name: str) -> str | None:
    """The text of a card field, or of the status text for 'stato_attuazione'."""
    if name == "stato_attuazione":
        return obj.stato_attuazione.testo if obj.stato_attuazione else None
    value = getattr(obj, name, None)
    return value if isinstance(value, str) else None


def written_in(obj: Objective, name: str, year: int | None = None) -> str:
    """All a record writes in a field: the card field or status, or every indicator row's value of that
    field (of the year when one is given)."""
    if name in Indicator.model_fields:
        return "\n".join(str(getattr(r, name)) for r in obj.indicatori
                         if (year is None or r.anno == year) and stated(getattr(r, name)))
    return field_text(obj, name) or ""


def indicator_names(obj: Objective, year: int | None = None) -> list[str]:
    """The distinct indicators of an objective (of a year when one is given), as the record first writes each."""
    seen: dict[str, str] = {}
    for row in obj.indicatori:
        if row.indicatore and (year is None or row.anno == year):
            seen.setdefault(norm(row.indicatore), row.indicatore)
    return list(seen.values())


def has_field(obj: Objective, name: str, year: int | None = None) -> bool:
    """Whether a record states a field (on the card, in the status, or on any indicator row; on a row of
    the year when one is given: 'senza target per il 2027')."""
    if name in Indicator.model_fields and any(stated(getattr(r, name)) for r in obj.indicatori
                                              if year is None or r.anno == year):
        return True
    return (year is None or name not in Indicator.model_fields) and stated(field_text(obj, name))


def deadline_text(row: Indicator, lexicon: Lexicon) -> tuple[str, str] | None:
    """(field, text) of a row's deadline: its 'scadenza', or a target that is one ('Entro il 30/06/2025')."""
    if stated(row.scadenza):
        return "scadenza", row.scadenza or ""
    if row.target and lexicon.deadline_cues.search(norm(row.target)) and parse_deadline(row.target, lexicon):
        return "target", row.target
    return None


def row_deadline(row: Indicator, lexicon: Lexicon) -> date | None:
    """The date a row is due by (``deadline_text``)."""
    found = deadline_text(row, lexicon)
    return parse_deadline(found[1], lexicon) if found else None


def record_strings(obj: Objective) -> Iterator[str]:
    """Every text of a record (card, indicator rows, status)."""
    for name in CARD_FIELDS:
        value = getattr(obj, name)
        if value:
            yield value
    for ind in obj.indicatori:
        for value in ind.model_dump().values():
            if isinstance(value, str) and value:
                yield value
    if obj.stato_attuazione and obj.stato_attuazione.testo:
        yield obj.stato_attuazione.testo


# an age range a record states: '0-3', 'fascia 10-20', '0-6 anni', 'tra 11 e 14 anni' (never a date or a code)
_AGE_RANGE = re.compile(r"(?:\b(?:fascia|eta)\s+(\d{1,2})\s*[-–]\s*(\d{1,3})\b|\b(0)\s*[-–]\s*(\d{1,2})\b(?![./-]\d)"
                        r"|\b(\d{1,2})\s*(?:[-–]|e|ed|a)\s*(?:i\s+)?(\d{1,3})\s+anni\b)")


def served_ages(obj: Objective, lexicon: Lexicon) -> tuple[tuple[int, int], ...]:
    """The ages an objective's card says it serves: ranges it writes ('Giovani fascia 10-20', 'servizi 0-3')
    and the lexicon's words for people of an age ('minori', 'ultrasessantacinquenni')."""
    texts = [obj.titolo, obj.destinatari, obj.classificazione, *(i.indicatore for i in obj.indicatori)]
    out: set[tuple[int, int]] = set()
    for text in filter(None, texts):
        n = norm(text)
        for m in _AGE_RANGE.finditer(n):
            low, high = (int(g) for g in [g for g in m.groups() if g is not None][:2])
            if low < high <= 120:
                out.add((low, high))
        words = f" {' '.join(tokens(n))} "
        out.update(tuple(span) for word, span in lexicon.age_groups.items() if f" {word} " in words)
    return tuple(sorted(out))


def writes(obj: Objective, phrase: str) -> bool:
    """Whether a record writes a phrase, in any of its texts (``writes_phrase``)."""
    return any(writes_phrase(text, phrase) for text in record_strings(obj))


def _sector_variants(name: str, cdrs: set[str]) -> tuple[tuple[str, ...], ...]:
    out: set[tuple[str, ...]] = set()
    for raw in {name, *cdrs}:
        toks = tokens(re.sub(r"\(.*?\)", " ", raw))
        if toks and toks[0] in SECTOR_KINDS:
            toks = toks[1:]
        if toks:
            out.add(tuple(toks))
            out.add(tuple(toks[:1]))  # 'area scuola' for 'Area Scuola, Sport e Turismo' (linked after a cue)
            # the part before a dash or 'ed/e' joins ('Servizi scolastici ed educativi - Politiche giovanili')
            for cut in ("ed", "e"):
                if cut in toks[1:]:
                    out.add(tuple(toks[:toks.index(cut, 1)]))
    return tuple(sorted(out, key=len, reverse=True))


def _a_person(toks: tuple[str, ...]) -> bool:
    """Whether the words of one line name someone: two to four words, none of a role."""
    return 2 <= len(toks) <= 4 and not (set(toks) & _NOT_A_PERSON)


def names_a_person(value: str | None) -> bool:
    """Whether a responsabile's or staff's value names someone ('Ing. Paolo Guidetti'), not only a role
    ('Responsabile Area Tecnica', 'Segretario comunale')."""
    return any(_a_person(tuple(tokens(line))) for line in (value or "").split("\n"))


def _persons(records: Sequence[Objective]) -> list[Person]:
    seen: dict[tuple[str, ...], Person] = {}
    for obj in records:
        for value in (obj.responsabile, obj.personale_coinvolto):
            for line in (value or "").split("\n"):
                toks = tuple(tokens(line))
                if _a_person(toks):
                    seen.setdefault(toks, Person(line.strip(), toks))
    return list(seen.values())


class KnownWords:
    """A set of words made of a scope's own words and the words every scope shares (read-only)."""

    def __init__(self, own: frozenset[str], shared: frozenset[str]) -> None:
        self.own, self.shared = own - shared, shared

    def __contains__(self, word: object) -> bool:
        return word in self.own or word in self.shared

    def __iter__(self) -> Iterator[str]:
        yield from self.own
        yield from self.shared

    def __len__(self) -> int:
        return len(self.own) + len(self.shared)


class ScopeSpeller(Speller):
    """A ``Speller`` over a scope's words and a speller over the shared words, built once: the same
    corrections as one speller over both (the nearest word; on a tie the scope's own, then the first in
    alphabetical order), without a copy of the shared words in every scope."""

    def __init__(self, own: Iterable[str], shared: Speller, protected: Iterable[str] = ()) -> None:
        super().__init__(own, protected)
        self._shared = shared

    def correct(self, token: str) -> str:
        """The closest known word, or the token itself when it is known or nothing is close."""
        if token in self._known or token in self._shared._known:  # noqa: SLF001 - a speller of the same kind
            return token
        mine, theirs = super().correct(token), self._shared.correct(token)
        if mine == token or theirs == token:
            return theirs if mine == token else mine
        limit = 1 if len(token) < 9 else 2
        # on a tie, the records' own word: a question is about them ('scede' is 'schede', not 'scade')
        best = min((Levenshtein.distance(token, w, score_cutoff=limit), w != mine, w) for w in (mine, theirs))
        return best[2]


_SHARED: dict[int, tuple[Lexicon, frozenset[str], Speller]] = {}


def _shared_words(lexicon: Lexicon) -> tuple[frozenset[str], Speller]:
    """The lexicon's and the question phrasings' words and their speller, built once per lexicon
    (every scope's catalog needs them)."""
    found = _SHARED.get(id(lexicon))
    if found is None or found[0] is not lexicon:
        from assistant.understanding.phrasings import phrasing_words  # noqa: PLC0415

        words = frozenset(lexicon.words() | phrasing_words())
        found = (lexicon, words, Speller(words, protected=lexicon.stopwords))
        if len(_SHARED) >= 8:
            _SHARED.clear()
        _SHARED[id(lexicon)] = found
    return found[1], found[2]


class Catalog:
    """Records plus what linking and retrieval need to know about them."""

    def __init__(self, records: Sequence[Objective], lexicon: Lexicon, docs: Sequence[PlanDoc] | None = None,
                 history: Sequence[Any] | None = None, passages: Sequence[Passage] = (), *,
                 model: Any = None, multi: bool | None = None) -> None:
        """``model``: a question model shared by every scope (else one is trained on these records);
        ``multi``: whether more documents are loaded than these (answers then say which plan)."""
        self.records: tuple[Objective, ...] = tuple(records)
        self.passages: tuple[Passage, ...] = tuple(passages)
        self.plans = Plans(self.records, docs, history, multi=multi)
        self.lexicon = plan_lexicon(lexicon, self.records)  # what questions about this plan are read with
        self.by_key: dict[str, Objective] = {o.key: o for o in self.records}
        cdrs: dict[str, set[str]] = {}
        for o in self.records:
            cdrs.setdefault(o.settore, set()).update({o.settore_cdr} if o.settore_cdr else set())
        self.sectors = [Sector(name, _sector_variants(name, c)) for name, c in cdrs.items()]
        self.persons = _persons(self.records)
        subject_words = {o.key: {t for text in subject_texts(o) for t in tokens(text)} for o in self.records}
        topical = set().union(*subject_words.values())
        # each objective's subject stems: 'ufficio urbanistica' names the sector whose objectives are about
        # urbanistica, in any plan
        self.subject_stems: dict[str, frozenset[str]] = {k: frozenset(map(stem, w)) for k, w in subject_words.items()}
        # words that only the sector headings use ('finanziario', 'suap'): they name a sector on their own
        self.sector_only_words = frozenset(t for s in self.sectors for v in s.variants for t in v) - topical
        # what this plan calls its sectors ('settore', 'area', 'servizio'): the words sector names start with,
        # and the lexicon's; matched by stem ('aree', 'uffici')
        self.sector_kind_stems = frozenset(stem(w) for w in {*lexicon.sector_cues,
                                                             *sector_heads(s.name for s in self.sectors)})
        self.name_words = frozenset(t for p in self.persons for t in p.tokens)
        self.classifications = sorted({o.classificazione for o in self.records if o.classificazione})
        # the names a question may write in full, commas and 'e' included ('Area Scuola, Sport e Turismo')
        self.value_names = (*(s.name for s in self.sectors), *self.classifications)
        # the fields some records state and others leave empty: 'with/without X' filters make sense on them
        self.partial_fields = frozenset(
            f for f in FIELDS
            if 0 < sum(1 for o in self.records if has_field(o, f)) < len(self.records))
        # the fields no record states: 'quali obiettivi sono collegati all'anticorruzione?' has an answer, none
        self.unstated_fields = frozenset(f for f in FIELDS if self.records and not any(has_field(o, f) for o in self.records))
        self._partial_in: dict[int, frozenset[str]] = {}
        self.title_words = frozenset(t for o in self.records for t in tokens(o.titolo))
        self.vocabulary: set[str] = set()
        for o in self.records:
            for text in record_strings(o):
                self.vocabulary.update(tokens(text))
            self.vocabulary.update(tokens(o.ente or ""))
        # records', lexicon's and the question phrasings' words: never "corrected" into other words
        shared, shared_speller = _shared_words(lexicon)
        self.known_words = KnownWords(frozenset(self.vocabulary), shared)
        self.speller = ScopeSpeller(self.known_words.own, shared_speller, protected=lexicon.stopwords)
        self.deadlines: dict[str, list[tuple[Indicator, date | None]]] = {
            o.key: [(i, row_deadline(i, lexicon)) for i in o.indicatori] for o in self.records}
        self.years = sorted({y for o in self.records for y in o.anni})
        self.ages = {o.key: served_ages(o, lexicon) for o in self.records}
        self._model: Any = model
        self._model_lock = threading.Lock()
        self._assessed: dict[tuple[str, int], list[Assessment] | None] = {}

    def sector_of_words(self, words: Sequence[str], share: float) -> str | None:
        """The sector whose objectives are about these words: the one holding two or more, and at least
        ``share``, of the objectives whose titles or indicators hold every word (by stem), if any does."""
        wanted = {stem(w) for w in words}
        counts: dict[str, int] = {}
        for o in self.records:
            if wanted <= self.subject_stems[o.key]:
                counts[o.settore] = counts.get(o.settore, 0) + 1
        if not counts:
            return None
        best = max(counts, key=lambda k: counts[k])
        # a word one objective alone is about is that objective's topic ('ufficio IAT'), not its sector's
        return best if counts[best] >= 2 and counts[best] / sum(counts.values()) >= share else None

    @property
    def model(self) -> Any:
        """The question model: the shared one, or one trained on these records' corpus (on first use)."""
        if self._model is None:
            from assistant.understanding.model import model_for  # noqa: PLC0415 - sklearn only when asked

            with self._model_lock:
                if self._model is None:
                    self._model = model_for(self.records)
        return self._model

    def partial_in(self, year: int | None) -> frozenset[str]:
        """The fields only some records state, an indicator's counted on the rows of the year if given."""
        judged = frozenset(REPORTED_IN_STATUS) if self.judged_year(year) is not None else frozenset()
        if year is None:
            return self.partial_fields | judged
        if year not in self._partial_in:
            in_year = frozenset(f for f in sorted(ROW_FIELDS) if 0 < sum(
                1 for o in self.records if has_field(o, f, year)) < len(self.records))
            self._partial_in[year] = self.partial_fields | in_year | judged
        return self._partial_in[year]

    @cached_property
    def titled_persons(self) -> dict[str, list[str]]:
        """The people whose stored name starts with a title, by that title's words joined ('Dott.ssa Chiara
        Landini' under 'dottssa', 'Ing. Paolo Guidetti' under 'ing')."""
        out: dict[str, list[str]] = {}
        for person in self.persons:
            n = next((i for i, t in enumerate(person.tokens) if t not in self.lexicon.honorifics), len(person.tokens))
            if n:
                out.setdefault("".join(person.tokens[:n]), []).append(person.name)
        return out

    @cached_property
    def vocabulary_stems(self) -> frozenset[str]:
        """The stems of every word the records write: a topic word none of whose forms they write names
        nothing in them."""
        return frozenset(stem(w) for w in self.vocabulary)

    @cached_property
    def judged_years(self) -> frozenset[int]:
        """The years whose targets the statuses judge ('target raggiunto' read from what they report); read
        on the first question that needs it, not at start-up."""
        return frozenset(y for y in self.years if any(
            a.verdict != "unknown" for o in self.records for a in self.assessments(o, y) or []))

    def assessments(self, obj: Objective, year: int) -> list[Assessment] | None:
        """The targets of the year, judged from the record's status (``attainment.assess``)."""
        key = (obj.key, year)
        if key not in self._assessed:
            self._assessed[key] = assess(obj, year, self.lexicon)
        return self._assessed[key]

    def judged_year(self, year: int | None) -> int | None:
        """The year 'target raggiunto' is judged for from the statuses: the asked one, or the latest."""
        if year is None:
            return max(self.judged_years, default=None)
        return year if year in self.judged_years else None

    def get(self, keys: Sequence[str]) -> list[Objective]:
        """The records with these keys, in that order (unknown keys skipped)."""
        return [self.by_key[k] for k in keys if k in self.by_key]
