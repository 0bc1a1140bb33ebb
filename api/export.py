"""Objective records as flat tables: CSV and XLSX for evaluators (one row per objective).

Indicator fields become one column per year (``target 2023``, ``peso 2024``, ...); several
indicators of the same year are joined with `` | ``. Text that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@`` at the start) is written as plain text: prefixed with ``'`` in the CSV,
typed as a string cell in the XLSX.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ingest.types import Objective

BASE_COLUMNS = [
    "documento", "id", "ente", "settore", "settore_cdr", "classificazione", "titolo", "destinatari",
    "contributor", "obiettivo_strategico", "responsabile", "personale_coinvolto", "peso", "pnrr",
    "anticorruzione",
]
YEAR_FIELDS = ["indicatore", "scadenza", "baseline", "target", "target_intermedio", "target_raggiunto", "peso"]
TAIL_COLUMNS = ["stato_data", "stato_testo", "fonte_file", "fonte_tabella"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table(objectives: Sequence[Objective]) -> tuple[list[str], list[list[str]]]:
    """Header and rows (all values as text, empty for null)."""
    years = sorted({y for obj in objectives for y in obj.anni})
    year_columns = [f"{field} {year}" for year in years for field in YEAR_FIELDS]
    header = BASE_COLUMNS + year_columns + TAIL_COLUMNS
    rows = []
    for obj in objectives:
        base = [getattr(obj, name) or "" for name in BASE_COLUMNS]
        per_year = []
        for year in years:
            rows_of_year = [ind for ind in obj.indicatori if ind.anno == year]
            for field in YEAR_FIELDS:
                values = [getattr(ind, field) for ind in rows_of_year if getattr(ind, field)]
                per_year.append(" | ".join(values))
        stato = obj.stato_attuazione
        tail = [
            (stato.data if stato else None) or "",
            (stato.testo if stato else None) or "",
            obj.fonte.file,
            str(obj.fonte.tabella),
        ]
        rows.append([str(v) for v in base + per_year + tail])
    return header, rows


def _csv_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(objectives: Sequence[Objective]) -> str:
    """CSV (comma-separated, UTF-8 with BOM so that spreadsheet programs read the accents)."""
    header, rows = table(objectives)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_safe(v) for v in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def to_xlsx(objectives: Sequence[Objective]) -> bytes:
    """An XLSX workbook with one sheet ``Obiettivi``; every cell is a string cell."""
    header, rows = table(objectives)
    book = Workbook()
    sheet = book.active
    sheet.title = "Obiettivi"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([None] * len(row))
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=sheet.max_row, column=col)
            cell.value = value
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
