"""From a Plan to the evidence an answer is composed from: which records, rows and sentences.

Lists, counts, sums and max/min go through ``records`` (exact, over all records); questions about
one objective go through ``retrieve`` (hybrid search, with a confidence to refuse on).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.catalog import (
    AMOUNT_FIELDS,
    REPORTED_IN_STATUS,
    ROW_FIELDS,
    Catalog,
    field_text,
    has_field,
    names_a_person,
    record_strings,
    subject_texts,
)
from assistant.lexicon import Lexicon, counts_back
from assistant.querying.attainment import Assessment
from assistant.querying.passages import CUED_COVERAGE, UNCUED_COVERAGE, prose_cues, quote
from assistant.querying.records import (
    default_year,
    extreme_weight,
    filter_records,
    group_records,
    shares_words,
    sum_weights,
    unjudged,
    weight_rows,
)
from assistant.querying.retrieve import (
    Concept,
    Retriever,
    Scored,
    best_sentences,
    rank_rows,
    row_matches,
    row_weights,
    sentences,
)
from assistant.scope import asked_dates, date_matches
from assistant.types import Filters, Plan
from assistant.understanding.dates import parse_deadline
from ingest.text import has_thesaurus, norm, stem, synonyms, tokens
from ingest.types import Indicator, Objective, Passage

MIN_COVERAGE = {"staff": 0.5, "citizen": 0.4}
# A weaker lexical match is still a confident link when dense search (meaning) puts the same objective
# first by a clear margin. Chosen on the tune split of evals/sets (see evals/sets/README.md).
DENSE_MIN_COVERAGE = 0.15
DENSE_MIN_MARGIN = 0.015
AGREEMENT, AGREEMENT_MIN_COVERAGE = 3, 0.1  # words and meaning agreeing: the two ranks' sum at most, share of words
# A question in another language with no word in the records: linked by meaning alone when the nearest
# objective is this much nearer than the next (tune: 0.009-0.035 right, 0.002-0.003 on questions of no
# objective in particular)
FOREIGN_MIN_MARGIN = 0.005
DENSE_FAR, DENSE_FAR_COVERAGE = 5, 0.75  # ranked this far by meaning, a match must cover this much
STATUS_ONLY_COVERAGE = 0.9  # without dense search, a topic found only in a status must be found whole
LIST_COVERAGE = 0.5
CITIZEN_UNSURE = 0.5  # below this intent probability a citizen's fields are a guess, not a request
AGREE_RANK = 3  # a need's other objectives: ranked this high by words and by meaning alike
LONG_TEXT = 700
LIST_INTENTS = ("list", "count", "sum", "max", "rank")


EvidenceKind = Literal["field", "status", "compare_years", "describe", "guidance", "unknown", "list", "count", "sum",
                       "max", "rank", "passage", "refusal"]


@dataclass
class Evidence:
    """What the answer may say, all taken from the records."""

    kind: EvidenceKind  # the plan's intent, or a passage of prose, or a refusal
    objectives: list[Objective] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    rows: dict[str, list[Indicator]] = field(default_factory=dict)  # key -> indicator rows to state
    passages: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # key -> field -> sentences
    year: int | None = None
    total: float | None = None
    refusal: str | None = None  # unsupported | unmeasured | year | entity | role | nomatch | empty | injection
    detail: str = ""
    suggestions: list[Objective] = field(default_factory=list)
    missing_years: list[int] = field(default_factory=list)
    prose: list[tuple[Passage, list[str]]] = field(default_factory=list)  # passages and the sentences to quote
    groups: list[tuple[str | None, list[Objective]]] = field(default_factory=list)  # rank: value -> objectives
    per_ente: list[tuple[str, Evidence]] = field(default_factory=list)  # sum/max over several entities: one each
    widened: bool = False  # a follow-up none of the objectives before answers, answered on the whole plan
    status_fallback: bool = False  # a status quoted because the asked card field is empty (no answer by itself)
    judged_year: int | None = None  # a 'target raggiunto' filter judged from the statuses, for this year
    assessed: dict[str, list[Assessment]] = field(default_factory=dict)  # key -> its targets, judged
    unjudged: list[Objective] = field(default_factory=list)  # left out: the status tells neither way
    role_only: bool = False  # 'senza un responsabile nominativo' where every one states one: those naming a role

    @property
    def keys(self) -> list[str]:
        """The objectives the answer relies on (suggestions for a refusal)."""
        return [o.key for o in (self.objectives or self.suggestions)]


def gather(plan: Plan, catalog: Catalog, retriever: Retriever, lexicon: Lexicon) -> Evidence:
    """The evidence for a plan."""
    if plan.injection and not plan.normalized:
        return _refuse("injection", "", [])  # the message was nothing but instructions to the assistant
    if plan.unknown_plan:
        return _refuse("plan", plan.unknown_plan, [])
    if plan.unknown_entities:
        return _refuse("entity", plan.unknown_entities[0], _suggest(plan, catalog, retriever))
    if plan.unnamed_role and plan.intent not in LIST_INTENTS:
        return _refuse("role", plan.unnamed_role, _suggest(plan, catalog, retriever))
    unknown_years = [y for y in plan.years if y not in catalog.years]
    if plan.intent in LIST_INTENTS and catalog.years and unknown_years and len(unknown_years) == len(plan.years):
        return _refuse("years", ", ".join(map(str, unknown_years)), [])  # no record has a value for them
    if plan.intent in LIST_INTENTS and plan.scope_ambiguous and not plan.scope_all and not plan.followup:
        return _refuse("scope", ", ".join(plan.scope_ambiguous), [])  # a sum or maximum across entities
    if plan.intent in LIST_INTENTS:
        return _aggregate(plan, catalog, retriever)
    concepts = retriever.concepts(plan.filters.text or "", plan.context_words)
    targets = _targets(plan, catalog, retriever, concepts)
    if plan.unsupported:
        ev = _unsupported(plan, targets, retriever, lexicon)
        return (_prose(plan, [], retriever) or ev) if ev.kind == "refusal" else ev
    prose = _prose(plan, targets, retriever)
    if prose is not None:
        return prose
    if not targets:
        if not concepts and plan.injection:
            return _refuse("injection", "", [])
        return _refuse("nomatch", plan.filters.text or "", _suggest(plan, catalog, retriever))
    stale = _status_date_missing(plan, targets, catalog)
    if stale:
        return _refuse("status_date", stale, targets[:1])
    if _unmeasured(plan, targets, retriever, lexicon):
        return _refuse("unmeasured", plan.amount or "", targets[:1])
    return _about(plan, targets, concepts, lexicon)


def _names_date(obj: Objective, asked: tuple[int | None, int], question: str) -> bool:
    """Whether a date is the subject of the objective's title or of one of its indicators that the question
    quotes ('bambini in lista d'attesa al 30 settembre', 'giorni di apertura da aprile a ottobre'): then it
    is no monitoring date asked."""
    words = {stem(w) for w in tokens(question) if len(w) > 3}
    for text in subject_texts(obj):
        named = asked_dates(norm(text))
        if (asked in named or (None, asked[1]) in named) and any(
                stem(w) in words for w in tokens(text) if len(w) > 3 and (None, asked[1]) not in asked_dates(w)):
            return True
    return False


_DAY_MONTH_YEAR = re.compile(r"(?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-](20\d{2})(?![\d/.-])")


def _dated_year(text: str, lexicon: Lexicon) -> str | None:
    """The year written with a date the question names ('al 30/06/2024', 'a giugno 2024'): the status's
    year too; none for a year named elsewhere ('il regolamento del 2017')."""
    found = _DAY_MONTH_YEAR.search(text) or re.search(
        rf"(?:{lexicon.month_pattern.pattern})\s+(?:del\s+|of\s+)?(20\d{{2}})\b", text)
    return found.group(1) if found else None


def _status_date_missing(plan: Plan, targets: list[Objective], catalog: Catalog) -> str:
    """'a che punto era al 30 giugno?' (or 'al 30 giugno 2024') when the plan states the status at other
    dates only: those dates ('al 31/12/2025'), else ''."""
    if not plan.asked_dates or not targets or not (plan.intent == "status" or "stato_attuazione" in plan.fields):
        return ""
    obj = targets[0]
    asked = [d for d in plan.asked_dates if not _names_date(obj, d, plan.normalized)]
    dates = [e.data for e in catalog.plans.statuses(obj) if e.data and e.testo]  # a date with no text states nothing
    if not dates and obj.stato_attuazione and obj.stato_attuazione.data and obj.stato_attuazione.testo:
        dates = [obj.stato_attuazione.data]
    year = _dated_year(plan.normalized, catalog.lexicon)
    if not asked or not dates or any(date_matches(d, asked) and (year is None or d.startswith(year)) for d in dates):
        return ""
    return ", ".join("al " + "/".join(reversed(d.split("-"))) for d in dates)


def _prose(plan: Plan, targets: list[Objective], retriever: Retriever) -> Evidence | None:
    """Passages that answer a question about the plan's text ('cosa dice il piano sul lavoro agile?'),
    or a question no objective answers; ``None`` to answer from the records."""
    cue = prose_cues().search(plan.normalized) is not None
    if targets and not cue:
        return None
    concepts = retriever.concepts(prose_cues().sub(" ", plan.filters.text or ""))
    found = retriever.prose.search(concepts, plan.filters.documenti, plan.question)
    need = CUED_COVERAGE if cue else UNCUED_COVERAGE
    if not found or found[0].coverage < need:
        return None
    best = found[0]
    chosen = [best] + [f for f in found[1:2] if f.coverage >= best.coverage and f.passage.documento ==
                       best.passage.documento and f.passage.sezione == best.passage.sezione]
    return Evidence(kind="passage", prose=[(f.passage, quote(f.passage, concepts)) for f in chosen])


def _refuse(reason: str, detail: str, suggestions: list[Objective]) -> Evidence:
    return Evidence(kind="refusal", refusal=reason, detail=detail, suggestions=suggestions)


def _in_scope(plan: Plan, catalog: Catalog) -> list[str] | None:
    """The keys of the records in the question's scope (None: every record)."""
    if plan.filters.documenti is None:
        return None
    return [o.key for o in filter_records(catalog, Filters(documenti=plan.filters.documenti))]


def _suggest(plan: Plan, catalog: Catalog, retriever: Retriever, n: int = 3) -> list[Objective]:
    ranked = retriever.search(plan.filters.text or "", _in_scope(plan, catalog), plan.question, plan.context_words)
    return catalog.get([s.key for s in ranked if s.coverage > 0][:n])


def _candidate_filters(plan: Plan) -> Filters:
    f = plan.filters
    return Filters(documento=f.documento, documenti=f.documenti, ente=f.ente, settore=f.settore, classificazione=f.classificazione,
                   responsabile=f.responsabile, pnrr=f.pnrr)


def _targets(plan: Plan, catalog: Catalog, retriever: Retriever, concepts: list[Concept]) -> list[Objective]:
    """The objective(s) a single-objective question is about (empty when nothing matches well)."""
    within = plan.objective_keys if plan.followup else None
    pool = filter_records(catalog, _candidate_filters(plan), within)
    if not concepts or plan.followup and len(pool) == 1 and _amount_of_it(plan, concepts, retriever):
        # nothing to search by ('quanti in più l'anno prossimo?' names only what is counted): the turn's objective
        everything = filter_records(catalog, Filters(documenti=plan.filters.documenti))
        restricted = plan.followup or pool != everything
        return pool if restricted else []
    ranked = retriever.search(plan.filters.text or "", [o.key for o in pool], plan.question, plan.context_words)
    threshold = MIN_COVERAGE[plan.mode]
    if plan.followup and not confident(ranked, threshold, plan.written_in, plan.mode, plan.injection):
        ranked = retriever.search(plan.filters.text or "", _in_scope(plan, catalog), plan.question, plan.context_words)
    if not confident(ranked, threshold, plan.written_in, plan.mode, plan.injection):
        ranked = _more_covered(ranked, threshold, plan) or ranked
    if not confident(ranked, threshold, plan.written_in, plan.mode, plan.injection):
        aged = _of_the_age(plan, ranked, catalog, retriever)
        if aged is None:
            return []
        ranked = [aged, *(s for s in ranked if s is not aged)]
    elif not catalog.ages.get(ranked[0].key) and ranked[0].coverage < threshold:
        # 'ho 13 anni, c'è un posto dove stare con altri ragazzi?': an objective serving the age stated, near
        # by meaning, before one that states no age and holds little of the need's words
        aged = _of_the_age(plan, ranked, catalog, retriever)
        if aged is not None:
            ranked = [aged, *(s for s in ranked if s is not aged)]
    top = ranked[0]
    if plan.intent == "guidance" and top.coverage and not retriever.coverage(concepts, top.key, SUBJECT_GROUPS):
        # 'qualcuno porta da mangiare agli anziani soli?': the need's words found only in whom or where the
        # objective serves (its card), none in what it does (title, indicators, status): not this objective
        return []
    keys = [top.key]
    if plan.intent == "guidance":
        keys += _also_serving(plan, ranked, retriever, threshold)
    return catalog.get(keys)


SUBJECT_GROUPS = ("titolo", "indicatori", "stato")  # what an objective does, not whom or where it serves
RUNNERS_UP = 2  # objectives after the first that may be the confident match the first is not


def _more_covered(ranked: list[Scored], threshold: float, plan: Plan) -> list[Scored] | None:
    """The ranking with a runner-up first, when the first is no confident match and the runner-up is:
    it holds more of the topic than the first, and is confident in its place ('il progetto nelle scuole
    medie per spiegare perché si pagano le imposte': words alone put an objective on the schools first,
    the one on taxes at school holds more of the words and is first by meaning)."""
    for i, s in enumerate(ranked[1:RUNNERS_UP + 1], 1):
        reordered = [s, *ranked[:i], *ranked[i + 1:]]
        if s.coverage > ranked[0].coverage and confident(reordered, threshold, plan.written_in, plan.mode,
                                                         plan.injection):
            return reordered
    return None


def _also_serving(plan: Plan, ranked: list[Scored], retriever: Retriever, threshold: float) -> list[str]:
    """Other objectives that serve the same need as the best one ('col computer non ci so fare': the
    'SOS Computer' service and the 'punto digitale'): nearly as much of the need in their own words, or
    words and meaning, two independent rankers, both putting them among the first ``AGREE_RANK``."""
    top = ranked[0]
    meaning = {s.key: s.dense_rank for s in ranked if s.dense_rank is not None} or \
        retriever.dense_ranks(plan.question, [s.key for s in ranked])
    out = []
    for s in ranked[1:AGREE_RANK + 1]:
        near = s.strong >= threshold and s.coverage >= 0.9 * top.coverage
        agreed = s.strong > 0 and (s.lexical_rank or AGREE_RANK + 1) <= AGREE_RANK \
            and meaning.get(s.key, AGREE_RANK + 1) <= AGREE_RANK
        if near or agreed:
            out.append(s.key)
    return out


AGE_DENSE_RANK = 3  # how near by meaning an objective serving the stated age must be to be the answer
AGE_SPECIFIC = 15  # years: a range this narrow names whom an objective serves ('10-20'); 'over 65' or 'minori' do not
_STATED_AGE = re.compile(r"\b(\d{1,3})\s*(?:anni|years? old|ans|anos)\b")


def _of_the_age(plan: Plan, ranked: list[Scored], catalog: Catalog, retriever: Retriever) -> Scored | None:
    """A citizen's need with an age ('ho 15 anni, c'è un posto dove andare il pomeriggio?') and no
    confident link: of the objectives whose card serves that age in a narrow range ('Giovani fascia
    10-20', 'bambini'), the one meaning puts nearest the need, if near; none otherwise (an age alone
    links nothing, and 'over 65' or 'minori' are too wide to tell one objective)."""
    if plan.intent != "guidance" and plan.mode != "citizen":
        return None
    ages = [int(a) for a in _STATED_AGE.findall(norm(plan.question)) if int(a) <= 120]
    if not ages:
        return None
    meaning = {s.key: s.dense_rank for s in ranked if s.dense_rank is not None} or \
        retriever.dense_ranks(plan.question, [s.key for s in ranked])
    serving = [s for s in ranked if meaning.get(s.key, AGE_DENSE_RANK + 1) <= AGE_DENSE_RANK and any(
        low <= age <= high and high - low <= AGE_SPECIFIC for age in ages for low, high in catalog.ages.get(s.key, ()))]
    return min(serving, key=lambda s: meaning[s.key], default=None)


def _amount_of_it(plan: Plan, concepts: list[Concept], retriever: Retriever) -> bool:
    """Whether a follow-up asks an amount of the objective before and nothing else: what it counts is a word
    of the records, and no other word of it is ('quanti in più l'anno prossimo?'; not 'quante biblioteche?');
    or it counts it back with 'ne', whatever the words after ('quanti ne sono risultati non dichiarati?')."""
    if plan.amount is None:
        return False
    if counts_back(plan.normalized, retriever.lexicon):
        return True
    counted = [c for c in concepts if c.word == plan.amount]
    if counted and not retriever.known(counted[0]):
        return False  # counting something the records never name is a new subject
    return not any(retriever.known(c) for c in concepts if c.word != plan.amount)


def far_in_meaning(s: Scored, language: str) -> bool:
    """A partial word match that dense search ranks far down: a word in common, not the same subject."""
    return language == "it" and s.dense_rank is not None and s.dense_rank > DENSE_FAR \
        and s.coverage < DENSE_FAR_COVERAGE


def confident(ranked: list[Scored], threshold: float, language: str = "it", mode: str = "staff",
              strict: bool = False) -> bool:
    """Whether the best-ranked objective is a confident match: most of the topic found in it, or part of
    it found and dense search putting it first, with words alone putting it first too or by a clear
    margin; for a question in another ``language`` than Italian, meaning alone when no word is found.
    ``strict`` (what is left of a question that gave orders): agreement alone is not enough."""
    if not ranked:
        return False
    top = ranked[0]
    if far_in_meaning(top, language):
        return False  # meaning puts it far down: a word in common is not enough ('vigili urbani' ~ 'urbana')
    if language != "it" and not strict and top.dense_rank == 1 and not any(s.coverage for s in ranked) \
            and _dense_margin(top, ranked) >= FOREIGN_MIN_MARGIN:
        return True  # no word of the question in the records (another language): meaning alone links it
    if not strict and top.dense_rank is not None and top.lexical_rank is not None \
            and top.dense_rank + top.lexical_rank <= AGREEMENT and top.coverage >= AGREEMENT_MIN_COVERAGE \
            and (mode == "citizen" or language != "it" or top.lexical_rank == 1) \
            and not any(s.dense_rank == 1 and s.coverage > top.coverage for s in ranked[1:RUNNERS_UP + 1]):
        # an objective named in one's own words (a citizen's need, English words left untranslated; staff's
        # paraphrased title when words put it first): words and meaning, two independent rankers, both put
        # it first or second (unless the one meaning puts first holds more of the words); first by meaning
        # and second by words, staff's question still needs meaning's clear margin (below)
        return True
    if top.coverage >= threshold and (top.strong > 0 or top.dense_rank == 1 or top.dense_rank is None and
                                      top.coverage >= STATUS_ONLY_COVERAGE):
        # a topic found only in an objective's status text is a mention, not its subject: meaning must agree
        return True
    if top.dense_rank != 1 or top.dense_score is None or top.coverage < DENSE_MIN_COVERAGE:
        return False
    if top.lexical_rank == 1 and not strict:
        return True  # words and meaning, two independent rankers, agree on it
    return _dense_margin(top, ranked) >= DENSE_MIN_MARGIN


def _dense_margin(top: Scored, ranked: list[Scored]) -> float:
    """How much nearer by meaning the top objective is than the next one."""
    runner_up = max((s.dense_score for s in ranked[1:] if s.dense_score is not None), default=0.0)
    return (top.dense_score or 0.0) - runner_up


MEASURE_GROUPS = ("indicatori", "stato")  # what an objective measures and reports, not whom it serves
ASKED_COVERAGE = 0.3  # share of what an out-of-scope-looking request asks that the record must state
ASKED_MEASURED = 0.75  # share of an amount's words that one indicator of the objective named must hold


def _measured(plan: Plan, obj: Objective, asked: list[Concept], names_it: bool) -> bool:
    """Whether an amount asked of an objective the question names is what one of its indicators measures
    ('quante ore a settimana il palazzetto è riservato alle associazioni?' and the indicator 'Ore settimanali
    riservate alle associazioni sportive'): an amount of the plan, not of the office."""
    if plan.amount is None or not names_it or not asked or not obj.indicatori:
        return False
    total = sum(c.weight for c in asked)
    return max(rank_rows(obj.indicatori, asked)) >= ASKED_MEASURED * total


def _unmeasured(plan: Plan, targets: list[Objective], retriever: Retriever, lexicon: Lexicon) -> bool:
    """Whether an amount counts a thing that the objective's indicators and status never name, nor any
    synonym of it ('quanti lotti di orto ci sono?' of the objective on the allotments' regulation, 'quanti
    impiegati ha l'ufficio tributi?'; 'quanti cittadini hanno partecipato?' of an objective serving citizens
    whose indicators count meetings): whom it serves or what its title names is not what it measures, so the
    plan does not state the amount ('quanti turisti?' of the visitors counted, 'quanti accordi?' of the
    conventions do)."""
    if not plan.counts_thing or plan.amount is None or not targets or not has_thesaurus():
        return False  # without a thesaurus, a synonym ('quanti turisti?' of the visitors) would be refused
    if plan.amount in lexicon.money_units:  # 'quanti soldi in tutto?': what an amount in euro answers
        euro = next((u.answer_pattern for u in lexicon.unsupported if u.name == "budget"), None)
        return euro is not None and not any(euro.search(t) for o in targets for t in record_strings(o))
    counted = retriever.concepts(plan.amount)
    if not counted:
        return False
    alike = Concept(plan.amount, frozenset(stem(w) for w in synonyms(plan.amount)) | counted[0].stems, 1.0)
    return not any(retriever.coverage([alike], o.key, MEASURE_GROUPS) for o in targets)


def _unsupported(plan: Plan, targets: list[Objective], retriever: Retriever, lexicon: Lexicon) -> Evidence:
    """A request the records do not usually answer (budget, contacts, opening hours, a company...):
    answered only when the objective it is about states text of the form of its answer ('3 giorni a
    settimana' for opening days, a company name for 'quale ditta') and the question's other words, or
    when an amount is asked that one of its indicators measures; else refused, with the objective as the
    nearest one."""
    rule = next(u for u in lexicon.unsupported if u.name == plan.unsupported)
    if rule.answer_pattern is not None:
        for obj in targets[:1]:
            concepts = retriever.concepts(plan.normalized)
            asked = _beyond_title(obj, concepts)
            status = [s for s in sentences(field_text(obj, "stato_attuazione") or "") if rule.answer_pattern.search(s)]
            if status:  # text of the answer's form in the status: quoted
                # asked besides ('chi lo segue e...'); not the places of an amount the status is quoted for
                others = [f for f in plan.fields if f != "stato_attuazione" and not (
                    plan.amount is not None and f in AMOUNT_FIELDS)]
                return Evidence(kind="field", objectives=[obj], fields=[*others, "stato_attuazione"],
                                passages={obj.key: {"stato_attuazione": status[:3]}})
            if (not asked or retriever.coverage(asked, obj.key) >= ASKED_COVERAGE) and any(
                    rule.answer_pattern.search(text) for text in record_strings(obj)) or _measured(
                    plan, obj, asked, len(asked) < len(concepts)):
                return _about(plan.model_copy(update={"intent": "describe", "unsupported": None}), [obj],
                              retriever.concepts(plan.filters.text or "", plan.context_words), lexicon)
    label = rule.label.get(plan.language, rule.label["it"])
    return _refuse("unsupported", label, targets[:3])


def _states_none(targets: list[Objective], fields: list[str], years: list[int]) -> bool:
    """Whether the objectives leave every one of these fields empty (on their cards, and on the indicator
    rows of these years)."""
    return bool(fields) and not any(has_field(o, f, y) for o in targets for f in fields for y in years or [None])


def _about(plan: Plan, targets: list[Objective], concepts: list[Concept], lexicon: Lexicon) -> Evidence:
    fields = list(plan.fields) or (["target"] if plan.intent == "compare_years" else [])
    years = plan.years if plan.intent in ("field", "compare_years") else []
    if plan.mode == "citizen" and plan.intent == "field" and plan.amount is None and \
            (plan.confidence or 0.0) < CITIZEN_UNSURE and _states_none(targets, [f for f in fields if f != "stato_attuazione"], years):
        # a citizen's need read as fields the card never states ('quando chiude la scuola non so dove lasciare
        # i bambini' as its deadline and staff): the plain answer to the need (with what has been done),
        # not a list of empty fields
        plan = plan.model_copy(update={"intent": "guidance", "fields": []})
        fields, years = [], []
    if plan.amount is not None and _states_none(targets, fields, years):
        fields = list(AMOUNT_FIELDS)  # 'quanti ... a metà anno?' where no midway target is set: the target
    if plan.amount is not None:  # of the places an amount is stated, those the objective fills
        fields = [f for f in fields if f not in AMOUNT_FIELDS or not _states_none(targets, [f], [])] or fields
    elif "stato_attuazione" not in fields and any(f in REPORTED_IN_STATUS for f in fields) \
            and _states_none(targets, [f for f in fields if f in REPORTED_IN_STATUS], years):
        fields.append("stato_attuazione")  # 'risultato 2025?' where no row states it: what the status reports
        plan = plan.model_copy(update={"fields": fields})
    ev = Evidence(kind=plan.intent, objectives=targets, fields=fields)
    indicator_asked = plan.intent == "compare_years" or any(f in ROW_FIELDS for f in fields)
    for obj in targets:
        if years and indicator_asked and obj.indicatori:
            missing = [y for y in years if y not in obj.anni]
            if len(missing) == len(years):
                return _refuse("year", ", ".join(str(y) for y in years), targets)
            ev.missing_years = missing
        ev.rows[obj.key] = _rows(obj, years, concepts, fields, plan.intent)
        ev.passages[obj.key], fallback = _passages(obj, plan, concepts, lexicon)
        ev.status_fallback = ev.status_fallback or fallback
    return ev




def _rows(obj: Objective, years: list[int], concepts: list[Concept], fields: list[str], intent: str,
          ) -> list[Indicator]:
    rows = [r for r in obj.indicatori if not years or r.anno in years]
    # rows of a field asked are told apart by what is asked beyond the objective's name ('che target ha il
    # SUE?': the indicator naming the SUE is not the only one); a need's rows are those about it
    concepts = concepts if intent == "guidance" else _beyond_title(obj, concepts)
    found = row_matches(rows, concepts)
    scores = row_weights(found, concepts)
    best = max(scores, default=0.0)
    if intent in ("guidance",) and best == 0:
        return []
    if best > 0 and intent != "describe":
        # the best rows, and any row holding a word of the question none of them holds ('legalità e
        # sostenibilità': one indicator each)
        held = frozenset().union(*(f for f, s in zip(found, scores, strict=True) if s >= 0.5 * best))
        kept = [s >= 0.5 * best or bool(f - held) for f, s in zip(found, scores, strict=True)]
        for year in years if len(years) >= 2 else []:
            # every year asked keeps its best rows ('il target del 2023 e quello del 2024': the 2024
            # indicator need not repeat the words of the 2023 one)
            of_year = [i for i, r in enumerate(rows) if r.anno == year]
            if of_year and not any(kept[i] for i in of_year):
                top = max(scores[i] for i in of_year)
                for i in of_year:
                    kept[i] = kept[i] or scores[i] == top
        rows = [r for r, k in zip(rows, kept, strict=True) if k]
    asked = [f for f in fields if f in ROW_FIELDS]
    if asked and intent != "compare_years":
        with_value = [r for r in rows if any(getattr(r, f) for f in asked)]
        rows = with_value or rows
    return rows


def _passages(obj: Objective, plan: Plan, concepts: list[Concept], lexicon: Lexicon,
              ) -> tuple[dict[str, list[str]], bool]:
    """Field -> the sentences to quote, and whether the status is quoted only because asked fields are
    empty (what the plan says instead, not the answer)."""
    out: dict[str, list[str]] = {}
    fallback = False
    status = field_text(obj, "stato_attuazione")
    if status and (plan.intent in ("status", "describe", "guidance") or "stato_attuazione" in plan.fields):
        if plan.intent == "guidance":
            out["stato_attuazione"] = best_sentences(status, concepts, 2) or sentences(status)[:1]
        elif len(status) <= LONG_TEXT:
            out["stato_attuazione"] = [status]
        else:
            # what is asked beyond the objective's name decides ('notte bianca: data e presenze?'); when
            # none of it is found in other words, the status is quoted whole up to twice the length
            asked = _beyond_title(obj, concepts)
            found = best_sentences(status, asked, 3) if asked else []
            if asked and not found and len(status) <= 2 * LONG_TEXT:
                found = [status]
            out["stato_attuazione"] = found or best_sentences(status, concepts, 3) or sentences(status)[:3]
    for name in plan.fields:
        text = field_text(obj, name)
        if name != "stato_attuazione" and text:
            out[name] = [text]
    if status and plan.intent == "field" and "scadenza" in plan.fields and "stato_attuazione" not in out:
        # 'quando esce il bando?': beside the deadline planned, what the status says of when ('in previsione
        # nel secondo semestre 2023', 'approvato il 27/04/2023'): its sentences that date something
        dated = [s for s in sentences(status) if parse_deadline(s, lexicon)]
        if dated:
            out["stato_attuazione"] = [s for s in dated if s in best_sentences(" ".join(dated), concepts, 2)] \
                or dated[:2]
    if status and plan.intent == "field" and "stato_attuazione" not in out:
        # the status may say what is asked in words other than the objective's own ('con quale delibera
        # è stato approvato?' -> 'approvato con delibera n. 36 del 27/04/2023'): its sentences that do
        asked = _beyond_title(obj, concepts)
        found = best_sentences(status, asked, 2) if asked else []
        if not found and not all(has_field(obj, f) for f in plan.fields):
            # something asked is not on the card ('a chi è stata data la concessione?' read as its addressees):
            # what the status says on the topic may answer it ('Concessione affidata ... all'ASD ...')
            found = best_sentences(status, concepts, 2) or ([status] if len(status) <= LONG_TEXT else [])
            fallback = bool(found)
        if found:
            out["stato_attuazione"] = found
    return out, fallback


def _beyond_title(obj: Objective, concepts: list[Concept]) -> list[Concept]:
    """The topic's words that the objective's title does not hold: what is asked of it."""
    title = {stem(t) for t in tokens(obj.titolo)}
    return [c for c in concepts if not (c.stems & title)]


def _aggregate(plan: Plan, catalog: Catalog, retriever: Retriever,
               subset: list[Objective] | None = None) -> Evidence:
    role_only = False
    if subset is not None:
        records = subset
    else:
        within = plan.objective_keys if plan.followup else None
        records = filter_records(catalog, plan.filters, within)
        role_only = not records and "responsabile" in plan.filters.missing
        if role_only:
            # no objective without a responsabile: the question is about those whose responsabile names no
            # person, only a role ('non hanno un responsabile nominativo, solo il ruolo')
            named = plan.filters.model_copy(update={"missing": [m for m in plan.filters.missing if m != "responsabile"]})
            records = [o for o in filter_records(catalog, named, within) if not names_a_person(o.responsabile)]
        if plan.filters.destinatari and not records:
            # no record names all the words: those naming any of them or of their synonyms (never all records)
            wider = filter_records(catalog, plan.filters.model_copy(update={"destinatari": None}), within)
            # (a word of a sentence before the question says who asks, not for whom: 'a casalgrande')
            own = [w for w in tokens(plan.filters.destinatari) if w not in plan.context_words]
            words = " ".join([*own, *plan.expanded_terms])
            records = [o for o in wider if shares_words(o.destinatari, words, retriever.lexicon.stopwords)]
        filtered = records
        records = _by_topic(plan, records, retriever)
        if plan.followup and not records and (_structured(plan.filters) or plan.filters.text):
            # 'e quanti sono quelli con il PNRR?' when none of the objectives before is: the whole plan's,
            # said to be so (a new question is not lost in the previous answer)
            wide = _aggregate(plan.model_copy(update={"followup": False, "objective_keys": []}), catalog, retriever)
            if wide.kind != "refusal" and wide.objectives:
                wide.widened = True
                return wide
        if filtered and not records and not _structured(plan.filters):
            if plan.intent == "list" and not plan.names_set and not plan.followup:
                # 'le strade piene di buche: il Comune le sistema?' asks about one objective, not a list
                one = "guidance" if plan.mode == "citizen" else "describe"
                return gather(plan.model_copy(update={"intent": one}), catalog, retriever, retriever.lexicon)
            # nothing in the plan is about the asked topic ('gli obiettivi della polizia municipale')
            return _prose(plan, [], retriever) or _refuse("topic", _echo(plan), _suggest(plan, catalog, retriever))
        if len(records) == 1 and plan.intent in ("list", "count") and not _structured(plan.filters, year=False) \
                and not plan.followup and _covers(plan, records[0], retriever):
            # one objective is about the topic: its summary answers better than a one-line list, or the
            # fields asked of it when no objectives were asked for ('che target ha il SUE per il 2026?')
            one = "field" if plan.intent == "list" and plan.fields and not plan.names_set else "describe"
            return _about(plan.model_copy(update={"intent": one}), records,
                          retriever.concepts(plan.filters.text or "", plan.context_words), retriever.lexicon)
    year = plan.filters.anno or default_year(records)
    ev = Evidence(kind=plan.intent, objectives=records, fields=list(plan.fields), year=year,
                  role_only=subset is None and role_only and bool(records))
    if subset is None and REPORTED_IN_STATUS & {*plan.filters.missing, *plan.filters.present}:
        ev.judged_year = catalog.judged_year(plan.filters.anno)
    if ev.judged_year is not None:  # each target's value as the status reports it, and who cannot be judged
        ev.year = ev.judged_year
        ev.assessed = {o.key: catalog.assessments(o, ev.judged_year) or [] for o in records}
        left = unjudged(catalog, plan.filters, plan.objective_keys if plan.followup else None)
        ev.unjudged = _by_topic(plan, left, retriever) if left and plan.filters.text else left
    entes = list(dict.fromkeys(o.ente or "-" for o in records))
    if plan.intent in ("sum", "max") and plan.scope_all and len(entes) > 1:
        # weights of different entities never add up or compete: one result per entity
        for ente in entes:
            sub = _aggregate(plan.model_copy(update={"scope_all": False}), catalog, retriever,
                             [o for o in records if (o.ente or "-") == ente])
            ev.per_ente.append((ente, sub))
        ev.objectives = [o for _, sub in ev.per_ente for o in sub.objectives]
        return ev
    if plan.intent == "sum" and plan.group_by:
        ev.groups = group_records(records, plan.group_by)
    elif plan.intent == "sum":
        ev.total = sum_weights(records, year)
    if plan.intent == "max":
        ev.objectives = extreme_weight(records, year, plan.direction or "max", plan.top_n)
    if plan.intent == "rank":
        ev.groups = group_records(records, plan.group_by or "responsabile")
    for obj in ev.objectives:
        ev.rows[obj.key] = weight_rows(obj, year)[1]
    if not ev.objectives and plan.intent != "count" and not plan.filters.quoted:
        # (a phrase no record writes is a plain answer: none)
        ev.suggestions = _suggest(plan, catalog, retriever)
    return ev


ECHO_MAX_WORDS = 8
SUMMARY_COVERAGE = 0.75  # a one-objective list is answered with its summary when it covers this much of the topic


def _covers(plan: Plan, obj: Objective, retriever: Retriever) -> bool:
    """Whether one objective is what a list asked about: most of its topic, or half of it with meaning
    putting it first among all the records."""
    found = retriever.search(plan.filters.text or "", None, plan.question, plan.context_words)
    top = next((s for s in found if s.key == obj.key), None)
    return top is not None and (top.coverage >= SUMMARY_COVERAGE or (
        top.coverage >= LIST_COVERAGE and top.dense_rank == 1 and not plan.injection))


def _echo(plan: Plan) -> str:
    """The asked topic, repeated in a refusal only when short and plain (never dictated text)."""
    topic = " ".join((plan.filters.text or "").replace("?", " ").split())
    return topic if topic and not plan.injection and len(topic.split()) <= ECHO_MAX_WORDS else "…"


def _structured(f: Filters, year: bool = True) -> bool:
    """Whether a list has filters besides its topic (a sector, a person, a weight, a field filled or empty...,
    the year unless ``year`` is false)."""
    return any((f.settore, f.classificazione, f.responsabile, f.pnrr, f.destinatari, f.scadenza_da, f.missing,
                f.present, f.quoted, f.peso is not None, f.indicatori is not None, year and f.anno))


def _by_topic(plan: Plan, records: list[Objective], retriever: Retriever) -> list[Objective]:
    """Records restricted to a topic ('obiettivi sulla biblioteca'): title, indicators or card must
    cover it; a topic that matches none of the filtered records is ignored when filters were given."""
    topic = plan.filters.text or ""
    concepts = retriever.concepts(topic, plan.context_words)
    if plan.filters.destinatari or not concepts:
        return records
    if _structured(plan.filters) and all(c.word in plan.context_words for c in concepts):
        return records  # only the words of a preamble ('ufficio personale: gli ob. dell'area tecnica?')
    ranked = [s for s in retriever.search(topic, [o.key for o in records], plan.question, plan.context_words)
              if not far_in_meaning(s, plan.written_in)]
    best = max((s.strong for s in ranked), default=0.0)
    if best < LIST_COVERAGE:
        # a topic no record covers: the other filters decide; a maximum, sum or ranking keeps its scope
        keep = _structured(plan.filters) or plan.followup or plan.intent in ("max", "sum", "rank")
        return records if keep else []
    keep = {s.key for s in ranked if s.strong >= max(LIST_COVERAGE, 0.75 * best)}
    return [o for o in records if o.key in keep]
