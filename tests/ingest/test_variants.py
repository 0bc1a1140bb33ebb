"""Another municipality's layout, built with python-docx, read into exact records.

Variants: other header wording (Obiettivo, Responsabile, Risultato atteso, Valore raggiunto,
Peso %, Fonte dati, Scadenza), the status as a paragraph after the table (inline, or label then
text), one objective split across two tables, a vertically merged Anno cell over two indicator
rows, a weight in the header block, sector headings in Heading styles (one without a count), a
trailing empty column, Personale coinvolto, a wrapped label.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.objectives import Extraction, extract
from ingest.quality import build_report
from ingest.readers import parse_text, read_document
from ingest.settings import Settings
from tests.ingest import docx_builders as b
from tests.ingest.test_objectives import field_diff

V = b.VMERGE
INDICATOR_HEADER = ["Anno", "Indicatore", "Scadenza", "Baseline", "Risultato atteso", "Valore raggiunto",
                    "Peso %", "Fonte dati"]


def build_variant(path: Path) -> Path:
    doc = b.new_document()
    b.heading(doc, "Piano integrato di attività e organizzazione - Performance", level=1)
    b.heading(doc, "SETTORE AFFARI ISTITUZIONALI (2 OBIETTIVI)", level=2)
    b.table(doc, [
        ["Obiettivo", "Digitalizzazione dell'archivio storico"],
        ["Classificazione", "Digitalizzazione"],
        ["Settore/Cdr", "Affari istituzionali"],
        ["Destinatari", "Contributor", "Obiettivo strategico", "Responsabile", "PNRR", "Anticorruzione"],
        ["Cittadini\nStudiosi", "-", "OS 3 - Trasparenza", "Maria Verdi", "Misura 1.2 Abilitazione al cloud", "---"],
        INDICATOR_HEADER,
        # "31/12/2023\n": an empty last paragraph (in the text export, a blank line inside the row)
        ["2023", "Pratiche digitalizzate", "31/12/2023\n", "0", "500", "", "40%", "Gestionale documentale"],
        [V, "Fascicoli indicizzati", "31/12/2023", "0", "200", "", "20%", "Gestionale documentale"],
        ["2024", "Pratiche digitalizzate", "31/12/2024", "500", "1000", "", "60%", "Gestionale documentale"],
        ["2025", "", "", "", "", "", "", ""],
    ], cols=8)
    b.paragraph(doc, "Stato di attuazione al 30/06/2023: avviata la gara per la scansione dei fascicoli.")
    b.paragraph(doc, "")
    b.table(doc, [
        ["Obiettivo", "Nuovo regolamento per l'accesso agli atti"],
        ["Classificazione", "Semplificazione"],
        ["Settore/Cdr", "Affari istituzionali"],
        ["Responsabile", "Personale\ncoinvolto", "Peso %"],
        ["Luca Neri", "Ufficio protocollo\nUfficio legale", "40%"],
        ["Anno", "Indicatore", "Scadenza", "Baseline", "Target", "Risultato intermedio", "Risultato finale",
         "Fonte dati"],
        ["2023", "Regolamento approvato", "30/09/2023", "Regolamento del 1998", "Approvazione in Consiglio",
         "-", "", "Albo pretorio"],
    ], cols=8)
    b.paragraph(doc, "")
    b.table(doc, [  # the same objective goes on in a second table
        ["2024", "Accessi evasi entro 30 giorni", "31/12/2024", "70%", "90%", "", "", "Registro degli accessi"],
        ["Stato di attuazione al 31/07/2023\n", "Bozza in revisione\nParere dei revisori atteso"],
    ], cols=8)
    b.heading(doc, "Settore Servizi Sociali", level=2)
    b.table(doc, [
        ["Titolo", "Sportello di prossimità", ""],
        ["Dirigente", "Peso", ""],
        ["Anna Gialli", "100%", ""],
        ["Anno", "Indicatore", "Tempistica (entro il)", "Target a preventivo", "Fonte di verifica dei dati", ""],
        ["2023", "Quartieri serviti", "31/12/2023", "2", "Relazione", ""],
        ["", "Utenti ricevuti", "31/12/2023", ">= 300", "Registro", ""],
    ], cols=6)
    b.paragraph(doc, "Stato di attuazione al 30 giugno 2023", bold=True)
    b.paragraph(doc, "Sportello aperto in due quartieri.")
    b.paragraph(doc, "Utenti ricevuti: 140.")
    b.paragraph(doc, "Allegati", bold=True)
    return b.save(doc, path)


def indicator(anno: int, indicatore: str | None, scadenza: str | None, baseline: str | None, target: str | None,
              peso: str | None, fonte: str | None, intermedio: str | None = None,
              raggiunto: str | None = None) -> dict[str, Any]:
    return {"anno": anno, "indicatore": indicatore, "scadenza": scadenza, "baseline": baseline, "target": target,
            "target_intermedio": intermedio, "target_raggiunto": raggiunto, "peso": peso, "fonte_verifica": fonte}


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ente": "Comune di Esempio", "documento": "variante", "settore_cdr": None, "classificazione": None,
        "destinatari": None, "contributor": None, "obiettivo_strategico": None, "responsabile": None,
        "personale_coinvolto": None, "peso": None, "pnrr": None, "anticorruzione": None,
    }
    return {**base, **fields}


EXPECTED = [
    record(
        id="affari-istituzionali-1", settore="SETTORE AFFARI ISTITUZIONALI", settore_cdr="Affari istituzionali",
        classificazione="Digitalizzazione", titolo="Digitalizzazione dell'archivio storico",
        destinatari="Cittadini\nStudiosi", obiettivo_strategico="OS 3 - Trasparenza", responsabile="Maria Verdi",
        pnrr="Misura 1.2 Abilitazione al cloud",
        indicatori=[
            indicator(2023, "Pratiche digitalizzate", "31/12/2023", "0", "500", "40%", "Gestionale documentale"),
            indicator(2023, "Fascicoli indicizzati", "31/12/2023", "0", "200", "20%", "Gestionale documentale"),
            indicator(2024, "Pratiche digitalizzate", "31/12/2024", "500", "1000", "60%", "Gestionale documentale"),
        ],
        stato_attuazione={"data": "2023-06-30", "testo": "avviata la gara per la scansione dei fascicoli."},
        fonte={"file": "variante.docx", "tabella": 1, "pagina": None},
    ),
    record(
        id="affari-istituzionali-2", settore="SETTORE AFFARI ISTITUZIONALI", settore_cdr="Affari istituzionali",
        classificazione="Semplificazione", titolo="Nuovo regolamento per l'accesso agli atti",
        responsabile="Luca Neri", personale_coinvolto="Ufficio protocollo\nUfficio legale", peso="40%",
        indicatori=[
            indicator(2023, "Regolamento approvato", "30/09/2023", "Regolamento del 1998",
                      "Approvazione in Consiglio", None, "Albo pretorio"),
            indicator(2024, "Accessi evasi entro 30 giorni", "31/12/2024", "70%", "90%", None,
                      "Registro degli accessi"),
        ],
        stato_attuazione={"data": "2023-07-31", "testo": "Bozza in revisione\nParere dei revisori atteso"},
        fonte={"file": "variante.docx", "tabella": 2, "pagina": None},
    ),
    record(
        id="servizi-sociali-1", settore="Settore Servizi Sociali", titolo="Sportello di prossimità",
        responsabile="Anna Gialli", peso="100%",
        indicatori=[
            indicator(2023, "Quartieri serviti", "31/12/2023", None, "2", None, "Relazione"),
            indicator(2023, "Utenti ricevuti", "31/12/2023", None, ">= 300", None, "Registro"),
        ],
        stato_attuazione={"data": "2023-06-30", "testo": "Sportello aperto in due quartieri.\nUtenti ricevuti: 140."},
        fonte={"file": "variante.docx", "tabella": 4, "pagina": None},
    ),
]


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Extraction:
    path = build_variant(tmp_path_factory.mktemp("variant") / "variante.docx")
    return extract(read_document(path, Settings()), "variante", ente="Comune di Esempio")


def test_variant_records_exact(variant: Extraction) -> None:
    got = [o.model_dump(mode="json") for o in variant.objectives]
    diff = field_diff(EXPECTED, got)
    assert not diff, "\n".join(diff)
    assert got == EXPECTED


def test_variant_sectors_and_warnings(variant: Extraction) -> None:
    assert [(s.name, s.declared_count, s.first_table, s.slug) for s in variant.sectors] == [
        ("SETTORE AFFARI ISTITUZIONALI", 2, 1, "affari-istituzionali"),
        ("Settore Servizi Sociali", None, 4, "servizi-sociali"),
    ]
    assert variant.warnings == []


def test_variant_quality(variant: Extraction) -> None:
    report = build_report(variant)
    assert [(s.settore, s.found, s.ok) for s in report.sectors] == [
        ("SETTORE AFFARI ISTITUZIONALI", 2, True), ("Settore Servizi Sociali", 1, True)]
    assert [(w.settore, w.anno, w.totale, w.ok) for w in report.weights] == [
        ("SETTORE AFFARI ISTITUZIONALI", 2023, 100.0, True),
        ("SETTORE AFFARI ISTITUZIONALI", 2024, 60.0, False),
        ("Settore Servizi Sociali", 2023, 100.0, True),
    ]
    assert report.issues == []


def test_variant_text_export_gives_the_same_records(tmp_path: Path) -> None:
    path = build_variant(tmp_path / "variante.docx")
    exported = parse_text(b.export_text(path), "variante.txt")
    assert [t.index for t in exported.tables] == [1, 2, 3, 4]
    got = [o.model_dump(mode="json") for o in extract(exported, "variante", ente="Comune di Esempio").objectives]
    expected = [{**r, "fonte": {**r["fonte"], "file": "variante.txt"}} for r in EXPECTED]
    diff = field_diff(expected, got)
    assert not diff, "\n".join(diff)


def test_rows_continued_in_a_table_without_labels_and_a_foreign_table_after(tmp_path: Path) -> None:
    doc = b.new_document()
    b.paragraph(doc, "SETTORE TRIBUTI (1 OBIETTIVI)", bold=True)
    b.table(doc, [
        ["Titolo", "Recupero evasione IMU"],
        ["Anno", "Indicatore", "Target", "Peso"],
        ["2023", "Avvisi emessi", ">= 100", "100%"],
    ], cols=4)
    b.paragraph(doc, "")
    b.table(doc, [["", "Somme incassate", "> 50.000 euro", ""], ["2024", "Avvisi emessi", ">= 120", "100%"]])
    b.paragraph(doc, "")
    b.table(doc, [["Ufficio", "Telefono", "Email", "Orari"], ["Tributi", "0522 1", "t@x.it", "9-12"]])
    path = b.save(doc, tmp_path / "tributi.docx")
    extraction = extract(read_document(path, Settings()), "tributi")
    [only] = extraction.objectives
    assert [(i.anno, i.indicatore, i.target, i.peso) for i in only.indicatori] == [
        (2023, "Avvisi emessi", ">= 100", "100%"), (2023, "Somme incassate", "> 50.000 euro", None),
        (2024, "Avvisi emessi", ">= 120", "100%")]
    assert (only.id, only.fonte.tabella, extraction.warnings) == ("tributi-1", 1, [])
