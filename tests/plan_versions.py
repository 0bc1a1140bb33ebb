"""Versions of the sample plan built with python-docx: a later monitoring report, another entity's copy.

- ``monitoring_version``: every "Stato di attuazione al 30/06/2023" becomes "al 31/12/2023" and each
  status text gets a December sentence (the Tesoriere objective's text is replaced whole).
- ``replaced_copy``: the sample with some words replaced everywhere (another entity's plan).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import docx
from docx.text.paragraph import Paragraph

from tests.conftest import SAMPLE_DOCX

DECEMBER_LABEL = "Stato di attuazione al 31/12/2023"
DECEMBER_SUFFIX = "Al 31/12/2023 le attività previste sono state verificate in sede di monitoraggio finale."
TESORIERE_DECEMBER = ("Al 31/12/2023 la transizione al nuovo Tesoriere è conclusa: tutti i flussi di incasso e "
                      "pagamento sono gestiti dal nuovo Tesoriere.")


def _cell_paragraphs(document: docx.document.Document) -> Iterator[tuple[list[Paragraph], Paragraph]]:
    """(the row's paragraphs of unique cells, one paragraph) for every paragraph in a table."""
    for table in document.tables:
        for row in table.rows:
            seen: set[int] = set()
            cells = []
            for cell in row.cells:
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    cells.append(cell)
            paragraphs = [p for c in cells for p in c.paragraphs]
            for p in paragraphs:
                yield paragraphs, p


def _set_text(p: Paragraph, text: str) -> None:
    runs = p.runs
    if not runs:
        p.add_run(text)
        return
    runs[0].text = text
    for run in runs[1:]:
        run.text = ""


def _edit(src: Path, dest: Path, edit: Callable[[list[Paragraph], Paragraph], None]) -> Path:
    document = docx.Document(str(src))
    for row, p in _cell_paragraphs(document):
        edit(row, p)
    for p in document.paragraphs:
        edit([], p)
    document.save(str(dest))
    return dest


def monitoring_version(dest: Path, src: Path = SAMPLE_DOCX) -> Path:
    """The December monitoring report of the sample plan (see the module docstring)."""
    def edit(row: list[Paragraph], p: Paragraph) -> None:
        if "Stato di attuazione al 30/06/2023" in p.text:
            _set_text(p, p.text.replace("30/06/2023", "31/12/2023"))
            return
        if not any("Stato di attuazione al" in q.text for q in row):
            return
        texts = [q for q in row if q.text.strip() and "Stato di attuazione" not in q.text]
        if texts and p is texts[-1]:
            if any("nuovo Tesoriere" in q.text or "Nuovo Tesoriere" in q.text for q in texts):
                for q in texts:
                    _set_text(q, "")
                _set_text(p, TESORIERE_DECEMBER)
            else:
                _set_text(p, f"{p.text} {DECEMBER_SUFFIX}")

    return _edit(src, dest, edit)


def replaced_copy(dest: Path, replacements: dict[str, str], src: Path = SAMPLE_DOCX) -> Path:
    """The sample with words replaced in every paragraph and cell."""
    def edit(_row: list[Paragraph], p: Paragraph) -> None:
        text = p.text
        for old, new in replacements.items():
            text = text.replace(old, new)
        if text != p.text:
            _set_text(p, text)

    return _edit(src, dest, edit)


LAVORO_AGILE = ("Il lavoro agile è consentito ai dipendenti le cui attività possono essere svolte a distanza, "
                "per un massimo di otto giornate al mese. L'accordo individuale indica i giorni di lavoro agile, "
                "le fasce di contattabilità e gli strumenti forniti dall'ente.")
FORMAZIONE = ("Il piano della formazione prevede almeno 24 ore annue per ogni dipendente. I corsi sulla "
              "transizione digitale sono obbligatori per il personale dei servizi demografici.")
TRASPARENZA = ("Il Responsabile della prevenzione della corruzione e della trasparenza verifica ogni sei mesi "
               "la pubblicazione dei dati in Amministrazione trasparente. Le misure generali comprendono la "
               "rotazione del personale e l'obbligo di astensione in caso di conflitto di interessi.")
VALORE_PUBBLICO = ("Il valore pubblico atteso è il miglioramento del benessere dei cittadini. ") * 40  # > 1,000 chars
PROSE_OBJECTIVE_STATUS = "Stato di attuazione al 30/06/2023: bando pubblicato, domande in istruttoria."


def prose_plan(dest: Path, *, with_table: bool = True) -> Path:
    """A small whole plan: prose sections (valore pubblico, rischi corruttivi e trasparenza, lavoro
    agile, formazione) around one objective table (``with_table``)."""
    from tests.ingest import docx_builders as b

    doc = b.new_document()
    b.heading(doc, "PIAO 2024-2026 del Comune di Prova", level=1)
    b.heading(doc, "Sezione 2 Valore pubblico, performance e anticorruzione", level=1)
    b.heading(doc, "2.1 Valore pubblico", level=2)
    b.paragraph(doc, VALORE_PUBBLICO.strip())
    b.heading(doc, "2.2 Performance", level=2)
    if with_table:
        b.paragraph(doc, "SETTORE AFFARI GENERALI (1 OBIETTIVI)", bold=True)
        grid = b.table(doc, [
            ["Titolo", "Contributi alle associazioni sportive"],
            ["Classificazione", "Efficienza"],
            ["Settore/Cdr", "Affari generali"],
            ["Destinatari", "Responsabile", "Peso"],
            ["Associazioni sportive", "Maria Verdi", "100%"],
            ["Anno", "Indicatore", "Scadenza", "Target", "Peso"],
            ["2024", "Domande istruite", "31/12/2024", "30", "100%"],
        ], cols=5)  # wide enough columns: a PDF print breaks no word inside a cell
        grid.style = "Table Grid"  # ruled, as real plans are (a PDF reader finds tables by their rules)
        b.paragraph(doc, PROSE_OBJECTIVE_STATUS)
    b.heading(doc, "2.3 Rischi corruttivi e trasparenza", level=2)
    for sentence in TRASPARENZA.split(". "):
        b.paragraph(doc, sentence if sentence.endswith(".") else sentence + ".")
    b.heading(doc, "Sezione 3 Organizzazione e capitale umano", level=1)
    b.heading(doc, "3.1 Lavoro agile", level=2)
    b.paragraph(doc, LAVORO_AGILE)
    b.heading(doc, "3.2 Formazione del personale", level=2)
    b.paragraph(doc, FORMAZIONE)
    return b.save(doc, dest)
