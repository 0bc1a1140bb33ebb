"""Objective tables -> ``Objective`` records (pure: no file, database or model).

Tables are recognised by their labels (``labels.yaml``), not by position. Rows are of three
kinds: a header row (every non-empty cell a label) that maps the columns of the rows below it;
a ``label | value`` row; a data row, read through the last header. A header naming indicator
columns (Anno, Indicatore, Target...) makes the data rows below it indicator rows; otherwise
its data row holds objective fields (destinatari, responsabile, peso, ...).

An objective starts at the first objective field after the previous objective's indicators or
status, or when a field it already has comes again (so a table may hold several objectives,
each from its ``Classificazione`` row, and an objective may go on in the next table). The sector
is the ``SETTORE ... (N OBIETTIVI)`` heading above; the status is the ``Stato di attuazione al
DD/MM/YYYY`` row, or a paragraph with that label right after the table (its text inline after
the label, or in the paragraphs that follow, up to the next heading or table). Text stays as
written. A text export has no styles: there a short line without closing punctuation counts as a
heading (a sector heading without its count, or the end of a status text).
"""
from __future__ import annotations

import logging
import re

from pydantic import BaseModel, Field

from ingest.columns import Span, align
from ingest.drafts import Draft, Header, SectorHeading, column_years, records
from ingest.errors import NoObjectiveTables
from ingest.labels import STATO, is_no_field_label, label_kind, match_field, sector_heading
from ingest.layout import (
    HEADER_KINDS,
    TableReading,
    context_text,
    header_with_years,
    is_header,
    is_legend,
    names_indicators,
    repeated_fields,
    widen,
)
from ingest.matrix import MatrixRows, add_stato
from ingest.plan import EnteFound, detect_ente
from ingest.stato import iso_date, split_stato
from ingest.text import null_if_empty, slugify
from ingest.types import DocumentModel, Indicator, Objective, Paragraph, StatoAttuazione, Table

logger = logging.getLogger(__name__)

_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_MIN_OBJECTIVE_FIELDS = 3
_MAX_HEADING_WORDS = 6
_SENTENCE_END = (".", ":", ";", ",", "!", "?")


class Extraction(BaseModel):
    """What ``extract`` found in one document."""

    objectives: list[Objective] = Field(default_factory=list)
    sectors: list[SectorHeading] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    tables: list[TableReading] = Field(default_factory=list)  # how each table was read (--explain)
    ente: EnteFound | None = None  # the issuing body read from the document (when not given)
    unmapped_headers: dict[str, list[int]] = Field(default_factory=dict)  # header -> tables: no field


def extract(doc: DocumentModel, documento: str, ente: str | None = None) -> Extraction:
    """Build the objective records of a document; raise ``NoObjectiveTables`` when it has none.

    Without ``ente`` the issuing body is read from the document's cover, title or page header."""
    found = detect_ente(doc) if ente is None else None
    if found is not None:
        ente = found.ente
    builder = _Builder(doc.file, styled=doc.format == "docx")
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            builder.paragraph(block)
        else:
            builder.table(block)
    drafts = builder.finish()
    if not drafts:
        what = "ha tabelle, ma nessuna" if doc.tables else "non ha tabelle:"
        raise NoObjectiveTables(
            f"il documento {what} è una scheda obiettivo (Titolo, Indicatore, Target...): "
            "non sembra una sottosezione Performance di un PIAO.",
            file=doc.file,
        )
    objectives = records(drafts, documento, ente, doc.file, builder.warnings)
    if not objectives:
        raise NoObjectiveTables(
            "il documento ha tabelle di obiettivi, ma nessun obiettivo ha un titolo: "
            f"{'; '.join(builder.warnings[-3:])}", file=doc.file)
    return Extraction(objectives=objectives, sectors=builder.sectors, warnings=builder.warnings,
                      tables=builder.readings, unmapped_headers=builder.unmapped, ente=found)


class _Builder(MatrixRows):
    """Walks the blocks in order, keeping the open objective and the header in force."""

    def __init__(self, file: str, *, styled: bool) -> None:
        self.file = file
        self.styled = styled  # the format carries styles (bold, Heading); a text export does not
        self.sectors: list[SectorHeading] = []
        self.warnings: list[str] = []
        self.drafts: list[Draft] = []
        self.draft: Draft | None = None
        self.header: Header | None = None
        self.after_table = False  # no heading since the last objective table
        self.collecting_stato = False
        self._table: Table | None = None
        self._unknown: set[str] = set()
        self.readings: list[TableReading] = []
        self.reading = TableReading(tabella=0, ruolo="")
        self.unmapped: dict[str, list[int]] = {}
        self.context: dict[str, str] = {}  # objective fields set by a row across the table
        self._header_row: tuple[list[str], list[Span] | None] | None = None  # the row just read, a header
        self._header_mapped = 0  # entries of the table's header mapping before that header
        self._width = 0  # cells in the widest row of the table being read

    # paragraphs -----------------------------------------------------------------------
    def paragraph(self, block: Paragraph) -> None:
        looks = _looks_like_heading(block, styled=self.styled)
        heading = sector_heading(block.text, looks_like_heading=looks)
        if heading is not None:
            self._close()
            self.sectors.append(SectorHeading(name=heading.name, declared_count=heading.declared_count,
                                              slug=slugify(heading.slug_base)))
            return
        if self.draft is not None and self.after_table and label_kind(block.text.split("\n")[0]) == "stato":
            label, text = split_stato(block.text)
            self._set_stato(label, text)
            self.collecting_stato = text is None
        elif self.collecting_stato and self.draft is not None and self.draft.stato is not None:
            if looks:
                self.collecting_stato = False
                return
            previous = self.draft.stato.testo
            self.draft.stato.testo = block.text if previous is None else f"{previous}\n{block.text}"

    # tables ---------------------------------------------------------------------------
    def table(self, table: Table) -> None:
        self.collecting_stato = False
        self._header_row = None
        self.reading = TableReading(tabella=table.index, ruolo="non letta")
        self.readings.append(self.reading)
        if is_legend(table):
            self.reading.ruolo = "legenda"
            self._warn(f"tabella {table.index}: legenda delle colonne (etichette senza valori), non letta.")
            return
        if not self._is_objective_table(table):
            if any(label_kind(c) is not None for r in table.rows for c in r if c):
                self._warn(f"tabella {table.index}: non riconosciuta come tabella di obiettivi, non letta.")
            self.after_table = False
            self.header = None
            return
        self._table = table
        self._width = max((len(r) for r in table.rows), default=0)
        header_before = self.header
        grid = table.grid or [None] * len(table.rows)  # type: ignore[list-item]
        for cells, spans in zip(table.rows, grid, strict=True):
            self._row(cells, spans)
        self.after_table = True
        self._set_role(header_before)

    def _set_role(self, header_before: Header | None) -> None:
        reading = self.reading
        if reading.intestazioni and self.header is not None and self.header.scopes:
            reading.ruolo = "matrice"
        elif reading.obiettivi or reading.intestazioni:
            reading.ruolo = "scheda"
        elif header_before is not None and self.header is header_before:
            reading.ruolo = "continuazione"
        else:
            reading.ruolo = "scheda"

    def _is_objective_table(self, table: Table) -> bool:
        fields: set[str] = set()
        for row in table.rows:
            for cell in row:
                kind = label_kind(cell)
                if kind == "stato":
                    fields.add("stato")
                elif kind is not None:
                    fields.add(match_field(cell, "objective") or match_field(cell, "indicator") or "")
        if len(fields) >= _MIN_OBJECTIVE_FIELDS:
            return True
        # the rest of an objective split across tables: status, or rows under the last header
        if self.draft is None or not self.after_table:
            return False
        return "stato" in fields or self._continues_indicators(table) or self._starts_indicators(table)

    def _starts_indicators(self, table: Table) -> bool:
        """A table of its own that opens with an indicator header (the indicators of the open objective)."""
        first = next((r for r in table.rows if any(r)), [])
        return is_header(first) and names_indicators(first)

    def _continues_indicators(self, table: Table) -> bool:
        """Rows shaped like the indicator rows above: the header's width, a year or nothing first."""
        if self.header is None or not self.header.indicator:
            return False
        width = len(self.header.fields)
        rows = [r for r in table.rows if any(r)]
        if self.header.scopes:  # a matrix goes on: rows of its width
            return bool(rows) and all(len(r) == width for r in rows)
        return bool(rows) and all(
            width - 1 <= len(r) <= width and (not r[0] or _YEAR.fullmatch(r[0].strip())) for r in rows)

    def _row(self, cells: list[str], spans: list[Span] | None) -> None:
        nonempty = [c for c in cells if c]
        if not nonempty:
            return
        kinds = [label_kind(c) if c else None for c in cells]
        two_rows = header_with_years(*self._header_row, cells, spans) if self._header_row else None
        if two_rows is not None:  # the years under the header's labels: one header over two rows
            del self.reading.intestazioni[self._header_mapped:]
            self._header_row = None
            self._set_header(*two_rows)
            return
        self._header_row = None
        if is_header(cells):
            self._header_mapped = len(self.reading.intestazioni)
            self._set_header(cells, spans)
            self._header_row = (cells, spans)
            return
        context = None
        if kinds[0] is None and (self.header is None or self.header.scopes):
            context = context_text(cells, spans, len(self.header.fields) if self.header else self._width)
        if context is not None:
            self._context(context)
            return
        self.reading.righe += 1
        if kinds[0] == "stato":
            self._set_stato(cells[0], "\n".join(c for c in cells[1:] if c) or None)
        elif kinds[0] in HEADER_KINDS:
            self._label_value(cells)
        elif self.header is None:
            self._warn(f"tabella {self._index()}: riga senza intestazione ignorata ({nonempty[0][:40]!r}).")
        else:
            fields = align(self.header.fields, cells, self.header.grid, spans)
            values = {f: null_if_empty(c) for f, c in zip(fields, cells, strict=True) if f is not None}
            labelled = self.header.labels if len(self.header.labels) == len(cells) else [""] * len(cells)
            for f, c, label in zip(fields, cells, labelled, strict=True):
                if f is None and not label and null_if_empty(c) is not None:
                    self._warn(f"tabella {self._index()}: valore in una colonna senza intestazione: {c[:40]!r}.")
            if self.header.scopes:
                self._objective_row(cells if len(cells) == len(self.header.fields) else
                                    widen(cells, fields, self.header.fields, self.header.grid, spans))
            elif self.header.indicator and self.header.years and fields == self.header.fields:
                self._row_stato(fields, cells)
                self._indicators_by_year(cells)
            elif self.header.indicator:
                self._row_stato(fields, cells)
                values.pop(STATO, None)
                self._indicator(values)
            else:
                self._objective_fields(values)

    def _row_stato(self, fields: list[str | None], cells: list[str]) -> None:
        """The cell under a monitoring column of an indicator header, into the open objective's status."""
        header = self.header
        if self.draft is None or header is None or STATO not in header.fields:
            return
        label = header.labels[header.fields.index(STATO)]
        for name, cell in zip(fields, cells, strict=True):
            if name == STATO:
                add_stato(self.draft, label, cell)

    def _set_header(self, cells: list[str], spans: list[Span] | None) -> None:
        indicator = names_indicators(cells)
        if indicator and any(match_field(c, "objective") == "titolo" for c in cells if c):
            self._set_row_header(cells, spans)
            return
        scope = "indicator" if indicator else "objective"
        fields = [match_field(c, scope) if c else None for c in cells]
        if indicator:  # a monitoring column beside the indicators: the objective's status
            fields = [STATO if f is None and c and label_kind(c) == "stato" else f for c, f in zip(cells, fields,
                                                                                               strict=True)]
        years = column_years(cells, fields, ["indicator"] * len(cells)) if indicator else []
        for i in repeated_fields(fields, years):
            fields[i] = None
        for cell, found in zip(cells, fields, strict=True):
            if cell:
                self._mapped(cell, found)
        self.header = Header(indicator=indicator, fields=fields, grid=spans, years=years, labels=cells)

    def _mapped(self, cell: str, found: str | None) -> None:
        """Note a header's field for --explain; a header of no field is reported once."""
        self.reading.intestazioni.append((cell, found))
        if found is not None:
            return
        self.unmapped.setdefault(cell, [])
        if self._index() not in self.unmapped[cell]:
            self.unmapped[cell].append(self._index())
        if cell not in self._unknown:
            self._unknown.add(cell)
            what = "senza campo corrispondente" if is_no_field_label(cell) else "non riconosciuta"
            self._warn(f"tabella {self._index()}: intestazione {what}, colonna ignorata: {cell[:60]!r}.")

    def _label_value(self, cells: list[str]) -> None:
        name = match_field(cells[0], "objective")
        value = next((c for c in cells[1:] if c), "")
        if name is not None:
            self._objective_fields({name: null_if_empty(value)})
        else:
            self._warn(f"tabella {self._index()}: riga {cells[0][:40]!r} fuori da una tabella di indicatori, ignorata.")

    def _objective_fields(self, values: dict[str, str | None]) -> None:
        draft = self.draft
        if draft is None or draft.closed or any(k in draft.values for k in values):
            draft = self._open()
        draft.values.update(values)

    def _indicator(self, values: dict[str, str | None]) -> None:
        if self.draft is None:
            self._warn(f"tabella {self._index()}: riga di indicatori prima di ogni obiettivo, ignorata.")
            return
        raw_year = values.pop("anno", None)
        year = self.draft.last_year
        if raw_year is not None:
            match = _YEAR.search(raw_year)
            year = int(match.group(1)) if match and len(raw_year) <= 20 else None
            if year is None:
                self._warn(f"tabella {self._index()}: anno non riconosciuto {raw_year!r}.")
            self.draft.last_year = year
        if all(v is None for v in values.values()):
            return  # an empty year row
        self.draft.indicators.append(Indicator(anno=year, **values))

    def _set_stato(self, label: str, text: str | None) -> None:
        if self.draft is None:
            self._warn(f"stato di attuazione senza un obiettivo a cui riferirlo: {label[:40]!r}.")
            return
        if self.draft.stato is not None:
            self._warn(f"obiettivo {self._title()}: secondo stato di attuazione ignorato ({label[:40]!r}).")
            return
        self.draft.stato = StatoAttuazione(data=iso_date(label), testo=null_if_empty(text))

    # objectives -----------------------------------------------------------------------
    def _open(self) -> Draft:
        table = self._table
        sector = self.sectors[-1] if self.sectors else None
        if sector is not None and sector.first_table is None and table is not None:
            sector.first_table = table.index
        self.draft = Draft(sector=sector, table=table.index if table else 0, page=table.page if table else None,
                            context=dict(self.context))
        self.drafts.append(self.draft)
        self.reading.obiettivi += 1
        return self.draft

    def _close(self) -> None:
        self.draft = None
        self.header = None
        self.context = {}
        self.after_table = False
        self.collecting_stato = False

    def finish(self) -> list[Draft]:
        return self.drafts

    def _index(self) -> int:
        return self._table.index if self._table else 0

    def _title(self) -> str:
        return repr((self.draft.values.get("titolo") or "")[:40]) if self.draft else "''"

    def _warn(self, message: str) -> None:
        logger.info("%s: %s", self.file, message)
        self.warnings.append(message)


def _looks_like_heading(block: Paragraph, *, styled: bool) -> bool:
    """A heading by its style (Heading, bold, capitals), or, where the format has no styles,
    a short line with no closing punctuation (``Settore Servizi Sociali``, ``Allegati``)."""
    if block.heading_level is not None or block.bold or block.text.isupper():
        return True
    text = block.text.strip()
    return not styled and len(text.split()) <= _MAX_HEADING_WORDS and not text.endswith(_SENTENCE_END) \
        and text[:1].isupper()


