"""Bounded requests: bodies refused before they are read, text that is not text refused without a
traceback, the rate limit counting what a request costs, forwarded headers believed only from the
configured proxies, wrong admin tokens throttled, feedback limited and kept for a while only."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import uvicorn_options
from api.logs import HideQueryStrings
from api.security import RateLimiter, request_cost
from ingest.settings import Settings
from tests.api.conftest import ADMIN_TOKEN, copy_data_dir
from tests.live_server import live_server

QUESTION = "Chi è responsabile del servizio SOS Computer?"


def chat(question: str = QUESTION) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": question}]}


@pytest.fixture(scope="module")
def settings(ingested_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = copy_data_dir(ingested_dir, tmp_path_factory.mktemp("bounds"))
    return Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN, rate_limit_per_minute=100_000)


def serve(settings: Settings) -> AbstractContextManager[str]:
    """A real uvicorn on 127.0.0.1 with the options ``piao serve`` passes (proxy trust included)."""
    return live_server(create_app(settings), 120, **uvicorn_options(settings))


def test_a_ten_megabyte_body_is_refused_before_it_is_read(settings: Settings) -> None:
    body = b'{"messages": [{"role": "user", "content": "' + b"a" * (10 * 1024 * 1024) + b'"}]}'

    def streamed() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    with serve(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        for path in ("/api/chat", "/v1/chat/completions", "/api/feedback", "/api/objectives"):
            declared = client.post(path, content=body, headers={"Content-Type": "application/json"})
            assert declared.status_code == 413, (path, declared.text)
            assert set(declared.json()) == {"error", "message"} and "limite" in declared.json()["message"]
        sent = client.post("/api/chat", content=streamed(), headers={"Content-Type": "application/json"})
        assert sent.status_code == 413 and sent.json()["error"] == "too_large"
        assert client.post("/api/chat", json=chat()).status_code == 200  # the server is fine


BAD_BODIES = [
    b'{"messages": [{"role": "user", "content": "\\ud800"}]}',  # a lone surrogate, escaped
    b'{"messages": [{"role": "user", "content": "ciao \\udfff mondo"}]}',
    b'{"messages": [{"role": "user", "content": "\xff\xfe non UTF-8"}]}',
    b'{"messages": [{"role": "user", "content": "troncato',
    b'{"messages": [' + b"[" * 5000 + b"]" * 5000 + b"]}",  # deep nesting
    b"null",
    b'{"messages": "ciao"}',
    b"\x00\x01\x02",
]


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream", "/v1/chat/completions", "/api/feedback"])
def test_malformed_json_and_lone_surrogates_are_4xx_without_a_traceback(
        settings: Settings, path: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for body in BAD_BODIES:
            response = client.post(path, content=body, headers={"Content-Type": "application/json"})
            assert 400 <= response.status_code < 500, (body[:60], response.status_code, response.text)
            assert set(response.json()) == {"error", "message"}
        paired = client.post("/api/chat", content=b'{"messages": [{"role": "user", "content": '
                             b'"SOS Computer \\ud83d\\ude00"}]}', headers={"Content-Type": "application/json"})
        assert paired.status_code == 200  # an emoji written as a surrogate pair is text
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert "Traceback" not in caplog.text


def test_the_rate_limit_counts_characters_not_requests(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 60})  # a burst of 10 short questions
    with TestClient(create_app(limited)) as client:
        assert [client.post("/api/chat", json=chat()).status_code for _ in range(10)] == [200] * 10
        assert client.post("/api/chat", json=chat()).status_code == 429
    with TestClient(create_app(limited)) as client:  # a fresh budget: one maximal question spends it
        long_question = (QUESTION + " ") * (settings.max_message_chars // (len(QUESTION) + 1))
        assert client.post("/api/chat", json=chat(long_question)).status_code == 200
        refused = client.post("/api/chat", json=chat())
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert request_cost(150, 100) == 1 and request_cost(2050, 100) == 20
    limiter = RateLimiter(60, burst=10)
    assert limiter.check("a", now=0.0, cost=10) == 0 and limiter.check("a", now=0.0, cost=1) > 0
    assert limiter.check("a", now=1.0, cost=1) == 0  # one unit per second back


def test_forwarded_headers_are_believed_only_from_trusted_proxies(settings: Settings) -> None:
    strict = settings.model_copy(update={"rate_limit_per_minute": 6})  # a burst of one request

    def statuses(url: str) -> list[int]:
        with httpx.Client(base_url=url, timeout=60) as client:
            return [client.post("/api/chat", json=chat(), headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                    for i in range(1, 4)]

    with serve(strict) as url:  # default: no proxy trusted, the rotating header changes nothing
        assert statuses(url) == [200, 429, 429]
    with serve(strict.model_copy(update={"trusted_proxies": "127.0.0.1"})) as url:  # behind a local proxy
        assert statuses(url) == [200, 200, 200]  # one client per forwarded address


def test_wrong_admin_tokens_are_throttled_per_client(settings: Settings) -> None:
    throttled = settings.model_copy(update={"admin_failures_per_minute": 3})
    with TestClient(create_app(throttled)) as client:
        def upload(token: str) -> httpx.Response:
            return client.post("/api/documents", headers={"Authorization": f"Bearer {token}"},
                               files={"file": ("x.txt", b"testo", "text/plain")})

        assert [upload("x" * 20).status_code for _ in range(3)] == [403, 403, 403]
        refused = upload("y" * 20)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "token" in refused.json()["message"]
        assert upload(ADMIN_TOKEN).status_code == 429  # even the right one must wait: guessing is slowed
        assert client.get("/api/documents").status_code == 200  # nothing else is affected


def test_feedback_is_rate_limited_optional_contact_and_old_lines_pruned(settings: Settings, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat(timespec="seconds")
    recent = datetime.now(UTC).isoformat(timespec="seconds")
    (data_dir / "feedback.jsonl").write_text(
        json.dumps({"ts": old, "message": "vecchio"}) + "\n" + json.dumps({"ts": recent, "message": "nuovo"}) + "\n",
        encoding="utf-8")
    limited = settings.model_copy(update={"data_dir": data_dir, "feedback_per_hour": 2, "log_retention_days": 30})
    with TestClient(create_app(limited)) as client:
        kept = [json.loads(line)["message"] for line in (data_dir / "feedback.jsonl").read_text().splitlines()]
        assert kept == ["nuovo"]  # older than PIAO_LOG_RETENTION_DAYS: removed at start-up
        assert client.post("/api/feedback", json={"message": "Il contrasto è basso"}).status_code == 201
        assert client.post("/api/feedback", json={"message": "Grazie", "contact": "a@b.it"}).status_code == 201
        assert client.post("/api/feedback", json={"message": "Ancora"}).status_code == 429


def test_query_strings_are_kept_out_of_the_access_log() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/objectives?text=tassa%20rifiuti", "1.1", 200), None)
    assert HideQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/objectives?… HTTP/1.1" 200'


def test_access_log_filter_is_installed_unless_chats_are_logged(settings: Settings) -> None:
    access = logging.getLogger("uvicorn.access")
    for existing in [f for f in access.filters if isinstance(f, HideQueryStrings)]:
        access.removeFilter(existing)
    create_app(settings.model_copy(update={"log_chats": True}))
    assert not any(isinstance(f, HideQueryStrings) for f in access.filters)
    create_app(settings)
    assert any(isinstance(f, HideQueryStrings) for f in access.filters)


def test_allow_lists_every_method_of_a_path(settings: Settings) -> None:
    client = TestClient(create_app(settings))  # no start-up: routing only
    expected = {"/api/documents": "GET, POST", "/healthz": "GET, HEAD", "/api/chat": "POST",
                "/api/objectives/x": "GET"}
    for path, allow in expected.items():
        response = client.request("OPTIONS", path)
        assert response.status_code == 405 and response.headers["Allow"] == allow, path
        assert set(response.json()) == {"error", "message"}
