"""Ingest under a budget, one writer per document, keys that never collide silently.

Real uploads to a real server (the sandboxed child process, the real model with the session's
embedding cache), documents generated on the fly by ``evals.heavy_docs``.
"""
from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import docx
import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from evals.heavy_docs import flate_bomb_pdf, heavy_docx, one_line_txt
from ingest.errors import UnsafeDocument
from ingest.locks import document_lock
from ingest.pipeline import Ingestor, generation_of, ingest_file
from ingest.prepare import document_entries
from ingest.sandbox import BudgetExceeded
from ingest.settings import Settings, get_settings
from ingest.store import Store
from tests.api.conftest import ADMIN_TOKEN, copy_data_dir
from tests.conftest import SAMPLE_DOCX
from tests.live_server import live_server


@pytest.fixture
def writable(ingested_dir: Path, tmp_path: Path) -> Settings:
    """A private copy of the session's data dir (the sample and its embedding cache)."""
    return Settings(data_dir=copy_data_dir(ingested_dir, tmp_path), admin_token=ADMIN_TOKEN,
                    rate_limit_per_minute=100_000)


def second_version() -> bytes:
    """The sample with one objective retitled: the same plan, another version."""
    document = docx.Document(str(SAMPLE_DOCX))
    cells = [c for t in document.tables for row in t.rows for c in row.cells if "SOS Computer" in c.text]
    for cell in cells:
        cell.paragraphs[0].text = "Sportello digitale di assistenza ai cittadini"
        for extra in cell.paragraphs[1:]:
            extra.text = ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def store_and_index_agree(settings: Settings, documento: str) -> bool:
    """Whether the index holds exactly the stored version of ``documento`` (checked under its lock)."""
    ingestor = Ingestor(settings)
    try:
        with document_lock(settings, documento):
            info = ingestor.store.document(documento)
            generations = ingestor.index.generations(documento).get(documento, {})
            if info is None:
                return not generations
            entries = document_entries(ingestor.store.objectives(documento), ingestor.store.passages(documento))
            return generations == {generation_of(info.records_hash or ""): len(entries)}
    finally:
        ingestor.close()


def snapshot(settings: Settings) -> tuple[str, int]:
    store = Store(settings)
    try:
        return store.revision(), store.count_objectives()
    finally:
        store.close()


def upload_dirs() -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"piao-upload-{os.getpid()}-*"))


def test_concurrent_uploads_of_two_versions_leave_one_whole_version(writable: Settings) -> None:
    versions = [SAMPLE_DOCX.read_bytes(), second_version()]
    with live_server(create_app(writable)) as url, httpx.Client(base_url=url, timeout=300) as client:
        def upload(n: int) -> httpx.Response:
            return client.post("/api/documents", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                               data={"documento": "gara"},
                               files={"file": ("piano.docx", versions[n % 2], "application/octet-stream")})

        statuses = []
        with ThreadPoolExecutor(max_workers=20) as pool:
            for done in as_completed([pool.submit(upload, n) for n in range(20)]):
                response = done.result()
                assert response.status_code == 201, response.text
                statuses.append(response.json()["report"]["status"])
                assert store_and_index_agree(writable, "gara")
        assert statuses.count("new") == 1  # the others found it stored: "updated" or "unchanged"
        assert client.get("/readyz").status_code == 200
    assert store_and_index_agree(writable, "gara")


def test_an_ingest_over_its_time_budget_is_refused_in_italian_and_changes_nothing(
        writable: Settings, tmp_path: Path) -> None:
    slow = writable.model_copy(update={"ingest_timeout_s": 2.0})
    path = one_line_txt(tmp_path / "una_riga.txt", 5)  # 5 MB on one line: minutes of embedding
    before = snapshot(slow)
    with TestClient(create_app(slow)) as client:
        started = time.monotonic()
        response = client.post("/api/documents", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                               files={"file": (path.name, path.read_bytes(), "text/plain")})
        elapsed = time.monotonic() - started
    assert response.status_code == 422 and response.json()["error"] == "BudgetExceeded"
    assert "tempo massimo di 2 secondi" in response.json()["message"]
    assert "l'archivio è invariato" in response.json()["message"]
    assert elapsed < 30  # the budget, the child's end and the reply; not the minutes the file would take
    assert snapshot(slow) == before
    assert upload_dirs() == []  # the temporary folder went with the request


def test_an_ingest_over_its_memory_budget_is_refused_and_changes_nothing(writable: Settings, tmp_path: Path) -> None:
    # the child starts at ~200 MB of address space (no Chroma: it only parses and embeds); parsing this
    # document alone reaches ~670 MB
    tight = writable.model_copy(update={"ingest_memory_mb": 450})
    path = heavy_docx(tmp_path / "pesante.docx", 30)  # 30 MB of XML, under PIAO_MAX_XML_MB
    before = snapshot(tight)
    with pytest.raises(BudgetExceeded, match="memoria consentita \\(450 MB\\)"):
        ingest_file(path, settings=tight, documento="pesante")
    assert snapshot(tight) == before
    assert store_and_index_agree(tight, "pesante")


def test_decompression_bombs_are_refused_before_parsing(writable: Settings, tmp_path: Path) -> None:
    small = writable.model_copy(update={"max_pdf_stream_mb": 10, "max_xml_mb": 5})
    bomb = flate_bomb_pdf(tmp_path / "bomba.pdf", 20)
    with pytest.raises(UnsafeDocument, match="PIAO_MAX_PDF_STREAM_MB"):
        ingest_file(bomb, settings=small)
    with pytest.raises(UnsafeDocument, match="PIAO_MAX_XML_MB"):
        ingest_file(heavy_docx(tmp_path / "pesante.docx", 6), settings=small)


def test_document_keys_of_different_names_never_collide(writable: Settings) -> None:
    content = SAMPLE_DOCX.read_bytes()
    with TestClient(create_app(writable)) as client:
        def upload(name: str, **fields: str) -> httpx.Response:
            return client.post("/api/documents", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, data=fields,
                               files={"file": (name, content, "application/octet-stream")})

        first, second = upload("файл.docx"), upload("文件.docx")
        assert first.status_code == second.status_code == 201
        keys = {first.json()["report"]["documento"], second.json()["report"]["documento"]}
        assert len(keys) == 2
        listed = {d["documento"] for d in client.get("/api/documents").json()["documents"]}
        assert keys <= listed
        taken = upload("altro_piano.docx", documento=sorted(keys)[0])  # another file, an existing key
        assert taken.status_code == 409 and "sostituisci" in taken.json()["message"]
        replaced = upload("altro_piano.docx", documento=sorted(keys)[0], sostituisci="true")
        assert replaced.status_code == 201


def test_the_format_is_checked_before_the_unchanged_shortcut(writable: Settings, tmp_path: Path) -> None:
    renamed = tmp_path / "piao_casalgrande_2023_performance.pdf"  # the stored Word file, named .pdf
    renamed.write_bytes(SAMPLE_DOCX.read_bytes())
    with pytest.raises(Exception, match="non corrisponde al contenuto") as caught:
        ingest_file(renamed, settings=writable)
    assert caught.type.__name__ == "UnsupportedFormat"


@pytest.fixture
def stale_upload_dir() -> Iterator[Path]:
    folder = Path(tempfile.gettempdir()) / "piao-upload-999999999-abc"  # a pid that cannot run
    folder.mkdir(exist_ok=True)
    (folder / "piano.docx").write_bytes(b"x")
    yield folder
    if folder.exists():
        folder.rmdir()


def test_start_up_removes_upload_folders_of_a_killed_server(writable: Settings, stale_upload_dir: Path) -> None:
    with TestClient(create_app(writable)):
        assert not stale_upload_dir.exists()


def test_status_and_readyz_report_a_disagreement_and_start_up_repairs_it(writable: Settings) -> None:
    from typer.testing import CliRunner

    from api.cli import app as cli
    from tests.conftest import SAMPLE_DOCUMENTO

    ingestor = Ingestor(writable)
    try:  # what a kill between the index write and the commit leaves: a second, orphan generation
        entries = document_entries(ingestor.store.objectives(SAMPLE_DOCUMENTO), ingestor.store.passages(SAMPLE_DOCUMENTO))
        ingestor.index.write_generation(SAMPLE_DOCUMENTO, "0123456789abcdef", entries, [[1.0] + [0.0] * 383] * len(entries))
    finally:
        ingestor.close()
    assert not store_and_index_agree(writable, SAMPLE_DOCUMENTO)
    get_settings.cache_clear()
    try:
        status = CliRunner().invoke(cli, ["status"], env={"PIAO_DATA_DIR": str(writable.data_dir)})
    finally:
        get_settings.cache_clear()
    assert status.exit_code == 0 and "non corrispondono" in status.stdout, status.stdout
    app = create_app(writable)
    client = TestClient(app)  # routes only: the start-up (and its repair) has not run
    app.state.store, app.state.assistant = Store(writable), object()
    try:
        refused = client.get("/readyz")
        assert refused.status_code == 503 and refused.json()["error"] == "index_out_of_step"
    finally:
        app.state.store.close()
    with TestClient(create_app(writable)) as started:  # start-up repairs the index
        assert started.get("/readyz").status_code == 200
    assert store_and_index_agree(writable, SAMPLE_DOCUMENTO)
