"""Ingest while serving: readers see the old version or the new one, never a mix.

A real server (uvicorn, real store, real embedded Chroma, real e5 model) answers a stream of
requests from several client threads while a new version of its document is uploaded
(``POST /api/documents``, ingested in the server process). The answers are deterministic (no LLM),
so every response must equal, exactly, the response to the same request before the upload (old
version) or after it (new version). Then the same with ``piao ingest`` in another process.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from evals.load import own_server, server_env
from ingest.settings import Settings
from tests.conftest import SAMPLE_DOCUMENTO, SAMPLE_TXT
from tests.live_server import live_server

TOKEN = "token-di-prova-ingest"
CLIENTS = 4
CHAT = (  # questions whose answers change between the versions, and some that do not
    "Chi è responsabile del nuovo regolamento TARI?",
    "Chi è il responsabile dell'obiettivo sulla transizione al nuovo Tesoriere?",
    "Quali obiettivi ha il settore entrate?",
    "Chi è responsabile dell'obiettivo \"Potenziare il servizio SOS Computer\"?",
)
LISTS = ({"responsabile": "giomo"}, {"responsabile": "bertolini"}, {"settore": "entrate"}, {"text": "tesoriere"})


def new_version(tmp_path: Path) -> Path:
    """The text export with another head of the revenue office and a retitled objective."""
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    changed = text.replace("Giomo", "Bertolini").replace("Transizione al nuovo Tesoriere",
                                                         "Passaggio al nuovo Tesoriere")
    path = tmp_path / "piao_casalgrande_2023_performance_v2.txt"
    path.write_text(changed, encoding="utf-8")
    return path


Request = tuple[str, str]  # ("chat", question) or ("list", query string)
REQUESTS: list[Request] = [("chat", q) for q in CHAT] + [
    ("list", "&".join(f"{k}={v}" for k, v in f.items())) for f in LISTS]


def ask(client: httpx.Client, request: Request) -> Any:
    """The response body of a request (what must match one version), failing on any non-200."""
    kind, what = request
    if kind == "chat":
        response = client.post("/api/chat", json={"messages": [{"role": "user", "content": what}]})
    else:
        response = client.get(f"/api/objectives?{what}")
    assert response.status_code == 200, response.text
    body = response.json()
    if kind == "list":  # the list and the objectives' history; the stored time of ingest aside
        return {"ids": [o["id"] for o in body["objectives"]], "objectives": body["objectives"]}
    return body


def start_readers(url: str) -> tuple[list[tuple[Request, Any]], list[str], threading.Event,
                                     list[threading.Thread]]:
    """CLIENTS threads asking REQUESTS in turn until ``done`` is set: (seen, failures, done, threads)."""
    seen: list[tuple[Request, Any]] = []
    failures: list[str] = []
    done = threading.Event()

    def reader(offset: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as own:
            n = offset
            while not done.is_set():
                request = REQUESTS[n % len(REQUESTS)]
                try:
                    seen.append((request, ask(own, request)))
                except (AssertionError, httpx.HTTPError) as exc:
                    failures.append(f"{request}: {exc}")
                n += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    return seen, failures, done, threads


@pytest.fixture
def served_dir(ingested_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session's ingested data dir (the old version, with its vectors)."""
    target = tmp_path / "data"
    shutil.copytree(ingested_dir, target)
    return target


@pytest.fixture
def server(served_dir: Path) -> Iterator[str]:
    settings = Settings(data_dir=served_dir, admin_token=TOKEN, rate_limit_per_minute=1_000_000)
    with live_server(create_app(settings)) as url:
        yield url


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_readers_see_the_old_or_the_new_version_never_a_mix(server: str, tmp_path: Path) -> None:
    v2 = new_version(tmp_path)
    with httpx.Client(base_url=server, timeout=60) as client:
        old = {r: ask(client, r) for r in REQUESTS}
        seen, failures, done, threads = start_readers(server)
        time.sleep(0.5)
        upload = client.post("/api/documents", headers={"Authorization": f"Bearer {TOKEN}"},
                             data={"documento": SAMPLE_DOCUMENTO, "sostituisci": "true"},  # another file: explicit
                             files={"file": (v2.name, v2.read_bytes(), "text/plain")})
        time.sleep(1.5)  # past the server's revision check interval: readers now see the new version
        done.set()
        for t in threads:
            t.join(timeout=120)
        assert upload.status_code == 201, upload.text[:500]
        assert upload.json()["report"]["status"] == "updated"
        new = {r: ask(client, r) for r in REQUESTS}

    assert not failures, failures[:5]
    changed = [r for r in REQUESTS if old[r] != new[r]]
    assert len(changed) >= 4, "the new version must change several answers, else the test proves little"
    assert "Bertolini" in str(new[REQUESTS[0]]) and "Giomo" not in str(new[REQUESTS[0]])
    mixed = [(request, body) for request, body in seen if body not in (old[request], new[request])]
    assert not mixed, f"{len(mixed)} of {len(seen)} responses match neither version: {mixed[:1]}"
    versions = {"old": sum(b == old[r] != new[r] for r, b in seen), "new": sum(b == new[r] != old[r] for r, b in seen)}
    assert versions["old"] and versions["new"], versions  # the readers did overlap the ingest
    print(f"responses during the ingest: {len(seen)}, by version: {versions}")


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_piao_ingest_in_another_process_while_serving_causes_no_errors(served_dir: Path, tmp_path: Path) -> None:
    """``piao ingest`` run beside ``piao serve`` (embedded index): no failed request; lists are the
    old or the new version; the new one is served within the revision check interval.

    The server's embedded Chroma does not see another process's writes (its dense search fails and
    the assistant falls back to lexical ranking, logged), so chat answers are checked for errors only.
    """
    v2 = new_version(tmp_path)
    lists = [r for r in REQUESTS if r[0] == "list"]
    with own_server(served_dir) as url, httpx.Client(base_url=url, timeout=60) as client:
        old = {r: ask(client, r) for r in REQUESTS}
        seen, failures, done, threads = start_readers(url)
        ingest = subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-c", "from api.cli import app; app()", "ingest", str(v2), "--documento", SAMPLE_DOCUMENTO],
            env=server_env(served_dir), capture_output=True, text=True, timeout=300, check=False)
        time.sleep(1.5)  # past the server's revision check interval
        new = {r: ask(client, r) for r in lists}
        time.sleep(0.5)
        done.set()
        for t in threads:
            t.join(timeout=120)
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    assert not failures, failures[:5]
    assert old[("list", "responsabile=bertolini")]["ids"] == [] != new[("list", "responsabile=bertolini")]["ids"]
    mixed = [(r, b) for r, b in seen if r[0] == "list" and b not in (old[r], new[r])]
    assert not mixed, f"{len(mixed)} list responses match neither version: {mixed[:1]}"
    print(f"responses while `piao ingest` ran: {len(seen)}, errors: {len(failures)}")
