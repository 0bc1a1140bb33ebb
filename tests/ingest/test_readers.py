"""Readers: the fixture .docx and its text export, and Word features built with python-docx."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.readers import parse_text, read_document, read_docx
from ingest.readers.safety import check_file
from ingest.settings import Settings
from ingest.types import Paragraph, Table
from tests.conftest import SAMPLE_DOCX, SAMPLE_TXT, SAMPLES
from tests.ingest import docx_builders as b

SECTOR_HEADINGS = [
    "SETTORE FINANZIARIO (4 OBIETTIVI)", "SETTORE AFFARI GENERALI (4 OBIETTIVI)",
    "SETTORE LAVORI PUBBLICI (3 OBIETTIVI)", "SETTORE PIANIFICAZIONE TERRITORIALE (3 OBIETTIVI)",
    "SETTORE SUAP (3 OBIETTIVI)", "SETTORE SERVIZI DEMOGRAFICI ED ELETTORALE (3 OBIETTIVI)",
    "SETTORE VITA DELLA COMUNITÀ (6 OBIETTIVI)", "SETTORE ENTRATE (4 OBIETTIVI)",
    "SETTORE SERVIZI SCOLASTICI (5 OBIETTIVI)",
]
FIRST_TABLE = [
    ["Classificazione", "Efficienza"],
    ["Titolo", "Transizione al nuovo Tesoriere per scadenza convenzione"],
    ["Settore/Cdr", "Finanziario"],
    ["Stakeholder\nfinali/destinatari",
     "Contributor/Stakeholder intermedio\n(unità organizzative e/o soggetti esterni coinvolti)",
     "Raccordo/Collegamento Obiettivo strategico/Obiettivo operativo sottosez. 2.1",
     "Dirigente/posizione responsabile", "PNRR",
     "Raccordo con Piano anticorruzione/misura di prevenzione della corruzione"],
    ["Servizi dell’Ente\nDirigenti e Organi politici comuni Unione\nServizi dell’Ente e correlati utenti", "",
     "98 (13). Semplificare le procedure amministrative attraverso l'uso delle nuove tecnologie, "
     "incentivando la ricercadi forme innovative e di best practice.",
     "Responsabile Settore Finanziario", "", "-"],
    ["Anno", "Indicatore\n(dimensione/formula di performance di efficacia e di efficienza)",
     "Tempistica\n(entro il)", "Baseline\n(o stato del bisogno)", "Target a preventivo", "Target intermedio",
     "Target\nraggiunto", "Peso\n(in %\nmax 100)", "Fonte di verifica dei dati"],
    ["2023", "Mantenimento dei tempi medi di pagamento in misura non inferiore all'indicatore dell'ultimo "
     "anno in cui si è verificata analoga transizione (2018)", "31.12.2023",
     "Attuare le procedure contabili, amministrative e organizzativo-gestionali necessarie per effettuare "
     "il passaggio al nuovo Tesoriere garantendo l'efficienza delle prestazioni",
     "Indicatore di tempestività dei pagamenti annuale non inferiore a -15gg", "", "", "40%",
     "Sezione Amministrazione trasparente e allegato al Rendiconto 2023"],
    ["2024", "", "", "", "", "", "", "", ""],
    ["2025", "", "", "", "", "", "", "", ""],
]


@pytest.fixture(scope="module")
def fixture_docx():  # type: ignore[no-untyped-def]
    return read_docx(SAMPLE_DOCX)


# -- the fixture .docx ------------------------------------------------------------------------

def test_docx_fixture_blocks_in_body_order(fixture_docx) -> None:  # type: ignore[no-untyped-def]
    tables = fixture_docx.tables
    assert [t.index for t in tables] == list(range(1, 33))
    headings = [p.text for p in fixture_docx.blocks if isinstance(p, Paragraph) and p.text.startswith("SETTORE")]
    assert headings == SECTOR_HEADINGS  # double spaces collapsed
    kinds = "".join("T" if isinstance(x, Table) else "P" for x in fixture_docx.blocks)
    assert kinds == "PPPPPPT" + "P" + "TTTT" + "P" + "TTTT" + "P" + "TTT" + "P" + "TT" + "P" + "TTT" + "P" + "TTT" \
        + "P" + "TTTTT" + "P" + "TT" + "P" + "TTTTT"


def test_docx_fixture_paragraph_style_and_bold(fixture_docx) -> None:  # type: ignore[no-untyped-def]
    first = fixture_docx.blocks[0]
    assert (first.text, first.style, first.heading_level, first.bold) == (
        "Sottosezione 2.2 Performance", "Heading 2", 2, True)  # bold from the style
    sector = next(p for p in fixture_docx.blocks if isinstance(p, Paragraph) and p.text.startswith("SETTORE"))
    assert (sector.style, sector.heading_level, sector.bold) == ("Normal", None, True)
    intro = fixture_docx.blocks[1]
    assert intro.bold is False


def test_docx_fixture_first_objective_table_exact(fixture_docx) -> None:  # type: ignore[no-untyped-def]
    rows = fixture_docx.tables[1].rows
    assert rows[:9] == FIRST_TABLE
    assert rows[9][0] == "Stato di attuazione al 30/06/2023"  # the empty 2nd paragraph is dropped
    assert rows[9][1].startswith("Il 12.06.2023 si è formalizzato")


def test_docx_fixture_merged_cells_once_with_grid(fixture_docx) -> None:  # type: ignore[no-untyped-def]
    ag4 = fixture_docx.tables[8]
    assert [len(r) for r in ag4.rows] == [2, 2, 2, 6, 6, 9, 8, 8, 8, 2]
    assert ag4.grid is not None
    assert ag4.grid[0] == [(0, 3), (3, 11)]
    assert ag4.grid[5] == [(0, 1), (1, 2), (3, 1), (4, 2), (6, 2), (8, 2), (10, 1), (11, 2), (13, 1)]
    assert ag4.grid[6] == [(0, 1), (1, 2), (3, 1), (4, 2), (6, 2), (8, 3), (11, 2), (13, 1)]
    assert ag4.rows[6][5:] == ["-", "20%", "Comunicazione alla giunta della proposta di regolamento"]


def test_docx_fixture_parses_within_budget() -> None:
    best = min(_timed(lambda: read_document(SAMPLE_DOCX, Settings())) for _ in range(3))
    assert best <= 0.3, f"parse took {best:.3f}s"


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- the text export --------------------------------------------------------------------------

def test_text_export_gives_the_docx_tables_and_paragraphs(fixture_docx) -> None:  # type: ignore[no-untyped-def]
    exported = read_document(SAMPLE_TXT, Settings())
    assert exported.format == "txt" and exported.file == SAMPLE_TXT.name
    assert len(exported.tables) == 32
    for mine, theirs in zip(exported.tables, fixture_docx.tables, strict=True):
        assert mine.index == theirs.index
        assert mine.rows == theirs.rows, f"table {mine.index} differs"
    assert [p.text for p in exported.blocks if isinstance(p, Paragraph)] == [
        p.text for p in fixture_docx.blocks if isinstance(p, Paragraph)]


def test_text_cell_paragraphs_bookmarks_and_row_ends() -> None:
    text = (
        "[bookmark: _Toc1]Titolo sezione\n"
        "\tClassificazione\n\tEfficienza\n\n"
        "\tStato di attuazione al 30/06/2023\n\n"  # an empty last paragraph, not a row end
        "\tPrima riga\n\nseconda riga\n\n\n"  # a blank line inside the cell, then row + table end
        "Paragrafo dopo\n"
    )
    doc = parse_text(text, "x.txt")
    assert [type(x).__name__ for x in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    assert doc.blocks[0].text == "Titolo sezione"
    assert doc.tables[0].rows == [
        ["Classificazione", "Efficienza"],
        ["Stato di attuazione al 30/06/2023", "Prima riga\nseconda riga"],
    ]
    assert doc.tables[0].grid is None


def test_text_rows_take_the_width_of_their_header() -> None:
    header = "\tAnno\n\tIndicatore\n\tTarget\n\tPeso\n\n"
    rows = "\t2023\n\tA\n\n\tT1\n\t50%\n\n\t\n\tB\n\tT2\n\t50%\n\n\n"  # 'A' has an empty last paragraph
    doc = parse_text(header + rows + "\n\tUno\n\tDue\n\n\tTre\n\tQuattro\n", "x.txt")
    assert [t.rows for t in doc.tables] == [
        [["Anno", "Indicatore", "Target", "Peso"], ["2023", "A", "T1", "50%"], ["", "B", "T2", "50%"]],
        [["Uno", "Due"], ["Tre", "Quattro"]],
    ]
    assert [t.index for t in doc.tables] == [1, 2]


# -- Word features built with python-docx -----------------------------------------------------

@pytest.fixture
def features_docx(tmp_path: Path) -> Path:
    doc = b.new_document()
    b.heading(doc, "Piano della performance", level=1)
    b.paragraph(doc, "Testo\u00a0con   spazi", bold=False)
    tbl = b.table(doc, [
        ["Titolo", "Un titolo lungo"],  # merged over 3 grid columns
        ["Anno", "Indicatore", "Target", "Peso"],
        ["2023", "Primo\n\n  indicatore  ", "10", "50%"],
        [b.VMERGE, "Secondo", "20", "50%"],
        ["2024", "", "", ""],
    ], cols=4)
    b.soft_break(tbl.cell(4, 1), "riga uno", "riga due")
    b.nested_table(tbl.cell(4, 2), [["a", "b"], ["c", "d"]])
    b.paragraph(doc, "SETTORE TECNICO", bold=True)
    b.table(doc, [["x", "y"]])
    return b.save(doc, tmp_path / "features.docx")


def test_docx_features(features_docx: Path) -> None:
    doc = read_document(features_docx, Settings())
    assert [type(x).__name__ for x in doc.blocks] == ["Paragraph", "Paragraph", "Table", "Paragraph", "Table"]
    title, text, table, sector, second = doc.blocks
    assert (title.text, title.style, title.heading_level) == ("Piano della performance", "Heading 1", 1)
    assert (text.text, text.bold) == ("Testo con spazi", False)
    assert (sector.text, sector.bold, sector.heading_level) == ("SETTORE TECNICO", True, None)
    assert table.rows == [
        ["Titolo", "Un titolo lungo"],
        ["Anno", "Indicatore", "Target", "Peso"],
        ["2023", "Primo\nindicatore", "10", "50%"],
        ["2023", "Secondo", "20", "50%"],  # vertical merge: the year above
        ["2024", "riga uno\nriga due", "a\nb\nc\nd", ""],  # soft break; nested table flattened
    ]
    assert table.grid is not None and table.grid[0] == [(0, 1), (1, 3)]
    assert (table.index, second.index, second.rows) == (1, 2, [["x", "y"]])


def test_format_is_detected_from_content(tmp_path: Path) -> None:
    settings = Settings()
    assert check_file(SAMPLE_DOCX, settings).format == "docx"
    assert check_file(SAMPLES / "piao_casalgrande_2023_performance.pdf", settings).format == "pdf"
    checked = check_file(SAMPLE_TXT, settings)
    assert checked.format == "txt" and checked.text is not None and checked.text.startswith(" [bookmark:")
    no_extension = tmp_path / "piano"
    no_extension.write_bytes(SAMPLE_DOCX.read_bytes())
    assert read_document(no_extension, settings).format == "docx"
