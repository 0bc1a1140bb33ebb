"""Each table's role from its content: a legend is skipped and reported, a table that is not read is
a warning with its number, no record without a title, a document with no objective an error; the
ente from a page header; ``piao ingest --explain``."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from ingest.errors import NoObjectiveTables
from ingest.objectives import extract
from ingest.readers import read_document
from ingest.readers.pdf import read_pdf
from ingest.settings import Settings
from tests.conftest import SAMPLE_DOCX
from tests.ingest import docx_builders as b
from tests.ingest.pdf_builders import PdfDoc
from tests.ingest.test_cli import warm_settings  # noqa: F401  (fixture)

HEADER = ["Cod.", "Obiettivo", "Responsabile", "Indicatore", "Target 2025", "Peso"]
ROW = ["1", "Riordino dell'archivio", "Anna Neri", "Fascicoli riordinati", "500", "100%"]
LEGEND = [["Colonna", "Significato"], ["Cod.", "Codice identificativo dell'obiettivo"],
          ["Obiettivo", "Titolo sintetico dell'obiettivo operativo"],
          ["Indicatore", "Misura con cui si verifica il risultato"],
          ["Target 2025", "Valore atteso alla fine dell'anno"], ["Peso", "Incidenza sul totale dell'Area"]]


def _read(doc: b.Document, path: Path):  # type: ignore[no-untyped-def]
    return extract(read_document(b.save(doc, path), Settings()), path.stem)


def test_a_legend_table_is_skipped_and_reported(tmp_path: Path) -> None:
    doc = b.new_document()
    b.heading(doc, "Settore Affari Generali", level=2)
    b.table(doc, LEGEND)
    b.paragraph(doc, "")
    b.table(doc, [HEADER, ROW])
    found = _read(doc, tmp_path / "piao_legenda.docx")
    assert [(o.id, o.titolo, o.fonte.tabella) for o in found.objectives] == [
        ("affari-generali-1", "Riordino dell'archivio", 2)]
    assert [t.ruolo for t in found.tables] == ["legenda", "matrice"]
    assert any("tabella 1: legenda" in w for w in found.warnings)


def test_a_card_with_values_is_no_legend(tmp_path: Path) -> None:
    doc = b.new_document()
    b.paragraph(doc, "SETTORE TRIBUTI (1 OBIETTIVI)", bold=True)
    b.table(doc, [["Obiettivo", "Recupero evasione IMU"], ["Responsabile", "Anna Neri"],
                  ["Indicatore", "Avvisi emessi"], ["Target 2025", "300"], ["Peso", "40%"]], cols=2)
    found = _read(doc, tmp_path / "piao_scheda.docx")
    assert [(o.titolo, o.responsabile, o.peso) for o in found.objectives] == [("Recupero evasione IMU", "Anna Neri",
                                                                             "40%")]
    assert found.tables[0].ruolo == "scheda"


def test_no_record_without_a_title_and_no_objective_is_an_error(tmp_path: Path) -> None:
    doc = b.new_document()
    b.paragraph(doc, "SETTORE TRIBUTI (1 OBIETTIVI)", bold=True)
    b.table(doc, [["Responsabile", "Anna Neri"], ["Peso", "40%"], ["Indicatore", "Target 2025"],
                  ["Avvisi emessi", "300"]], cols=2)
    with pytest.raises(NoObjectiveTables, match="nessun obiettivo ha un titolo"):
        _read(doc, tmp_path / "piao_senza_titolo.docx")


def test_a_table_not_read_is_a_warning_with_its_number(tmp_path: Path) -> None:
    doc = b.new_document()
    b.heading(doc, "Area Tecnica", level=2)
    b.table(doc, [["Responsabile", "Telefono"], ["Anna Neri", "0522 000000"]])
    b.paragraph(doc, "")
    b.table(doc, [HEADER, ROW, ["2", "", "Anna Neri", "Pratiche chiuse", "20", "-"]])
    found = _read(doc, tmp_path / "piao_tabelle.docx")
    assert [o.titolo for o in found.objectives] == ["Riordino dell'archivio"]  # the row without title: more indicators
    assert [t.ruolo for t in found.tables] == ["non letta", "matrice"]
    assert any(w.startswith("tabella 1: non riconosciuta") for w in found.warnings)


def test_the_ente_from_the_page_header_of_a_docx(tmp_path: Path) -> None:
    doc = b.new_document()
    doc.sections[0].header.paragraphs[0].text = "UNIONE DEI COMUNI DELLA BASSA VALLE – Piano integrato 2025-2027"
    b.paragraph(doc, "Il Comune di Altrove partecipa all'Unione.")  # named inside the text: not the author
    b.heading(doc, "Area Tecnica", level=2)
    b.table(doc, [HEADER, ROW])
    found = _read(doc, tmp_path / "piao_unione.docx")
    assert found.ente is not None and (found.ente.ente, found.ente.fonte) == (
        "Unione dei Comuni della Bassa Valle", "intestazione di pagina")
    assert {o.ente for o in found.objectives} == {"Unione dei Comuni della Bassa Valle"}


def test_a_pdf_whose_only_text_repeats_on_every_page_is_read(tmp_path: Path) -> None:
    pdf = PdfDoc()
    pdf._new_page()  # two pages holding only the running header and the page number
    path = tmp_path / "vuoto.pdf"
    path.write_bytes(pdf.build())
    model = read_pdf(path)
    assert "Comune di Prova - PIAO 2024-2026" in [getattr(block, "text", "") for block in model.blocks]
    with pytest.raises(NoObjectiveTables):
        extract(model, "vuoto")


def test_ingest_explain_shows_roles_headers_and_rows(warm_settings: Settings) -> None:  # noqa: F811
    result = CliRunner().invoke(app, ["ingest", str(SAMPLE_DOCX), "--explain"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Come sono state lette le tabelle" in out
    assert "Tabella 1: non letta" in out
    assert "Tabella 2: scheda (etichette nella prima colonna); righe lette" in out
    assert "«Dirigente/posizione responsabile» → responsabile" in out


def test_a_second_column_for_the_same_field_is_reported_not_read(tmp_path: Path) -> None:
    doc = b.new_document()
    b.heading(doc, "Area Tecnica", level=2)
    b.table(doc, [["Obiettivo", "Descrizione obiettivo", "Indicatore", "Target 2025", "Target 2026"],
                  ["Strade sicure", "Manutenzione delle strade comunali", "Km riasfaltati", "6", "8"]])
    found = _read(doc, tmp_path / "piao_doppia.docx")
    assert [(o.titolo, [(i.anno, i.target) for i in o.indicatori]) for o in found.objectives] == [
        ("Strade sicure", [(2025, "6"), (2026, "8")])]
    assert found.unmapped_headers == {"Descrizione obiettivo": [1]}


def test_a_matrix_row_with_merged_cells_is_read_by_the_grid(tmp_path: Path) -> None:
    doc = b.new_document()
    b.heading(doc, "Area Tecnica", level=2)
    table = b.table(doc, [["Obiettivo", "Responsabile", "Indicatore", "Target 2025", "Target 2026", "Stato al 31/12/2025"],
                          ["Strade sicure", "Anna Neri", "Km riasfaltati", "6", "8", "Avviati i lavori"],
                          ["Piano del verde", "Anna Neri", "Alberi piantati", "100", "", ""]])
    table.cell(2, 3).merge(table.cell(2, 4))  # one target for both years, written across their columns
    path = b.save(doc, tmp_path / "piao_unite.docx")
    text = tmp_path / "piao_unite.txt"
    text.write_text(b.export_text(path), encoding="utf-8")  # the merged cell written once
    for source in (path, text):
        found = extract(read_document(source, Settings()), "piao_unite")
        assert [(o.titolo, [(i.anno, i.target) for i in o.indicatori], o.stato_attuazione.testo
                 if o.stato_attuazione else "-") for o in found.objectives] == [
            ("Strade sicure", [(2025, "6"), (2026, "8")], "Avviati i lavori"),
            ("Piano del verde", [(2025, "100")], None)], source.name


def test_a_status_column_beside_the_indicators_of_a_card(tmp_path: Path) -> None:
    doc = b.new_document()
    b.paragraph(doc, "SETTORE TRIBUTI (1 OBIETTIVI)", bold=True)
    b.table(doc, [["Obiettivo", "Recupero evasione IMU"], ["Responsabile", "Anna Neri"],
                  ["Indicatore", "Target 2025", "Stato di attuazione al 30/06/2025"],
                  ["Avvisi emessi", "300", "Emessi 140 avvisi."],
                  ["Riscossione", "€ 50.000", "Incassati € 21.000."]], cols=3)
    found = _read(doc, tmp_path / "piao_stato_colonna.docx")
    (only,) = found.objectives
    assert [(i.indicatore, i.target) for i in only.indicatori] == [("Avvisi emessi", "300"), ("Riscossione", "€ 50.000")]
    assert only.stato_attuazione is not None
    assert (only.stato_attuazione.data, only.stato_attuazione.testo) == (
        "2025-06-30", "Emessi 140 avvisi.\nIncassati € 21.000.")
    assert found.unmapped_headers == {}
