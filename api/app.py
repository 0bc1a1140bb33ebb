"""The FastAPI application: ``create_app(settings)``, run with
``uvicorn.run("api.app:create_app", factory=True)`` (that is what ``piao serve`` does).

One assistant per process, loaded at start-up and kept on ``app.state``; the API keeps no
per-user state, so several replicas can run behind a load balancer.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.chatlog import ChatLog
from api.deps import load_assistant
from api.errors import CatchAllMiddleware, install_error_handlers
from api.limits import BodyLimitMiddleware
from api.logs import hide_query_strings
from api.routes import ALL as ROUTERS
from api.routes.feedback import prune_feedback
from api.routes.objectives import KeptPages
from api.routes.pages import WEB_DIR
from api.security import Limiters, SecurityHeadersMiddleware, configure_cors
from api.upload import remove_stale_uploads
from ingest.sandbox import stop_all as stop_ingests
from ingest.settings import Settings, get_settings
from ingest.store import Store

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "node_modules" / "bootstrap-italia" / "dist"

DESCRIPTION = """Risposte sugli obiettivi di performance del PIAO, con le citazioni dei record da cui provengono.

Ogni errore ha la forma `{"error": "<codice>", "message": "<spiegazione in italiano>"}`."""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the thread pool, open the store, repair the index, load the shared assistant, prune the logs;
    close the store at shutdown."""
    settings: Settings = app.state.settings
    anyio.to_thread.current_default_thread_limiter().total_tokens = assistant_threads(settings)
    await run_in_threadpool(remove_stale_uploads)
    await run_in_threadpool(repair_index, settings)
    app.state.store = Store(settings)
    app.state.assistant = None
    app.state.assistant_lock = asyncio.Lock()
    app.state.objective_pages = KeptPages()
    await load_assistant(app.state)
    chat_log = ChatLog.from_settings(settings)
    if chat_log is not None:
        await run_in_threadpool(chat_log.prune)
    app.state.chat_log = chat_log
    await run_in_threadpool(prune_feedback, settings)
    try:
        yield
    finally:
        stopped = stop_ingests()
        if stopped:
            logger.warning("shutting down: %d running ingests stopped (nothing of them was stored)", stopped)
        app.state.store.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: the process settings from the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Assistente PIAO",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # the Swagger/ReDoc pages load scripts from a CDN, which the CSP forbids
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.limiters = Limiters.from_settings(settings)
    app.state.rate_limiter = app.state.limiters.requests
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    _mount_static(app)
    configure_cors(app, settings)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: also on the 500s of CatchAllMiddleware
    if not settings.log_chats:
        hide_query_strings()  # search terms are what people asked: kept only where chats are kept
    return app


def assistant_threads(settings: Settings) -> int:
    """Threads that compute answers (and other blocking work) at once: ``PIAO_ASSISTANT_THREADS``, else
    one per core this process may use. More would only queue for the cores while holding memory."""
    if settings.assistant_threads > 0:
        return settings.assistant_threads
    return max(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 2)


def repair_index(settings: Settings) -> None:
    """Make the index agree with the store (what an ingest killed half-way left), before serving."""
    from ingest.errors import IngestError
    from ingest.pipeline import Ingestor

    ingestor = Ingestor(settings)
    try:
        ingestor.recover()
    except IngestError as exc:
        logger.error("index repair at start-up failed (answers may miss entries): %s", exc.message)
    finally:
        ingestor.close()


VENDOR_CSS = "css/bootstrap-italia.min.css"
_DATA_FONT_FACE = re.compile(r"@font-face\{[^}]*url\(data:[^}]*\}")


@lru_cache(maxsize=1)
def vendor_css() -> str:
    """Bootstrap Italia's CSS without its one ``data:`` font (video.js icons, unused here): the CSP
    ``font-src 'self'`` would block it and log an error on every page."""
    return _DATA_FONT_FACE.sub("", (VENDOR_DIR / VENDOR_CSS).read_text(encoding="utf-8"))


def _mount_static(app: FastAPI) -> None:
    if VENDOR_DIR.is_dir():

        @app.get(f"/static/vendor/bootstrap-italia/{VENDOR_CSS}", include_in_schema=False)
        def bootstrap_italia_css() -> Response:
            return Response(vendor_css(), media_type="text/css; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=3600"})

        app.mount("/static/vendor/bootstrap-italia", StaticFiles(directory=VENDOR_DIR), name="vendor")
    else:
        logger.warning("Bootstrap Italia not found in %s: run `npm ci` (make setup); pages will look plain",
                       VENDOR_DIR)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
