"""The per-sector weight table of /valutazione: for each document, sector and year, the sum of the
objectives' weights (the quality report's rule: ``'30'`` counts as 30%, a weight stated once for the
objective counts for its first year), with the objectives involved named by their titles."""
from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from pydantic import BaseModel

from ingest.quality import build_report_from_objectives
from ingest.types import Objective


class WeightItem(BaseModel):
    objective_id: str
    titolo: str
    peso: str  # as written in the document


class SectorYearWeight(BaseModel):
    documento: str
    settore: str
    anno: int | None
    totale: float  # percent
    ok: bool  # sums to 100
    obiettivi: list[WeightItem]
    spiegazione: str  # the finding in words


class WeightTable(BaseModel):
    anni: list[int]
    righe: list[SectorYearWeight]


def _pct(value: float) -> str:
    return f"{value:g}".replace(".", ",") + "%"


def _explain(settore: str, anno: int | None, totale: float, items: list[WeightItem]) -> str:
    year = f"nel {anno}" if anno is not None else "(anno non indicato)"
    if abs(totale - 100) < 0.01:
        return f"{settore} {year}: i pesi sommano a 100%."
    parts = "; ".join(f"«{i.titolo}» {i.peso}" for i in items)
    return f"{settore} {year}: i pesi sommano a {_pct(totale)} invece di 100% ({parts})."


def weight_table(objectives: Sequence[Objective]) -> WeightTable:
    """The weight sums per document, sector and year, in document order."""
    rows: list[SectorYearWeight] = []
    by_doc = sorted(objectives, key=lambda o: o.documento)
    for documento, group in groupby(by_doc, key=lambda o: o.documento):
        records = list(group)
        titles = {o.id: " ".join(o.titolo.split()) for o in records}
        for w in build_report_from_objectives(records).weights:
            items = []
            for entry in w.pesi:  # "finanziario-1: 40%"
                oid, _, peso = entry.partition(": ")
                items.append(WeightItem(objective_id=oid, titolo=titles.get(oid, oid), peso=peso))
            rows.append(SectorYearWeight(
                documento=documento, settore=w.settore, anno=w.anno, totale=w.totale, ok=w.ok,
                obiettivi=items, spiegazione=_explain(w.settore, w.anno, w.totale, items)))
    years = sorted({r.anno for r in rows if r.anno is not None})
    return WeightTable(anni=years, righe=rows)
