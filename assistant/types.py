"""Data types of the assistant: the query plan, the evidence and the answer."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Mode = Literal["staff", "citizen"]
Language = Literal["it", "en"]
Intent = Literal[
    "field",  # one or more fields of one objective (responsabile, target, peso, ...)
    "status",  # stato di attuazione
    "list",  # filtered list of objectives
    "count",  # how many
    "sum",  # sum of weights
    "max",  # max/min of a numeric field
    "rank",  # objectives counted per person / sector / classification
    "compare_years",  # a field year by year
    "describe",  # tell me about objective X
    "guidance",  # citizen: where/how
    "unknown",  # the plan does not say
]


class Message(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str


TargetForm = Literal["percentuale", "importo", "numero", "scadenza"]


class Filters(BaseModel):
    """Exact filters linked from the question to stored values."""

    documento: str | None = None
    documenti: list[str] | None = None  # the documents in scope (None: every loaded document)
    ente: str | None = None
    settore: str | None = None
    altri_settori: list[str] = Field(default_factory=list)  # more sectors named ('tecnica e finanziaria'): any of them
    settore_escluso: bool = False  # the sector is the one left out ('tranne quelli dei lavori pubblici')
    classificazione: str | None = None
    classificazione_esclusa: bool = False  # the class is the one left out ('che non rientrano nella classe X')
    responsabile: str | None = None
    altri_responsabili: list[str] = Field(default_factory=list)  # more people named ('Landini e Morandini'): any of them
    pnrr: bool | None = None
    anno: int | None = None
    scadenza_da: str | None = None  # ISO date
    scadenza_a: str | None = None
    destinatari: str | None = None
    peso: float | None = None  # objectives with this weight (in %), in the year if one is given
    peso_op: Literal["eq", "ge", "gt", "le", "lt", "ne", "between"] = "eq"  # 'almeno il 40%' ge, 'più del 40%' gt,
    # 'non oltre il 20%' le, 'che non pesano il 30%' ne, 'tra il 20 e il 30%' between (``peso`` to ``peso_max``)
    peso_max: float | None = None
    indicatori: int | None = None  # objectives measured by this many distinct indicators ('un solo indicatore')
    indicatori_op: Literal["eq", "ge", "gt", "le", "lt"] = "eq"
    missing: list[str] = Field(default_factory=list)  # fields that must be empty ("senza stato di attuazione")
    missing_in_some: bool = False  # an indicator field empty on some indicator, not all ('almeno un indicatore senza')
    present: list[str] = Field(default_factory=list)  # fields that must be filled ("con uno stato")
    quoted: str | None = None  # a phrase the question quotes ("solo 'in corso di realizzazione'"): records writing it
    quoted_in: list[str] = Field(default_factory=list)  # the fields it must be written in ('nello stato'), if named
    quoted_any: list[str] = Field(default_factory=list)  # phrases sought as alternatives ('digitale o online'): any
    target_forma: TargetForm | None = None  # targets written in that form ('target in percentuale')
    target_valore: str | None = None  # a target's value with its unit, if said ('100%', '6 km', '600')
    target_tutti: bool = False  # every target (of the year) so, not one ('esclusivamente in percentuale')
    text: str | None = None


class Plan(BaseModel):
    """What the understanding step decided the question asks."""

    question: str
    normalized: str
    language: Language = "it"  # of the answer
    written_in: str = "it"  # the question's language: 'it', 'en', 'es', 'fr', 'de'
    mode: Mode = "staff"
    intent: Intent = "describe"
    fields: list[str] = Field(default_factory=list)  # schema field names asked for
    years: list[int] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)
    objective_keys: list[str] = Field(default_factory=list)  # resolved from the question or history
    expanded_terms: list[str] = Field(default_factory=list)  # lexicon expansions
    injection: bool = False
    direction: Literal["max", "min"] | None = None  # for intents "max" and "rank"
    top_n: int | None = None  # for intent "max": the N heaviest (lightest) instead of the ties at the extreme
    average: bool = False  # for intent "sum": the mean weight per objective, beside the total
    confidence: float | None = None  # the question model's score for the intent
    context_words: list[str] = Field(default_factory=list)  # words only in the context before the question
    group_by: Literal["responsabile", "settore", "classificazione"] | None = None  # for intent "rank"
    unsupported: str | None = None  # a request the records cannot answer (lexicon 'unsupported' name)
    unknown_entities: list[str] = Field(default_factory=list)  # names that match no stored value
    unnamed_role: str | None = None  # a role asked ('chi è il presidente del nucleo?') that no record names
    followup: bool = False  # resolved against the previous turn's objectives (objective_keys)
    names_set: bool = False  # the question calls objectives by a noun ('quali obiettivi', 'le schede')
    scope_all: bool = False  # the question asks about every entity ("in tutti gli enti")
    scope_ambiguous: list[str] = Field(default_factory=list)  # entities to choose from (none named)
    unknown_plan: str | None = None  # a plan period named in the question that is not loaded
    asked_dates: list[tuple[int | None, int]] = Field(default_factory=list)  # monitoring (day, month) asked
    counts_indicators: bool = False  # a count of the indicators of the objectives ('quanti indicatori in tutto?')
    amount: str | None = None  # what an amount is asked of ('quanti alberi' -> 'alberi'), when not objectives
    counts_thing: bool = False  # the amount counts the thing named right after 'quanti/quante' (a noun, no unit)


class Citation(BaseModel):
    n: int
    objective_id: str
    titolo: str
    settore: str
    campo: str
    anno: int | None = None
    citazione: str
    documento: str
    tabella: int | None = None
    pagina: int | None = None
    sezione: str | None = None  # a prose passage's heading chain ('Sezione 3 › Lavoro agile')
    passaggio: str | None = None  # a prose passage's id ('passaggio-3'); objective_id holds it too


class Answer(BaseModel):
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    objective_ids: list[str] = Field(default_factory=list)
    refused: bool = False
    language: Language = "it"
