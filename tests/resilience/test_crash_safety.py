"""Crash safety: ``SIGKILL`` in the middle of ingesting a new version of a document.

A child process ingests the other version of the stored document (real SQLite, real embedded
Chroma, the predictable ``FakeEmbedder``) and is killed at a random moment, mostly while it writes the
index and the store. After each kill the data dir is opened again and recovered
(``Ingestor.recover``): the store holds the old or the new version, whole, and the index holds exactly
the entries derived from the stored records, no more, no fewer.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from ingest.index import Index, build_entries
from ingest.objectives import extract
from ingest.passages import build_passages
from ingest.pipeline import Ingestor, document_entries
from ingest.readers import read_document
from ingest.settings import Settings
from ingest.store import Store
from ingest.types import Objective, Passage
from tests.conftest import ROOT, SAMPLE_DOCUMENTO, SAMPLE_DOCX, SAMPLE_TXT, FakeEmbedder

DOC = SAMPLE_DOCUMENTO
ROUNDS = 8  # kills per test run, 16 at most (about 2 s each on a busy 2-core machine)
CHILD_TIMEOUT_S = 120.0

# The child: ingest one file as DOC, writing each progress step to a marker file the test polls.
CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from tests.conftest import FakeEmbedder
from ingest.pipeline import ingest_file
from ingest.settings import Settings

marker = Path(sys.argv[3])

def progress(stage: str, done: int, total: int) -> None:
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(f"{stage} {done} {total}", encoding="utf-8")
    tmp.replace(marker)  # atomic: the test never reads a half-written marker

ingest_file(Path(sys.argv[1]), documento=sys.argv[2], settings=Settings(data_dir=Path(sys.argv[5])),
            embedder=FakeEmbedder(), progress=progress)
progress("done", 1, 1)
"""


def restart_chroma() -> None:
    """Forget this process's embedded Chroma systems, as a restarted process would: Chroma caches one
    per path, with its vector segment in memory, which does not see what another process wrote."""
    SharedSystemClient.clear_system_cache()


def new_version(tmp_path: Path) -> Path:
    """The text export with another head of the revenue office and a changed title: a new version."""
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    assert text.count("Giomo") >= 2
    changed = text.replace("Giomo", "Bertolini").replace("Transizione al nuovo Tesoriere",
                                                         "Passaggio al nuovo Tesoriere")
    path = tmp_path / "piao_v2.txt"
    path.write_text(changed, encoding="utf-8")
    return path


def version_of(path: Path, settings: Settings) -> tuple[list[Objective], list[Passage]]:
    """The records and prose passages a file gives as document DOC."""
    doc = read_document(path, settings)
    return extract(doc, DOC, None).objectives, list(build_passages(doc, DOC, None))


def index_view(index: Index) -> list[tuple[str, str, str]]:
    """The document's index entries as (objective key, kind + row, text), whatever the entry ids."""
    snap = index.snapshot(DOC)
    return sorted((str(m["objective_key"]), f"{m['kind']}-{m.get('n', '')}", t)
                  for m, t in zip(snap.metadatas, snap.texts, strict=True))


def expected_view(records: list[Objective], passages: list[Passage]) -> list[tuple[str, str, str]]:
    return sorted((str(e.metadata["objective_key"]), f"{e.metadata['kind']}-{e.metadata.get('n', '')}", e.text)
                  for e in document_entries(records, passages))


def start_child(path: Path, data_dir: Path, marker: Path) -> subprocess.Popen[bytes]:
    marker.unlink(missing_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, str(path), DOC, str(marker), str(ROOT), str(data_dir)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def read_marker(marker: Path) -> str:
    return marker.read_text(encoding="utf-8") if marker.exists() else ""


def wait_for_stage(child: subprocess.Popen[bytes], marker: Path, prefixes: tuple[str, ...]) -> str:
    """Poll the marker until it starts with one of ``prefixes`` (or the child ends); the stage."""
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while child.poll() is None and time.monotonic() < deadline:
        stage = read_marker(marker)
        if stage.startswith(prefixes):
            return stage
        time.sleep(0.002)
    return read_marker(marker)


def write_duration(path: Path, data_dir: Path, marker: Path) -> float:
    """Seconds from the start of the write stage to its end, in a whole, uninterrupted ingest."""
    child = start_child(path, data_dir, marker)
    wait_for_stage(child, marker, ("store",))
    started = time.monotonic()
    wait_for_stage(child, marker, ("done",))
    elapsed = time.monotonic() - started
    _, err = child.communicate(timeout=CHILD_TIMEOUT_S)
    assert child.returncode == 0 and read_marker(marker).startswith("done"), err.decode("utf-8", "replace")[-2000:]
    return elapsed


def kill_mid_ingest(path: Path, data_dir: Path, marker: Path, delay_s: float, during: str) -> str:
    """Start the child, SIGKILL it ``delay_s`` after it reached stage ``during``; the last stage seen."""
    child = start_child(path, data_dir, marker)
    try:
        wait_for_stage(child, marker, (during, "store", "done"))
        time.sleep(delay_s)
        stage = read_marker(marker)
    finally:
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=30)
    assert child.returncode in (-signal.SIGKILL, 0), err.decode("utf-8", "replace")[-2000:]
    return f"{stage or 'start'} +{delay_s * 1000:.0f}ms"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sigkill_mid_ingest_leaves_old_or_new_version_whole_in_store_and_index(
    tmp_path: Path, data_settings: Settings
) -> None:
    versions = {"v1": SAMPLE_DOCX, "v2": new_version(tmp_path)}
    records = {name: version_of(path, data_settings) for name, path in versions.items()}
    assert records["v1"] != records["v2"]
    embedder = FakeEmbedder()
    first = Ingestor(data_settings, embedder=embedder)
    assert first.ingest(versions["v1"], documento=DOC).status == "new"
    first.close()

    marker = tmp_path / "marker"
    # an uninterrupted run of each version: how long the write takes here and now, and the cache warm
    window = max(write_duration(versions["v2"], data_settings.data_dir, marker),
                 write_duration(versions["v1"], data_settings.data_dir, marker))
    rng = random.Random(20261125)
    outcomes: dict[str, int] = {"committed": 0, "rolled back": 0}
    stages: list[str] = []
    stored = "v1"
    # write-stage kills spread evenly over the write (index, commit, clean-up) and a bit beyond
    strata = [(i + rng.random()) / (ROUNDS - 2) * 1.2 * window for i in range(ROUNDS - 2)]
    rng.shuffle(strata)
    for n in range(2 * ROUNDS):
        if n >= ROUNDS and all(outcomes.values()):
            break
        target = "v2" if stored == "v1" else "v1"
        if n >= ROUNDS:  # timing noise kept one outcome away: aim where it must be
            delay = rng.uniform(0.0, 0.1 * window) if outcomes["committed"] else rng.uniform(window, 1.3 * window)
            during = "store"
        else:
            during, delay = ("embed", rng.uniform(0.0, 0.02)) if n % 4 == 3 else ("store", strata.pop())
        stages.append(kill_mid_ingest(versions[target], data_settings.data_dir, marker, delay, during))
        restart_chroma()
        ingestor = Ingestor(data_settings, embedder=embedder)  # restart: open store and index again
        ingestor.recover()
        objectives, passages = ingestor.store.objectives(DOC), ingestor.store.passages(DOC)
        matches = [name for name, recs in records.items() if recs == (objectives, passages)]
        assert matches, f"store holds neither version after a kill at {stages[-1]!r}"
        outcomes["committed" if matches[0] == target else "rolled back"] += 1
        stored = matches[0]
        assert index_view(ingestor.index) == expected_view(objectives, passages), (
            f"index and store disagree after a kill at {stages[-1]!r}")
        assert ingestor.store.document(DOC).n_objectives == len(objectives)  # type: ignore[union-attr]
        ingestor.close()
    print(f"kills at: {stages}; outcomes: {outcomes}")  # shown with -s: the figures of the issue
    # kills landed before the commit and after it (else the test proved little)
    assert all(outcomes.values()), (outcomes, stages)


def test_recovery_removes_index_entries_of_documents_the_store_does_not_hold(
    data_settings: Settings, gold_records: list[Objective], fake_embedder: FakeEmbedder
) -> None:
    ingestor = Ingestor(data_settings, embedder=fake_embedder)
    entries = build_entries(gold_records[:2])
    # a crash after the index write of a brand-new document, before its rows were committed
    ingestor.index.replace_entries(DOC, entries, fake_embedder.embed_documents([e.text for e in entries]))
    assert ingestor.index.count(DOC) == len(entries) and Store(data_settings).document(DOC) is None
    removed = ingestor.recover()
    assert removed == len(entries)
    assert ingestor.index.count() == 0
    assert ingestor.recover() == 0  # idempotent
    ingestor.close()
