"""A generator of performance plans: random but valid records, written as .docx in several layouts
(and as the text export), so that tests can check the ingester returns exactly those records.

``generate(seed)`` draws a ``Plan``: sectors, objectives (title, responsible, strategic objective,
weight, PNRR, status), indicators with a target per year. ``write(plan, layout, path, seed)`` lays
it out as one of ``LAYOUTS``, with header wording drawn from ``HEADER_VARIANTS``:

- ``card``: a bold sector heading with its count, one table per objective, labels down the first
  column, an indicator block with one target column per year, the status row;
- ``matrix_objective_rows``: Heading 2 per sector, one table each, one row per objective, several
  indicators on the lines of one cell and each target on the matching line;
- ``matrix_indicator_rows``: one table for the whole plan under a title row, one row per indicator,
  the objective's cells merged down its rows, rows across the table for the sector (or the sector
  in the first cell only, after a "Missione" row) and the strategic objective;
- ``split_tables``: as ``matrix_objective_rows``, each sector's table cut in two by a page break,
  the second part repeating the header row (or not);
- ``area_headings``: Heading 1 areas, one table each, one row per indicator, the objective's cells
  written on its first row only (not merged);
- ``year_rows``: as ``area_headings`` with the years as rows (an ``Anno`` column, one row per
  indicator and year) and the objective's cells merged down its rows.

``write_pdf`` prints the matrix layouts as a PDF (``pdf_builders.PdfDoc``: rows cut by page breaks,
the header row repeated or not, merged cells, a running header naming the Comune).

The expected records are built here from the plan, independently of the ingester.
"""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from docx.enum.text import WD_BREAK

from ingest.types import Fonte, Indicator, Objective, StatoAttuazione
from tests.ingest import docx_builders as b
from tests.ingest.pdf_builders import PdfDoc

LAYOUTS = ("card", "matrix_objective_rows", "matrix_indicator_rows", "split_tables", "area_headings", "year_rows")
YEARS = (2025, 2026, 2027)
STATUS_DATE = ("31/12/2025", "2025-12-31")

SECTORS = ["Settore Servizi Sociali", "Area Tecnica", "Servizio Polizia Locale", "Settore Finanze e Tributi",
           "Area Cultura e Turismo", "Servizio Ambiente", "Area Affari Generali", "Settore Istruzione"]
ACTIONS = ["Digitalizzazione", "Riorganizzazione", "Potenziamento", "Semplificazione", "Monitoraggio",
           "Revisione", "Avvio", "Consolidamento"]
OBJECTS = ["dello sportello unico", "delle pratiche edilizie", "dei controlli sul territorio",
           "dell'archivio comunale", "dei servizi scolastici", "della riscossione dei tributi",
           "del verde pubblico", "dei servizi cimiteriali", "della biblioteca civica", "degli impianti sportivi"]
PEOPLE = ["Dott.ssa Anna Ferrari", "Ing. Marco Bianchi", "Geom. Luca Gatti", "Dott. Paolo Conti",
          "Maria Rinaldi", "Responsabile Area Tecnica", "Dott.ssa Elena Marchi"]
STRATEGIC = ["Un Comune digitale e vicino ai cittadini", "Territorio sicuro e sostenibile",
             "Bilancio sano e servizi efficienti", "Comunità che cresce"]
MEASURES = ["Sì, M1C1 Investimento 1.4 (servizi digitali)", "Sì, M2C4 Investimento 2.2 (resilienza)",
            "No", "No"]
INDICATORS = ["Pratiche gestite online sul totale", "Tempo medio di risposta (giorni)", "Controlli effettuati",
              "Utenti soddisfatti", "Atti pubblicati entro 30 giorni", "Segnalazioni chiuse entro 5 giorni",
              "Ore di apertura settimanali", "Incontri con le associazioni"]
TARGETS = ["almeno 40%", "max 30 giorni", "100%", "120", "Entro il 30/06/{y}", "> 2", "€ 25.000", "85%"]
STATUS = ["Attività avviate nei tempi previsti.", "Obiettivo raggiunto al 95%.",
          "Pubblicato il bando il 15/03/2025.\nConcluse 12 istruttorie su 14.", "Raggiunto il target annuale."]

HEADER_VARIANTS: dict[str, list[str]] = {  # typos and line breaks included, as in real plans
    "code": ["Cod.", "N.", "Codice", "N°"],
    "titolo": ["Obiettivo", "Titolo obiettivo", "Obiettivo operativo", "Descrizione obiettivo", "Obiettivo gestionale"],
    "responsabile": ["Responsabile", "Dirigente/Responsabile", "Responsabile obiettivo", "Dirigente",
                     "Dirigente/P.O. responsabile", "Ufficio responsabile"],
    "obiettivo_strategico": ["Obiettivo strategico", "Collegamento DUP", "Obiettivo strategico di riferimento"],
    "indicatore": ["Indicatore", "Indicatori di performance", "Descrizione indicatore", "Indicatori",
                   "Indicatore di risultato", "Indicatori di perfomance"],
    "target": ["Target {y}", "Valore atteso {y}", "Target atteso {y}", "Risultato atteso {y}", "Valore obiettivo {y}"],
    "peso": ["Peso", "Peso %", "Peso\n(%)", "Ponderazione", "Peso ponderale"],
    "pnrr": ["PNRR", "Collegamento PNRR", "Misura PNRR", "Collegamento con il PNRR"],
    "stato": ["Stato di attuazione al {d}", "Stato al {d}", "Monitoraggio al {d}", "Stato di avanzamento al {d}"],
}


@dataclass
class GenIndicator:
    name: str
    targets: dict[int, str | None]  # year -> target (None: no target that year)


@dataclass
class GenObjective:
    title: str
    responsible: str
    strategic: str
    weight: str
    pnrr: str
    status: str | None
    indicators: list[GenIndicator]


@dataclass
class GenSector:
    name: str
    objectives: list[GenObjective] = field(default_factory=list)


@dataclass
class Plan:
    sectors: list[GenSector]


def generate(seed: int) -> Plan:
    """A random plan: 2-3 sectors of 1-3 objectives, 1-2 indicators each (weights may not sum to 100)."""
    rnd = random.Random(seed)
    titles = rnd.sample([f"{a} {o}" for a in ACTIONS for o in OBJECTS], 12)
    sectors = []
    for name in rnd.sample(SECTORS, rnd.randint(2, 3)):
        sector = GenSector(name)
        count = rnd.randint(1, 3)
        weights = _weights(rnd, count)
        strategic = rnd.choice(STRATEGIC)
        for weight in weights:
            indicators = [GenIndicator(name, _targets(rnd)) for name in rnd.sample(INDICATORS, rnd.randint(1, 2))]
            sector.objectives.append(GenObjective(
                title=titles.pop(), responsible=rnd.choice(PEOPLE), strategic=strategic, weight=weight,
                pnrr=rnd.choice(MEASURES), status=rnd.choice(STATUS + [None]), indicators=indicators))
        sectors.append(sector)
    return Plan(sectors)


def _weights(rnd: random.Random, count: int) -> list[str]:
    parts = [100 // count] * count
    parts[0] += 100 - sum(parts)
    if rnd.random() < 0.3:
        parts[-1] += rnd.choice([-5, 10])  # a sector summing to 95 or 110: kept as written
    return [f"{p}%" for p in parts]


def _targets(rnd: random.Random) -> dict[int, str | None]:
    targets: dict[int, str | None] = {y: rnd.choice(TARGETS).format(y=y) for y in YEARS}
    if rnd.random() < 0.4:
        targets[rnd.choice(YEARS[1:])] = None
    return targets


# -- expected records ----------------------------------------------------------------------------

def _slug(name: str) -> str:
    name = re.sub(r"^settore\s+", "", name, flags=re.IGNORECASE)
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def expected(plan: Plan, documento: str, file: str, ente: str | None = None) -> list[Objective]:
    """The records the ingester must return (``fonte.tabella`` 0: tests compare all but ``fonte``)."""
    records = []
    for sector in plan.sectors:
        for n, obj in enumerate(sector.objectives, start=1):
            indicators = [Indicator(anno=y, indicatore=i.name, target=t)
                          for i in obj.indicators for y, t in i.targets.items() if t is not None]
            records.append(Objective(
                id=f"{_slug(sector.name)}-{n}", ente=ente, documento=documento, settore=sector.name,
                titolo=obj.title,
                responsabile=obj.responsible, obiettivo_strategico=obj.strategic, peso=obj.weight,
                pnrr=obj.pnrr, indicatori=indicators,
                stato_attuazione=StatoAttuazione(data=STATUS_DATE[1], testo=obj.status),
                fonte=Fonte(file=file, tabella=0)))
    return records


# -- layouts ---------------------------------------------------------------------------------------

@dataclass
class Headers:
    """One wording of each column label."""

    code: str
    titolo: str
    responsabile: str
    obiettivo_strategico: str
    indicatore: str
    target: str
    peso: str
    pnrr: str
    stato: str

    def targets(self) -> list[str]:
        return [self.target.format(y=y) for y in YEARS]

    def status(self) -> str:
        return self.stato.format(d=STATUS_DATE[0])


def headers(seed: int) -> Headers:
    rnd = random.Random(seed * 7919 + 1)
    return Headers(**{k: rnd.choice(v) for k, v in HEADER_VARIANTS.items()})


def write(plan: Plan, layout: str, path: Path, seed: int = 0) -> Path:
    """The plan as a .docx in ``layout`` (one of ``LAYOUTS``), header wording drawn by ``seed``."""
    doc = b.new_document()
    b.heading(doc, "Piano integrato di attività e organizzazione – Sottosezione Performance", level=1)
    b.paragraph(doc, "Gli obiettivi di performance del triennio sono riportati nelle tabelle seguenti.")
    h = headers(seed)
    {"card": _card, "matrix_objective_rows": _objective_rows, "matrix_indicator_rows": _indicator_rows,
     "split_tables": _split, "area_headings": _area_headings, "year_rows": _year_rows}[layout](doc, plan, h, seed)
    return b.save(doc, path)


def _lines(values: list[str | None]) -> str:
    return "\n".join(v if v is not None else "-" for v in values)


def _card(doc: b.Document, plan: Plan, h: Headers, seed: int) -> None:
    for sector in plan.sectors:
        b.paragraph(doc, f"{sector.name} ({len(sector.objectives)} obiettivi)", bold=True)
        for obj in sector.objectives:
            rows = [[h.titolo, obj.title], [h.responsabile, obj.responsible],
                    [h.obiettivo_strategico, obj.strategic], [h.peso, obj.weight], [h.pnrr, obj.pnrr],
                    [h.indicatore, *h.targets()]]
            rows += [[i.name, *(t or "-" for t in i.targets.values())] for i in obj.indicators]
            rows.append([h.status(), obj.status or ""])
            b.table(doc, rows, cols=1 + len(YEARS))
            b.paragraph(doc, "")


def _objective_header(h: Headers) -> list[str]:
    return [h.code, h.titolo, h.responsabile, h.obiettivo_strategico, h.indicatore, *h.targets(), h.peso, h.pnrr,
            h.status()]


def _objective_row(code: str, obj: GenObjective) -> list[str]:
    return [code, obj.title, obj.responsible, obj.strategic, "\n".join(i.name for i in obj.indicators),
            *(_lines([i.targets[y] for i in obj.indicators]) for y in YEARS), obj.weight, obj.pnrr, obj.status or ""]


def _objective_rows(doc: b.Document, plan: Plan, h: Headers, seed: int) -> None:
    two_rows = seed % 2 == 1  # 'Target' over '2025 | 2026 | 2027', the other labels merged down
    for s, sector in enumerate(plan.sectors, start=1):
        b.heading(doc, sector.name, level=2)
        rows = [_objective_row(f"{s}.{n}", o) for n, o in enumerate(sector.objectives, start=1)]
        if two_rows:
            _two_row_header_table(doc, h, rows)
        else:
            b.table(doc, [_objective_header(h)] + rows)


def _two_row_header_table(doc: b.Document, h: Headers, rows: list[list[str]]) -> None:
    header = _objective_header(h)
    first = header.index(h.targets()[0])
    table = doc.add_table(rows=2 + len(rows), cols=len(header))
    for c, label in enumerate(header):
        if first <= c < first + len(YEARS):
            table.cell(1, c).text = str(YEARS[c - first])
        else:
            table.cell(0, c).merge(table.cell(1, c)).text = label
    table.cell(0, first).merge(table.cell(0, first + len(YEARS) - 1)).text = h.target.format(y="").strip()
    for r, row in enumerate(rows, start=2):
        for c, text in enumerate(row):
            b.set_text(table.cell(r, c), text)


def _split(doc: b.Document, plan: Plan, h: Headers, seed: int) -> None:
    repeat = seed % 2 == 0
    for s, sector in enumerate(plan.sectors, start=1):
        b.heading(doc, sector.name, level=2)
        rows = [_objective_row(f"{s}.{n}", o) for n, o in enumerate(sector.objectives, start=1)]
        cut = max(1, len(rows) // 2)
        b.table(doc, [_objective_header(h)] + rows[:cut])
        if rows[cut:]:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            b.table(doc, ([_objective_header(h)] if repeat else []) + rows[cut:], cols=len(_objective_header(h)))


def _indicator_header(h: Headers) -> list[str]:
    return [h.titolo, h.responsabile, h.peso, h.pnrr, h.indicatore, *h.targets(), h.status()]


def _indicator_rows(doc: b.Document, plan: Plan, h: Headers, seed: int) -> None:
    header = _indicator_header(h)
    rows: list[list[str]] = [["Piano dettagliato degli obiettivi 2025-2027"], header]
    for m, sector in enumerate(plan.sectors, start=1):
        if seed % 2:  # the sector in the first cell only, the row's other cells empty (not merged)
            rows.append([f"Missione {m:02d} – Servizi istituzionali e generali"])
            rows.append([sector.name] + [""] * (len(header) - 1))
        else:
            rows.append([sector.name])
        rows.append([f"Obiettivo strategico (DUP): {sector.objectives[0].strategic}"])
        for obj in sector.objectives:
            for k, ind in enumerate(obj.indicators):
                own = [ind.name, *(ind.targets[y] or "-" for y in YEARS)]
                if k == 0:
                    rows.append([obj.title, obj.responsible, obj.weight, obj.pnrr, *own, obj.status or ""])
                else:  # merged with the cell above
                    rows.append([b.VMERGE] * 4 + own + [b.VMERGE])
    b.table(doc, rows, cols=len(header))


def _area_headings(doc: b.Document, plan: Plan, h: Headers, seed: int) -> None:
    header = [h.code, h.titolo, h.obiettivo_strategico, h.responsabile, h.indicatore, *h.targets(), h.peso,
              h.pnrr, h.status()]
    for s, sector in enumerate(plan.sectors, start=1):
        b.heading(doc, sector.name, level=1)
        rows = [header]
        for n, obj in enumerate(sector.objectives, start=1):
            for k, ind in enumerate(obj.indicators):
                own = [ind.name, *(ind.targets[y] or "-" for y in YEARS)]
                if k == 0:
                    rows.append([f"{s}.{n}", obj.title, obj.strategic, obj.responsible, *own, obj.weight, obj.pnrr,
                                 obj.status or ""])
                else:
                    rows.append(["", "", "", "", *own, "", "", ""])
        b.table(doc, rows)


def _year_rows(doc: b.Document, plan: Plan, h: Headers, seed: int) -> None:
    header = [h.titolo, h.responsabile, h.obiettivo_strategico, h.indicatore, "Anno", h.target.format(y="").strip(),
              h.peso, h.pnrr, h.status()]
    for sector in plan.sectors:
        b.heading(doc, sector.name, level=2)
        rows = [header]
        for obj in sector.objectives:
            first = True
            for ind in obj.indicators:
                for year, target in ind.targets.items():
                    if target is None:
                        continue
                    own = [ind.name, str(year), target]
                    if first:
                        rows.append([obj.title, obj.responsible, obj.strategic, *own, obj.weight, obj.pnrr,
                                     obj.status or ""])
                    else:
                        rows.append([b.VMERGE] * 3 + own + [b.VMERGE] * 3)
                    first = False
        b.table(doc, rows)


# -- PDF -------------------------------------------------------------------------------------------

PDF_LAYOUTS = ("matrix_objective_rows", "split_tables", "area_headings")
PDF_ENTE = "Comune di Prova"  # the running header of every page (pdf_builders)


def write_pdf(plan: Plan, layout: str, path: Path, seed: int = 0) -> Path:
    """The plan printed as a PDF in one of ``PDF_LAYOUTS``: small landscape pages, so that tables
    run over page breaks (rows cut, the header row repeated on the next page unless seed is odd).
    The indicator column is wide enough for each indicator to end its line with room to spare: a
    line that fills its cell to the edge may be a wrap or a paragraph end, which no reader can tell."""
    h = headers(seed)
    doc = PdfDoc(width=842, height=330)  # keeps the space at the end of a wrapped line, as word processors do
    doc.paragraph("Sottosezione 2.2 Performance", size=14, bold=True)
    doc.paragraph("Gli obiettivi di performance del triennio sono riportati nelle tabelle seguenti.")
    for s, sector in enumerate(plan.sectors, start=1):
        doc.paragraph(sector.name, size=12, bold=True)
        if layout == "area_headings":
            header = [h.code, h.titolo, h.obiettivo_strategico, h.responsabile, h.indicatore, *h.targets(), h.peso,
                      h.pnrr, h.status()]
            rows: list[list[str | None]] = []
            merged: set[tuple[int, int]] = set()
            for n, obj in enumerate(sector.objectives, start=1):
                for k, ind in enumerate(obj.indicators):
                    own = [ind.name, *(ind.targets[y] or "-" for y in YEARS)]
                    if k:
                        merged |= {(len(rows), c) for c in (0, 1, 2, 3, 8, 9, 10)}
                        rows.append([None] * 4 + own + [None] * 3)
                    else:
                        rows.append([f"{s}.{n}", obj.title, obj.strategic, obj.responsible, *own, obj.weight,
                                     obj.pnrr, obj.status or ""])
            widths = [30, 100, 85, 75, 150, 50, 50, 50, 55, 70, 77]
        else:
            header = _objective_header(h)
            rows = [_objective_row(f"{s}.{n}", o) for n, o in enumerate(sector.objectives, start=1)]
            merged = set()
            widths = [30, 100, 75, 80, 150, 50, 50, 50, 55, 70, 82]
        doc.table(widths, header, rows, merged_down=merged, repeat_header=seed % 2 == 0 or layout != "split_tables")
        doc.paragraph(" ")
    path.write_bytes(doc.build())
    return path
