"""Many files in one process (``ingest.batch``): a folder's files found and ordered, one bad file kept
out without stopping the others, every distinct index text embedded once across the documents.

Generated plans (``layouts.py``, several layouts) beside copies and a broken file; real SQLite and
embedded Chroma, the predictable ``FakeEmbedder`` (so parsing runs in this process; the budgeted
parallel children are exercised through ``piao ingest`` in ``test_cli.py``).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.batch import expand_paths, ingest_many
from ingest.errors import IngestError
from ingest.pipeline import Ingestor, document_entries, file_hash
from ingest.settings import Settings
from tests.conftest import SAMPLE_DOCX, FakeEmbedder
from tests.ingest.layouts import LAYOUTS, generate, write


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three generated plans (one in a sub-folder), a copy of one under another name, a broken .docx,
    and files that are not documents to ingest."""
    root = tmp_path / "piani"
    (root / "2026").mkdir(parents=True)
    for n, (seed, where) in enumerate([(11, root), (12, root), (13, root / "2026")]):
        write(generate(seed), LAYOUTS[n % len(LAYOUTS)], where / f"comune_{seed}.docx", seed=seed)
    shutil.copy(root / "comune_11.docx", root / "copia_11.docx")
    (root / "rotto.docx").write_bytes(SAMPLE_DOCX.read_bytes()[:4000])
    (root / "note.md").write_text("appunti", encoding="utf-8")
    (root / "~$comune_11.docx").write_bytes(b"\0" * 162)  # Word's lock file while the plan is open
    (root / ".nascosto.docx").write_bytes(b"")
    return root


def test_a_folder_gives_its_documents_sorted_and_leaves_out_the_rest(folder: Path) -> None:
    files, skipped = expand_paths([folder, folder / "comune_12.docx"])  # a file named twice counts once
    assert [p.relative_to(folder).as_posix() for p in files] == [
        "2026/comune_13.docx", "comune_11.docx", "comune_12.docx", "copia_11.docx", "rotto.docx"]
    assert sorted(p.name for p in skipped) == [".nascosto.docx", "note.md", "~$comune_11.docx"]


def test_one_bad_file_among_many_and_each_text_embedded_once(data_settings: Settings, folder: Path) -> None:
    embedder = FakeEmbedder()
    ingestor = Ingestor(data_settings, embedder=embedder)
    files, _ = expand_paths([folder])
    seen: list[str] = []
    summary = ingest_many(ingestor, files, on_done=lambda o: seen.append(o.path.name))
    assert seen == [p.name for p in files]  # in order, as each is done
    outcomes = {o.path.name: o for o in summary.outcomes}
    assert {n: o.report.status for n, o in outcomes.items() if o.report} == {
        "comune_13.docx": "new", "comune_11.docx": "new", "comune_12.docx": "new", "copia_11.docx": "new"}
    error = outcomes["rotto.docx"].error
    assert isinstance(error, IngestError) and "rotto.docx" in (error.file or "") and "danneggiato" in error.message
    assert (summary.count("new"), summary.count("failed")) == (4, 1)

    stored = sorted(d.documento for d in ingestor.store.documents())
    assert stored == ["comune_11", "comune_12", "comune_13", "copia_11"]
    texts = [e.text for d in stored for e in document_entries(ingestor.store.objectives(d), ingestor.store.passages(d))]
    embedded = [t for batch in embedder.calls for t in batch]
    assert sorted(embedded) == sorted(set(texts))  # every distinct text once, the copy's from the cache
    assert (summary.texts, summary.embedded, summary.cache_hits) == (len(texts), len(set(texts)),
                                                                   len(texts) - len(set(texts)))
    assert ingestor.disagreements() == []

    calls = len(embedder.calls)
    again = ingest_many(ingestor, files)
    assert [o.report.status if o.report else "failed" for o in again.outcomes] == [
        "unchanged", "unchanged", "unchanged", "unchanged", "failed"]
    assert len(embedder.calls) == calls and (again.embedded, again.texts) == (0, 0)  # nothing parsed or embedded
    ingestor.close()


def test_two_files_with_the_same_key_in_one_batch(data_settings: Settings, folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "altrove"
    other.mkdir()
    shutil.copy(folder / "comune_12.docx", other / "comune_11.docx")  # another plan, the same file name
    ingestor = Ingestor(data_settings, embedder=FakeEmbedder())
    summary = ingest_many(ingestor, [folder / "comune_11.docx", other / "comune_11.docx"])
    first, second = summary.outcomes
    assert first.report is not None and first.report.status == "new"
    assert second.error is not None and "stessa chiave" in second.error.message
    assert ingestor.store.document("comune_11").content_hash == file_hash(folder / "comune_11.docx")
    ingestor.close()
