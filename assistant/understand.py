"""Understanding: a question (and the plan of the previous turn) -> a query Plan.

Normalise, strip injected instructions, translate English words, correct typos against the
records' vocabulary, link entities, detect the fields and the intent, keep the rest as the topic.
"""
from __future__ import annotations

import re

from assistant.catalog import Catalog
from assistant.dates import question_range, question_years
from assistant.lexicon import Lexicon
from assistant.linking import link_all, mask
from assistant.normalize import norm, proper_names, tokens
from assistant.scope import ScopeLinks, asked_dates, resolve
from assistant.types import Filters, Mode, Plan

LIST_INTENTS = ("list", "count", "sum", "max", "rank")
_STRONG_ANAPHORA = re.compile(r"\b(?:questi|queste|quelli|quelle|loro|these|those|them)\b")


def detect_language(text: str, lexicon: Lexicon) -> str:
    """'en' when two or more English marker words occur and outnumber Italian stop words."""
    words = tokens(text)
    en = sum(1 for w in words if w in lexicon.english_markers)
    it = sum(1 for w in words if w in lexicon.stopwords and w not in lexicon.english_markers)
    return "en" if en >= 2 and en > it else "it"


def translate(text: str, lexicon: Lexicon) -> str:
    """English words and phrases replaced by their Italian equivalents."""
    return lexicon.english_pattern.sub(lambda m: lexicon.english[m.group()], text)


def topic_text(text: str, lexicon: Lexicon) -> str:
    """What is left of a question once cue phrases, years and month names are removed."""
    for pat in [*lexicon.fields.values(), *lexicon.intents.values(), *(u.cues for u in lexicon.unsupported),
                lexicon.deadline_cues, lexicon.month_pattern, lexicon.classification_cues]:
        text = pat.sub(" ", text)
    text = re.sub(r"(?<![\d.,/])20\d{2}(?![\d.,/]\d)", " ", text)
    return " ".join(text.split())


def content_words(text: str, lexicon: Lexicon) -> list[str]:
    """The topic words that carry meaning (no stop words, fillers or bare numbers)."""
    return [w for w in tokens(text) if w not in lexicon.stopwords and not w.isdigit() and len(w) > 1]


def expansions(text: str, lexicon: Lexicon) -> list[str]:
    """Lexicon terms added by the synonym variants found in a text."""
    out: list[str] = []
    for m in lexicon.synonym_pattern.finditer(text):
        for i in lexicon.synonym_index[m.group()]:
            out.extend(t for t in lexicon.synonyms[i].terms if t not in out)
    return out


def _intent(intents: set[str], fields: list[str], years: list[int], has_filter: bool, has_topic: bool,
            mode: Mode) -> tuple[str, str | None]:
    if "rank" in intents:
        return "rank", None
    if "count" in intents:
        return "count", None
    if "sum" in intents:
        return "sum", None
    if "max" in intents or "min" in intents:
        return "max", "max" if "max" in intents else "min"
    if "list" in intents or (has_filter and not has_topic and not fields):
        return "list", None
    if "compare_years" in intents or len(years) >= 2:
        return "compare_years", None
    if fields == ["stato_attuazione"]:
        return "status", None
    if fields:
        return "field", None
    if "describe" in intents:
        return "describe", None
    if mode == "citizen" or "guidance" in intents:
        return "guidance", None
    return "describe", None


_CLAUSE = re.compile(r"[^.?!;()\[\]]+[.?!;)\]]*|[.?!;()\[\]]+")


def asked_fields(text: str, lexicon: Lexicon) -> list[str]:
    """The fields a question names; a cue inside a longer cue of another field does not count
    ('target intermedio' asks for target_intermedio, not also for target)."""
    spans = {f: [m.span() for m in pat.finditer(text)] for f, pat in lexicon.fields.items()}
    spans = {f: s for f, s in spans.items() if s}

    def inside(f: str, span: tuple[int, int]) -> bool:
        return any(g != f and a <= span[0] and span[1] <= b and (b - a) > (span[1] - span[0])
                   for g, other in spans.items() for a, b in other)

    asked = [f for f, found in spans.items() if not all(inside(f, span) for span in found)]
    strong = [f for f in asked if any(text[a:b] not in lexicon.weak_field_cues for a, b in spans[f])]
    return strong or asked


MISSING_GAP = 30  # at most this many characters between "senza"/"non hanno" and the field it negates
_WEIGHT_VALUE = re.compile(r"^\D{0,20}?(?<![\d.,/])(\d{1,3}(?:[.,]\d+)?)(?![\d.,/]\d)\s*(%|per ?cento)?")


def missing_fields(text: str, lexicon: Lexicon) -> list[str]:
    """Fields a list question asks to be empty: a missing cue shortly before the field's cue."""
    cues = [m.end() for m in lexicon.missing_cues.finditer(text)]
    out = []
    for name, pat in lexicon.fields.items():
        if any(0 <= m.start() - end <= MISSING_GAP for m in pat.finditer(text) for end in cues):
            out.append(name)
    return out


def asked_weight(text: str, lexicon: Lexicon) -> float | None:
    """'obiettivi con peso 30%', 'che pesano 40': the weight a list question filters on."""
    for m in lexicon.fields["peso"].finditer(text) if "peso" in lexicon.fields else []:
        value = _WEIGHT_VALUE.match(text[m.end():])
        if value and value.group(1) and float(value.group(1).replace(",", ".")) <= 100:
            return float(value.group(1).replace(",", "."))
    return None


def without_payload(question: str, lexicon: Lexicon) -> str:
    """The question (original or normalised) without the clauses that carry an attacker's payload."""
    return " ".join(c for c in _CLAUSE.findall(question) if not lexicon.injection_payload.search(norm(c)))


def strip_injection(text: str, lexicon: Lexicon) -> tuple[str, bool]:
    """The question without manipulation: payload clauses dropped whole, other cue phrases removed.

    If nothing but the manipulation is left, only the cue phrases go (the rest may be the question).
    """
    payload, cues = lexicon.injection_payload, lexicon.injection
    if not (payload.search(text) or cues.search(text)):
        return text, False
    kept = without_payload(text, lexicon)
    if not re.search(r"[a-z0-9]", cues.sub(" ", kept)):
        kept = payload.sub(" ", text)
    return " ".join(cues.sub(" ", kept).split()), True


def understand(question: str, catalog: Catalog, lexicon: Lexicon, mode: Mode = "staff",
               previous: Plan | None = None, context: list[str] | None = None,
               default_ente: str | None = None) -> Plan:
    """Plan one question; ``previous``/``context`` are the plan and the objectives of the turn before;
    ``default_ente`` is the entity answered about when several are loaded and none is named."""
    text = norm(question)
    language = detect_language(text, lexicon)
    text, injection = strip_injection(text, lexicon)
    if language == "en":
        text = translate(text, lexicon)
    text = catalog.speller.correct_text(text, keep=proper_names(question), names=catalog.name_words)
    dates = asked_dates(text)
    scope_links = catalog.plans.link(text)
    text = mask(text, scope_links.spans)
    links = link_all(text, without_payload(question, lexicon) if injection else question, catalog, lexicon)
    years = question_years(text)
    masked = mask(text, links.spans)
    unsupported = next((u.name for u in lexicon.unsupported if u.cues.search(masked)), None)
    fields = asked_fields(masked, lexicon)
    intents = {k for k, pat in lexicon.intents.items() if pat.search(masked)}
    topic = topic_text(masked, lexicon)
    content = content_words(topic, lexicon)
    has_filter = bool(links.settore or links.persons or links.classificazione or links.unknown)
    followup = _is_followup(text, context, has_filter, bool(content), lexicon)
    if followup and previous and not fields and not (intents - {"guidance"}) and previous.intent in (
            "field", "status", "compare_years"):
        fields = list(previous.fields)
    intent, direction = _intent(intents, fields, years, has_filter or ("pnrr" in fields and not content),
                                bool(content), mode)
    if unsupported:
        intent = "unknown"
    filters = _filters(text, intent, fields, years, links, content, topic, catalog, lexicon)
    filters.documenti, ambiguous, unknown_plan = _scope(scope_links, catalog, default_ente, previous)
    group_by = next((g for g, pat in lexicon.rank_by.items() if pat.search(masked)), "responsabile") \
        if intent == "rank" else None
    if intent == "rank":
        direction = "min" if lexicon.rank_fewest.search(text) else "max"
    if intent == "compare_years" and len(years) == 2:  # 'tra il 2023 e il 2025': the years between too
        years = list(range(min(years), max(years) + 1))
    # no entity named among several: lists, counts, sums and maxima give each entity's, never mixed
    scope_all = scope_links.all_entities or (bool(ambiguous) and intent in ("list", "count", "sum", "max"))
    return Plan(scope_all=scope_all, scope_ambiguous=ambiguous, group_by=group_by, unknown_plan=unknown_plan,
                asked_dates=dates,question=question, normalized=text, language=language, mode=mode, intent=intent,
                fields=fields, years=years, filters=filters,
                objective_keys=list(context or []) if followup else [],
                expanded_terms=expansions(topic, lexicon), injection=injection, direction=direction,
                unsupported=unsupported, unknown_entities=links.unknown, followup=followup)


def _scope(links: ScopeLinks, catalog: Catalog, default_ente: str | None,
           previous: Plan | None) -> tuple[list[str] | None, list[str], str | None]:
    """The documents in scope: as named, else as in the previous turn, else the default."""
    if previous is not None and not (links.ente or links.periodo or links.all_entities or links.unknown_plan):
        return previous.filters.documenti, previous.scope_ambiguous, previous.unknown_plan
    scope = resolve(links, catalog.plans, default_ente)
    return scope.documenti, scope.ambiguous, scope.unknown_plan


def _is_followup(text: str, context: list[str] | None, has_filter: bool, has_topic: bool,
                 lexicon: Lexicon) -> bool:
    if not context:
        return False
    if _STRONG_ANAPHORA.search(text):
        return True
    if has_filter:
        return False
    if lexicon.followup_leading.match(text) or lexicon.followup_anaphora.search(text):
        return True
    return not has_topic


def _filters(text: str, intent: str, fields: list[str], years: list[int], links, content: list[str],
             topic: str, catalog: Catalog, lexicon: Lexicon) -> Filters:
    filters = Filters(settore=links.settore, classificazione=links.classificazione,
                      responsabile=links.persons[0] if links.persons else None, text=topic or None)
    if intent in LIST_INTENTS:
        filters.missing = missing_fields(text, lexicon)
        filters.peso = asked_weight(text, lexicon)
    if "pnrr" in fields and "pnrr" not in filters.missing and (intent in LIST_INTENTS or not content):
        filters.pnrr = True
    if len(years) == 1:
        filters.anno = years[0]
    if intent in LIST_INTENTS and (lexicon.deadline_cues.search(text) or lexicon.month_pattern.search(text)):
        rng = question_range(text, lexicon, catalog.years[0] if catalog.years else None)
        if rng:
            filters.scadenza_da, filters.scadenza_a = rng[0].isoformat(), rng[1].isoformat()
            filters.anno = None
    if intent in LIST_INTENTS and "destinatari" in fields and content:
        filters.destinatari = " ".join(content)
    return filters
