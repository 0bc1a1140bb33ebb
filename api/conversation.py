"""Turning an HTTP conversation into an answer: limits, the assistant call off the event loop, the log.

Shared by the chat routes and the OpenAI-compatible route.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.chatlog import ChatLog
from api.errors import ApiError
from assistant import Assistant
from assistant.types import Answer, Message, Mode
from ingest.settings import Settings

_CHUNK = re.compile(r"\s*\S+(?:\s+\S+){0,3}\s*")


ASSISTANT_CONTEXT_CHARS = 300  # an earlier answer is context only: this much of it is kept


def check_limits(messages: Sequence[Message], settings: Settings) -> list[Message]:
    """The conversation the assistant gets: the last user message with text is the question (none: 422;
    over-long: 413); the history is trimmed by the server, never an error: the last ``max_turns``
    messages are kept, an earlier answer is cut to a short context (it never counts against the
    user's limits), an earlier question to the message limit."""
    last = max((i for i, m in enumerate(messages) if m.role == "user" and m.content.strip()), default=-1)
    # a turn after the last question (an answer, an empty message) is not a question
    messages = list(messages)[:last + 1]
    if not messages or not messages[-1].content.strip():
        raise ApiError(422, "no_question", "Nella conversazione manca una domanda dell'utente, non vuota.")
    if len(messages[-1].content) > settings.max_message_chars:
        raise ApiError(
            413,
            "message_too_long",
            f"La domanda supera i {settings.max_message_chars} caratteri consentiti: accorciarla.",
        )
    kept: list[Message] = []
    for message in list(messages)[-settings.max_turns:-1]:
        limit = ASSISTANT_CONTEXT_CHARS if message.role == "assistant" else settings.max_message_chars
        kept.append(Message(role=message.role, content=message.content[:limit]))
    return [*kept, messages[-1]]


async def answer(
    assistant: Assistant,
    messages: list[Message],
    mode: Mode,
    chat_log: ChatLog | None,
    endpoint: str,
    page: int = 1,
) -> Answer:
    """Ask the assistant in a worker thread (it does CPU work) and log the chat when enabled; ``page``
    pages an answer about many bodies."""
    result: Answer = await run_in_threadpool(assistant.answer, messages, mode, page)
    if chat_log is not None:
        await run_in_threadpool(chat_log.record, endpoint, mode, messages, result)
    return result


def text_chunks(text: str) -> Iterator[str]:
    """The answer text in small pieces (a few words each) for streaming; joined they give ``text``."""
    pos = 0
    for match in _CHUNK.finditer(text):
        yield text[pos : match.end()]
        pos = match.end()
    if pos < len(text):
        yield text[pos:]


def sse(event: str, data: BaseModel | dict[str, Any]) -> str:
    """One Server-Sent Event with a JSON payload."""
    payload = data.model_dump_json() if isinstance(data, BaseModel) else json.dumps(data, ensure_ascii=False)
    return f"event: {event}\ndata: {payload}\n\n"
