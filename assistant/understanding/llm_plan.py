"""Optional: a chat model proposes the query plan (langchain, structured output).

The proposal is parsed into :class:`PlanProposal` (a strict schema) and checked against the records'
own values (a sector, a person, a year, a field the plan has); it then replaces the learned parser's
intent, fields and filters. On any problem (no model, an error, a timeout, an unparsable or invalid
proposal) the learned parser's plan stands unchanged. Prompt: ``prompts/plan.v1.md``.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.output_parsers import PydanticOutputParser
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.answering.llm import MODEL_ERRORS, Prompt, load_prompt, message_text
from assistant.catalog import FIELDS, Catalog
from assistant.types import Intent, Plan

log = logging.getLogger(__name__)

PLAN_PROMPT = "plan.v1"


class PlanProposal(BaseModel):
    """What a chat model may say a question asks; nothing else is accepted."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent
    fields: list[str] = Field(default_factory=list, description="i campi chiesti, tra quelli possibili")
    settore: str | None = Field(None, description="il settore o l'area nominata, tra quelli elencati")
    responsabile: str | None = Field(None, description="la persona nominata, tra quelle elencate")
    anno: int | None = Field(None, description="l'anno chiesto, se uno")
    argomento: str | None = Field(None, description="le parole dell'argomento, come nella domanda")


class InvalidProposal(ValueError):
    """A proposal naming a value the records do not have."""


class LLMPlanner:
    """Asks a chat model for the plan of a question; :meth:`refine` keeps the learned plan on any problem."""

    def __init__(self, model: BaseChatModel, prompt: Prompt | None = None, *, timeout_s: float = 30.0) -> None:
        self.model = model
        self.prompt = prompt or load_prompt(PLAN_PROMPT)
        self.parser = PydanticOutputParser(pydantic_object=PlanProposal)
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="piao-llm-plan")

    def refine(self, plan: Plan, catalog: Catalog) -> Plan:
        """The plan with the model's intent, fields and filters when its proposal is valid."""
        if plan.injection or not plan.normalized:
            return plan  # a question that gives orders is not passed on
        try:
            proposal = self.propose(plan.normalized, catalog)
        except (*MODEL_ERRORS, FutureTimeout, ValidationError, InvalidProposal) as exc:
            log.warning("llm plan: kept the learned plan (%s: %s)", type(exc).__name__, str(exc)[:200])
            return plan
        return apply(plan, proposal)

    def propose(self, question: str, catalog: Catalog) -> PlanProposal:
        """The model's proposal for a (normalised) question, validated; raises on any problem."""
        values = {"fields": ", ".join(FIELDS), "sectors": "; ".join(s.name for s in catalog.sectors),
                  "people": "; ".join(p.name for p in catalog.persons),
                  "years": ", ".join(str(y) for y in catalog.years),
                  "question": question.replace("<", "‹").replace(">", "›"),  # data cannot close its delimiter
                  "format": self.parser.get_format_instructions()}
        messages = [SystemMessage(content=_fill(self.prompt.section("system"), values)),
                    HumanMessage(content=_fill(self.prompt.section("user"), values))]
        reply = self._pool.submit(self.model.invoke, messages).result(timeout=self.timeout_s)
        proposal = self.parser.parse(message_text(reply))
        return check(proposal, catalog)


def check(proposal: PlanProposal, catalog: Catalog) -> PlanProposal:
    """The proposal when every value it names is one of the records'; else ``InvalidProposal``."""
    unknown = [f for f in proposal.fields if f not in FIELDS]
    if proposal.settore is not None and proposal.settore not in {s.name for s in catalog.sectors}:
        unknown.append(proposal.settore)
    if proposal.responsabile is not None and proposal.responsabile not in {p.name for p in catalog.persons}:
        unknown.append(proposal.responsabile)
    if proposal.anno is not None and proposal.anno not in catalog.years:
        unknown.append(str(proposal.anno))
    if unknown:
        raise InvalidProposal(f"values the records do not have: {unknown}")
    return proposal


def apply(plan: Plan, proposal: PlanProposal) -> Plan:
    """The learned plan with the proposal's intent, fields and filters (scope and history kept)."""
    filters = plan.filters.model_copy(update={
        "settore": proposal.settore, "responsabile": proposal.responsabile,
        "anno": proposal.anno if proposal.intent in ("list", "count", "sum", "max", "rank") else plan.filters.anno,
        "text": proposal.argomento if proposal.argomento is not None else plan.filters.text})
    years = [proposal.anno] if proposal.anno is not None else plan.years
    return plan.model_copy(update={"intent": proposal.intent, "fields": list(proposal.fields), "filters": filters,
                                   "years": years})


def _fill(template: str, values: dict[str, Any]) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", str(value))
    return template


def build_planner(settings: Any) -> LLMPlanner | None:
    """A planner for the configured chat model when ``PIAO_LLM_PLAN`` is on, else None."""
    if not getattr(settings, "llm_plan", False):
        return None
    from assistant.answering.llm import build_chat_model  # noqa: PLC0415

    model = build_chat_model(settings)
    return LLMPlanner(model, timeout_s=settings.llm_timeout_s) if model is not None else None
