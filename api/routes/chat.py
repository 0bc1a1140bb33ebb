"""``POST /api/chat`` (one Answer) and ``POST /api/chat/stream`` (Server-Sent Events)."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api import conversation
from api.deps import AssistantDep, ChatLogDep, RateLimited, SettingsDep
from api.errors import STATUS_MESSAGES
from api.routes.common import errors
from api.schemas import ChatRequest
from assistant.types import Answer, Message

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/chat", tags=["chat"], dependencies=[RateLimited])

SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {"event": {"enum": ["delta", "answer", "error"]}, "data": {"type": "string"}},
}
SSE_DOC = {
    200: {
        "description": "Server-Sent Events: `delta` events `{\"text\": ...}` with pieces of the answer, then one "
        "`answer` event with the whole Answer (or one `error` event `{\"error\", \"message\"}`).",
        "content": {
            "text/event-stream": {
                # OpenAPI 3.2 sequential media type: ``itemSchema`` is one event (its JSON payload in
                # ``data``), ``schema`` the whole stream as an array of events
                "schema": {"type": "array", "items": SSE_EVENT},
                "itemSchema": SSE_EVENT,
                "example": 'event: delta\ndata: {"text": "Il responsabile "}\n\n'
                'event: answer\ndata: {"answer": "Il responsabile ...", "citations": []}\n\n',
            }
        },
    }
}


def _messages(body: ChatRequest) -> list[Message]:
    return [Message(role=m.role, content=m.content) for m in body.messages]


@router.post("", response_model=Answer, responses=errors(400, 413, 422, 429, 500, 503), summary="Una risposta")
async def chat(body: ChatRequest, assistant: AssistantDep, settings: SettingsDep, chat_log: ChatLogDep) -> Answer:
    """Answer the last message of the conversation, with citations to the plan's records."""
    messages = _messages(body)
    messages = conversation.check_limits(messages, settings)
    return await conversation.answer(assistant, messages, body.mode, chat_log, "chat", body.page)


@router.post(
    "/stream",
    response_class=StreamingResponse,
    responses={**SSE_DOC, **errors(400, 413, 422, 429, 500, 503)},
    summary="Una risposta in streaming (SSE)",
)
async def chat_stream(
    body: ChatRequest, assistant: AssistantDep, settings: SettingsDep, chat_log: ChatLogDep
) -> StreamingResponse:
    """Like ``/api/chat``, streamed: the answer text in pieces, then the whole Answer."""
    messages = _messages(body)
    messages = conversation.check_limits(messages, settings)

    async def events() -> AsyncIterator[str]:
        try:
            result = await conversation.answer(assistant, messages, body.mode, chat_log, "chat/stream",
                                                body.page)
        except Exception:  # noqa: BLE001 - headers are sent: the client learns of it as an event
            logger.exception("chat stream failed")
            error, message = STATUS_MESSAGES[500]
            yield conversation.sse("error", {"error": error, "message": message})
            return
        for piece in conversation.text_chunks(result.answer):
            yield conversation.sse("delta", {"text": piece})
        yield conversation.sse("answer", result)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

