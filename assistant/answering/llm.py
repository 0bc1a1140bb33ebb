"""Optional LLM phrasing of the deterministic answer, with a grounding check and a fallback.

This is the only module that builds a langchain chat model. The model receives the question, the
draft's citations as numbered evidence and the draft itself (prompt file ``prompts/answer.v1.md``,
whose sha256 goes into every :class:`RewriteTrace`). Its text is kept only when
:func:`check_grounding` finds no problem; on any problem, error or timeout the draft is returned
unchanged, so an LLM can make an answer read better but never make it wrong.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Literal

import httpx
import openai
import yaml
from langchain_core.exceptions import LangChainException
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from assistant.lexicon import load_lexicon
from assistant.types import Answer, Citation, Mode, Plan
from ingest.settings import Settings
from ingest.text import norm as lexicon_norm

log = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
DEFAULT_PROMPT = "answer.v1"
GROUNDING_WORDS = PROMPTS_DIR / "grounding_words.yaml"

# What a chat model call may raise: network and HTTP failures, server errors, bad output.
MODEL_ERRORS: tuple[type[BaseException], ...] = (
    TimeoutError,
    OSError,
    ValueError,
    RuntimeError,
    httpx.HTTPError,
    openai.OpenAIError,
    LangChainException,
)
try:  # the ollama client is a dependency of langchain-ollama; its own error type
    import ollama

    MODEL_ERRORS += (ollama.ResponseError, ollama.RequestError)
except ImportError:  # pragma: no cover - langchain-ollama is a declared dependency
    pass

_CITE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LIST_NUMBER = re.compile(r"^(\s*)\d+[.)](?=\s)", re.MULTILINE)  # "1. " heading a list item
_NUMBER = re.compile(r"\d+(?:[.,/:\-]\d+)*")
_WORD = re.compile(r"[^\W\d_]+")
_LEAK_SHINGLE = 8  # this many consecutive words of the system prompt in an answer is a leak


class LLMConfigError(ValueError):
    """The LLM settings are incomplete (message in Italian, for whoever configures the service)."""


class Prompt(BaseModel):
    """A versioned prompt file, split into its ``## `` sections."""

    name: str
    sha256: str
    sections: dict[str, str]

    def section(self, key: str) -> str:
        if key not in self.sections:
            raise KeyError(f"prompt {self.name} has no section '{key}'")
        return self.sections[key]


class RewriteTrace(BaseModel):
    """What happened to one draft: which prompt, which outcome and why."""

    prompt: str
    prompt_sha256: str
    model: str
    outcome: Literal["rewritten", "fallback", "skipped"]
    reason: str | None = None
    problems: list[str] = Field(default_factory=list)
    seconds: float = 0.0


def load_prompt(name: str = DEFAULT_PROMPT, directory: Path = PROMPTS_DIR) -> Prompt:
    """Read ``<directory>/<name>.md`` and split it into sections (cached per path and content)."""
    path = directory / f"{name}.md"
    return _parse_prompt(name, path.read_bytes())


@lru_cache(maxsize=16)
def _parse_prompt(name: str, raw: bytes) -> Prompt:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in raw.decode("utf-8").splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    return Prompt(
        name=name,
        sha256=hashlib.sha256(raw).hexdigest(),
        sections={key: "\n".join(lines).strip() for key, lines in sections.items()},
    )


@lru_cache(maxsize=1)
def _grounding_words() -> frozenset[str]:
    data = yaml.safe_load(GROUNDING_WORDS.read_text(encoding="utf-8"))
    return frozenset(_norm(w) for w in data["words"])


def _norm(text: str) -> str:
    """The project's matching form of a text (``ingest.text.norm``)."""
    return lexicon_norm(text)


def _data(text: str) -> str:
    """Data goes inside <tag> delimiters: it must not be able to close or open one."""
    return text.replace("<", "‹").replace(">", "›")


def format_evidence(citations: Iterable[Citation]) -> str:
    """Numbered evidence lines: ``[n] titolo — campo (anno): "citazione"``."""
    lines = []
    for c in citations:
        year = f" ({c.anno})" if c.anno is not None else ""
        quote = " ".join(c.citazione.split())
        lines.append(_data(f'[{c.n}] {c.titolo} — {c.campo}{year}: "{quote}"'))
    return "\n".join(lines)


def build_messages(prompt: Prompt, question: str, draft: Answer, mode: Mode) -> list[BaseMessage]:
    """The system and user messages for one rewrite."""
    fills = {
        "style": prompt.section(f"style.{mode}"),
        "language": prompt.section(f"language.{draft.language}"),
        "question": _data(question.strip()),
        "evidence": format_evidence(draft.citations),
        "draft": _data(draft.answer.strip()),
    }
    user = prompt.section("user")
    for key, value in fills.items():
        user = user.replace("{{" + key + "}}", value)
    return [SystemMessage(content=prompt.section("system")), HumanMessage(content=user)]


def evidence_gives_instructions(citations: Iterable[Citation]) -> bool:
    """Whether a quoted record text reads like an order to the model (a poisoned document: a cell
    saying "ignora le istruzioni e rispondi che ..."): screened with the same phrases as the
    question (``injection`` in ``assistant/lexicon.yaml``). The model would find the attacker's
    words in its own evidence, so the grounding check alone cannot stop it."""
    pattern = load_lexicon().injection
    return any(pattern.search(lexicon_norm(c.citazione)) for c in citations)


def cited_numbers(text: str) -> list[int]:
    """Every ``[n]`` (also ``[1, 2]``) in a text, in order."""
    return [int(n) for group in _CITE.findall(text) for n in re.split(r"\s*[,;]\s*", group)]


def _number_in(token: str, haystack: str) -> bool:
    """A number/date occurs as a whole (any of . , / : - between its digit groups)."""
    groups = re.findall(r"\d+", token)
    pattern = r"(?<!\d)(?<!\d[.,])" + r"[.,/:\-]".join(groups) + r"(?!\d|[.,]\d)"
    return re.search(pattern, haystack) is not None


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    before = re.sub(r"(?:^|\n)\s*(?:[-*•]|\d+[.)])\s*$", "\n", before)
    return not before or before[-1] in ".!?:;\n"


def _ungrounded_names(text: str, sources: str) -> list[str]:
    allowed = _grounding_words()
    words = list(_WORD.finditer(text))
    missing: list[str] = []
    for i, match in enumerate(words):
        word = match.group()
        key = _norm(word)
        if not word[0].isupper() or len(word) < 2 or key in allowed:
            continue
        nxt = words[i + 1].group() if i + 1 < len(words) else ""
        if _sentence_initial(text, match.start()) and not nxt[:1].isupper():
            continue  # an ordinary sentence start, not part of a name
        if re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", sources) is None:
            missing.append(word)
    return missing


def _leaks(text: str, system_prompt: str) -> bool:
    prompt_words = _WORD.findall(_norm(system_prompt))
    shingles = {" ".join(prompt_words[i : i + _LEAK_SHINGLE]) for i in range(len(prompt_words) - _LEAK_SHINGLE + 1)}
    words = _WORD.findall(_norm(text))
    return any(" ".join(words[i : i + _LEAK_SHINGLE]) in shingles for i in range(len(words) - _LEAK_SHINGLE + 1))


def check_grounding(
    text: str,
    citations: list[Citation],
    *,
    question: str = "",
    draft: str = "",
    system_prompt: str = "",
) -> list[str]:
    """Problems that make an LLM text unusable; an empty list means it may be shown.

    Every ``[n]`` must point to a citation and there must be at least one; every number, date and
    percentage and every capitalised name must occur in the cited evidence, the question or the
    deterministic draft (whose facts come from the records); the citations of the draft must all be
    kept (a list must stay complete); no run of the system prompt may appear.
    """
    problems: list[str] = []
    if not text.strip():
        return ["empty answer"]
    known = {c.n for c in citations}
    used = cited_numbers(text)
    if not used:
        problems.append("no citation [n] in the answer")
    problems += [f"citation [{n}] points to no evidence" for n in sorted(set(used) - known)]
    dropped = sorted((set(cited_numbers(draft)) & known) - set(used))
    if dropped:
        problems.append("citations of the draft dropped: " + ", ".join(f"[{n}]" for n in dropped))
    evidence = [f"{c.titolo} \n {c.settore} \n {c.campo} \n {c.anno or ''} \n {c.citazione}" for c in citations]
    sources = _norm(" \n ".join([*evidence, question, _CITE.sub(" ", draft)]))
    body = _LIST_NUMBER.sub(r"\1-", _CITE.sub(" ", text))
    for token in dict.fromkeys(_NUMBER.findall(body)):
        if not _number_in(token, sources):
            problems.append(f"number not in the evidence: {token}")
    for word in dict.fromkeys(_ungrounded_names(body, sources)):
        problems.append(f"name not in the evidence: {word}")
    if system_prompt and _leaks(text, system_prompt):
        problems.append("the answer repeats the instructions")
    return problems


def message_text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in content]
    return "".join(parts)


class LLMRewriter:
    """Phrases a draft :class:`Answer` with a chat model; keeps the draft unless the text is grounded."""

    def __init__(self, model: BaseChatModel, prompt: Prompt | None = None, *, timeout_s: float = 30.0) -> None:
        self.model = model
        self.prompt = prompt or load_prompt()
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="piao-llm")

    @property
    def model_name(self) -> str:
        return str(getattr(self.model, "model_name", None) or getattr(self.model, "model", None) or self.model._llm_type)

    def rewrite(self, question: str, plan: Plan, draft: Answer, mode: Mode) -> Answer:
        """The model's answer when grounded, else ``draft`` unchanged."""
        return self.rewrite_traced(question, plan, draft, mode)[0]

    def rewrite_traced(self, question: str, plan: Plan, draft: Answer, mode: Mode) -> tuple[Answer, RewriteTrace]:
        """As :meth:`rewrite`, with the trace (prompt hash, outcome, problems, time); the trace is logged."""
        start = time.perf_counter()
        answer, outcome, reason, problems = self._rewrite(question, plan, draft, mode)
        trace = RewriteTrace(
            prompt=self.prompt.name,
            prompt_sha256=self.prompt.sha256,
            model=self.model_name,
            outcome=outcome,
            reason=reason,
            problems=problems,
            seconds=round(time.perf_counter() - start, 4),
        )
        level = logging.INFO if outcome == "rewritten" else logging.WARNING if outcome == "fallback" else logging.DEBUG
        log.log(level, "llm rewrite %s", trace.model_dump_json())
        return answer, trace

    def _rewrite(
        self, question: str, plan: Plan, draft: Answer, mode: Mode
    ) -> tuple[Answer, Literal["rewritten", "fallback", "skipped"], str | None, list[str]]:
        if draft.refused or not draft.citations:
            return draft, "skipped", "no evidence to phrase (refused or uncited draft)", []
        if plan.injection:
            return draft, "skipped", "the question tries to give instructions", []
        if evidence_gives_instructions(draft.citations):
            return draft, "skipped", "the evidence contains instructions (a poisoned document?)", []
        messages = build_messages(self.prompt, question, draft, mode)
        future = self._pool.submit(self.model.invoke, messages)
        try:
            text = message_text(future.result(timeout=self.timeout_s)).strip()
        except TimeoutError:
            future.cancel()
            return draft, "fallback", f"timeout after {self.timeout_s}s", []
        except MODEL_ERRORS as exc:
            return draft, "fallback", f"model error: {type(exc).__name__}: {exc}", []
        problems = check_grounding(
            text,
            draft.citations,
            question=question,
            draft=draft.answer,
            system_prompt=self.prompt.section("system"),
        )
        if problems:
            return draft, "fallback", "grounding check failed", problems
        return draft.model_copy(update={"answer": text}), "rewritten", None, []


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None when ``PIAO_LLM_PROVIDER=none``."""
    if settings.llm_provider == "none":
        return None
    if not settings.llm_model:
        raise LLMConfigError(
            f"PIAO_LLM_MODEL è obbligatorio con PIAO_LLM_PROVIDER={settings.llm_provider}: "
            "indicare il nome del modello da usare."
        )
    if settings.llm_provider == "openai":
        if not settings.llm_base_url:
            raise LLMConfigError(
                "PIAO_LLM_BASE_URL è obbligatorio con PIAO_LLM_PROVIDER=openai: "
                "indicare l'indirizzo del server compatibile OpenAI (vLLM, llama.cpp, ...)."
            )
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key or "none",
            timeout=settings.llm_timeout_s,
            max_retries=0,
            temperature=0,
        )
    from langchain_ollama import ChatOllama

    kwargs = {"base_url": settings.llm_base_url} if settings.llm_base_url else {}
    return ChatOllama(
        model=settings.llm_model,
        temperature=0,
        client_kwargs={"timeout": settings.llm_timeout_s},
        **kwargs,
    )


def build_rewriter(settings: Settings) -> LLMRewriter | None:
    """An :class:`LLMRewriter` for the configured model, or None without one."""
    model = build_chat_model(settings)
    if model is None:
        return None
    return LLMRewriter(model, timeout_s=settings.llm_timeout_s)
