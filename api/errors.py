"""Errors of the HTTP layer and the handlers that turn every failure into ``{"error", "message"}``.

    ApiError                 raised by routes and dependencies: status, error code, Italian message
    IngestError (ingest/)    mapped to its own ``status_code``, ``error`` = the class name
    HTTPException            404 / 405 / ... from routing, with an Italian message
    RequestValidationError   422, the fields at fault listed, the input never echoed
    anything else            500 "Errore interno", logged with its traceback, never returned

The 500 case is caught by :class:`CatchAllMiddleware` rather than an ``Exception`` handler, so the
response still passes through the security-headers middleware around it.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.errors import IngestError

logger = logging.getLogger(__name__)

STATUS_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "Richiesta non valida."),
    401: ("unauthorized", "Autenticazione richiesta."),
    403: ("forbidden", "Operazione non consentita."),
    404: ("not_found", "La risorsa richiesta non esiste."),
    405: ("method_not_allowed", "Metodo HTTP non consentito per questo indirizzo."),
    406: ("not_acceptable", "Formato di risposta non disponibile."),
    413: ("too_large", "La richiesta è troppo grande."),
    415: ("unsupported_media_type", "Tipo di contenuto non supportato."),
    422: ("invalid_request", "I dati inviati non sono validi."),
    429: ("too_many_requests", "Troppe richieste: riprovare tra poco."),
    500: ("internal_error", "Errore interno del servizio. Riprovare più tardi."),
    503: ("not_ready", "Il servizio non è ancora pronto."),
}


class ApiError(Exception):
    """An error the API answers on purpose, with an Italian message a clerk understands."""

    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.message = message
        self.headers = dict(headers or {})


def error_response(
    status_code: int, error: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one shape of every error body."""
    return JSONResponse({"error": error, "message": message}, status_code=status_code, headers=headers)


def _describe_validation(exc: RequestValidationError) -> str:
    """An Italian summary of what is wrong, naming the fields but never echoing the input."""
    parts: list[str] = []
    for err in exc.errors()[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        where = ".".join(loc) or "corpo della richiesta"
        parts.append(f"{where}: {_italian_reason(err)}")
    return "I dati inviati non sono validi (" + "; ".join(parts) + ")."


def _italian_reason(err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    reasons = {
        "missing": "campo obbligatorio mancante",
        "extra_forbidden": "campo non previsto",
        "bool_type": "deve essere true o false",
        "string_type": "deve essere un testo",
        "int_type": "deve essere un numero intero",
        "float_type": "deve essere un numero",
        "list_type": "deve essere un elenco",
        "literal_error": "valore non ammesso",
        "too_short": "troppo corto o vuoto",
        "too_long": "troppo lungo",
        "string_too_long": "testo troppo lungo",
        "string_too_short": "testo vuoto",
        "json_invalid": "JSON non valido",
        "model_attributes_type": "deve essere un oggetto",
        "dict_type": "deve essere un oggetto",
        "greater_than_equal": "valore troppo basso",
        "less_than_equal": "valore troppo alto",
        "value_error": "valore non valido",
    }
    return reasons.get(kind, "valore non valido")


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.error, exc.message, exc.headers)


async def _ingest_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IngestError)
    if exc.status_code >= 500:
        logger.error("ingest failed: %s", exc.message)
    return error_response(exc.status_code, type(exc).__name__, exc.message)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error, message = STATUS_MESSAGES.get(exc.status_code, ("http_error", "Richiesta non riuscita."))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return error_response(exc.status_code, error, message, headers)


def allowed_methods(request: Request) -> str:
    """Every method some route of this path accepts (Starlette names only the first route's: a path
    served by two routes, such as GET and POST ``/api/documents``, would announce one)."""
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route_methods)
    return ", ".join(sorted(methods))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_request", _describe_validation(exc))


def _routes(routes: Any) -> Iterator[Any]:
    """Every route, those of included routers too (FastAPI wraps each in an object of its own)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the ``{"error", "message"}`` shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(IngestError, _ingest_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


class CatchAllMiddleware:
    """Turns an unexpected exception into a 500 JSON body (logged with its traceback here)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:  # noqa: BLE001 - the last line of defence: logged, answered as a 500
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            error, message = STATUS_MESSAGES[500]
            await error_response(500, error, message)(scope, receive, send)
