"""A question that asks two things ('di quanti obiettivi risponde e quanto pesano in totale?'): its clauses.

A clause starts at a conjunction (or a comma) followed by a question word, optionally after a
preposition ('e con quale peso?'); each side must keep a few words. Whether the two clauses are
answered apart is decided on their plans (``assistant.engine``), not here.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from assistant.catalog import AMOUNT_FIELDS
from assistant.lexicon import Lexicon
from assistant.types import Plan
from assistant.understanding.plan import content_words
from ingest.text import norm, strip_accents

QUESTION_WORDS = ("quant[oaie]", "qual[ei]?", "chi", "quando", "come", "cosa", "che", "dove", "perch[eé]",
                  "how", "what", "who", "which", "when", "where")
PREPOSITIONS = ("con", "di", "in", "a", "per", "da", "su", "entro", "with", "by", "for")
_JOIN = re.compile(
    r"(?:\s*,\s*(?:e|ed|and)?|\s+(?:e|ed|and))\s+(?=(?:[\w']+\s+){0,2}?(?:(?:" + "|".join(PREPOSITIONS)
    + r")\s+)?(?:" + "|".join(QUESTION_WORDS) + r")\b)", re.IGNORECASE)  # 'e dimmi qual è', 'e con quale'

MIN_WORDS = 2


def clauses(question: str, names: Iterable[str] = ()) -> list[str]:
    """The question's two clauses, or the question alone when it asks one thing. ``names``: stored values
    a question may write in full ('Area Scuola, Sport e Turismo'); no clause starts inside one."""
    low = strip_accents(question).lower()
    inside = [(m.start(), m.end()) for name in names
              for m in re.finditer(re.escape(strip_accents(name).lower()), low)]
    for m in _JOIN.finditer(question):
        if any(a <= m.start() < b for a, b in inside):
            continue
        first, second = question[:m.start()].strip(" ,;:"), question[m.end():].strip()
        if len(first.split()) >= MIN_WORDS + 1 and len(second.split()) >= MIN_WORDS:
            if not first.endswith("?"):
                first += "?"
            return [first, second[0].upper() + second[1:]]
    return [question]


SETS = ("list", "count", "sum", "max", "rank")  # intents answered on a set of objectives


def asks_apart(first: Plan, second: Plan) -> bool:
    """Whether two clauses ask different things of one set of objectives: the first asks for a set
    (objectives named as such, or filtered by a person, a sector...) and the second something else of
    it (its total weight, its heaviest, its status), or asks again ('quanti in tutto e quanti con il
    PNRR?'). Two clauses asking fields of one objective are one question with several fields; a
    clause going on with 'che' ('che riguardano lo sport e che hanno il PNRR') adds a filter."""
    if first.intent not in SETS or first.intent == "rank" or second.intent == "unknown":
        return False  # a ranking's set is its groups, not objectives
    if not _names_objectives(first):
        return False  # 'quanti bambini al massimo nel 2025 e quanti nel 2026?': amounts of one objective
    if second.intent == first.intent or {first.intent, second.intent} <= {"list", "count"}:
        # a list and a list, or a count (one read as the other): apart only when asked again
        return _ASKS_AGAIN.match(norm(second.question)) is not None and _names_objectives(second)
    if norm(second.question).startswith(("che ", "which ", "that ")) and second.intent not in SETS \
            and _names_objectives(second):
        return False  # 'obiettivi che riguardano lo sport e che hanno il PNRR': one more filter of the set
    return second.intent not in ("list", "count") or _names_objectives(second)


_ASKS_AGAIN = re.compile(r"(?:quant[oaie]|qual[ei]?|how many|which)\b")


def _names_objectives(plan: Plan) -> bool:
    f = plan.filters
    return plan.names_set or any(
        (f.settore, f.responsabile, f.classificazione, f.pnrr is not None, f.missing, f.present, f.peso is not None,
         f.indicatori is not None))


def about_first(second: Plan, first: Plan, keys: list[str], lexicon: Lexicon, vocabulary: Collection[str]) -> Plan:
    """The second clause about what the first found, unless it names something of its own: a person,
    a sector... or words the records use ('e a che punto sono arrivati?' names nothing)."""
    f = second.filters
    own = [w for w in content_words(f.text or "", lexicon) if w in vocabulary] or any((f.settore, f.responsabile, f.classificazione,
                                                       f.destinatari, f.pnrr is not None))
    if own or not keys:
        return second
    return second.model_copy(update={"followup": True, "objective_keys": list(keys),
                                     "filters": f.model_copy(update={"documenti": first.filters.documenti, "text": None})})


ONE = ("field", "status", "describe", "compare_years")  # intents answered about one objective


def joined_set(whole: Plan, first: Plan, second: Plan) -> Plan:
    """The whole question's plan asking for the set one clause asks for, when the whole reading took it
    as one objective's field while naming a sector, a person or a class: 'chi guida il settore Entrate
    e quanti obiettivi ha?' lists the sector's objectives, each line with its responsabile."""
    f = whole.filters
    if whole.intent not in ONE or not (f.settore or f.responsabile or f.classificazione):
        return whole
    for clause in (first, second):
        if clause.intent in ("list", "count") and clause.names_set:
            return whole.model_copy(update={"intent": clause.intent, "fields": []})
    return whole


def joined_fields(whole: Plan, first: Plan, second: Plan) -> Plan:
    """The whole question's plan asking every field its two clauses ask of one objective: a clause read
    alone may ask what the whole question's reading missed ('chi segue il SUE e quanto tempo serviva in
    media nel 2025?': the person, and the status; 'quando chiude la graduatoria e quanti posti ci
    sono?': the deadline, and the amount). A summary already holds them; a clause asking for a set
    leaves the question as read."""
    if whole.intent not in ONE or whole.intent == "describe":
        return whole
    read = []
    for clause in (first, second):
        if clause.intent in ONE:
            read.append(list(clause.fields))
        elif clause.intent == "count" and clause.amount and not _names_objectives(clause):
            read.append(list(AMOUNT_FIELDS))  # 'quanti posti ci sono?': an amount of the objective, not a count
        else:
            return whole
    asked = list(whole.fields)
    for own, other in ((read[0], read[1]), (read[1], read[0])):
        if not [f for f in whole.fields if f not in other]:
            # the whole reading holds nothing the other clause does not ask: this clause was missed
            asked += [f for f in own if f not in asked]
    if asked == whole.fields:
        return whole
    intent = "compare_years" if whole.intent == "compare_years" else "field"
    return whole.model_copy(update={"fields": asked, "intent": intent})
