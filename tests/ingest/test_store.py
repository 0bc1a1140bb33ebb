"""The record store against a real SQLite file and a real PostgreSQL server (the same tests on both)."""
from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from api.search import matches
from ingest.errors import StoreError
from ingest.settings import Settings
from ingest.store import DocumentInfo, IndicatorRow, Store
from ingest.store_rows import _Base
from ingest.store_search import Phrase, record_values
from ingest.text import stem, tokens
from ingest.types import Objective

DOC = "piao_casalgrande_2023_performance"
ROCCAFELICE_GOLD = Path(__file__).resolve().parents[2] / "samples" / "piao_roccafelice_2025_performance.gold.json"


def info(documento: str = DOC, content_hash: str = "hash-1", ente: str | None = None) -> DocumentInfo:
    return DocumentInfo(documento=documento, file=f"{documento}.docx", content_hash=content_hash, format="docx",
                        ente=ente, sectors=[{"name": "SETTORE FINANZIARIO", "declared_count": 4}],
                        quality={"objectives": 35}, quality_text="35 obiettivi")


def as_document(records: list[Objective], documento: str) -> list[Objective]:
    return [r.model_copy(update={"documento": documento}) for r in records]


@pytest.fixture
def store(engine_settings: Settings) -> Store:
    """A store on an empty database: each test taking it runs on SQLite and on PostgreSQL."""
    s = Store(engine_settings)
    yield s
    s.close()


def indicator_rows(store: Store, documento: str) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(IndicatorRow)
                           .where(IndicatorRow.documento == documento))


def test_records_round_trip_exactly_in_document_order(store: Store, gold_records: list[Objective]) -> None:
    assert store.upsert_document(info(), gold_records) == "new"
    assert store.objectives() == gold_records
    assert [r.model_dump(mode="json") for r in store.objectives(DOC)] == [
        r.model_dump(mode="json") for r in gold_records]
    assert store.count_objectives() == 35
    assert indicator_rows(store, DOC) == sum(len(r.indicatori) for r in gold_records) == 73


def test_get_objective_by_key_and_by_unique_id(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    assert store.get_objective(f"{DOC}/entrate-2") == gold_records[[r.id for r in gold_records].index("entrate-2")]
    assert store.get_objective("entrate-2").id == "entrate-2"
    assert store.get_objective(f"{DOC}/nope-1") is None
    store.upsert_document(info("altro"), as_document(gold_records, "altro"))
    assert store.get_objective("entrate-2") is None  # ambiguous bare id
    assert store.get_objective("altro/entrate-2").documento == "altro"


def test_documents_describe_what_is_stored(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(ente="Comune di Casalgrande"), gold_records)
    [doc] = store.documents()
    assert (doc.documento, doc.file, doc.content_hash, doc.format, doc.ente, doc.n_objectives) == (
        DOC, f"{DOC}.docx", "hash-1", "docx", "Comune di Casalgrande", 35)
    assert doc.sectors == [{"name": "SETTORE FINANZIARIO", "declared_count": 4}]
    assert doc.quality == {"objectives": 35} and doc.quality_text == "35 obiettivi"
    assert doc.ingested_at is not None and doc.ingested_at.tzinfo is not None
    assert store.document(DOC) == doc and store.document("missing") is None


def test_same_content_is_a_no_op(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    revision, [before] = store.revision(), store.documents()
    assert store.upsert_document(info(), gold_records) == "unchanged"
    assert store.revision() == revision
    assert store.documents() == [before]  # not even ingested_at moved


def test_new_version_replaces_its_records_and_leaves_others(store: Store, gold_records: list[Objective]) -> None:
    other = as_document(gold_records, "altro_comune")
    store.upsert_document(info("altro_comune", "hash-other"), other)
    store.upsert_document(info(), gold_records)
    revision = store.revision()
    changed = [gold_records[0].model_copy(update={"titolo": "Titolo nuovo"}), *gold_records[2:]]
    assert store.upsert_document(info(content_hash="hash-2"), changed) == "updated"
    assert store.objectives(DOC) == changed
    assert store.get_objective(f"{DOC}/{gold_records[1].id}") is None
    assert indicator_rows(store, DOC) == sum(len(r.indicatori) for r in changed)
    assert store.objectives("altro_comune") == other
    assert indicator_rows(store, "altro_comune") == 73
    assert store.document(DOC).content_hash == "hash-2" and store.document(DOC).n_objectives == 34
    assert store.revision() != revision


def test_other_ente_with_same_bytes_is_an_update(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    with_ente = [r.model_copy(update={"ente": "Comune di X"}) for r in gold_records]
    assert store.upsert_document(info(ente="Comune di X"), with_ente) == "updated"
    assert {r.ente for r in store.objectives()} == {"Comune di X"}


def test_failure_before_commit_rolls_everything_back(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    revision = store.revision()

    def boom() -> None:
        raise RuntimeError("index down")

    with pytest.raises(RuntimeError, match="index down"):
        store.upsert_document(info(content_hash="hash-2"), gold_records[:3], before_commit=boom)
    assert store.objectives() == gold_records
    assert store.revision() == revision and store.document(DOC).content_hash == "hash-1"


def test_database_errors_become_store_errors(store: Store, gold_records: list[Objective]) -> None:
    duplicated = [gold_records[0], gold_records[0]]
    with pytest.raises(StoreError, match="nulla è stato modificato"):
        store.upsert_document(info(), duplicated)
    assert store.documents() == [] and store.objectives() == []


def test_records_of_another_document_are_refused(store: Store, gold_records: list[Objective]) -> None:
    with pytest.raises(ValueError, match="altro"):
        store.upsert_document(info("altro"), gold_records)


def test_delete_document(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    store.upsert_document(info("altro"), as_document(gold_records, "altro"))
    revision = store.revision()
    assert store.delete_document(DOC) is True
    assert store.objectives(DOC) == [] and indicator_rows(store, DOC) == 0
    assert [d.documento for d in store.documents()] == ["altro"] and store.count_objectives() == 35
    assert store.revision() != revision
    assert store.delete_document(DOC) is False


def test_filters(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    ids = lambda records: [r.id for r in records]  # noqa: E731
    assert ids(store.objectives(settore="finanziario")) == ids(
        [r for r in gold_records if r.settore == "SETTORE FINANZIARIO"]) and len(ids(store.objectives(
            settore="finanziario"))) == 4
    assert ids(store.objectives(has_pnrr=True)) == ids([r for r in gold_records if r.pnrr])
    assert len(store.objectives(has_pnrr=True)) == 2
    assert ids(store.objectives(has_pnrr=False)) == ids([r for r in gold_records if not r.pnrr])
    giomo = [r for r in gold_records if r.responsabile and "giomo" in r.responsabile.lower()]
    assert giomo and ids(store.objectives(responsabile="GIOMO")) == ids(giomo)
    assert ids(store.objectives(anno=2024)) == ids([r for r in gold_records if 2024 in r.anni])
    assert ids(store.objectives(settore="entrate", anno=2023)) == ids(
        [r for r in gold_records if r.settore == "SETTORE ENTRATE" and 2023 in r.anni])
    assert store.objectives(settore="100%_") == []  # LIKE wildcards are literal
    assert store.objectives(ente="Comune di X") == [] and len(store.objectives(settore=None)) == 35
    with pytest.raises(ValueError, match="colore"):
        store.objectives(colore="rosso")


def test_sqlite_runs_in_wal_mode_and_readers_are_not_blocked(
    data_settings: Settings, gold_records: list[Objective]
) -> None:
    store = Store(data_settings)
    store.upsert_document(info(), gold_records)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    reader = Store(data_settings)
    seen: list[int] = []
    store.upsert_document(info(content_hash="hash-2"), gold_records[:1],
                          before_commit=lambda: seen.append(reader.count_objectives()))
    assert seen == [35]  # the write transaction was open; the reader saw the old version at once
    assert reader.count_objectives() == 1
    reader.close()
    store.close()


def test_embedding_cache(store: Store) -> None:
    store.put_embeddings("m", {"k1": [0.5, -1.25, 3.0], "k2": [1.0, 0.0, 0.0]})
    store.put_embeddings("m", {"k1": [9.0, 9.0, 9.0]})  # already cached: kept as it was
    assert store.get_embeddings(["k1", "k2", "k3"]) == {"k1": [0.5, -1.25, 3.0], "k2": [1.0, 0.0, 0.0]}
    assert store.count_embeddings() == 2
    assert store.revision() == Store(store.settings).revision()  # the cache is not content


def test_store_on_an_unusable_data_dir_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError):
        Store(Settings(data_dir=blocker / "data"))


def test_schema_compiles_for_postgresql() -> None:
    ddl = [str(CreateTable(t).compile(dialect=postgresql.dialect())) for t in _Base.metadata.sorted_tables]
    assert any("BYTEA" in d for d in ddl) and any("TIMESTAMP WITH TIME ZONE" in d for d in ddl)


# -- full-text search and scoped reads (both engines) ---------------------------------------------------

_OTHER_ENDING = {"o": "i", "i": "o", "a": "e", "e": "i"}


def inflected(word: str) -> str | None:
    """The word with another inflectional ending ('tesoriere' -> 'tesorieri'), when the stemmer says it
    is the same word."""
    variant = word[:-1] + _OTHER_ENDING.get(word[-1], word[-1])
    return variant if variant != word and stem(variant) == stem(word) else None


def test_a_word_in_another_inflection_finds_its_records(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    checked = 0
    for record in gold_records:
        for word in {w for w in tokens(record.titolo) if len(w) >= 6 and w.isalpha()}:
            variant = inflected(word)
            if variant is None:
                continue
            found = {hit.key for hit in store.search_text(variant, documento=DOC, limit=100)}
            assert record.key in found, (variant, record.titolo)
            checked += 1
    assert checked >= 50


def test_a_title_finds_its_record_first(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(ente="Comune di X"), [r.model_copy(update={"ente": "Comune di X"})
                                                     for r in gold_records])
    for scope in ({}, {"ente": "Comune di X"}, {"documento": DOC}):  # SQLite ranks a scope apart
        first = [store.search_text(r.titolo, limit=3, **scope)[0].key for r in gold_records]
        assert sum(key == r.key for key, r in zip(first, gold_records, strict=True)) >= 0.9 * len(gold_records)
        hits = store.search_text(gold_records[0].titolo, limit=5, **scope)
        assert len(hits) == 5 and all(a.score >= b.score > 0 for a, b in zip(hits, hits[1:], strict=False))


def test_search_applies_the_scope(store: Store, gold_records: list[Objective]) -> None:
    for documento, ente in (("piano_a", "Comune di A"), ("piano_b", "Comune di B"), ("piano_b2", "Comune di B")):
        records = [r.model_copy(update={"documento": documento, "ente": ente}) for r in gold_records]
        store.upsert_document(info(documento, ente=ente), records)
    title = gold_records[0].titolo
    everywhere = store.search_text(title, limit=200)
    assert {h.key.partition("/")[0] for h in everywhere} == {"piano_a", "piano_b", "piano_b2"}
    in_b = store.search_text(title, ente="Comune di B", limit=200)
    assert {h.key.partition("/")[0] for h in in_b} == {"piano_b", "piano_b2"}
    assert in_b[0].key.endswith("/" + gold_records[0].id)
    assert {h.key for h in store.search_text(title, ente="Comune di B", documento="piano_b2", limit=200)} == {
        h.key for h in in_b if h.key.startswith("piano_b2/")}
    assert store.search_text(title, ente="Comune di C") == []
    assert store.search_text(title, ente="Comune di A", documento="piano_b") == []
    assert len(store.search_text(title, limit=2)) == 2
    assert store.search_text("") == [] and store.search_text("?!") == []


def test_search_follows_updates_and_deletes(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    store.upsert_document(info("altro"), as_document(gold_records, "altro"))
    target = gold_records[0]
    key = f"{DOC}/{target.id}"
    assert key in {h.key for h in store.search_text(target.titolo, documento=DOC)}
    renamed = [target.model_copy(update={"titolo": "Manutenzione straordinaria delle fontane"}), *gold_records[1:]]
    store.upsert_document(info(content_hash="hash-2"), renamed)
    assert [h.key for h in store.search_text("fontana", documento=DOC)] == [key]
    with pytest.raises(RuntimeError):  # a failed write leaves the searchable text as it was
        store.upsert_document(info(content_hash="hash-3"), gold_records[1:], before_commit=_fail)
    assert [h.key for h in store.search_text("fontane")] == [key]
    store.upsert_document(info(content_hash="hash-3"), gold_records[1:])  # the objective is gone
    assert store.search_text("fontane") == []
    assert key not in {h.key for h in store.search_text(target.titolo, limit=200)}
    store.delete_document(DOC)
    assert {h.key.partition("/")[0] for h in store.search_text(target.titolo, limit=200)} == {"altro"}
    assert store.search_text(gold_records[5].titolo, documento=DOC) == []


def _fail() -> None:
    raise RuntimeError("index down")


def test_a_store_from_before_full_text_search_is_indexed_when_opened(
    engine_settings: Settings, gold_records: list[Objective]
) -> None:
    store = Store(engine_settings)
    store.upsert_document(info(), gold_records)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE objective_search"))
    store.close()
    reopened = Store(engine_settings)
    assert reopened.search_text(gold_records[3].titolo, limit=1)[0].key == gold_records[3].key
    reopened.close()


def test_the_full_text_rows_are_rebuilt_when_the_stemming_changed(
    engine_settings: Settings, gold_records: list[Objective]
) -> None:
    store = Store(engine_settings)
    store.upsert_document(info(), gold_records)
    with store.engine.begin() as conn:  # rows made by another version of the stemmer, in effect
        conn.execute(text("UPDATE search_meta SET value = 'an older stemmer'"))
        conn.execute(text("DELETE FROM objective_search"))
    store.close()
    reopened = Store(engine_settings)
    assert reopened.search_text(gold_records[3].titolo, limit=1)[0].key == gold_records[3].key
    reopened.close()


def test_scoped_reads(store: Store, gold_records: list[Objective]) -> None:
    for documento, ente in (("piano_a", "Comune di A"), ("piano_b", "Comune di B"), ("piano_b2", "Comune di B"),
                            ("senza_ente", None)):
        records = [r.model_copy(update={"documento": documento, "ente": ente}) for r in gold_records[:10]]
        store.upsert_document(info(documento, ente=ente), records)
    assert [(e.ente, e.documents, e.n_objectives) for e in store.entities()] == [
        ("Comune di A", ["piano_a"], 10), ("Comune di B", ["piano_b", "piano_b2"], 20), (None, ["senza_ente"], 10)]
    assert store.count_by_ente() == {"Comune di A": 10, "Comune di B": 20, None: 10}
    finanziario = sum(r.settore == "SETTORE FINANZIARIO" for r in gold_records[:10])
    assert store.count_by_ente(settore="finanziario") == {
        "Comune di A": finanziario, "Comune di B": 2 * finanziario, None: finanziario}
    assert store.count_objectives(ente="Comune di B") == 20
    in_b = store.objectives(ente="Comune di B")
    assert [r.key for r in in_b] == [f"{d}/{r.id}" for d in ("piano_b", "piano_b2") for r in gold_records[:10]]
    assert store.objectives(ente="Comune di B", offset=5, limit=10) == in_b[5:15]
    keys = [in_b[7].key, "piano_a/" + gold_records[2].id, "piano_a/nope", in_b[7].key]
    assert [r.key for r in store.get_objectives(keys)] == keys[:2]


def test_workers_opening_a_new_database_together_create_it_once(engine_settings: Settings,
                                                                 gold_records: list[Objective]) -> None:
    barrier = threading.Barrier(4)
    opened: list[Store] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            opened.append(Store(engine_settings))
        except StoreError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(opened) == 4
    opened[0].upsert_document(info(), gold_records)
    assert [h.key for h in opened[3].search_text(gold_records[2].titolo, limit=1)] == [gold_records[2].key]
    for store in opened:
        store.close()


def test_a_postgres_url_as_hosting_providers_write_it_opens_with_psycopg(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url.replace("postgresql://", "postgres://"))
    assert settings.sqlalchemy_url.startswith("postgresql+psycopg://")
    store = Store(settings)
    assert store.engine.dialect.name == "postgresql" and store.engine.dialect.driver == "psycopg"
    assert store.documents() == []
    store.close()


def _phrases_of(records: list[Objective], rng: random.Random, n: int) -> list[Phrase]:
    """Phrases cut from the records' own values (1-4 words, the last one sometimes cut short), and phrases
    of words from two records or a shuffled order, which may match nothing."""
    values = [tokens(v) for r in records for v in record_values(r)]
    values = [v for v in values if v]
    out = []
    for _ in range(n):
        words = rng.choice(values)
        start = rng.randrange(len(words))
        cut = list(words[start:start + rng.randint(1, 4)])
        if rng.random() < 0.3:
            cut = [*cut, rng.choice(rng.choice(values))]
        if rng.random() < 0.2:
            rng.shuffle(cut)
        prefix = rng.random() < 0.4
        if prefix and len(cut[-1]) > 2:
            cut[-1] = cut[-1][:rng.randint(1, len(cut[-1]) - 1)]
        out.append(Phrase(tuple(cut), prefix))
    return out


def test_the_words_filter_finds_every_record_holding_the_words_in_order(
        store: Store, gold_records: list[Objective]) -> None:
    """Property over generated phrases, two layouts' records: what the database returns for ``contains``
    holds every record whose values hold the phrase (``api.search.matches``), with the other filters."""
    rocca = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE_GOLD.read_text(encoding="utf-8"))]
    store.upsert_document(info(), gold_records)
    store.upsert_document(info(rocca[0].documento, ente="Comune di Roccafelice"), rocca)
    records = gold_records + rocca
    for phrase in _phrases_of(records, random.Random(13), 120):
        expected = {r.key for r in records if matches(r, phrase)}
        found = {r.key for r in store.objectives(contains=phrase)}
        assert expected <= found, phrase
        assert store.count_objectives(contains=phrase) == len(found)
        in_rocca = {r.key for r in store.objectives(ente="Comune di Roccafelice", contains=phrase)}
        assert in_rocca == {k for k in found if k.startswith(rocca[0].documento + "/")}, phrase
    assert store.objectives(contains=Phrase(("zzzz", "qqqq"))) == []
    with pytest.raises(ValueError):
        store.objectives(contains=Phrase(("non è", "una parola")))


def test_the_words_filter_follows_a_record_rewritten(store: Store, gold_records: list[Objective]) -> None:
    store.upsert_document(info(), gold_records)
    phrase = Phrase(("sportello", "unico", "quasi", "nuovo"))
    assert store.objectives(contains=phrase) == []
    changed = [gold_records[0].model_copy(update={"titolo": "Uno sportello unico quasi nuovo"}), *gold_records[1:]]
    store.upsert_document(info(content_hash="hash-2"), changed)
    assert [r.key for r in store.objectives(contains=phrase)] == [gold_records[0].key]
    assert [r.key for r in store.objectives(contains=Phrase(("sportello", "unico", "qua"), True))] == [
        gold_records[0].key]
