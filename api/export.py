"""Objective records as tables for Italian offices: CSV and XLSX (one row per objective).

Headers are Italian. Values are typed: weights are numbers (percent), dates are dates, the rest is
text as written in the document. ``Peso <anno>`` is the weight that counts for that year, by the
quality report's rule (the indicators' weights of the year; a weight stated once for the whole
objective counts for its first year), so a column summed per sector gives the sector's total.

CSV: ``;`` as separator, decimal comma, dates ``gg/mm/aaaa``, UTF-8 with BOM (what a spreadsheet set to
Italian expects). XLSX: numbers as numbers (weights formatted as percentages), dates as dates, column
widths, autofilter, frozen header; a sheet of indicators per year and one with the quality report.
Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` at the start) stays text:
prefixed with ``'`` in the CSV, typed as a string cell in the XLSX.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from api.search import pnrr_linked
from api.status import synthetic_status
from ingest.types import Indicator, Objective

Value = str | float | int | date | None
_WEIGHT = re.compile(r"^\s*(\d{1,3}(?:[.,]\d+)?)\s*%?\s*$")
_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A column: Italian header, kind (text | number | percent | date) and width in characters."""

    header: str
    kind: str = "text"
    width: int = 18


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: list[list[Value]]


def parse_weight(text: str | None) -> float | None:
    """``'40%'``, ``'30'``, ``'7,5 %'`` -> percent as a number; None when not a plain number."""
    match = _WEIGHT.match(text or "")
    return float(match.group(1).replace(",", ".")) if match else None


def parse_date(text: str | None) -> date | None:
    """An ISO date or a whole ``gg/mm/aaaa`` value as a date; None for anything else."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    match = _DATE.match(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _text(value: str | None) -> str | None:
    return " ".join(value.split()) if value and value.strip() else None


def year_weight(obj: Objective, year: int) -> Value:
    """The weight that counts for ``year`` (percent number; the text as written if not numeric)."""
    texts = [i.peso for i in obj.indicatori if i.anno == year and i.peso]
    if obj.peso and obj.anni and obj.anni[0] == year:
        texts.append(obj.peso)
    if not texts:
        return None
    numbers = [parse_weight(t) for t in texts]
    if any(n is None for n in numbers):
        return " | ".join(texts)
    return round(sum(n for n in numbers if n is not None), 4)


def _targets(rows: Iterable[Indicator]) -> str | None:
    parts = [f"{i.indicatore}: {i.target}" if i.indicatore else i.target for i in rows if i.target]
    return "\n".join(p for p in parts if p) or None


def objectives_sheet(objectives: Sequence[Objective]) -> Sheet:
    """One row per objective."""
    years = sorted({y for obj in objectives for y in obj.anni})
    columns = [
        Column("Ente", width=22), Column("Documento", width=24), Column("Settore", width=26),
        Column("Settore/Cdr", width=20), Column("Codice obiettivo", width=16), Column("Classificazione", width=18),
        Column("Titolo", width=50), Column("Destinatari", width=28), Column("Contributor", width=24),
        Column("Obiettivo strategico", width=36), Column("Responsabile", width=22),
        Column("Personale coinvolto", width=24), Column("PNRR", width=8), Column("Misura PNRR", width=30),
        Column("Anticorruzione", width=24),
        *[c for y in years for c in (Column(f"Peso {y}", "percent", 10), Column(f"Target {y}", width=40))],
        Column("Stato sintetico", width=14), Column("Data dello stato di attuazione", "date", 14),
        Column("Stato di attuazione", width=60), Column("File di origine", width=28),
        Column("Tabella", "number", 9),
    ]
    rows: list[list[Value]] = []
    for obj in objectives:
        stato = obj.stato_attuazione
        per_year: list[Value] = []
        for y in years:
            per_year += [year_weight(obj, y), _targets(i for i in obj.indicatori if i.anno == y)]
        rows.append([
            obj.ente, obj.documento, obj.settore, _text(obj.settore_cdr), obj.id, _text(obj.classificazione),
            _text(obj.titolo), _text(obj.destinatari), _text(obj.contributor), _text(obj.obiettivo_strategico),
            _text(obj.responsabile), _text(obj.personale_coinvolto), "Sì" if pnrr_linked(obj) else "No",
            _text(obj.pnrr), _text(obj.anticorruzione), *per_year, synthetic_status(obj).stato,
            parse_date(stato.data if stato else None), stato.testo if stato else None,
            obj.fonte.file, obj.fonte.tabella,
        ])
    return Sheet("Obiettivi", columns, rows)


def indicators_sheet(objectives: Sequence[Objective]) -> Sheet:
    """One row per indicator and year."""
    columns = [
        Column("Settore", width=26), Column("Codice obiettivo", width=16), Column("Titolo obiettivo", width=44),
        Column("Anno", "number", 8), Column("Indicatore", width=44), Column("Scadenza", "date", 14),
        Column("Baseline", width=18), Column("Target", width=24), Column("Target intermedio", width=18),
        Column("Target raggiunto", width=18), Column("Peso", "percent", 9), Column("Fonte di verifica", width=28),
    ]
    rows: list[list[Value]] = []
    for obj in objectives:
        for ind in obj.indicatori:
            weight = parse_weight(ind.peso)
            rows.append([
                obj.settore, obj.id, _text(obj.titolo), ind.anno, ind.indicatore,
                parse_date(ind.scadenza) or ind.scadenza, ind.baseline, ind.target, ind.target_intermedio,
                ind.target_raggiunto, weight if weight is not None else ind.peso, ind.fonte_verifica,
            ])
    return Sheet("Indicatori per anno", columns, rows)


ISSUE_LABELS = {
    "peso_mancante": "Peso mancante", "peso_non_numerico": "Peso non numerico",
    "peso_senza_percentuale": "Peso senza %", "senza_responsabile": "Senza responsabile",
    "senza_target": "Senza target", "senza_indicatori": "Senza indicatori", "senza_stato": "Senza stato",
    "valore_troncato": "Valore forse troncato", "data_non_valida": "Data non valida",
}


def quality_sheet(reports: Sequence[tuple[str, dict[str, Any] | None]],
                  objectives: Sequence[Objective]) -> Sheet:
    """The quality report of each document (``(documento, QualityReport.to_dict())``), one finding a row."""
    columns = [Column("Documento", width=28), Column("Tipo di avviso", width=22), Column("Settore", width=26),
               Column("Anno", "number", 8), Column("Obiettivo", width=44), Column("Descrizione", width=80)]
    titles = {(o.documento, o.id): _text(o.titolo) for o in objectives}
    rows: list[list[Value]] = []
    for documento, report in reports:
        report = report or {}
        for s in report.get("sectors", []):
            if not s.get("ok", True):
                declared = s.get("declared")
                rows.append([documento, "Numero di obiettivi", s["settore"], None, None,
                             f"Trovati {s['found']} obiettivi, dichiarati {declared if declared is not None else 'nessuno'}."])
        for w in report.get("weights", []):
            if not w.get("ok", True):
                rows.append([documento, "Somma dei pesi", w["settore"], w.get("anno"), None,
                             f"I pesi sommano a {w['totale']:g}% invece di 100% ({', '.join(w.get('pesi', []))})."])
        for i in report.get("issues", []):
            rows.append([documento, ISSUE_LABELS.get(i["kind"], i["kind"]), None, None,
                         titles.get((documento, i["objective_id"]), i["objective_id"]), i["message"]])
        for warning in report.get("warnings", []):
            rows.append([documento, "Avviso di lettura", None, None, None, str(warning)])
    return Sheet("Qualità dei dati", columns, rows)


# --- CSV ----------------------------------------------------------------------------------------


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(objectives: Sequence[Objective]) -> str:
    """The objectives sheet as CSV for a spreadsheet set to Italian (``;``, decimal comma, BOM)."""
    sheet = objectives_sheet(objectives)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([f"{c.header} (%)" if c.kind == "percent" else c.header for c in sheet.columns])
    writer.writerows([_csv_value(v) for v in row] for row in sheet.rows)
    return "\ufeff" + buffer.getvalue()


# --- XLSX ---------------------------------------------------------------------------------------

_NUMBER_FORMATS = {"percent": "0.##%", "date": "DD/MM/YYYY", "number": "0"}


def _write_sheet(ws: Worksheet, sheet: Sheet) -> None:
    ws.title = sheet.title
    ws.append([c.header for c in sheet.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(sheet.rows, start=2):
        for c, (column, value) in enumerate(zip(sheet.columns, row, strict=True), start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.value = value / 100 if column.kind == "percent" else value
                cell.number_format = _NUMBER_FORMATS.get(column.kind, "General")
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = _NUMBER_FORMATS["date"]
            elif value is not None:
                cell.value = value
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = column.width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{max(1, len(sheet.rows) + 1)}"


def to_xlsx(objectives: Sequence[Objective],
            reports: Sequence[tuple[str, dict[str, Any] | None]] = ()) -> bytes:
    """A workbook: objectives, indicators per year, quality report."""
    book = Workbook()
    _write_sheet(book.active, objectives_sheet(objectives))
    _write_sheet(book.create_sheet(), indicators_sheet(objectives))
    _write_sheet(book.create_sheet(), quality_sheet(reports, objectives))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def file_name(ente: str | None, documenti: Sequence[str], today: date, extension: str) -> str:
    """``comune-di-x_piao-2023_2026-11-30.xlsx``: the body, the plan (when one) and the date."""
    parts = [_slug(ente) if ente else "", _slug(documenti[0]) if len(set(documenti)) == 1 else "obiettivi"]
    stem = "_".join(p for p in parts if p) or "obiettivi"
    return f"{stem}_{today.isoformat()}.{extension}"
