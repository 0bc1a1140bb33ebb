"""Rows of a matrix table (labels across the header, one objective or one indicator per row): a
mixin of the objective builder (``objectives._Builder``), which owns the state it reads.

A row opens an objective when its title differs from the open one's; a row without a title, or
with the same title (a vertically merged cell), adds indicators to it. Rows across the table set
the sector or an objective field for the rows below. Several indicators may be written on the
lines of one cell, each target on the matching line of its cell.
"""
from __future__ import annotations

import re

from ingest.columns import Span
from ingest.drafts import Draft, Header, SectorHeading, column_years
from ingest.labels import label_kind, match_field, sector_heading
from ingest.layout import TableReading, repeated_fields, split_indicators, split_label_value
from ingest.stato import iso_date
from ingest.text import null_if_empty, slugify
from ingest.types import StatoAttuazione

_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


class MatrixRows:
    """Matrix headers and rows; the attributes below are the builder's."""

    header: Header | None
    draft: Draft | None
    reading: TableReading
    context: dict[str, str]
    sectors: list[SectorHeading]

    def _open(self) -> Draft: ...
    def _warn(self, message: str) -> None: ...
    def _index(self) -> int: ...
    def _title(self) -> str: ...
    def _indicator(self, values: dict[str, str | None]) -> None: ...
    def _mapped(self, cell: str, found: str | None) -> None: ...

    def _set_row_header(self, cells: list[str], spans: list[Span] | None) -> None:
        """A header with both objective and indicator columns (a matrix): each row below is an
        objective, or one indicator of the objective named in the row (or in the rows above)."""
        scopes: list[str | None] = []
        fields: list[str | None] = []
        for cell in cells:
            indicator_field = match_field(cell, "indicator") if cell else None
            objective_field = match_field(cell, "objective") if cell else None
            if indicator_field == "peso":  # the objective's weight, or its indicators': its rows decide
                scopes.append("peso")
                fields.append("peso")
            elif indicator_field is not None:
                scopes.append("indicator")
                fields.append(indicator_field)
            elif cell and objective_field is None and label_kind(cell) == "stato":
                scopes.append("stato")
                fields.append("stato_attuazione")
            else:
                scopes.append("objective" if objective_field else None)
                fields.append(objective_field)
        years = column_years(cells, fields, scopes)
        for i in repeated_fields(fields, years, scopes):
            fields[i] = scopes[i] = None
        for cell, name, year in zip(cells, fields, years or [None] * len(cells), strict=True):
            if cell:
                self._mapped(cell, f"{name} ({year})" if year and name else name)
        self.header = Header(indicator=True, fields=fields, grid=spans, years=years, scopes=scopes, labels=cells)

    def _objective_row(self, cells: list[str]) -> None:
        """One row of a matrix: a new objective (a title other than the open one's) with its fields,
        or more indicators of the open objective (no title, or the same title: a merged cell)."""
        header = self.header
        assert header is not None
        objective = {f: null_if_empty(c) for f, c, k in zip(header.fields, cells, header.scopes,
                                                                  strict=True) if k == "objective" and f}
        title = objective.get("titolo")
        draft = self.draft
        if title is not None and (draft is None or draft.values.get("titolo") != title or draft.table != self._index()
                                  and draft.stato is not None):
            draft = self._open()
            draft.values.update({**draft.context, **objective})
        elif draft is None:
            self._warn(f"tabella {self._index()}: riga senza titolo di obiettivo, ignorata.")
            return
        else:
            draft.values.update({k: v for k, v in objective.items() if v is not None and draft.values.get(k) is None})
        for cell, scope, label in zip(cells, header.scopes, header.labels, strict=False):
            if scope == "stato":
                add_stato(draft, label, cell)
        start = len(draft.indicators)
        if header.years:
            self._indicators_by_year(cells)
        else:
            values = {f: null_if_empty(c) for f, c, k in zip(header.fields, cells, header.scopes, strict=True)
                      if k == "indicator" and f}
            for one in self._split(values):
                self._indicator(one)
        weight = next((null_if_empty(c) for c, k in zip(cells, header.scopes, strict=True) if k == "peso"), None)
        if "peso" in header.scopes:
            draft.row_weights.append((weight, start, len(draft.indicators)))

    def _split(self, values: dict[str, str | None]) -> list[dict[str, str | None]]:
        parts = split_indicators(values)
        if parts is None:
            self._warn(f"tabella {self._index()}: {self._title()}: gli indicatori su più righe non corrispondono "
                       "alle righe dei target; letti come un solo indicatore.")
            return [values]
        return parts

    def _context(self, text: str) -> None:
        """A row across the table: a sector (``SETTORE ...``), an objective field for the rows
        below (``Obiettivo strategico: ...``), or a grouping noted for --explain."""
        heading = sector_heading(text, looks_like_heading=True)
        if heading is not None:
            self.sectors.append(SectorHeading(name=heading.name, declared_count=heading.declared_count,
                                              slug=slugify(heading.slug_base)))
            self.draft = None
            self.context = {}
            self.reading.note.append(f"riga di settore: {heading.name!r}")
            return
        pair = split_label_value(text)
        if pair is not None:
            name = match_field(pair[0], "objective")
            assert name is not None
            self.context = {**self.context, name: pair[1]}
            self.reading.note.append(f"riga di contesto: {name} = {pair[1][:60]!r}")
            return
        self.reading.note.append(f"riga di raggruppamento senza campo: {text[:60]!r}")

    def _indicators_by_year(self, cells: list[str]) -> None:
        """A row of a header with one column per year ('Target 2024 | Target 2025'): one indicator a year."""
        assert self.header is not None
        common: dict[str, str | None] = {}
        by_year: dict[int, dict[str, str | None]] = {}
        scopes = self.header.scopes or ["indicator"] * len(cells)
        for name, cell, year, kind in zip(self.header.fields, cells, self.header.years, scopes, strict=True):
            if name is not None and name not in ("anno", "stato_attuazione") and kind == "indicator":
                (common if year is None else by_year.setdefault(year, {}))[name] = null_if_empty(cell)
        per_year = {year: split_indicators({**common, **values}) for year, values in by_year.items()}
        counts = {len(parts) for parts in per_year.values() if parts is not None}
        if None in per_year.values() or len(counts) > 1:
            self._warn(f"tabella {self._index()}: {self._title()}: gli indicatori su più righe non corrispondono "
                       "alle righe dei target; letti come un solo indicatore.")
            per_year = {year: [{**common, **values}] for year, values in by_year.items()}
        lines = max((len(p) for p in per_year.values() if p), default=0)
        for line in range(lines):
            for year in sorted(per_year):
                parts = per_year[year]
                assert parts is not None
                own = {k: parts[line].get(k) for k in by_year[year]}
                if any(v is not None for v in own.values()):
                    self._indicator({**parts[line], "anno": str(year)})


def add_stato(draft: Draft, label: str, text: str | None) -> None:
    """A monitoring column's cell: the objective's status (dated by the column label); the texts of
    its several rows are joined, a text repeated by a merged cell only once."""
    text = null_if_empty(text)
    if draft.stato is None:
        draft.stato = StatoAttuazione(data=iso_date(label), testo=text)
    elif text is not None and f"\n{text}\n" not in f"\n{draft.stato.testo or ''}\n":
        draft.stato.testo = text if draft.stato.testo is None else f"{draft.stato.testo}\n{text}"
