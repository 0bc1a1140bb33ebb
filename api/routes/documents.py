"""``POST /api/documents`` (upload and ingest, admin only) and ``GET /api/documents``."""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from api import upload
from api.deps import AdminOnly, SettingsDep, StoreDep, load_assistant
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
    responses=errors(400, 401, 403, 413, 415, 422, 500),
)
async def upload_document(request: Request, settings: SettingsDep) -> IngestResult:
    """Upload a plan document and ingest it; answers use it from the next question, no restart.

    Requires ``Authorization: Bearer <PIAO_ADMIN_TOKEN>``; disabled when no token is configured.
    """
    with tempfile.TemporaryDirectory(prefix="piao-upload-") as tmp:
        received = await upload.receive(request, Path(tmp), settings.max_file_mb)
        assert received.path is not None
        report = await run_in_threadpool(
            ingest_file,
            received.path,
            ente=received.fields.get("ente"),
            documento=received.fields.get("documento"),
            settings=settings,
        )
    assistant = await load_assistant(request.app.state)  # the first document creates it
    if assistant is not None:
        await run_in_threadpool(assistant.refresh)
    logger.info("uploaded %s: %s, %d objectives", received.path.name, report.status, report.n_objectives)
    return IngestResult(file=received.path.name, report=report)
