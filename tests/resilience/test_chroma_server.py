"""The scale-out path: a real ``chroma run`` server (127.0.0.1) instead of the embedded index.

With ``PIAO_CHROMA_HOST``/``PIAO_CHROMA_PORT`` set: ingest the sample, count the index, answer with
dense search; then the app with two uvicorn workers against the same server, asked over HTTP.
The records stay in SQLite here (PostgreSQL is the same code through ``PIAO_DATABASE_URL``).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chromadb
import httpx
import pytest

from assistant import Assistant
from assistant.lexicon import load_lexicon
from evals.load import own_server, run_load_blocking
from ingest.index import Index
from ingest.pipeline import Ingestor, ingest_file
from ingest.settings import Settings, get_settings
from ingest.store import Store
from tests.conftest import SAMPLE_DOCUMENTO, SAMPLE_DOCX

pytestmark = pytest.mark.integration

CHROMA_CLI = Path(sys.executable).parent / "chroma"
QUESTIONS = (  # (question, text the answer must contain)
    ("Chi è responsabile dell'obiettivo \"Potenziare il servizio SOS Computer\"?", "Jessica Curti"),
    ("Chi è il dirigente responsabile della variante parziale al Piano delle Attività Estrattive?",
     "Giuliano Barbieri"),
    ("A che punto sono i lavori di efficientamento energetico del Centro Culturale?", "316/2023"),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``chroma run --path <tmp> --host 127.0.0.1 --port <free>`` for this module."""
    if shutil.which(str(CHROMA_CLI)) is None:
        pytest.skip(f"the chroma CLI is missing ({CHROMA_CLI}): install chromadb in the virtualenv")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(  # noqa: S603 - the CLI of the installed chromadb
        [str(CHROMA_CLI), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except ValueError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode("utf-8", "replace")[-2000:]) from None  # type: ignore[union-attr]
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server_data(chroma_port: int, ingested_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose SQLite store starts with the session's embedding cache (so ingesting the
    sample embeds nothing) and no document; the index lives on the Chroma server."""
    data_dir = tmp_path_factory.mktemp("server-data") / "data"
    data_dir.mkdir()
    shutil.copy(ingested_dir / "piao.sqlite3", data_dir / "piao.sqlite3")
    store = Store(Settings(data_dir=data_dir))
    store.delete_document(SAMPLE_DOCUMENTO)
    store.close()
    return data_dir


@pytest.fixture
def server_settings(server_data: Path, chroma_port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("PIAO_DATA_DIR", str(server_data))
    monkeypatch.setenv("PIAO_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("PIAO_CHROMA_PORT", str(chroma_port))
    monkeypatch.delenv("PIAO_DATABASE_URL", raising=False)
    monkeypatch.delenv("PIAO_EMBEDDING_MODEL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


class CountingDense:
    """The real index, counting the dense searches the assistant makes through it."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.calls = 0

    def search(self, query: str, k: int = 10, where: dict[str, Any] | None = None) -> list[Any]:
        self.calls += 1
        return self.index.search(query, k=k, where=where)


def test_ingest_index_and_dense_answers_on_a_chroma_server(server_settings: Settings) -> None:
    assert server_settings.chroma_host == "127.0.0.1"
    report = ingest_file(SAMPLE_DOCX)  # settings from the environment, as `piao ingest` does
    assert (report.status, report.n_objectives, report.embedded_texts) == ("new", 35, 0)
    index = Index(server_settings)
    assert index.count() == index.count(SAMPLE_DOCUMENTO) == report.index_entries >= 143
    assert not server_settings.chroma_path.exists()  # nothing went to an embedded index
    # the server holds what the embedded index would: the nearest card of a paraphrase
    hits = index.search("cambio della banca che gestisce la cassa del comune", k=5, where={"kind": "card"})
    assert f"{SAMPLE_DOCUMENTO}/finanziario-1" in [h.key for h in hits]
    # a second ingest of the same file changes nothing; recovery finds nothing to remove
    assert ingest_file(SAMPLE_DOCX).status == "unchanged"
    ingestor = Ingestor(server_settings)
    assert ingestor.recover() == 0
    ingestor.close()

    store = Store(server_settings)
    dense = CountingDense(index)
    assistant = Assistant(store.objectives(), dense=dense, store=store)
    for question, expected in QUESTIONS:
        assert expected in assistant.ask(question).answer, question
    # a question the words of the records do not cover well goes to the dense search on the server (read
    # without the domain glossary, which knows that 'la banca del comune' is the Tesoriere)
    assistant = Assistant(store.objectives(), dense=dense, store=store, lexicon=load_lexicon(concepts=None))
    answer = assistant.ask("Chi si occupa del cambio della banca che gestisce la cassa comunale?")
    assert dense.calls >= 1
    assert "finanziario-1" in answer.objective_ids, answer
    store.close()


def test_two_uvicorn_workers_answer_from_the_chroma_server(server_settings: Settings, chroma_port: int) -> None:
    if not Store(server_settings).documents():
        ingest_file(SAMPLE_DOCX)
    env = {"PIAO_CHROMA_HOST": "127.0.0.1", "PIAO_CHROMA_PORT": str(chroma_port)}
    with own_server(server_settings.data_dir, workers=2, env_extra=env) as url:
        ready = httpx.get(f"{url}/readyz", timeout=10).json()
        assert ready["objectives"] == 35
        for question, expected in QUESTIONS:
            response = httpx.post(f"{url}/api/chat", json={"messages": [{"role": "user", "content": question}]},
                                  timeout=30)
            assert response.status_code == 200 and expected in response.json()["answer"], response.text
        report = run_load_blocking(url, clients=8, duration_s=3.0, seed=5)
        assert report.errors == 0 and report.answers > 0, report.render()
    assert not server_settings.chroma_path.exists()

