"""Objective records: filtered list, one record, CSV/XLSX export, quality report, guided questions."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import export
from api.deps import StoreDep
from api.errors import ApiError
from api.guided import fold, guided_questions
from api.routes.common import errors
from api.schemas import GuidedQuestions, ObjectiveList, QualityDocument, QualityReport, StatoStorico
from ingest.store import Store
from ingest.types import Objective

router = APIRouter(prefix="/api", tags=["obiettivi"])


class ObjectiveFilters:
    """The query parameters shared by the list and the exports."""

    def __init__(
        self,
        settore: Annotated[str | None, Query(max_length=200, description="Parte del nome del settore")] = None,
        classificazione: Annotated[str | None, Query(max_length=200)] = None,
        responsabile: Annotated[str | None, Query(max_length=200, description="Parte del nome")] = None,
        pnrr: Annotated[bool | None, Query(description="true: solo obiettivi collegati al PNRR")] = None,
        anno: Annotated[int | None, Query(ge=1900, le=2200, description="Con un indicatore di quell'anno")] = None,
        text: Annotated[str | None, Query(max_length=200, description="Testo da cercare nel record")] = None,
        documento: Annotated[str | None, Query(max_length=255)] = None,
    ) -> None:
        self.store_filters = {
            "settore": settore or None,
            "classificazione": classificazione or None,
            "responsabile": responsabile or None,
            "has_pnrr": pnrr,
            "anno": anno,
        }
        self.phrase = fold(text or "")
        self.documento = documento or None

    def apply(self, store: Store) -> list[Objective]:
        """The stored records matching every filter (text: the phrase anywhere in the record, as a
        browser's find does, accents, case and spacing ignored)."""
        found = store.objectives(self.documento, **self.store_filters)
        if not self.phrase:
            return found
        return [o for o in found if self.phrase in _searchable(o)]


def _searchable(obj: Objective) -> str:
    return fold(obj.model_dump_json(exclude={"fonte"}))


FiltersDep = Annotated[ObjectiveFilters, Depends()]


@router.get("/objectives", response_model=ObjectiveList, responses=errors(422, 500))
def list_objectives(filters: FiltersDep, store: StoreDep) -> ObjectiveList:
    """The stored objectives, filtered."""
    found = filters.apply(store)
    return ObjectiveList(count=len(found), objectives=found, stato_storico=_history(store, found))


def _history(store: Store, objectives: list[Objective]) -> dict[str, list[StatoStorico]]:
    """Each objective's statuses across the monitoring versions of its plan, when there are several."""
    plans = {d.documento: (d.ente or "", d.periodo or "") for d in store.documents()}
    by_plan: dict[tuple[str, str, str], list[StatoStorico]] = {}
    for entry in store.status_history():
        by_plan.setdefault((entry.ente or "", entry.periodo or "", entry.objective_id), []).append(
            StatoStorico(data=entry.data, testo=entry.testo, documento=entry.documento))
    out = {}
    for obj in objectives:
        entries = by_plan.get((*plans.get(obj.documento, ("", "")), obj.id), [])
        if len(entries) > 1:
            out[obj.key] = entries
    return out


@router.get(
    "/objectives.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV, una riga per obiettivo"}, **errors(422)},
)
def objectives_csv(filters: FiltersDep, store: StoreDep) -> Response:
    """The filtered objectives as CSV (UTF-8 with BOM)."""
    return Response(
        export.to_csv(filters.apply(store)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="obiettivi.csv"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/objectives.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Foglio Excel, una riga per obiettivo"}, **errors(422)},
)
async def objectives_xlsx(filters: FiltersDep, store: StoreDep) -> Response:
    """The filtered objectives as an Excel workbook."""
    found = await run_in_threadpool(filters.apply, store)
    body = await run_in_threadpool(export.to_xlsx, found)
    return Response(body, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="obiettivi.xlsx"'})


@router.get("/objectives/{key:path}", response_model=Objective, responses=errors(404, 409, 422))
def get_objective(key: str, store: StoreDep) -> Objective:
    """One objective by ``documento/id``, or by ``id`` when only one document has it."""
    found = store.get_objective(key)
    if found is not None:
        return found
    if "/" not in key:
        matches = [o.key for o in store.objectives() if o.id == key]
        if len(matches) > 1:
            raise ApiError(409, "ambiguous_id", f"L'identificativo «{key}» esiste in più documenti: "
                           f"usare documento/id ({', '.join(matches[:5])}).")
    raise ApiError(404, "objective_not_found", f"Nessun obiettivo con identificativo «{key}».")


@router.get("/quality", response_model=QualityReport, responses=errors(500))
def quality(store: StoreDep) -> QualityReport:
    """The data-quality report of each stored document (warnings found at ingest)."""
    return QualityReport(documents=[
        QualityDocument(
            documento=d.documento, file=d.file, n_objectives=d.n_objectives,
            quality=d.quality, quality_text=d.quality_text,
        )
        for d in store.documents()
    ])


@router.get("/guided-questions", response_model=GuidedQuestions, responses=errors(422))
def guided(store: StoreDep, limit: Annotated[int, Query(ge=1, le=20)] = 6) -> GuidedQuestions:
    """Plain-language questions about the plan's citizen-facing objectives (for the citizen desk)."""
    return GuidedQuestions(questions=guided_questions(store.objectives(), limit))
