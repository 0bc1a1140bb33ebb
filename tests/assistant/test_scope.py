"""Several documents: two entities with the same titles and sectors, and two monitoring versions of one plan.

Ingested for real (reader, extractor, SQLite store, Chroma index with the fake embedder); the
assistant answers from the store. Rubiera's copy of the plan names another responsabile for the
TARI objectives, so an answer from the wrong entity shows.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.partition import scope_key
from assistant.types import Answer, Message
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import Store
from tests.conftest import SAMPLE_DOCX, FakeEmbedder
from tests.plan_versions import DECEMBER_LABEL, TESORIERE_DECEMBER, monitoring_version, replaced_copy

CASALGRANDE, RUBIERA = "Comune di Casalgrande", "Comune di Rubiera"
JUNE, DECEMBER, OTHER = "casalgrande_2023", "casalgrande_2023_dicembre", "rubiera_2023"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("scope")
    settings = Settings(data_dir=root / "data")
    ingestor = Ingestor(settings, embedder=FakeEmbedder())
    try:
        ingestor.ingest(SAMPLE_DOCX, ente=CASALGRANDE, documento=JUNE)
        ingestor.ingest(monitoring_version(root / "piao_casalgrande_2023_dicembre.docx"), ente=CASALGRANDE,
                        documento=DECEMBER)
        rubiera = replaced_copy(root / "piao_rubiera_2023.docx", {"Natascia Giomo": "Mario Rossi",
                                                                  "Casalgrande": "Rubiera"})
        ingestor.ingest(rubiera, ente=RUBIERA, documento=OTHER)
    finally:
        ingestor.close()
    return Store(settings)


def assistant(store: Store, default_ente: str | None = None) -> Assistant:
    return Assistant(store.objectives(), store=store, default_ente=default_ente)


def documents_of(answer: Answer) -> set[str]:
    return {key.split("/")[0] for key in answer.objective_ids}


def test_documents_are_tagged_with_entity_plan_and_monitoring_date(store: Store) -> None:
    docs = {d.documento: (d.ente, d.periodo, d.data_monitoraggio) for d in store.documents()}
    assert docs == {JUNE: (CASALGRANDE, "2023-2025", "2023-06-30"),
                    DECEMBER: (CASALGRANDE, "2023-2025", "2023-12-31"),
                    OTHER: (RUBIERA, "2023-2025", "2023-06-30")}
    keys = [o.key for o in store.objectives()]
    assert len(keys) == len(set(keys)) == 3 * 35


def test_a_question_naming_the_entity_picks_it(store: Store) -> None:
    a = assistant(store)
    rubiera = a.ask("Chi è il responsabile dell'obiettivo sul nuovo Regolamento Tari a Rubiera?")
    assert "Mario Rossi" in rubiera.answer and "Giomo" not in rubiera.answer
    assert documents_of(rubiera) == {OTHER}
    assert rubiera.answer.startswith("Secondo il PIAO 2023-2025 del Comune di Rubiera")
    casalgrande = a.ask("Chi è il responsabile dell'obiettivo sul nuovo Regolamento Tari del Comune di Casalgrande?")
    assert "Natascia Giomo" in casalgrande.answer and "Rossi" not in casalgrande.answer
    assert documents_of(casalgrande) == {DECEMBER}  # the latest monitoring version of the plan
    assert "(stato di attuazione al 31/12/2023)" in casalgrande.answer.splitlines()[0]


def test_lists_never_mix_entities(store: Store) -> None:
    a = assistant(store)
    unsaid = a.ask("Quali sono gli obiettivi del settore Entrate?")  # no entity named: each one's, labelled
    assert not unsaid.refused and documents_of(unsaid) == {DECEMBER, OTHER}
    assert f"({RUBIERA})" in unsaid.answer and f"({CASALGRANDE})" in unsaid.answer
    assert "per ente:" in unsaid.answer
    summed = a.ask("Qual è la somma dei pesi 2023 del settore Entrate?")  # one sum per entity, never a mixed one
    assert not summed.refused and f"{CASALGRANDE}:" in summed.answer and f"{RUBIERA}:" in summed.answer
    assert summed.answer.count("La somma dei pesi 2023") == 2
    rubiera = a.ask("Quali sono gli obiettivi del settore Entrate del Comune di Rubiera?")
    assert not rubiera.refused and documents_of(rubiera) == {OTHER}
    single = [o for o in store.objectives(OTHER) if o.settore == "SETTORE ENTRATE"]
    assert len(rubiera.objective_ids) == len(single)
    everywhere = a.ask("Quanti obiettivi ha il settore Entrate in tutti gli enti?")
    assert documents_of(everywhere) == {DECEMBER, OTHER}  # one version per plan: June is history
    assert len(everywhere.objective_ids) == 2 * len(single)
    assert f"({RUBIERA})" in everywhere.answer and f"({CASALGRANDE})" in everywhere.answer
    n = len(single)
    assert f"(per ente: {CASALGRANDE}: {n}; {RUBIERA}: {n})" in everywhere.answer


def test_default_entity_scopes_unsaid_questions(store: Store) -> None:
    a = assistant(store, default_ente=CASALGRANDE)
    listed = a.ask("Quali sono gli obiettivi del settore Entrate?")
    assert not listed.refused and documents_of(listed) == {DECEMBER}
    one = a.ask("Chi è il responsabile dell'obiettivo sul nuovo Regolamento Tari?")
    assert "Natascia Giomo" in one.answer and documents_of(one) == {DECEMBER}
    assert one.answer.startswith("Secondo il PIAO 2023-2025 del Comune di Casalgrande")
    other = a.ask("E a Rubiera chi è il responsabile dell'obiettivo sul nuovo Regolamento Tari?")
    assert "Mario Rossi" in other.answer and documents_of(other) == {OTHER}


def test_follow_up_keeps_the_entity(store: Store) -> None:
    a = assistant(store, default_ente=CASALGRANDE)
    answer = a.answer([Message(role="user", content="Quali obiettivi ha il settore Entrate a Rubiera?"),
                       Message(role="assistant", content="..."),
                       Message(role="user", content="Quanti sono?")])
    assert documents_of(answer) == {OTHER}


def test_status_at_both_monitoring_dates_each_cited_with_its_date(store: Store) -> None:
    a = assistant(store, default_ente=CASALGRANDE)
    both = a.ask("A che punto era al 30/06 e a che punto è al 31/12 la transizione al nuovo Tesoriere?")
    lines = both.answer.splitlines()
    june = next(line for line in lines if "al 30/06/2023" in line)
    december = next(line for line in lines if "al 31/12/2023:" in line)
    assert "formalizzato il passaggio al Nuovo Tesoriere" in june
    assert TESORIERE_DECEMBER in december
    by_doc = {c.documento: c for c in both.citations if c.campo == "stato_attuazione"}
    assert set(by_doc) == {JUNE, DECEMBER}
    for documento, cite in by_doc.items():  # each quote is in the status of the version it cites
        record = next(o for o in store.objectives(documento) if o.id == cite.objective_id)
        assert " ".join(cite.citazione.split()) in " ".join(record.stato_attuazione.testo.split())
        assert f"[{cite.n}]" in (june if documento == JUNE else december)
    only_june = a.ask("A che punto era al 30/06 la transizione al nuovo Tesoriere?")
    assert "30/06/2023" in only_june.answer and "31/12/2023" not in only_june.answer.split("\n", 1)[1]


def test_an_unloaded_plan_is_refused(store: Store) -> None:
    answer = assistant(store, default_ente=CASALGRANDE).ask("Quali obiettivi ha il settore Entrate nel PIAO 2026-2028?")
    assert answer.refused and "2026-2028" in answer.answer


def test_december_label_is_in_the_built_version(tmp_path: Path) -> None:
    import docx

    built = docx.Document(str(monitoring_version(tmp_path / "v.docx")))
    cells = {c.text for t in built.tables for r in t.rows for c in r.cells}
    assert any(re.search(DECEMBER_LABEL, c) for c in cells)



def test_a_year_range_that_names_no_plan_is_left_to_the_indicators(store: Store) -> None:
    plans = assistant(store).scope(scope_key([CASALGRANDE, RUBIERA])).catalog.plans  # link() reads a normalised question
    assert plans.link("target 2023-2024 della biblioteca").unknown_plan is None
    assert plans.link("nel piao 2026-2028").unknown_plan == "2026-2028"
    assert plans.link("nel piano 2023-2025").periodo == "2023-2025"
    assert plans.link("a rubiera").ente == RUBIERA and plans.link("in tutti gli enti").all_entities
