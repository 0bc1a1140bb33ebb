"""``GET /healthz`` (the process is up) and ``GET /readyz`` (store and index loaded)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from api.errors import ApiError
from api.routes.common import errors
from api.schemas import Health

router = APIRouter(tags=["salute"])


@router.get("/healthz", response_model=Health, responses=errors(500))
@router.head("/healthz", include_in_schema=False)
def healthz() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=errors(503))
@router.head("/readyz", include_in_schema=False)
def readyz(request: Request) -> Health:
    """Ready when the assistant is loaded and the store holds at least one document."""
    state = request.app.state
    documents = state.store.documents()
    if not documents:
        raise ApiError(503, "no_documents", "Nessun documento caricato: eseguire `piao ingest` su un piano.")
    if getattr(state, "assistant", None) is None:
        raise ApiError(503, "not_ready", "L'assistente non è ancora caricato.")
    return Health(status="ready", documents=len(documents), objectives=state.store.count_objectives())
