"""Request and response bodies of the HTTP API (kept apart from the domain types they carry).

Request models are strict: a value of the wrong JSON type is a 422, never coerced
(``"stream": "true"`` is refused). Length limits that depend on settings (message length,
number of turns) are checked in the routes, which know the settings.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.status import StatoSintetico
from assistant.types import Citation, Mode
from ingest.pipeline import IngestReport
from ingest.types import Objective

STRICT = ConfigDict(strict=True, extra="forbid")


class ErrorBody(BaseModel):
    """Every error: a machine code and a message in Italian."""

    error: str = Field(examples=["invalid_request"])
    message: str = Field(examples=["I dati inviati non sono validi."])


class ChatMessage(BaseModel):
    model_config = STRICT

    role: Literal["user", "assistant"]
    content: str = Field(pattern=r"\S")  # some text, not only spaces


class ChatRequest(BaseModel):
    """The conversation so far; the last user message is the question (anything after it is ignored)."""

    model_config = STRICT

    messages: list[ChatMessage] = Field(min_length=1, json_schema_extra={
        "contains": {"type": "object", "properties": {"role": {"const": "user"}}, "required": ["role"]}})
    mode: Mode = "staff"
    page: int = Field(1, ge=1, le=10_000, description="La pagina della risposta, quando la domanda non nomina "
                      "un ente e ne sono caricati molti (la risposta dice quante sono); come chiedere «altri».")


# --- OpenAI-compatible -------------------------------------------------------------------------


class OpenAITextPart(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    type: str
    text: str | None = None


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[OpenAITextPart] | None = None
    name: str | None = None

    def text(self) -> str:
        """The message text, content parts joined."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text or "" for p in self.content if p.type == "text")


class StreamOptions(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    include_usage: bool = False


class OpenAIChatRequest(BaseModel):
    """``POST /v1/chat/completions``: the known parameters are type-checked, unknown ones ignored.

    Sampling parameters are accepted for compatibility and have no effect: answers are built
    from the documents. ``mode`` is an extension (``staff`` default, ``citizen`` plain language).
    """

    model_config = ConfigDict(strict=True, extra="allow")

    model: str = "piao-assistant"
    # at least one user message with some text (a string, or a text part): the question
    messages: list[OpenAIMessage] = Field(min_length=1, json_schema_extra={"contains": {
        "type": "object", "required": ["role", "content"], "properties": {
            "role": {"const": "user"},
            "content": {"anyOf": [
                {"type": "string", "pattern": r"\S"},
                {"type": "array", "contains": {"type": "object", "required": ["type", "text"], "properties": {
                    "type": {"const": "text"}, "text": {"type": "string", "pattern": r"\S"}}}}]}}}})
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    n: int | None = Field(default=None, ge=1, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    stop: str | list[str] | None = None
    user: str | None = None
    mode: Mode = "staff"


class OpenAIResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class OpenAIChoice(BaseModel):
    index: int = 0
    message: OpenAIResponseMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class OpenAIUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class OpenAIChatResponse(BaseModel):
    """A ``chat.completion`` object plus the assistant's ``citations``, ``objective_ids``, ``refused``."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[OpenAIChoice]
    usage: OpenAIUsage
    citations: list[Citation] = Field(default_factory=list)
    objective_ids: list[str] = Field(default_factory=list)
    refused: bool = False


# --- Records, documents, quality ---------------------------------------------------------------


class StatoStorico(BaseModel):
    """The status of an objective at one monitoring date, from the document version that reported it."""

    data: str  # ISO date
    testo: str
    documento: str


class ObjectiveList(BaseModel):
    count: int  # objectives matching the filters, in all pages
    offset: int = 0
    limit: int | None = None  # the page size (None: every objective)
    objectives: list[Objective]
    # objective key -> its status at each monitoring date of its plan, oldest first (only when several)
    stato_storico: dict[str, list[StatoStorico]] = Field(default_factory=dict)
    # objective key -> synthetic status (concluso / in corso / non avviato / non indicato) and its reason
    stato_sintetico: dict[str, StatoSintetico] = Field(default_factory=dict)


class GuidedQuestion(BaseModel):
    """A ready-made plain-language question about a citizen-facing objective."""

    question: str
    objective_id: str
    settore: str
    gruppo: str = ""  # the citizen's need it answers ("Scuola e servizi per l'infanzia")


class GuidedGroup(BaseModel):
    """The guided questions of one need."""

    gruppo: str
    questions: list[GuidedQuestion]


class GuidedQuestions(BaseModel):
    groups: list[GuidedGroup] = Field(default_factory=list)
    questions: list[GuidedQuestion]  # all of them, group after group


class DocumentSummary(BaseModel):
    """One stored document."""

    documento: str
    file: str
    format: str
    ente: str | None = None
    ingested_at: datetime | None = None
    n_objectives: int
    sectors: list[dict[str, Any]] = Field(default_factory=list)
    periodo: str | None = None  # plan period, '2023-2025'
    data_monitoraggio: str | None = None  # ISO date of the latest 'Stato di attuazione al ...'


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class QualityDocument(BaseModel):
    """The data-quality report of one document, as built at ingest."""

    documento: str
    file: str
    n_objectives: int
    quality: dict[str, Any] | None = None
    quality_text: str | None = None


class QualityReport(BaseModel):
    documents: list[QualityDocument]


class IngestResult(BaseModel):
    """What an upload did: the sanitised file name and the ingest report."""

    file: str
    report: IngestReport


class FeedbackRequest(BaseModel):
    """A comment or an accessibility problem sent from the footer link."""

    model_config = STRICT

    message: str = Field(min_length=1, max_length=2000)
    contact: str | None = Field(default=None, max_length=200)
    page: str | None = Field(default=None, max_length=200)


class AnswerFeedback(BaseModel):
    """A thumbs up or down on one answer of the chat; the question is kept only with chat logging on."""

    model_config = STRICT

    vote: Literal["utile", "non_utile"]
    question: str | None = Field(default=None, max_length=2000)
    objective_ids: list[str] = Field(default_factory=list, max_length=50)
    mode: Mode = "staff"


class FeedbackReceipt(BaseModel):
    received: bool = True
    question_kept: bool = False  # whether the question was stored with the vote (PIAO_LOG_CHATS)


class Health(BaseModel):
    status: Literal["ok", "ready"]
    documents: int | None = None
    objectives: int | None = None
