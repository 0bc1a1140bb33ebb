"""Request bodies bounded before they are read, and JSON text checked before any route sees it.

:class:`BodyLimitMiddleware` refuses a body over its limit with 413 as soon as the declared
``Content-Length`` or the bytes received so far pass it: a 500 MB body costs the server what it
reads up to the limit, never more. Uploads (``POST /api/documents``) get ``max_file_mb``; every
other request ``max_body_kb``.

A JSON body (bounded, so cheap to hold) is also checked for text that cannot be text: bytes that are
not UTF-8, and lone UTF-16 surrogates written as ``\\ud800`` escapes, which Python's JSON parser
accepts but nothing downstream can encode. Both are answered 422 here, with no traceback anywhere.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from ingest.settings import Settings

UPLOAD_PATH = "/api/documents"
_UPLOAD_SLACK = 64 * 1024  # multipart headers and the small text fields around the file
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class BodyTooLarge(Exception):
    """Raised inside ``receive`` when a body passes its limit (the middleware answers 413)."""


def body_limits(settings: Settings) -> Callable[[Scope], int]:
    """The byte limit of a request's body, from its path."""
    upload = int(settings.max_file_mb * 1024 * 1024) + _UPLOAD_SLACK
    other = settings.max_body_kb * 1024

    def limit(scope: Scope) -> int:
        return upload if scope.get("path", "").rstrip("/") == UPLOAD_PATH else other

    return limit


def _too_large(limit: int) -> tuple[str, str]:
    if limit >= 1024 * 1024:
        size = f"{limit / (1024 * 1024):.0f} MB"
    else:
        size = f"{limit // 1024} KB"
    return "too_large", f"La richiesta supera il limite di {size}: inviarne una più piccola."


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def text_problem(body: bytes) -> str | None:
    """Why a JSON body holds no valid text (Italian), or ``None`` when it is fine (or not JSON at all:
    the route's own validation answers that)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "Il testo inviato non è in codifica UTF-8 valida."
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "Il testo inviato contiene caratteri non validi (surrogati UTF-16 isolati)."
    except ValueError:
        return None  # not JSON: the route's validation says so
    return None


class BodyLimitMiddleware:
    """413 for a body over its limit (declared or streamed); 422 for a JSON body that is not text."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limit_of = body_limits(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await error_response(413, *_too_large(limit), headers={"Connection": "close"})(scope, receive, send)
            return
        if _is_json(scope) and scope.get("path", "").rstrip("/") != UPLOAD_PATH:
            await self._json(scope, receive, send, limit)
            return
        await self._streamed(scope, receive, send, limit)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Read the (bounded) body whole, check its text, then hand it to the app."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await error_response(413, *_too_large(limit), headers={"Connection": "close"})(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = text_problem(body)
        if problem is not None:
            await error_response(422, "invalid_text", problem)(scope, receive, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Count the bytes as the app reads them; past the limit, the app's answer becomes a 413."""
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the 413 below replaces whatever the app answers
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            pass
        if exceeded and not started:
            await error_response(413, *_too_large(limit), headers={"Connection": "close"})(scope, receive, send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A ``receive`` that gives ``messages`` first, then waits on ``then`` (a disconnect)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
