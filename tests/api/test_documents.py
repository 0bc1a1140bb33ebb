"""POST /api/documents: the token check, the size limit, and a new document answerable without restart."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.upload import safe_filename
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from tests.api.conftest import ADMIN_TOKEN, copy_data_dir
from tests.conftest import SAMPLE_DOCUMENTO, SAMPLE_DOCX

NEW_TITLE = "Accompagnare gli anziani ai servizi digitali con il progetto Nonni in Rete"


def documents(client: TestClient) -> list[str]:
    return [d["documento"] for d in client.get("/api/documents").json()["documents"]]


def upload(client: TestClient, content: bytes, filename: str = "piano.docx", token: str | None = ADMIN_TOKEN,
           scheme: str = "Bearer", **fields: str) -> object:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return client.post("/api/documents", headers=headers, data=fields,
                       files={"file": (filename, content, "application/octet-stream")})


def renamed_sample() -> bytes:
    """The sample with the SOS Computer objective retitled: a document the store has never seen."""
    document = docx.Document(str(SAMPLE_DOCX))
    cells = [c for t in document.tables for row in t.rows for c in row.cells if "SOS Computer" in c.text]
    assert cells, "the sample changed: no cell mentions SOS Computer"
    for cell in cells:
        cell.paragraphs[0].text = NEW_TITLE
        for extra in cell.paragraphs[1:]:
            extra.text = ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def writable(ingested_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = copy_data_dir(ingested_dir, tmp_path_factory.mktemp("upload"))
    return Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN, rate_limit_per_minute=10_000, max_file_mb=1)


@pytest.fixture(scope="module")
def upload_client(writable: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(writable)) as client:
        yield client


def test_without_or_with_a_wrong_token_nothing_is_ingested(upload_client: TestClient) -> None:
    content = SAMPLE_DOCX.read_bytes()
    before = documents(upload_client)
    missing = upload(upload_client, content, token=None, documento="intruso")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"  # type: ignore[attr-defined]
    malformed = upload(upload_client, content, scheme="Basic", documento="intruso")
    assert malformed.status_code == 401  # type: ignore[attr-defined]
    wrong = upload(upload_client, content, token="x" * len(ADMIN_TOKEN), documento="intruso")
    assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"  # type: ignore[attr-defined]
    assert documents(upload_client) == before


def test_upload_is_disabled_without_a_configured_token(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(data_dir=tmp_path / "data")))  # no start-up needed
    response = upload(client, b"x", token="anything-at-all-123")
    assert response.status_code == 403 and response.json()["error"] == "upload_disabled"  # type: ignore[attr-defined]


def test_over_the_size_limit_is_413_and_nothing_is_ingested(upload_client: TestClient) -> None:
    before = documents(upload_client)
    response = upload(upload_client, b"0" * (1024 * 1024 + 10), documento="troppo-grande")
    assert response.status_code == 413 and response.json()["error"] == "file_too_large"  # type: ignore[attr-defined]
    assert documents(upload_client) == before


def test_unreadable_document_maps_the_ingest_error(upload_client: TestClient) -> None:
    response = upload(upload_client, b"%PDF-1.4 broken", filename="rotto.pdf", documento="rotto")
    assert 400 <= response.status_code < 500  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "message"} and body["message"]
    assert "rotto" not in documents(upload_client)


def test_uploaded_document_is_answerable_without_restart(upload_client: TestClient) -> None:
    question = {"messages": [{"role": "user", "content": "Chi è responsabile del progetto Nonni in Rete?"}]}
    response = upload(upload_client, renamed_sample(), filename="../../Piano prova è.docx",
                      documento="piao_prova", ente="Comune di Prova")
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert re.fullmatch(r"Piano_prova_e-[0-9a-f]{8}\.docx", body["file"])
    assert body["report"]["documento"] == "piao_prova" and body["report"]["n_objectives"] == 35
    assert sorted(documents(upload_client)) == sorted([SAMPLE_DOCUMENTO, "piao_prova"])
    answer = upload_client.post("/api/chat", json=question).json()
    assert "Jessica Curti" in answer["answer"], answer
    assert any(c["documento"] == "piao_prova" for c in answer["citations"]), answer


def test_file_names_are_sanitised() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert re.fullmatch(r"Piano_2023_e-[0-9a-f]{8}\.docx", safe_filename("C:\\Users\\x\\Piano 2023 è.DOCX"))
    assert re.fullmatch(r"documento-[0-9a-f]{8}", safe_filename("..."))
    assert re.fullmatch(r"script-[0-9a-f]{8}\.txt", safe_filename("<script>.txt"))
    assert len(safe_filename("a" * 500 + ".pdf")) == 113
    assert safe_filename("piano_2023.docx") == "piano_2023.docx"  # a safe name is kept as it is


def test_empty_store_is_not_ready_until_the_first_upload(ingested_dir: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=copy_data_dir(ingested_dir, tmp_path), admin_token=ADMIN_TOKEN)
    ingestor = Ingestor(settings)
    try:
        assert ingestor.delete(SAMPLE_DOCUMENTO)  # empty store; the embedding cache stays (fast re-upload)
    finally:
        ingestor.close()
    question = {"messages": [{"role": "user", "content": "Chi segue il servizio SOS Computer?"}]}
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["error"] == "no_documents"
        refused = client.post("/api/chat", json=question)
        assert refused.status_code == 503 and refused.json()["error"] == "no_documents"
        assert upload(client, SAMPLE_DOCX.read_bytes(), filename=SAMPLE_DOCX.name).status_code == 201  # type: ignore[attr-defined]
        assert client.get("/readyz").json()["status"] == "ready"
        assert "Jessica Curti" in client.post("/api/chat", json=question).json()["answer"]
