"""Dependencies of the routes, as ``Annotated`` aliases so that routes read like sentences.

Everything a route needs lives on ``app.state`` (set up once in the lifespan of ``create_app``):
the settings, the shared assistant, the record store, the rate limiter and the chat log.
"""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from api.chatlog import ChatLog
from api.errors import ApiError
from api.security import RateLimiter
from assistant import Assistant
from ingest.settings import Settings
from ingest.store import Store


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_assistant(request: Request) -> Assistant:
    """The process-wide assistant, refreshed when the store changed since the last request."""
    assistant: Assistant = request.app.state.assistant
    assistant.refresh()
    return assistant


def get_store(request: Request) -> Store:
    """The record store (source of truth for lists, tables and exports)."""
    return request.app.state.store


def get_chat_log(request: Request) -> ChatLog | None:
    """The chat log, or ``None`` when chats are not logged (the default)."""
    return request.app.state.chat_log


def client_key(request: Request) -> str:
    """The rate-limit key: the client address (uvicorn resolves trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


def rate_limit(request: Request) -> None:
    """Refuse with 429 when this client asked too often in the last minute."""
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.enforce(client_key(request))


def require_admin(request: Request) -> None:
    """Allow only ``Authorization: Bearer <PIAO_ADMIN_TOKEN>``; uploads are off without a token.

    401 when the header is missing or malformed, 403 when the token is wrong or none is configured.
    The comparison takes constant time.
    """
    settings: Settings = request.app.state.settings
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
        raise ApiError(403, "forbidden", "Token di amministrazione non valido.")


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
StoreDep = Annotated[Store, Depends(get_store)]
ChatLogDep = Annotated[ChatLog | None, Depends(get_chat_log)]
RateLimited = Depends(rate_limit)
AdminOnly = Depends(require_admin)
