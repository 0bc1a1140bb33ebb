"""``POST /api/documents`` (upload and ingest, admin only) and ``GET /api/documents``."""
from __future__ import annotations

import asyncio
import logging

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from api import upload
from api.deps import AdminOnly, SettingsDep, StoreDep, load_assistant
from api.errors import ApiError
from api.routes.common import errors
from api.schemas import DocumentList, DocumentSummary, IngestResult
from ingest.pipeline import ingest_file

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/documents", tags=["documenti"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": ".docx, .txt o .pdf"},
                        "ente": {"type": "string", "description": "Ente, es. 'Comune di Casalgrande'"},
                        "documento": {"type": "string", "description": "Chiave del documento (default: nome file)"},
                        "sostituisci": {"type": "string", "enum": ["true", "false"],
                                        "description": "'true' per sostituire un documento con la stessa "
                                        "chiave importato da un altro file"},
                    },
                }
            }
        },
    }
}


@router.get("", response_model=DocumentList, responses=errors(500))
def list_documents(store: StoreDep) -> DocumentList:
    """The stored documents."""
    return DocumentList(documents=[DocumentSummary.model_validate(d.model_dump()) for d in store.documents()])


@router.post(
    "",
    status_code=201,
    response_model=IngestResult,
    dependencies=[AdminOnly],
    openapi_extra=UPLOAD_BODY,
    responses=errors(400, 401, 403, 409, 413, 415, 422, 429, 500, 503),
)
async def upload_document(request: Request, settings: SettingsDep) -> IngestResult:
    """Upload a plan document and ingest it; answers use it from the next question, no restart.

    Requires ``Authorization: Bearer <PIAO_ADMIN_TOKEN>``; disabled when no token is configured.
    Parsing and embedding run in a child process within ``PIAO_INGEST_MEMORY_MB`` and
    ``PIAO_INGEST_TIMEOUT_S`` (422 with an Italian message when a budget is hit); a different
    document already stored under the same key is replaced only with ``sostituisci=true`` (else 409).
    """
    with upload.upload_dir() as tmp:
        received = await upload.receive(request, tmp, settings.max_file_mb)
        assert received.path is not None
        try:
            report = await anyio.to_thread.run_sync(
                lambda: ingest_file(received.path, ente=received.fields.get("ente"),  # type: ignore[arg-type]
                                    documento=received.fields.get("documento"), settings=settings,
                                    replace=received.fields.get("sostituisci", "").lower() in ("true", "1", "sì")),
                abandon_on_cancel=True,  # a server shutting down stops waiting (its shutdown stops the child)
                limiter=_ingest_limiter(request),
            )
        except asyncio.CancelledError:  # the server is stopping (SIGTERM): answer, do not die mid-request
            logger.warning("upload of %s interrupted: the server is shutting down", received.path.name)
            raise ApiError(503, "shutting_down", "Il servizio si sta arrestando: il documento non è stato "
                           "importato e l'archivio è invariato. Riprovare tra poco.") from None
    assistant = await load_assistant(request.app.state)  # the first document creates it
    if assistant is not None:
        await run_in_threadpool(assistant.refresh)
    logger.info("uploaded %s: %s, %d objectives", received.path.name, report.status, report.n_objectives)
    return IngestResult(file=received.path.name, report=report)


def _ingest_limiter(request: Request) -> CapacityLimiter:
    """Uploads wait on their child process in threads of their own: a long ingest never takes a thread
    from the answers. Two at a time (each child may use ``PIAO_INGEST_MEMORY_MB``)."""
    state = request.app.state
    if getattr(state, "ingest_limiter", None) is None:
        state.ingest_limiter = CapacityLimiter(2)
    limiter: CapacityLimiter = state.ingest_limiter
    return limiter
