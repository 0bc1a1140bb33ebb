"""Answers from prose passages (document › section › page), lists and counts from records only.

The plan is built with python-docx (prose sections around one objective table), ingested for real
(SQLite store, Chroma index with the fake embedder), and the assistant searches both.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.index import Index
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import Store
from tests.conftest import FakeEmbedder
from tests.plan_versions import FORMAZIONE, LAVORO_AGILE, TRASPARENZA, prose_plan

DOC = "piao_prova_2024"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("prose")
    settings = Settings(data_dir=root / "data")
    embedder = FakeEmbedder()
    ingestor = Ingestor(settings, embedder=embedder)
    try:
        ingestor.ingest(prose_plan(root / f"{DOC}.docx"), ente="Comune di Prova")
    finally:
        ingestor.close()
    store = Store(settings)
    return Assistant(store.objectives(), dense=Index(settings, embedder), store=store)


def test_what_the_plan_says_on_a_topic_is_quoted_from_its_section(assistant: Assistant) -> None:
    answer = assistant.ask("Cosa dice il piano sul lavoro agile?")
    assert not answer.refused and answer.objective_ids == []
    assert "otto giornate al mese" in answer.answer
    assert "Sezione 3 Organizzazione e capitale umano › 3.1 Lavoro agile" in answer.answer
    (cite,) = answer.citations
    assert cite.sezione == "Sezione 3 Organizzazione e capitale umano › 3.1 Lavoro agile"
    assert cite.passaggio == cite.objective_id and cite.passaggio.startswith("passaggio-")
    assert cite.documento == DOC and cite.campo == "testo" and cite.citazione == LAVORO_AGILE
    assert f"[{cite.n}]" in answer.answer


def test_a_question_no_objective_answers_is_answered_from_the_text(assistant: Assistant) -> None:
    answer = assistant.ask("Quante ore di formazione sono previste per ogni dipendente?")
    assert not answer.refused and "24 ore annue" in answer.answer
    assert [c.citazione for c in answer.citations] == [FORMAZIONE]
    trasparenza = assistant.ask("Che cosa prevede il piano per la trasparenza e la rotazione del personale?")
    assert trasparenza.citations and all(c.citazione in TRASPARENZA.replace(" Le misure", "\nLe misure")
                                         for c in trasparenza.citations)


def test_lists_counts_and_fields_still_come_from_the_records(assistant: Assistant) -> None:
    count = assistant.ask("Quanti obiettivi ci sono nel piano?")
    assert count.objective_ids == ["affari-generali-1"] and all(c.passaggio is None for c in count.citations)
    field = assistant.ask("Chi è il responsabile dell'obiettivo sui contributi alle associazioni sportive?")
    assert "Maria Verdi" in field.answer and all(c.passaggio is None for c in field.citations)
    status = assistant.ask("A che punto è l'obiettivo sui contributi alle associazioni sportive?")
    assert "bando pubblicato" in status.answer and all(c.passaggio is None for c in status.citations)


def test_a_topic_the_text_does_not_treat_is_refused(assistant: Assistant) -> None:
    answer = assistant.ask("Cosa dice il piano sulle missioni in Antartide?")
    assert answer.refused and not any(c.passaggio for c in answer.citations)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed: the PDF "
                                                             "print of the prose plan cannot be built")
def test_a_pdf_plan_is_cited_with_its_page(tmp_path: Path) -> None:
    path = prose_plan(tmp_path / "piano.docx")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=120)
    settings = Settings(data_dir=tmp_path / "data")
    ingestor = Ingestor(settings, embedder=FakeEmbedder())
    try:
        ingestor.ingest(tmp_path / "piano.pdf")
    finally:
        ingestor.close()
    store = Store(settings)
    answer = Assistant(store.objectives(), store=store).ask("Cosa dice il piano sulla formazione del personale?")
    (cite,) = answer.citations
    assert cite.documento == "piano" and cite.sezione and cite.sezione.endswith("3.2 Formazione del personale")
    assert cite.pagina is not None and f"(pagina {cite.pagina})" in answer.answer
    assert cite.citazione == FORMAZIONE
