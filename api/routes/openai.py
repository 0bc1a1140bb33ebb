"""``POST /v1/chat/completions``: the OpenAI chat API, so that existing chat clients can use the assistant.

Non-stream answers are a ``chat.completion`` object; ``stream: true`` gives ``chat.completion.chunk``
events ending with ``data: [DONE]``. The text carries the ``[n]`` markers and a "Fonti" list;
the structured citations travel in the extra ``citations`` field (on the last chunk when streaming).
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api import conversation
from api.chatlog import ChatLog
from api.deps import AssistantDep, ChatLogDep, RateLimited, SettingsDep
from api.errors import STATUS_MESSAGES
from api.routes.common import errors
from api.schemas import (
    OpenAIChatRequest,
    OpenAIChatResponse,
    OpenAIChoice,
    OpenAIResponseMessage,
    OpenAIUsage,
)
from assistant import Assistant
from assistant.types import Answer, Citation, Message

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[RateLimited])

STREAM_EVENT = {"type": "object", "required": ["data"], "properties": {"data": {"type": "string"}}}
STREAM_DOC = {
    200: {
        "description": "JSON `chat.completion`, or with `stream: true` Server-Sent Events of "
        "`chat.completion.chunk` objects ending with `data: [DONE]`.",
        "content": {
            "text/event-stream": {
                # OpenAPI 3.2 sequential media type: ``itemSchema`` is one event (a JSON chunk or
                # ``[DONE]`` in ``data``), ``schema`` the whole stream as an array of events
                "schema": {"type": "array", "items": STREAM_EVENT},
                "itemSchema": STREAM_EVENT,
            }
        },
    }
}


def to_messages(body: OpenAIChatRequest) -> list[Message]:
    """OpenAI roles to ours: system/developer as system; tool messages carry no question and are dropped."""
    out: list[Message] = []
    for m in body.messages:
        if m.role == "tool":
            continue
        role = "system" if m.role == "developer" else m.role
        out.append(Message(role=role, content=m.text()))
    return out


def completion_text(answer: Answer) -> str:
    """The answer text with a plain list of sources after it, for clients that ignore ``citations``."""
    if not answer.citations:
        return answer.answer
    lines = [f"[{c.n}] {_source(c)}: «{c.citazione}»" for c in answer.citations]
    return answer.answer + "\n\nFonti:\n" + "\n".join(lines)


def _source(c: Citation) -> str:
    if c.passaggio:  # a prose passage: document › section › page
        page = f", pagina {c.pagina}" if c.pagina else ""
        return f"{c.documento} › {c.sezione or c.titolo}{page}"
    return f"{c.titolo} ({c.settore}), {c.campo}"


def _usage(messages: list[Message], text: str) -> OpenAIUsage:
    # Word counts stand in for tokens: no tokenizer is involved in building the answer.
    prompt = sum(len(m.content.split()) for m in messages)
    completion = len(text.split())
    return OpenAIUsage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


@router.post(
    "/chat/completions",
    response_model=OpenAIChatResponse,
    responses={**STREAM_DOC, **errors(400, 413, 422, 429, 500, 503)},
    summary="Chat completions compatibili con OpenAI",
)
async def chat_completions(
    body: OpenAIChatRequest, assistant: AssistantDep, settings: SettingsDep, chat_log: ChatLogDep
) -> OpenAIChatResponse | StreamingResponse:
    """Answer the conversation in the OpenAI format; ``model`` is echoed, sampling options ignored."""
    messages = to_messages(body)
    messages = conversation.check_limits(messages, settings)
    ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        return StreamingResponse(
            _chunks(body, messages, assistant, chat_log, ident, created),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = await conversation.answer(assistant, messages, body.mode, chat_log, "v1/chat/completions")
    text = completion_text(answer)
    return OpenAIChatResponse(
        id=ident,
        created=created,
        model=body.model,
        choices=[OpenAIChoice(message=OpenAIResponseMessage(content=text))],
        usage=_usage(messages, text),
        citations=answer.citations,
        objective_ids=answer.objective_ids,
        refused=answer.refused,
    )


def _sse_chunk(body: OpenAIChatRequest, ident: str, created: int, choices: list[dict[str, Any]],
               **extra: Any) -> str:
    """One ``chat.completion.chunk`` as a ``data:`` line."""
    obj = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": body.model,
           "choices": choices, **extra}
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"


def _choice(delta: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
    return [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]


async def _chunks(
    body: OpenAIChatRequest,
    messages: list[Message],
    assistant: Assistant,
    chat_log: ChatLog | None,
    ident: str,
    created: int,
) -> AsyncIterator[str]:
    yield _sse_chunk(body, ident, created, _choice({"role": "assistant", "content": ""}))
    try:
        answer = await conversation.answer(assistant, messages, body.mode, chat_log, "v1/chat/completions")
    except Exception:  # noqa: BLE001 - headers are sent: the error goes in the stream
        logger.exception("openai stream failed")
        error, message = STATUS_MESSAGES[500]
        yield f"data: {json.dumps({'error': {'code': error, 'message': message}}, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"
        return
    text = completion_text(answer)
    for piece in conversation.text_chunks(text):
        yield _sse_chunk(body, ident, created, _choice({"content": piece}))
    yield _sse_chunk(
        body, ident, created, _choice({}, "stop"),
        citations=[c.model_dump() for c in answer.citations],
        objective_ids=answer.objective_ids,
        refused=answer.refused,
    )
    if body.stream_options is not None and body.stream_options.include_usage:
        yield _sse_chunk(body, ident, created, [], usage=_usage(messages, text).model_dump())
    yield "data: [DONE]\n\n"
