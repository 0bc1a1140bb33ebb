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


def check_limits(messages: Sequence[Message], settings: Settings) -> None:
    """Refuse (413/422) a conversation that is too long, has an over-long message or no question."""
    if len(messages) > settings.max_turns:
        raise ApiError(
            413,
            "too_many_turns",
            f"La conversazione ha troppi messaggi ({len(messages)}, massimo {settings.max_turns}): "
            "iniziare una nuova conversazione.",
        )
    for message in messages:
        if len(message.content) > settings.max_message_chars:
            raise ApiError(
                413,
                "message_too_long",
                f"Un messaggio supera i {settings.max_message_chars} caratteri consentiti: accorciarlo.",
            )
    if not messages or messages[-1].role != "user" or not messages[-1].content.strip():
        raise ApiError(422, "no_question", "L'ultimo messaggio deve essere una domanda dell'utente, non vuota.")


async def answer(
    assistant: Assistant,
    messages: list[Message],
    mode: Mode,
    chat_log: ChatLog | None,
    endpoint: str,
) -> Answer:
    """Ask the assistant in a worker thread (it does CPU work) and log the chat when enabled."""
    result: Answer = await run_in_threadpool(assistant.answer, messages, mode)
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
