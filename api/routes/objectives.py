"""Objective records: filtered list, one record, CSV/XLSX export, quality report, weight table,
guided questions."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import export
from api.deps import SettingsDep, StoreDep
from api.errors import ApiError
from api.guided import guided_groups
from api.identity import body_name
from api.routes.common import errors
from api.schemas import GuidedQuestions, ObjectiveList, QualityDocument, QualityReport, StatoStorico
from api.search import matches, phrases
from api.status import synthetic_status
from api.weights import WeightTable, weight_table
from ingest.settings import Settings
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
        pnrr: Annotated[bool | None, Query(description="true: solo obiettivi collegati al PNRR; false: solo gli "
                                           "altri")] = None,
        anno: Annotated[int | None, Query(ge=1900, le=2200, description="Con un indicatore di quell'anno")] = None,
        text: Annotated[str | None, Query(max_length=200, description="Parole da cercare nei valori del "
                                          "record (non nei nomi dei campi)")] = None,
        stato: Annotated[Literal["concluso", "in corso", "non avviato", "non indicato"] | None,
                         Query(description="Stato sintetico (regola nel README)")] = None,
        documento: Annotated[str | None, Query(max_length=255)] = None,
    ) -> None:
        self.store_filters = {
            "settore": settore or None,
            "classificazione": classificazione or None,
            "responsabile": responsabile or None,
            "anno": anno,
            "has_pnrr": pnrr,  # the database keeps whether each record names a PNRR measure
        }
        self.text = text or ""
        self.stato = stato
        self.documento = documento or None

    def key(self) -> tuple[Any, ...]:
        """The filters as a hashable value (two requests with the same key get the same records)."""
        return (*sorted(self.store_filters.items()), tuple(phrases(self.text)), self.stato, self.documento)

    def in_store(self) -> bool:
        """Whether every filter is one the database applies exactly (no status or text filter)."""
        return self.stato is None and not phrases(self.text)

    def apply(self, store: Store) -> list[Objective]:
        """The stored records matching every filter. The text (see ``api/search.py``): the database finds
        the records holding its words in order, which are checked value by value here; whole words
        first, then the last word as a word start."""
        for phrase in phrases(self.text) or [None]:
            found = store.objectives(self.documento, **self.store_filters, contains=phrase)
            if phrase is not None:
                found = [o for o in found if matches(o, phrase)]
            if self.stato is not None:
                found = [o for o in found if synthetic_status(o).stato == self.stato]
            if found:
                break
        return found


FiltersDep = Annotated[ObjectiveFilters, Depends()]


PAGE_DEFAULT, PAGE_MAX = 200, 2000  # objectives per page of the list (the exports are whole)
OFFSET_MAX = 1_000_000_000  # beyond any store, within the database's integers
PAGES_KEPT = 64  # pages of the list kept, as sent, for the store's current revision


class KeptPages:
    """Pages of the list as sent (JSON bytes), for one store revision: the evaluators' page asks the
    same filters again and again, and until a document is written the answer cannot change. Bounded
    (least recently used out); a new revision drops them all. Thread-safe."""

    def __init__(self, size: int = PAGES_KEPT) -> None:
        self.size, self.revision = size, ""
        self._pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, revision: str, key: Hashable) -> bytes | None:
        with self._lock:
            if revision != self.revision:
                return None
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, revision: str, key: Hashable, body: bytes) -> None:
        with self._lock:
            if revision != self.revision:
                self.revision = revision
                self._pages.clear()
            self._pages[key] = body
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


@router.get("/objectives", response_model=ObjectiveList, responses={304: {"description": "Non cambiata "
            "(If-None-Match)"}, **errors(422, 500)})
def list_objectives(
    request: Request, filters: FiltersDep, store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description="Obiettivi per pagina")] = PAGE_DEFAULT,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX, description="Quanti obiettivi saltare (pagine successive)")] = 0,
) -> Response:
    """The stored objectives, filtered, one page at a time (``count`` is how many match in all).

    A page is the same until a document is written: it carries an ``ETag`` (304 to a matching
    ``If-None-Match``), and the last pages sent are kept for the store's revision (``PAGES_KEPT``)."""
    revision = store.revision()
    key = (filters.key(), limit, offset)
    tag = f'W/"{revision}-{hashlib.sha256(repr(key).encode()).hexdigest()[:16]}"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    kept: KeptPages = request.app.state.objective_pages
    body = kept.get(revision, key)
    if body is None:
        body = page_of(store, filters, limit, offset).model_dump_json(by_alias=True).encode("utf-8")
        kept.put(revision, key, body)
    return Response(body, media_type="application/json", headers=headers)


def page_of(store: Store, filters: ObjectiveFilters, limit: int, offset: int) -> ObjectiveList:
    """One page of the filtered list, with the statuses of its objectives."""
    if filters.in_store():  # the database filters and pages: nothing else is read
        count = store.count_objectives(filters.documento, **filters.store_filters)
        page = store.objectives(filters.documento, limit=limit, offset=offset, **filters.store_filters)
    else:
        found = filters.apply(store)
        count, page = len(found), found[offset:offset + limit]
    return ObjectiveList(count=count, offset=offset, limit=limit, objectives=page, stato_storico=_history(store, page),
                         stato_sintetico={o.key: synthetic_status(o) for o in page})


def _history(store: Store, objectives: list[Objective]) -> dict[str, list[StatoStorico]]:
    """Each objective's statuses across the monitoring versions of its plan, when there are several
    (read for the documents and bodies of these objectives only)."""
    plans = {}
    for documento in dict.fromkeys(o.documento for o in objectives):
        info = store.document(documento)
        if info is not None:
            plans[documento] = (info.ente or "", info.periodo or "")
    by_plan: dict[tuple[str, str, str], list[StatoStorico]] = {}
    entes = {plans.get(o.documento, ("", ""))[0] or None for o in objectives}
    for entry in (e for ente in entes for e in store.status_history(ente=ente)):
        by_plan.setdefault((entry.ente or "", entry.periodo or "", entry.objective_id), []).append(
            StatoStorico(data=entry.data, testo=entry.testo, documento=entry.documento))
    out = {}
    for obj in objectives:
        entries = by_plan.get((*plans.get(obj.documento, ("", "")), obj.id), [])
        if len(entries) > 1:
            out[obj.key] = entries
    return out


def _attachment(settings: Settings, store: Store, found: list[Objective], extension: str) -> dict[str, str]:
    name = export.file_name(body_name(settings, store), [o.documento for o in found], date.today(), extension)
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(
    "/objectives.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV, una riga per obiettivo"}, **errors(422)},
)
def objectives_csv(filters: FiltersDep, store: StoreDep, settings: SettingsDep) -> Response:
    """The filtered objectives as CSV for Italian spreadsheets (``;``, decimal comma, UTF-8 with BOM)."""
    found = filters.apply(store)
    return Response(export.to_csv(found), media_type="text/csv; charset=utf-8",
                    headers=_attachment(settings, store, found, "csv"))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/objectives.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Foglio Excel: obiettivi, indicatori per anno, "
                     "qualità dei dati"}, **errors(422)},
)
async def objectives_xlsx(filters: FiltersDep, store: StoreDep, settings: SettingsDep) -> Response:
    """The filtered objectives as an Excel workbook (with indicators per year and the quality report)."""
    found = await run_in_threadpool(filters.apply, store)
    documents = {o.documento for o in found}
    reports = [(d.documento, d.quality) for d in store.documents() if d.documento in documents]
    body = await run_in_threadpool(export.to_xlsx, found, reports)
    return Response(body, media_type=XLSX, headers=_attachment(settings, store, found, "xlsx"))


@router.get("/weights", response_model=WeightTable, responses=errors(422))
def weights(store: StoreDep,
            documento: Annotated[str | None, Query(max_length=255)] = None) -> WeightTable:
    """The sum of the weights per document, sector and year, with the objectives of each sum."""
    return weight_table(store.objectives(documento or None))


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
def guided(store: StoreDep, limit: Annotated[int, Query(ge=1, le=40)] = 12) -> GuidedQuestions:
    """Questions as a citizen would ask them about the plan's citizen-facing objectives, grouped by need."""
    groups = guided_groups(store.objectives(), limit)
    return GuidedQuestions(groups=groups, questions=[q for g in groups for q in g.questions])
