"""Another layout: the card and the indicators in two tables, one target column per year, and the
status as a paragraph after the indicator table."""
from pathlib import Path

from docx import Document

from ingest.objectives import extract
from ingest.readers import read_document


def build(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("SETTORE POLIZIA LOCALE (2 OBIETTIVI)").runs[0].bold = True
    for title in ("Sicurezza stradale nelle scuole", "Controllo del territorio"):
        card = doc.add_table(rows=0, cols=2)
        for label, value in [("Classificazione", "Efficacia"), ("Obiettivo", title),
                             ("Settore/Cdr", "Polizia Locale"), ("Responsabile", "Anna Neri"), ("Peso %", "50%")]:
            cells = card.add_row().cells
            cells[0].text, cells[1].text = label, value
        rows = [["Indicatore", "Baseline 2023", "Target 2024", "Target 2025", "Target 2026", "Fonte dati"],
                ["n. controlli", "8", "10", "12", "", "Relazione"]]
        table = doc.add_table(rows=0, cols=6)
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text
        doc.add_paragraph("Stato di attuazione al 31/12/2024: avviati i controlli.")
    target = path / "piao_polizia.docx"
    doc.save(str(target))
    return target


def test_one_indicator_per_year_column_and_the_status_after_the_indicator_table(tmp_path: Path) -> None:
    extraction = extract(read_document(build(tmp_path)), "piao_polizia")
    assert [o.id for o in extraction.objectives] == ["polizia-locale-1", "polizia-locale-2"]
    first = extraction.objectives[0]
    assert [(i.anno, i.indicatore, i.baseline, i.target, i.fonte_verifica) for i in first.indicatori] == [
        (2024, "n. controlli", "8", "10", "Relazione"),
        (2025, "n. controlli", "8", "12", "Relazione"),  # 2026 has no target: no row
    ]
    assert first.peso == "50%" and first.responsabile == "Anna Neri"
    assert first.stato_attuazione is not None
    assert (first.stato_attuazione.data, first.stato_attuazione.testo) == ("2024-12-31", "avviati i controlli.")
    assert extraction.warnings == []


def test_one_objective_per_row_under_a_header_mixing_card_and_indicator_columns(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("SETTORE AMBIENTE (2 OBIETTIVI)").runs[0].bold = True
    table = doc.add_table(rows=0, cols=6)
    for row in [["Obiettivo", "Responsabile", "Indicatore", "Target 2024", "Peso %", "Fonte dati"],
                ["Ridurre i rifiuti indifferenziati", "Paolo Blu", "% raccolta differenziata", "75%", "60%", "ISPRA"],
                ["", "", "n. segnalazioni", "-10%", "", "Relazione"],  # a second indicator of the same objective
                ["Piantare nuovi alberi", "Paolo Blu", "n. alberi", "200", "40%", "Relazione"]]:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    path = tmp_path / "piao_ambiente.docx"
    doc.save(str(path))
    extraction = extract(read_document(path), "piao_ambiente")
    first, second = extraction.objectives
    assert (first.id, first.titolo, first.responsabile) == ("ambiente-1", "Ridurre i rifiuti indifferenziati",
                                                            "Paolo Blu")
    # a weight on the objective's first row only reads as the objective's (a merged cell)
    assert [(i.anno, i.indicatore, i.target, i.peso) for i in first.indicatori] == [
        (2024, "% raccolta differenziata", "75%", None), (2024, "n. segnalazioni", "-10%", None)]
    assert first.peso == "60%"
    assert (second.id, second.titolo, [i.target for i in second.indicatori]) == ("ambiente-2",
                                                                                  "Piantare nuovi alberi", ["200"])
