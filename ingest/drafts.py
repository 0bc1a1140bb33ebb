"""Objectives being built (drafts), the header in force, and drafts -> ``Objective`` records (pure).

``objectives.py`` walks a document and fills drafts; ``records`` turns them into records: the id
from the sector's slug and the ordinal, the weight of a matrix objective resolved from its rows,
no record without a title (a warning instead).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from ingest.columns import Span
from ingest.labels import OBJECTIVE_FIELDS
from ingest.text import slugify
from ingest.types import Fonte, Indicator, Objective, StatoAttuazione

_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


class SectorHeading(BaseModel):
    """A ``SETTORE ... (N OBIETTIVI)`` heading of the document."""

    name: str  # as written without the count, white space collapsed: 'SETTORE FINANZIARIO'
    declared_count: int | None = None
    first_table: int | None = None  # index of the first objective table under it
    slug: str


@dataclass
class Header:
    indicator: bool  # an indicator header (rows below are indicators) or objective fields
    fields: list[str | None]
    grid: list[Span] | None
    years: list[int | None] = field(default_factory=list)  # per column: the year its label names ("Target 2024")
    # a header mixing objective and indicator columns, one objective per row: each column's kind
    # ('objective', 'indicator', 'peso': the objective's or its indicators', 'stato', None)
    scopes: list[str | None] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


@dataclass
class Draft:
    sector: SectorHeading | None
    table: int
    page: int | None
    values: dict[str, str | None] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)
    stato: StatoAttuazione | None = None
    last_year: int | None = None
    # matrix rows of the objective: (the row's Peso cell, indicators it gave: start, end)
    row_weights: list[tuple[str | None, int, int]] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)  # from rows spanning the table

    @property
    def closed(self) -> bool:
        return bool(self.indicators) or self.stato is not None


def column_years(cells: list[str], fields: list[str | None], scopes: list[str | None]) -> list[int | None]:
    """Per indicator column, the year its label names ('Target 2024'); empty when no label names one."""
    years = []
    for cell, name, scope in zip(cells, fields, scopes, strict=True):
        match = _YEAR.search(cell) if scope == "indicator" and name not in (None, "anno", "baseline") else None
        years.append(int(match.group(1)) if match else None)
    return years if any(years) else []


def records(drafts: list[Draft], documento: str, ente: str | None, file: str,
             warnings: list[str]) -> list[Objective]:
    ordinals: dict[str, int] = {}
    records: list[Objective] = []
    for draft in drafts:
        titolo = draft.values.get("titolo")
        if titolo is None:
            warnings.append(f"tabella {draft.table}: obiettivo senza titolo, non importato "
                            f"({len(draft.indicators)} indicatori).")
            continue
        _resolve_weights(draft)
        if draft.sector is not None:
            settore, slug = draft.sector.name, draft.sector.slug
        else:
            settore = draft.values.get("settore_cdr") or "Settore non indicato"
            slug = slugify(settore)
            warnings.append(f"tabella {draft.table}: obiettivo senza intestazione di settore sopra: "
                            f"uso {settore!r}.")
        ordinals[slug] = ordinals.get(slug, 0) + 1
        fields = {k: draft.values.get(k) for k in OBJECTIVE_FIELDS if k != "titolo"}
        records.append(Objective(
            id=f"{slug}-{ordinals[slug]}", ente=ente, documento=documento, settore=settore,
            titolo=titolo, indicatori=draft.indicators, stato_attuazione=draft.stato,
            fonte=Fonte(file=file, tabella=draft.table, pagina=draft.page), **fields,
        ))
    return records


def _resolve_weights(draft: Draft) -> None:
    """A matrix's Peso column: one weight for the objective when its rows state one (a single row,
    the same weight on every row, or a weight on the first row only: a merged cell, which a text
    export writes once); else each row's weight is its indicators'."""
    if not draft.row_weights:
        return
    first = draft.row_weights[0][0]
    if all(w in (first, None) for w, _, _ in draft.row_weights[1:]):
        if draft.values.get("peso") is None:
            draft.values["peso"] = first
        return
    for weight, start, end in draft.row_weights:
        for indicator in draft.indicators[start:end]:
            indicator.peso = weight
