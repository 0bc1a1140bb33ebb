"""``GET /healthz`` (the process is up) and ``GET /readyz`` (store and index loaded, and agreeing)."""
from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from api.errors import ApiError
from api.routes.common import errors
from api.schemas import Health
from ingest.settings import Settings

router = APIRouter(tags=["salute"])
AGREEMENT_TTL_S = 10.0
"""How long a store/index comparison is reused: it reads the whole index, too dear for every probe."""


@router.get("/healthz", response_model=Health, responses=errors(500))
@router.head("/healthz", include_in_schema=False)
async def healthz() -> Health:
    """The process answers (async: never queued behind answers in the thread pool)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=errors(503))
@router.head("/readyz", include_in_schema=False)
async def readyz(request: Request) -> Health:
    """Ready when the assistant is loaded, the store holds a document and the index agrees with it."""
    state = request.app.state
    documents = await run_in_threadpool(state.store.documents)
    if not documents:
        raise ApiError(503, "no_documents", "Nessun documento caricato: eseguire `piao ingest` su un piano.")
    if getattr(state, "assistant", None) is None:
        raise ApiError(503, "not_ready", "L'assistente non è ancora caricato.")
    problems = await _disagreements(request)
    if problems:
        raise ApiError(503, "index_out_of_step",
                       "L'indice di ricerca non corrisponde all'archivio (" + "; ".join(problems[:3]) + "): "
                       "riavviare il servizio, che lo ripara all'avvio, oppure eseguire `piao repair`.")
    return Health(status="ready", documents=len(documents),
                  objectives=await run_in_threadpool(state.store.count_objectives))


async def _disagreements(request: Request) -> list[str]:
    state = request.app.state
    checked = getattr(state, "agreement", None)
    if checked is not None and time.monotonic() - checked[0] < AGREEMENT_TTL_S:
        return list(checked[1])
    problems = await run_in_threadpool(disagreements, state.settings)
    state.agreement = (time.monotonic(), problems)
    return problems


def disagreements(settings: Settings) -> list[str]:
    """Where the index and the store disagree (see ``Ingestor.disagreements``)."""
    from ingest.pipeline import Ingestor

    ingestor = Ingestor(settings)
    try:
        return ingestor.disagreements()
    finally:
        ingestor.close()
