"""Many bodies loaded: scope first, per-scope states in a bounded cache, bounded answers across bodies.

The bodies' plans are generated (``tests/ingest/layouts.py``: distinct sectors, titles, people and
weights per seed), stored for real in SQLite and, for dense search, in a real Chroma index with the
predictable fake embedder. The titles come from one pool, so the same title is an objective of
several bodies, each with its own responsabile: an answer from the wrong body shows.
"""
from __future__ import annotations

import re

import pytest

from assistant import Assistant
from assistant.partition import ScopedDense
from assistant.types import Answer, Message
from ingest.index import Index
from ingest.settings import Settings
from ingest.store import Store
from ingest.types import Objective
from tests.bodies import TOWNS, generated_bodies, store_bodies
from tests.conftest import FakeEmbedder

CACHE, PAGE_BODIES, PAGE_ITEMS = 3, 4, 5


@pytest.fixture(scope="module")
def bodies() -> dict[str, list[Objective]]:
    """Records per body, in body order."""
    return generated_bodies()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, bodies: dict[str, list[Objective]]) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("bodies") / "data")
    store_bodies(settings, bodies)
    return settings


@pytest.fixture(scope="module")
def store(settings: Settings) -> Store:
    return Store(settings)


def assistant(store: Store, **kwargs: object) -> Assistant:
    return Assistant(store=store, cache_size=CACHE, page_bodies=PAGE_BODIES, page_items=PAGE_ITEMS, **kwargs)


def documents_of(answer: Answer) -> set[str]:
    return {key.split("/")[0] for key in answer.objective_ids}


def test_a_question_naming_a_body_answers_from_that_body_only(store: Store,
                                                              bodies: dict[str, list[Objective]]) -> None:
    a = assistant(store)
    for ente, records in bodies.items():  # more bodies than the cache holds: each still answers right
        obj = records[-1]
        answer = a.ask(f"Chi è il responsabile dell'obiettivo «{obj.titolo}» del {ente}?")
        assert documents_of(answer) == {obj.documento}, (ente, answer.answer)
        assert obj.responsabile in answer.answer and ente in answer.answer.splitlines()[0]
        assert all(c.documento == obj.documento for c in answer.citations)
        assert a.cached_scopes <= CACHE
    town = TOWNS[5]  # named without its type word: 'a Fanano'
    obj = bodies[f"Comune di {town}"][0]
    answer = a.ask(f"Qual è il peso dell'obiettivo «{obj.titolo}» a {town}?")
    assert documents_of(answer) == {obj.documento}


def test_a_list_naming_no_body_gives_totals_per_body_and_one_bounded_page(
        store: Store, bodies: dict[str, list[Objective]]) -> None:
    a = assistant(store)
    question = "Quanti obiettivi ci sono in tutti gli enti?"
    first = a.ask(question)
    head, *_, tail = first.answer.splitlines()
    names = list(bodies)
    for ente in names[:PAGE_BODIES]:  # the first page's bodies, each with its total
        assert f"{ente}: {len(bodies[ente])}" in head
    assert names[PAGE_BODIES] not in first.answer
    assert f"enti 1-{PAGE_BODIES} di {len(names)}" in head
    assert len(first.objective_ids) == PAGE_ITEMS  # the first N objectives, in body order
    assert first.objective_ids == [o.key for e in names for o in bodies[e]][:PAGE_ITEMS]
    assert "«altri»" in tail and f"pagina 2 di {-(-len(names) // PAGE_BODIES)}" in tail
    assert len(first.answer) < 5000
    cited = {c.n for c in first.citations}
    assert cited == set(range(1, len(first.citations) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", first.answer)} == cited  # every citation in the text
    # the next page: asked for in the conversation ('altri') or as a page of the API
    more = a.answer([Message(role="user", content=question), Message(role="assistant", content=first.answer),
                     Message(role="user", content="altri")])
    assert more.answer == a.ask(question, page=2).answer
    assert f"enti {PAGE_BODIES + 1}-{2 * PAGE_BODIES}" in more.answer.splitlines()[0]
    assert documents_of(more) <= {bodies[e][0].documento for e in names[PAGE_BODIES:2 * PAGE_BODIES]}
    last = a.ask(question, page=99)
    assert "ultimi enti" in last.answer.splitlines()[-1]
    assert a.cached_scopes <= CACHE


def test_a_filtered_list_naming_no_body_counts_each_body(store: Store, bodies: dict[str, list[Objective]]) -> None:
    a = assistant(store)
    question = "Quali sono gli obiettivi dell'Area Tecnica"
    answer = a.ask(question + "?")
    head = answer.answer.splitlines()[0]
    shown: list[str] = []
    for ente in list(bodies)[:PAGE_BODIES]:  # each body's total is its answer when named
        named = a.ask(f"{question} del {ente}?")
        n = 0 if named.refused else len(named.objective_ids)
        assert f"{ente}: {n}" in head
        shown += [] if named.refused else named.objective_ids
    assert answer.objective_ids == shown[:PAGE_ITEMS]


def test_a_question_about_one_objective_naming_no_body_searches_the_nearest_bodies(
        settings: Settings, store: Store, bodies: dict[str, list[Objective]]) -> None:
    dense = Index(settings, FakeEmbedder())
    a = assistant(store, dense=dense)
    obj = bodies["Comune di Palanzano"][1]  # a body of the last page
    answer = a.ask(f"Chi è il responsabile dell'obiettivo «{obj.titolo}»?")
    assert not answer.refused and answer.objective_ids
    assert answer.answer.startswith("Secondo il PIAO 2025-2027 del Comune di")
    titles = {o.key: o.titolo for records in bodies.values() for o in records}
    assert all(titles[k] == obj.titolo for k in answer.objective_ids)
    without = assistant(store).ask(f"Chi è il responsabile dell'obiettivo «{obj.titolo}»?")  # no index: which body?
    assert without.refused and "indicare l'ente" in without.answer and "e altri" in without.answer


def test_dense_search_is_filtered_by_the_scope_in_chroma(settings: Settings,
                                                          bodies: dict[str, list[Objective]]) -> None:
    index = Index(settings, FakeEmbedder())
    question = "digitalizzazione dello sportello unico"
    for records in list(bodies.values())[::4]:
        documento = records[0].documento
        hits = ScopedDense(index, (documento,)).search(question, k=5)
        assert hits and {h.key.split("/")[0] for h in hits} == {documento}
        assert len(hits) == min(5, index.count(documento))  # the scope's top k, never a global top k cut down
    two = tuple(r[0].documento for r in list(bodies.values())[:2])
    kinds = ScopedDense(index, two).search(question, k=50, where={"kind": "card"})
    assert kinds and {h.key.split("/")[0] for h in kinds} <= set(two) and {h.kind for h in kinds} == {"card"}


def test_an_answer_across_bodies_is_kept_for_its_revision_only(tmp_path, bodies: dict[str, list[Objective]]) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    names = list(bodies)
    store_bodies(settings, {e: bodies[e] for e in names[:-1]})
    store = Store(settings)
    a = assistant(store)
    question = "Quanti obiettivi ci sono in tutto?"
    first, again = a.ask(question), a.ask(question)
    assert again == first and again is not first  # the same answer, a copy of the kept one
    store_bodies(settings, {names[-1]: bodies[names[-1]]})  # another body's plan arrives
    assert a.refresh()
    last = a.ask(question, page=99)
    assert names[-1] in last.answer  # read anew from the new revision, not the kept answer
