"""PDF reader.

The fixture PDF (the .docx printed by LibreOffice) must give the records of the gold file and
the tables of the .docx reader. PDFs written by a small word processor (``pdf_builders.py``:
greedy line breaking, rows cut by page breaks, repeated header rows, running headers) test
the layout rules on a layout and a producer other than the fixture's.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import EmptyDocument, UnreadableDocument
from ingest.objectives import extract
from ingest.readers.docx import read_docx
from ingest.readers.pdf import read_pdf
from ingest.types import DocumentModel, Objective, Paragraph
from tests.conftest import SAMPLE_DOCUMENTO, SAMPLE_DOCX, SAMPLES
from tests.ingest.pdf_builders import PdfDoc

SAMPLE_PDF = SAMPLES / "piao_casalgrande_2023_performance.pdf"
# Page on which each of the 32 tables starts (table 21 runs over pages 14-16, 26 over 19-21).
TABLE_PAGES = [1, 1, 2, 2, 3, 4, 5, 5, 6, 7, 7, 8, 9, 10, 11, 11, 12, 13, 13, 14, 14, 16, 17, 17, 18,
               19, 21, 22, 22, 23, 23, 24]


@pytest.fixture(scope="module")
def pdf_model() -> DocumentModel:
    started = time.perf_counter()
    model = read_pdf(SAMPLE_PDF)
    print(f"\nread_pdf({SAMPLE_PDF.name}): {time.perf_counter() - started:.2f} s")
    return model


@pytest.fixture(scope="module")
def docx_model() -> DocumentModel:
    return read_docx(SAMPLE_DOCX)


def difference_report(expected: list[Objective], got: list[Objective]) -> list[tuple[str, str, Any, Any]]:
    """(objective id, field, expected, got) for every field that differs, ``fonte`` aside."""
    report: list[tuple[str, str, Any, Any]] = []
    if [o.id for o in expected] != [o.id for o in got]:
        report.append(("*", "id", [o.id for o in expected], [o.id for o in got]))
    for want, have in zip(expected, got, strict=False):
        a, b = want.model_dump(exclude={"fonte"}), have.model_dump(exclude={"fonte"})
        for name in a:
            if name == "indicatori":
                if len(a[name]) != len(b[name]):
                    report.append((want.id, "indicatori (count)", len(a[name]), len(b[name])))
                for i, (x, y) in enumerate(zip(a[name], b[name], strict=False)):
                    report += [(want.id, f"indicatori[{i}].{k}", x[k], y[k]) for k in x if x[k] != y[k]]
            elif name == "stato_attuazione" and a[name] and b[name]:
                report += [(want.id, f"{name}.{k}", a[name][k], b[name][k]) for k in a[name]
                           if a[name][k] != b[name][k]]
            elif a[name] != b[name]:
                report.append((want.id, name, a[name], b[name]))
    return report


# ----------------------------------------------------------------------------- the fixture PDF


def test_records_from_the_pdf_equal_the_gold(pdf_model: DocumentModel, gold_records: list[Objective]) -> None:
    records = extract(pdf_model, SAMPLE_DOCUMENTO).objectives
    report = difference_report(gold_records, records)
    for objective_id, name, expected, got in report:
        print(f"{objective_id} | {name} | expected {expected!r} | got {got!r}")
    assert report == []
    assert {r.fonte.file for r in records} == {SAMPLE_PDF.name}
    assert [r.fonte.tabella for r in records] == [g.fonte.tabella for g in gold_records]
    pages = {r.id: r.fonte.pagina for r in records}
    assert pages["finanziario-1"] == 1 and pages["finanziario-2"] == 2
    assert pages["entrate-1"] == pages["entrate-3"] == 19 and pages["entrate-4"] == 21
    assert pages["servizi-scolastici-5"] == 24


def test_tables_equal_the_docx_readers(pdf_model: DocumentModel, docx_model: DocumentModel) -> None:
    assert len(pdf_model.tables) == len(docx_model.tables) == 32
    assert [t.grid for t in pdf_model.tables] == [t.grid for t in docx_model.tables]
    differences = [(t.index, r, c, want, got)
                   for t, d in zip(pdf_model.tables, docx_model.tables, strict=True)
                   for r, (row_t, row_d) in enumerate(zip(t.rows, d.rows, strict=True))
                   for c, (got, want) in enumerate(zip(row_t, row_d, strict=True)) if got != want]
    assert [len(t.rows) for t in pdf_model.tables] == [len(t.rows) for t in docx_model.tables]
    # One bold label: its "(in %" line leaves no room for a space, so the line end cannot tell
    # a paragraph break from a wrap. Labels are matched with white space folded.
    assert differences == [(26, 17, 7, "Peso (in %\nmax 100)", "Peso (in % max 100)")]


def test_blocks_in_reading_order_with_pages(pdf_model: DocumentModel, docx_model: DocumentModel) -> None:
    def outline(model: DocumentModel) -> list[tuple[str, str | int]]:
        return [("p", b.text) if isinstance(b, Paragraph) else ("t", b.index) for b in model.blocks]

    assert outline(pdf_model) == outline(docx_model)
    assert [t.page for t in pdf_model.tables] == TABLE_PAGES
    paragraphs = [b for b in pdf_model.blocks if isinstance(b, Paragraph)]
    assert (paragraphs[0].text, paragraphs[0].heading_level, paragraphs[0].page) == (
        "Sottosezione 2.2 Performance", 1, 1)
    sectors = [p for p in paragraphs if p.text.startswith("SETTORE ")]
    assert len(sectors) == 9 and all(p.bold and p.heading_level == 2 for p in sectors)
    assert [p.page for p in sectors] == [1, 4, 7, 9, 11, 13, 14, 19, 22]
    assert all(p.heading_level is None for p in paragraphs[1:] if p not in sectors)


def test_a_row_cut_by_a_page_break_is_one_row(pdf_model: DocumentModel) -> None:
    first = pdf_model.tables[1]  # rows on pages 1 and 2, its 2023 row cut by the break
    assert first.page == 1
    assert first.rows[6][3] == ("Attuare le procedure contabili, amministrative e organizzativo-gestionali "
                                "necessarie per effettuare il passaggio al nuovo Tesoriere garantendo "
                                "l'efficienza delle prestazioni")
    stato = pdf_model.tables[16].rows[-1][1]  # cut between two paragraphs, pages 12-13
    assert "prot. n. 3624 del 17/02/2023;\n2) RADIO STELLA LIVE 13/05/2023" in stato


# ----------------------------------------------------------------------------- bad input


def test_a_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "protetto.pdf"
    doc = PdfDoc()
    doc.paragraph("Testo riservato.")
    path.write_bytes(doc.build(encrypted=True))
    with pytest.raises(UnreadableDocument, match="protetto da password") as caught:
        read_pdf(path)
    assert "protetto.pdf" in caught.value.message


@pytest.mark.parametrize("content", [
    pytest.param(SAMPLE_PDF.read_bytes()[:30_000], id="truncated"),
    pytest.param(b"%PDF-1.4\nthis is not a PDF body\n", id="garbage"),
])
def test_a_corrupt_pdf_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "rotto.pdf"
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument, match="danneggiato") as caught:
        read_pdf(path)
    assert caught.value.file == "rotto.pdf"


def test_a_scan_without_text_asks_for_ocr(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "scansione.pdf"
    Image.new("RGB", (420, 595), "white").save(path)
    with pytest.raises(EmptyDocument, match="OCR") as caught:
        read_pdf(path)
    assert caught.value.file == "scansione.pdf"


# ----------------------------------------------------------------------------- built PDFs

LONG = ("Il piano integrato di attività e organizzazione raccoglie in un unico documento la "
        "programmazione della performance, dei rischi corruttivi e del fabbisogno di personale.")
SPLIT_TEXT = ("Nel primo semestre sono stati organizzati tre incontri con le associazioni del territorio "
              "e due laboratori nelle scuole, con una partecipazione superiore alle attese; "
              "le attività proseguiranno nel secondo semestre con un calendario condiviso.")


def _built_document(trailing_spaces: bool) -> tuple[PdfDoc, list[list[str]]]:
    doc = PdfDoc(trailing_spaces=trailing_spaces)
    doc.paragraph("Sottosezione 2.2 Performance", size=16, bold=True)
    doc.paragraph(LONG)
    doc.paragraph("Un secondo paragrafo, breve.")
    doc.paragraph("SETTORE DI PROVA (1 OBIETTIVI)", size=12, bold=True)
    header = ["Anno", "Indicatore", "Target", "Peso"]
    rows = [
        ["2024", "Numero di incontri con le associazioni del territorio", ">= 3 incontri", "20%"],
        [None, "Questionari raccolti\nReport semestrale", "100 questionari\n1 report", "10%"],
        ["2025", "Numero di laboratori nelle scuole primarie e secondarie", ">= 2 laboratori", "30%"],
        ["2026", "Stato di avanzamento", SPLIT_TEXT, "40%"],
        ["2027", "Obiettivo concluso", "-", "-"],
    ]
    doc.table([40, 150, 210, 50], header, rows, merged_down={(1, 0)})
    doc.paragraph("Testo dopo la tabella, sulla seconda pagina.")
    expected_rows = [header, *[[r[0] if r[0] is not None else "2024", *r[1:]] for r in rows]]
    return doc, expected_rows


@pytest.mark.parametrize("trailing_spaces", [True, False], ids=["space-at-line-end", "no-space-at-line-end"])
def test_a_built_pdf_reads_back_as_written(tmp_path: Path, trailing_spaces: bool) -> None:
    doc, rows = _built_document(trailing_spaces)
    path = tmp_path / "piano.pdf"
    path.write_bytes(doc.build())
    assert doc.split_rows == [3] and len(doc.pages) == 2  # the layout this test is about

    model = read_pdf(path)

    texts = [(b.text, b.page, b.heading_level, b.bold) if isinstance(b, Paragraph) else ("table", b.page)
             for b in model.blocks]
    assert texts == [
        ("Sottosezione 2.2 Performance", 1, 1, True),
        (LONG, 1, None, False),
        ("Un secondo paragrafo, breve.", 1, None, False),
        ("SETTORE DI PROVA (1 OBIETTIVI)", 1, 2, True),
        ("table", 1),
        ("Testo dopo la tabella, sulla seconda pagina.", 2, None, False),
    ]  # running header and page numbers dropped, the repeated header row too
    table = model.tables[0]
    assert table.index == 1
    assert table.rows == rows


@pytest.mark.parametrize("trailing_spaces", [True, False], ids=["space-at-line-end", "no-space-at-line-end"])
def test_rows_starting_a_page_stay_rows(tmp_path: Path, trailing_spaces: bool) -> None:
    doc = PdfDoc(trailing_spaces=trailing_spaces, height=125)
    doc.paragraph("SETTORE DI PROVA (1 OBIETTIVI)", size=12, bold=True)
    header = ["Anno", "Indicatore", "Target", "Peso"]
    rows = [
        ["2024", "Numero di incontri", ">= 3 incontri", "20%"],
        ["", "numero di questionari raccolti tra gli iscritti ai corsi, le famiglie, i docenti "
         "e il personale delle scuole",
         "almeno cento questionari", "10%"],
        ["2025", "Numero di laboratori", ">= 2 laboratori", "30%"],
    ]
    doc.table([40, 150, 210, 50], header, rows)
    path = tmp_path / "righe.pdf"
    path.write_bytes(doc.build())
    assert doc.moved_rows == [1, 2] and doc.split_rows == [] and len(doc.pages) == 3

    model = read_pdf(path)

    assert len(model.tables) == 1
    assert model.tables[0].rows == [header, *rows]


def test_a_tall_row_moved_under_a_repeated_header_continues_the_table(tmp_path: Path) -> None:
    doc = PdfDoc(height=200)
    doc.paragraph("SETTORE DI PROVA (1 OBIETTIVI)", size=12, bold=True)
    header = ["Anno", "Indicatore", "Target", "Peso"]
    tall = "\n".join(f"Azione {n}: incontri con le scuole" for n in range(1, 8))
    rows = [["2024", "Numero di incontri", ">= 3 incontri", "20%"],
            ["2024", "Numero di laboratori", ">= 2 laboratori", "20%"],
            ["2025", tall, "7 azioni", "30%"]]
    doc.table([40, 150, 210, 50], header, rows, split=False)
    doc.paragraph(LONG)  # fills page 2: the room left on page 1 is larger than a paragraph
    path = tmp_path / "righe.pdf"
    path.write_bytes(doc.build())
    assert doc.moved_rows == [2] and len(doc.pages) == 2

    model = read_pdf(path)

    assert [t.rows for t in model.tables] == [[header, *rows]]
    assert [b.text for b in model.blocks if isinstance(b, Paragraph)][1:] == [LONG]


def test_a_table_after_an_empty_paragraph_on_a_new_page_is_a_new_table(tmp_path: Path) -> None:
    doc = PdfDoc(height=150)
    header = ["Classificazione", "Efficienza"]
    first = [["Titolo", "Primo obiettivo"]]
    second = [["Titolo", "Secondo obiettivo"], ["Settore/Cdr", "Finanziario"]]
    doc.paragraph("SETTORE FINANZIARIO (2 OBIETTIVI)", size=12, bold=True)
    doc.table([100, 350], header, first)
    doc.paragraph("")  # an empty paragraph, as Word needs between two tables
    doc.table([100, 350], header, second)
    doc.paragraph(" ".join([LONG] * 3))  # fills page 2, so the page's bottom margin shows
    path = tmp_path / "tabelle.pdf"
    path.write_bytes(doc.build())
    assert len(doc.pages) == 3

    model = read_pdf(path)

    assert [(t.index, t.page, t.rows) for t in model.tables] == [
        (1, 1, [header, *first]), (2, 2, [header, *second])]


def test_a_record_row_like_the_first_row_at_a_page_top_is_kept(tmp_path: Path) -> None:
    first = ["Classificazione", "Efficienza"]  # not a header: plain text, not repeated
    rows = [["Titolo", "Primo obiettivo"], ["Settore/Cdr", "Finanziario"],
            first, ["Titolo", "Secondo obiettivo"], ["Settore/Cdr", "Finanziario"]]

    def layout(height: int) -> PdfDoc:
        doc = PdfDoc(height=height)
        doc.paragraph("SETTORE FINANZIARIO (2 OBIETTIVI)", size=12, bold=True)
        doc.table([100, 350], first, rows, header_bold=False, repeat_header=False)
        return doc

    # the page height at which the second "Classificazione" row starts page 2
    doc = next(d for d in map(layout, range(100, 200)) if d.moved_rows == [2] and not d.split_rows)
    path = tmp_path / "obiettivi.pdf"
    path.write_bytes(doc.build())

    model = read_pdf(path)

    assert [t.rows for t in model.tables] == [[first, *rows]]


@pytest.mark.parametrize("trailing_spaces", [True, False], ids=["space-at-line-end", "no-space-at-line-end"])
def test_a_paragraph_over_a_page_break_is_one_paragraph(tmp_path: Path, trailing_spaces: bool) -> None:
    doc = PdfDoc(trailing_spaces=trailing_spaces, height=120)
    text = " ".join([LONG] * 3)
    doc.paragraph("Premessa", size=12, bold=True)
    doc.paragraph(text)
    doc.paragraph("Fine.")
    path = tmp_path / "prosa.pdf"
    path.write_bytes(doc.build())
    assert len(doc.pages) >= 2

    model = read_pdf(path)

    assert [(b.text, b.page) for b in model.blocks if isinstance(b, Paragraph)] == [
        ("Premessa", 1), (text, 1), ("Fine.", len(doc.pages))]
