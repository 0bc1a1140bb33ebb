"""The assistant answering from records kept in PostgreSQL (a throw-away server, ``tests/conftest.py``).

Two bodies' plans are ingested through the pipeline (records into PostgreSQL, the index into the
embedded Chroma with the fake embedder); the assistant reads the records from the database, answers
with citations from the right body and reloads when a plan is added by another writer.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant import Assistant
from assistant.querying.retrieve import FallbackDense
from assistant.types import Answer
from ingest.index import Index
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import DocumentInfo, Store
from ingest.types import Objective
from tests.conftest import FakeEmbedder, new_postgres_database

CASALGRANDE, RUBIERA, SCANDIANO = "Comune di Casalgrande", "Comune di Rubiera", "Comune di Scandiano"
OTHER_RESPONSABILE = "Mario Rossi"


def plan_of(ente: str, documento: str, records: list[Objective], responsabile: str | None = None
            ) -> tuple[DocumentInfo, list[Objective]]:
    update = {"ente": ente, "documento": documento}
    copies = [r.model_copy(update=update | ({"responsabile": responsabile} if responsabile and r.responsabile
                                            else {})) for r in records]
    info = DocumentInfo(documento=documento, file=f"{documento}.docx", content_hash=documento.ljust(64, "0"),
                        format="docx", ente=ente, periodo="2023-2025")
    return info, copies


@pytest.fixture(scope="module")
def settings(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("pg") / "data",
                    database_url=new_postgres_database(postgres_server))


@pytest.fixture(scope="module")
def store(settings: Settings, gold_records: list[Objective]) -> Iterator[Store]:
    ingestor = Ingestor(settings, embedder=FakeEmbedder())
    try:
        for plan in (plan_of(CASALGRANDE, "casalgrande_2023", gold_records),
                     plan_of(RUBIERA, "rubiera_2023", gold_records, OTHER_RESPONSABILE)):
            assert ingestor.ingest_records(*plan).status == "new"
    finally:
        ingestor.close()
    store = Store(settings)
    assert store.engine.dialect.name == "postgresql"
    yield store
    store.close()


@pytest.fixture(scope="module")
def assistant(store: Store) -> Assistant:
    """The assistant as ``Assistant.from_settings`` builds it, with the fake embedder for dense search
    (built once: the last test adds a plan, which only adds to what the others ask about)."""
    dense = FallbackDense(Index(store.settings, FakeEmbedder()))
    return Assistant(store.objectives(), dense=dense, store=store)


def cited_from(answer: Answer, store: Store) -> set[str]:
    """The documents the answer cites; each citation quotes its record."""
    records = {o.key: o for o in store.get_objectives(answer.objective_ids)}
    assert answer.citations and set(answer.objective_ids) <= set(records)
    for citation in answer.citations:
        record = records[f"{citation.documento}/{citation.objective_id}"]
        assert citation.titolo == record.titolo
    return {c.documento for c in answer.citations}


def test_an_answer_names_the_body_asked_about_and_cites_its_plan(assistant: Assistant, store: Store) -> None:
    rubiera = assistant.ask("Chi è il responsabile dell'obiettivo sul nuovo Regolamento Tari a Rubiera?")
    assert OTHER_RESPONSABILE in rubiera.answer and "Giomo" not in rubiera.answer
    assert cited_from(rubiera, store) == {"rubiera_2023"}
    casalgrande = assistant.ask("Chi è il responsabile dell'obiettivo sul nuovo Regolamento Tari a Casalgrande?")
    assert "Giomo" in casalgrande.answer and OTHER_RESPONSABILE not in casalgrande.answer
    assert cited_from(casalgrande, store) == {"casalgrande_2023"}


def test_a_list_holds_the_body_s_records_as_the_database_counts_them(assistant: Assistant, store: Store) -> None:
    answer = assistant.ask("Quali sono gli obiettivi del settore Entrate del Comune di Rubiera?")
    assert not answer.refused and cited_from(answer, store) == {"rubiera_2023"}
    expected = store.objectives(ente=RUBIERA, settore="entrate")
    assert {o.key for o in expected} == set(answer.objective_ids)
    assert store.count_by_ente(settore="entrate") == {CASALGRANDE: len(expected), RUBIERA: len(expected)}


def test_the_assistant_reloads_when_another_writer_adds_a_plan(
    assistant: Assistant, store: Store, settings: Settings, gold_records: list[Objective]
) -> None:
    assert assistant.refresh() is False
    writer = Ingestor(settings, embedder=FakeEmbedder())
    try:
        writer.ingest_records(*plan_of(SCANDIANO, "scandiano_2023", gold_records[:5]))
    finally:
        writer.close()
    assert assistant.refresh() is True
    answer = assistant.ask(f"Qual è il responsabile dell'obiettivo «{gold_records[0].titolo}» a Scandiano?")
    assert cited_from(answer, store) == {"scandiano_2023"}
    hits = store.search_text(gold_records[0].titolo, ente=SCANDIANO, limit=1)
    assert [h.key for h in hits] == [f"scandiano_2023/{gold_records[0].id}"]
