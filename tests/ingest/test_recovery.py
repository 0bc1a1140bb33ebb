"""Recovery per document: an ingest that died half-way is repaired by the next ingest of that document,
which reads and changes nothing of the other documents; ``Ingestor.repair`` checks them all.

The interrupted ingest is a real process that dies (``os._exit``, as at a power cut) at a chosen
point of the write: just before the store's commit (the new index generation written, the records
not), or just after it (the old generation not yet deleted). Real SQLite, real embedded Chroma, the
predictable ``FakeEmbedder``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from ingest.pipeline import Ingestor, document_entries
from ingest.settings import Settings
from tests.conftest import ROOT, SAMPLE_DOCUMENTO, SAMPLE_DOCX, SAMPLE_TXT, FakeEmbedder

DOC = SAMPLE_DOCUMENTO
OTHER = "altro"

# Ingest argv[3] as argv[4] and die at argv[5]: "before_commit" (the records' INSERT) or "after_commit".
CHILD = """
import os
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from sqlalchemy import event
from sqlalchemy.orm import Session

from ingest.pipeline import Ingestor
from ingest.settings import Settings
from tests.conftest import FakeEmbedder

ingestor = Ingestor(Settings(data_dir=Path(sys.argv[2])), embedder=FakeEmbedder())
when = sys.argv[5]
seen = []

@event.listens_for(ingestor.store.engine, "before_cursor_execute")
def before(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("INSERT INTO DOCUMENTS"):
        if when == "before_commit":
            os._exit(9)
        seen.append(statement)

@event.listens_for(Session, "after_commit")
def after(session):
    if seen:
        os._exit(9)

ingestor.ingest(Path(sys.argv[3]), documento=sys.argv[4])
sys.exit(3)  # not reached: the process dies in the write
"""


def die_mid_ingest(data_dir: Path, path: Path, documento: str, when: str) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    child = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(data_dir), str(path), documento, when],  # noqa: S603
                           env=env, capture_output=True, text=True, timeout=300)
    assert child.returncode == 9, child.stderr[-3000:]
    SharedSystemClient.clear_system_cache()  # as a restarted process: Chroma's cached view is gone


def index_texts(ingestor: Ingestor, documento: str) -> list[str]:
    return sorted(ingestor.index.snapshot(documento).texts)


def stored_texts(ingestor: Ingestor, documento: str) -> list[str]:
    entries = document_entries(ingestor.store.objectives(documento), ingestor.store.passages(documento))
    return sorted(e.text for e in entries)


@pytest.mark.parametrize("when", ["before_commit", "after_commit"])
def test_the_next_ingest_of_a_document_repairs_what_an_interrupted_one_left_and_nothing_else(
    data_settings: Settings, when: str
) -> None:
    ingestor = Ingestor(data_settings, embedder=FakeEmbedder())
    ingestor.ingest(SAMPLE_DOCX)
    ingestor.ingest(SAMPLE_DOCX, documento=OTHER)
    # the other document's index damaged by hand: an ingest of DOC must neither read nor mend it
    ingestor.index.delete_generations(OTHER)
    ingestor.close()

    die_mid_ingest(data_settings.data_dir, SAMPLE_TXT, DOC, when)  # a new version of DOC, cut short
    ingestor = Ingestor(data_settings, embedder=FakeEmbedder())
    problems = ingestor.disagreements()
    assert [p.split(":")[0] for p in problems] == [OTHER, DOC], problems
    report = ingestor.ingest(SAMPLE_TXT, documento=DOC)  # the same new version again
    assert report.status == ("updated" if when == "before_commit" else "unchanged")
    assert index_texts(ingestor, DOC) == stored_texts(ingestor, DOC)
    assert [p.split(":")[0] for p in ingestor.disagreements()] == [OTHER]  # untouched
    assert ingestor.index.count(OTHER) == 0

    repaired = ingestor.repair()
    assert (repaired.checked, repaired.rebuilt, repaired.orphans) == (2, [OTHER], [])
    assert ingestor.disagreements() == [] and index_texts(ingestor, OTHER) == stored_texts(ingestor, OTHER)
    ingestor.close()


def test_the_old_version_ingested_again_after_a_cut_removes_the_new_ones_leftovers(data_settings: Settings) -> None:
    ingestor = Ingestor(data_settings, embedder=FakeEmbedder())
    ingestor.ingest(SAMPLE_DOCX)
    ingestor.close()
    die_mid_ingest(data_settings.data_dir, SAMPLE_TXT, DOC, "before_commit")
    ingestor = Ingestor(data_settings, embedder=FakeEmbedder())
    assert ingestor.ingest(SAMPLE_DOCX).status == "unchanged"  # the store kept the old version whole
    assert index_texts(ingestor, DOC) == stored_texts(ingestor, DOC) and ingestor.disagreements() == []
    ingestor.close()


def test_repair_removes_a_document_the_store_does_not_hold(data_settings: Settings) -> None:
    die_mid_ingest(data_settings.data_dir, SAMPLE_DOCX, DOC, "before_commit")  # a first ingest, cut short
    ingestor = Ingestor(data_settings, embedder=FakeEmbedder())
    assert ingestor.store.document(DOC) is None and ingestor.index.count(DOC) > 0
    report = ingestor.repair()
    assert (report.orphans, report.removed, report.fixed) == ([DOC], 144, True)
    assert ingestor.index.count() == 0 and ingestor.repair().fixed is False
    ingestor.close()


def test_repair_records_the_documents_that_agree_so_their_next_ingest_reads_no_index(data_settings: Settings) -> None:
    ingestor = Ingestor(data_settings, embedder=FakeEmbedder())
    ingestor.ingest(SAMPLE_DOCX)
    generation = ingestor.state.settled(DOC)
    assert generation is not None and ingestor.store.document(DOC).records_hash.startswith(generation)
    ingestor.state.clear(DOC)  # as a store written before the record existed
    assert ingestor.disagreements() == []  # agreeing, recorded or not
    report = ingestor.repair()
    assert (report.checked, report.fixed, report.removed) == (1, False, 0)
    assert ingestor.state.settled(DOC) == generation
    ingestor.close()
