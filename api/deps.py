"""Dependencies of the routes, as ``Annotated`` aliases so that routes read like sentences.

Everything a route needs lives on ``app.state`` (set up once in the lifespan of ``create_app``):
the settings, the shared assistant, the record store, the rate limiter and the chat log.

The dependencies are ``async``: they do no blocking work (``get_assistant`` reads the store's
revision at most once per ``REFRESH_EVERY_S``), and a plain ``def`` dependency would cost every
request a round trip through the thread pool (measured with py-spy under ``evals.load``).
"""
from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import State

from api.chatlog import ChatLog
from api.errors import ApiError
from api.security import Limiters, RateLimiter, request_cost, too_many
from assistant import Assistant
from ingest.settings import Settings
from ingest.store import Store

HEAVY_COST = 5.0  # requests that count as this many or more take turns (see ``rate_limit``)
REFRESH_EVERY_S = 1.0
"""How often a request checks whether the store changed (an ingest in another process or worker);
an upload through this process refreshes at once."""


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


async def load_assistant(state: State) -> Assistant | None:
    """The shared assistant, created once the store holds a document, with records or only prose
    (``None`` while it is empty: there is nothing to answer from, and an upload or ``piao ingest``
    may still come)."""
    if state.assistant is None:
        async with state.assistant_lock:
            if state.assistant is None and await run_in_threadpool(state.store.documents):
                # one store per process: the assistant reads through the app's own
                state.assistant = await run_in_threadpool(Assistant.from_settings, state.settings, state.store)
    return state.assistant


async def get_assistant(request: Request) -> Assistant:
    """The process-wide assistant, refreshed when the store changed (checked once per
    ``REFRESH_EVERY_S``: the check is a database query, too dear for every request).
    503 while no document is stored."""
    state = request.app.state
    assistant = await load_assistant(state)
    if assistant is None:
        raise ApiError(503, "no_documents",
                       "Nessun documento caricato: caricare un piano (piao ingest) e riprovare.")
    now = time.monotonic()
    if now - getattr(state, "revision_checked_at", float("-inf")) >= REFRESH_EVERY_S:
        state.revision_checked_at = now
        await run_in_threadpool(assistant.refresh)
    return assistant


async def get_store(request: Request) -> Store:
    """The record store (source of truth for lists, tables and exports)."""
    return request.app.state.store


async def get_chat_log(request: Request) -> ChatLog | None:
    """The chat log, or ``None`` when chats are not logged (the default)."""
    return request.app.state.chat_log


async def client_key(request: Request) -> str:
    """The rate-limit key: the client address (uvicorn takes it from ``X-Forwarded-For`` only when
    the connection comes from one of ``PIAO_TRUSTED_PROXIES``)."""
    return request.client.host if request.client else "unknown"


async def rate_limit(request: Request) -> AsyncIterator[None]:
    """Refuse with 429 when this client asked too much lately: ``PIAO_RATE_LIMIT_PER_MINUTE`` requests,
    a long one counting for one per ``PIAO_RATE_LIMIT_CHARS_PER_REQUEST`` characters it sent.

    Dear requests (``HEAVY_COST`` or more) then wait for one another: one at a time, so that however
    many clients send maximal questions, the other threads stay free for everyone else. The body
    is already read (FastAPI validated it) and bounded by ``BodyLimitMiddleware``.
    """
    settings: Settings = request.app.state.settings
    limiter: RateLimiter = request.app.state.rate_limiter
    sent = len(await request.body()) + len(request.url.query)
    cost = request_cost(sent, settings.rate_limit_chars_per_request)
    limiter.enforce(await client_key(request), cost=cost)
    if cost < HEAVY_COST:
        yield
        return
    state = request.app.state
    if getattr(state, "heavy_requests", None) is None:
        state.heavy_requests = asyncio.Semaphore(1)
    async with state.heavy_requests:
        yield


async def feedback_limit(request: Request) -> None:
    """Refuse with 429 when this client sent more feedback than ``PIAO_FEEDBACK_PER_HOUR``."""
    limiters: Limiters = request.app.state.limiters
    limiters.feedback.enforce(await client_key(request), message="Sono già state inviate diverse segnalazioni "
                              "da questo indirizzo: riprovare più tardi.")


async def require_admin(request: Request) -> None:
    """Allow only ``Authorization: Bearer <PIAO_ADMIN_TOKEN>``; uploads are off without a token.

    401 when the header is missing or malformed, 403 when the token is wrong or none is configured.
    The comparison takes constant time; a client that sent ``PIAO_ADMIN_FAILURES_PER_MINUTE`` wrong
    tokens is answered 429 (the right token included) until its budget refills.
    """
    settings: Settings = request.app.state.settings
    failures: RateLimiter = request.app.state.limiters.admin_failures
    key = await client_key(request)
    wait = failures.retry_after(key)
    if wait > 0:
        raise too_many(wait, "Troppi tentativi con un token errato: attendere un minuto e riprovare.")
    if not settings.admin_token:
        raise ApiError(
            403,
            "upload_disabled",
            "Il caricamento dei documenti è disattivato: manca PIAO_ADMIN_TOKEN nella configurazione.",
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401,
            "unauthorized",
            "Serve l'intestazione 'Authorization: Bearer <token>' con il token di amministrazione.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        failures.check(key)
        raise ApiError(403, "forbidden", "Token di amministrazione non valido.")


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
StoreDep = Annotated[Store, Depends(get_store)]
ChatLogDep = Annotated[ChatLog | None, Depends(get_chat_log)]
RateLimited = Depends(rate_limit)
FeedbackLimited = Depends(feedback_limit)
AdminOnly = Depends(require_admin)
