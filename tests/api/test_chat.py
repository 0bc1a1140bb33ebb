"""POST /api/chat and /api/chat/stream on the real assistant over the ingested sample."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.chatlog import ChatLog
from api.security import RateLimiter
from ingest.settings import Settings

SOS = "Chi è responsabile dell'obiettivo \"Potenziare il servizio SOS Computer\"?"


def bare_id(objective_id: str) -> str:
    return objective_id.split("/")[-1]


def ask(client: TestClient, *questions: str, mode: str = "staff") -> dict:
    """Ask the questions as one conversation (each earlier answer kept); return the last answer."""
    messages: list[dict] = []
    body: dict = {}
    for question in questions:
        messages.append({"role": "user", "content": question})
        response = client.post("/api/chat", json={"messages": messages, "mode": mode})
        assert response.status_code == 200, response.text
        body = response.json()
        messages.append({"role": "assistant", "content": body["answer"]})
    return body


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_chat_answers_with_grounded_citations(client: TestClient) -> None:
    body = ask(client, SOS)
    assert "Jessica Curti" in body["answer"]
    assert body["refused"] is False
    assert "affari-generali-2" in [bare_id(i) for i in body["objective_ids"]]
    assert body["citations"], body
    for citation in body["citations"]:
        assert f"[{citation['n']}]" in body["answer"]
        record = client.get(f"/api/objectives/{citation['documento']}/{bare_id(citation['objective_id'])}").json()
        assert " ".join(citation["citazione"].split()) in " ".join(json.dumps(record, ensure_ascii=False).split())


def test_follow_up_uses_the_conversation(client: TestClient) -> None:
    body = ask(client, "Parlami dell'obiettivo sul servizio SOS Computer", "Chi ne è responsabile?")
    assert "Jessica Curti" in body["answer"]


def test_citizen_mode_answers(client: TestClient) -> None:
    body = ask(client, "In che giorni è aperto lo sportello SOS Computer?", mode="citizen")
    assert body["answer"].strip() and body["citations"]
    assert body["refused"] is False
    assert "affari-generali-2" in [bare_id(i) for i in body["objective_ids"]]


def test_stream_sends_deltas_then_the_whole_answer(client: TestClient) -> None:
    response = client.post("/api/chat/stream", json={"messages": [{"role": "user", "content": SOS}]})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"} and len(kinds) > 2
    answer = events[-1][1]
    assert "".join(data["text"] for _, data in events[:-1]) == answer["answer"]
    assert "Jessica Curti" in answer["answer"] and answer["citations"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"messages": []}, 422),
        ({"messages": [{"role": "user", "content": 5}]}, 422),
        ({"messages": [{"role": "user", "content": "ciao"}], "mode": "admin"}, 422),
        ({"messages": [{"role": "user", "content": "ciao"}], "extra": 1}, 422),
        ({"messages": [{"role": "system", "content": "ciao"}]}, 422),
        ({"messages": [{"role": "assistant", "content": "x"}]}, 422),
        ({"messages": [{"role": "user", "content": "   "}]}, 422),
    ],
)
def test_bad_requests_are_refused_with_the_error_shape(client: TestClient, body: dict, status: int) -> None:
    for path in ("/api/chat", "/api/chat/stream"):
        response = client.post(path, json=body)
        assert response.status_code == status, response.text
        error = response.json()
        assert set(error) == {"error", "message"}
        assert "Traceback" not in error["message"]


def test_an_answer_sent_after_the_last_question_is_not_taken_for_one(client: TestClient) -> None:
    body = {"messages": [{"role": "user", "content": SOS}, {"role": "assistant", "content": "x"}]}
    response = client.post("/api/chat", json=body)
    assert response.status_code == 200 and response.json()["objective_ids"] == ["affari-generali-2"]


def test_limits_are_clear_4xx(client: TestClient, api_settings: Settings) -> None:
    long = "a" * (api_settings.max_message_chars + 1)
    response = client.post("/api/chat", json={"messages": [{"role": "user", "content": long}]})
    assert response.status_code == 413
    assert response.json()["error"] == "message_too_long"
    assert str(api_settings.max_message_chars) in response.json()["message"]



def test_a_long_conversation_is_trimmed_by_the_server_never_refused(client: TestClient, api_settings: Settings) -> None:
    """Fifty exchanges with long answers sent back: the last question is answered, about its own topic."""
    long_answer = "x " * 1000
    turns = []
    for _ in range(api_settings.max_turns + 10):
        turns += [{"role": "user", "content": "Quali obiettivi ha il settore Entrate?"},
                  {"role": "assistant", "content": long_answer}]
    turns.append({"role": "user", "content": SOS})
    response = client.post("/api/chat", json={"messages": turns})
    assert response.status_code == 200
    assert response.json()["objective_ids"] == ["affari-generali-2"]


def test_invalid_json_is_a_422_with_the_error_shape(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_rate_limit_answers_429_with_retry_after(client: TestClient) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    saved = state.rate_limiter
    state.rate_limiter = RateLimiter(per_minute=2)
    try:
        body = {"messages": [{"role": "user", "content": SOS}]}
        assert [client.post("/api/chat", json=body).status_code for _ in range(2)] == [200, 200]
        refused = client.post("/api/chat", json=body)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"] == "too_many_requests"
        assert client.post("/v1/chat/completions", json=body).status_code == 429
        assert client.get("/api/objectives").status_code == 200  # only the chat endpoints are limited
    finally:
        state.rate_limiter = saved


def test_token_bucket_refills_over_time() -> None:
    limiter = RateLimiter(per_minute=60)  # one token per second
    assert all(limiter.check("a", now=0.0) == 0 for _ in range(60))
    wait = limiter.check("a", now=0.0)
    assert 0.9 < wait <= 1.0
    assert limiter.check("b", now=0.0) == 0  # per client
    assert limiter.check("a", now=1.5) == 0


def test_chats_are_not_logged_by_default(client: TestClient, api_settings: Settings) -> None:
    ask(client, SOS)
    assert not list(api_settings.data_dir.glob("*chat*"))


def test_chats_are_logged_when_enabled(client: TestClient, tmp_path: Path) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    log = ChatLog(tmp_path / "chat_log.jsonl", retention_days=30)
    state.chat_log = log
    try:
        ask(client, SOS)
        client.post("/api/chat/stream", json={"messages": [{"role": "user", "content": SOS}], "mode": "citizen"})
    finally:
        state.chat_log = None
    lines = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    assert [(line["endpoint"], line["mode"], line["question"]) for line in lines] == [
        ("chat", "staff", SOS), ("chat/stream", "citizen", SOS)]
    assert "Jessica Curti" in lines[0]["answer"]
