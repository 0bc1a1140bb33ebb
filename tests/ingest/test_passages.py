"""Prose passages: split at headings and paragraphs, never inside a sentence; stored and indexed;
a plan with prose and no objective table is imported as text."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ingest.errors import NoObjectiveTables
from ingest.index import Index
from ingest.passages import MAX_CHARS, build_passages
from ingest.pipeline import Ingestor
from ingest.readers import read_document
from ingest.settings import Settings
from ingest.store import Store
from ingest.types import Passage
from tests.conftest import FakeEmbedder
from tests.ingest import docx_builders as b
from tests.plan_versions import FORMAZIONE, LAVORO_AGILE, TRASPARENZA, VALORE_PUBBLICO, prose_plan

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def passages_of(path: Path) -> list[Passage]:
    return build_passages(read_document(path, Settings()), path.stem, "Comune di Prova")


def test_passages_follow_headings_and_never_cut_a_sentence(tmp_path: Path) -> None:
    passages = passages_of(prose_plan(tmp_path / "piano.docx"))
    by_section: dict[str, list[Passage]] = {}
    for p in passages:
        by_section.setdefault(p.sezione, []).append(p)
    sections = list(by_section)
    assert sections == [
        "Sezione 2 Valore pubblico, performance e anticorruzione › 2.1 Valore pubblico",
        "Sezione 2 Valore pubblico, performance e anticorruzione › 2.3 Rischi corruttivi e trasparenza",
        "Sezione 3 Organizzazione e capitale umano › 3.1 Lavoro agile",
        "Sezione 3 Organizzazione e capitale umano › 3.2 Formazione del personale",
    ]
    # the long paragraph (about 3,000 characters) is split between sentences, pieces of at most MAX_CHARS
    valore = by_section[sections[0]]
    assert len(valore) == 4 and all(len(p.testo) <= MAX_CHARS and p.testo.endswith(".") for p in valore)
    assert " ".join(p.testo for p in valore) == VALORE_PUBBLICO.strip()
    # short paragraphs under one heading are merged (one per line)
    (trasparenza,) = by_section[sections[1]]
    assert trasparenza.testo.replace("\n", " ") == TRASPARENZA and trasparenza.testo.count("\n") == 1
    assert [p.testo for p in by_section[sections[2]]] == [LAVORO_AGILE]
    assert [p.testo for p in by_section[sections[3]]] == [FORMAZIONE]
    # the objective table and its status text belong to the records, not to the passages
    assert not any("Maria Verdi" in p.testo or "bando pubblicato" in p.testo for p in passages)
    assert [p.id for p in passages] == [f"passaggio-{i}" for i in range(1, len(passages) + 1)]
    assert all(p.ente == "Comune di Prova" and p.paragrafo > 0 for p in passages)
    assert [p.paragrafo for p in passages] == sorted(p.paragrafo for p in passages)


def test_sample_has_its_introduction_as_a_passage() -> None:
    from tests.conftest import SAMPLE_DOCX

    (intro,) = passages_of(SAMPLE_DOCX)
    assert intro.sezione == "Sottosezione 2.2 Performance"
    assert intro.testo.startswith("La sottosezione Performance è predisposta")
    assert "Stato di attuazione" not in intro.testo


def ingestor(tmp_path: Path) -> Ingestor:
    return Ingestor(Settings(data_dir=tmp_path / "data"), embedder=FakeEmbedder())


def test_passages_are_stored_and_indexed_with_the_records(tmp_path: Path) -> None:
    path = prose_plan(tmp_path / "piao_prova_2024.docx")
    ing = ingestor(tmp_path)
    try:
        report = ing.ingest(path, ente="Comune di Prova")
        assert report.n_objectives == 1 and report.periodo == "2024-2026"
        stored = ing.store.passages(report.documento)
        assert stored == passages_of(path)
        assert report.index_entries == len(stored) + 3  # + card, indicator row and status of the objective
        hits = ing.index.search("lavoro agile giornate al mese", k=3, where={"kind": "passage"})
        assert hits[0].key == f"{report.documento}/{stored[-2].id}"
        assert hits[0].metadata["sezione"].endswith("3.1 Lavoro agile")
        assert ing.ingest(path, ente="Comune di Prova").status == "unchanged"
        assert ing.delete(report.documento)
        assert ing.store.passages() == [] and Index(ing.settings, ing.embedder).count(report.documento) == 0
    finally:
        ing.close()


def test_a_plan_without_objective_tables_is_imported_as_prose(tmp_path: Path) -> None:
    path = prose_plan(tmp_path / "piao_solo_testo.docx", with_table=False)
    ing = ingestor(tmp_path)
    try:
        report = ing.ingest(path)
        assert report.n_objectives == 0 and report.status == "new"
        assert "Obiettivi trovati: 0." in (report.quality_text or "")
        assert "non contiene schede obiettivo" in (report.quality_text or "")
        assert "settori corrispondono" not in (report.quality_text or "")
        assert any("importato come testo" in w for w in report.warnings)
        assert "importato come testo" in (report.quality_text or "")
        assert len(Store(ing.settings).passages(report.documento)) == 7
    finally:
        ing.close()


def test_a_document_with_too_little_text_is_still_refused(tmp_path: Path) -> None:
    doc = b.new_document()
    b.paragraph(doc, "Verbale della riunione")
    b.table(doc, [["Presenti", ""], ["", ""]])
    path = b.save(doc, tmp_path / "verbale.docx")
    ing = ingestor(tmp_path)
    try:
        with pytest.raises(NoObjectiveTables):
            ing.ingest(path)
        assert ing.store.documents() == []
    finally:
        ing.close()


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: the PDF print of the "
                                            "prose plan cannot be built")
def test_the_plan_printed_to_pdf_gives_the_same_passages_with_pages(tmp_path: Path) -> None:
    path = prose_plan(tmp_path / "piano.docx")
    subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=120)
    from_pdf = passages_of(tmp_path / "piano.pdf")
    from_docx = passages_of(path)
    flat = [re.sub(r"\s+", " ", p.testo) for p in from_docx]
    assert [re.sub(r"\s+", " ", p.testo) for p in from_pdf] == flat
    assert all(p.pagina is not None for p in from_pdf)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: the PDF print of the "
                                            "prose plan cannot be built")
def test_pdf_plans_with_and_without_objective_tables_are_imported(tmp_path: Path) -> None:
    for name, with_table in (("piano_tabella", True), ("piano_testo", False)):
        path = prose_plan(tmp_path / f"{name}.docx", with_table=with_table)
        subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                       check=True, capture_output=True, timeout=120)
    ing = ingestor(tmp_path)
    try:
        with_table = ing.ingest(tmp_path / "piano_tabella.pdf")
        [record] = ing.store.objectives(with_table.documento)
        assert record.titolo == "Contributi alle associazioni sportive" and record.responsabile == "Maria Verdi"
        assert record.stato_attuazione is not None and record.stato_attuazione.data == "2023-06-30"
        prose_only = ing.ingest(tmp_path / "piano_testo.pdf")
        assert prose_only.n_objectives == 0 and "non contiene schede obiettivo" in (prose_only.quality_text or "")
        passages = ing.store.passages(prose_only.documento)
        agile = next(p for p in passages if p.sezione.endswith("3.1 Lavoro agile"))
        assert agile.testo == LAVORO_AGILE.replace("  ", " ") and agile.pagina is not None
    finally:
        ing.close()
