"""Security headers, CORS closed by default, the error shape of 404/405/500, the chat log."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.chatlog import ChatLog
from api.security import CONTENT_SECURITY_POLICY
from assistant.types import Answer, Message
from ingest.settings import Settings

BRIEF_CSP = [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'",
]


def bare_client(tmp_path: Path, **overrides: object) -> TestClient:
    """The app without its start-up (no assistant loaded): enough for headers, routing and errors."""
    settings = Settings(data_dir=tmp_path / "data", **overrides)  # type: ignore[arg-type]
    return TestClient(create_app(settings), raise_server_exceptions=False)


def assert_security_headers(headers: object) -> None:
    csp = headers["content-security-policy"]  # type: ignore[index]
    assert all(part in csp for part in BRIEF_CSP)
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert headers["referrer-policy"] in ("no-referrer", "strict-origin")  # type: ignore[index]
    assert headers["x-frame-options"] == "DENY"  # type: ignore[index]


def test_every_kind_of_response_carries_the_security_headers(client: TestClient) -> None:
    responses = [
        client.get("/"), client.get("/sportello"), client.get("/valutazione"), client.get("/accessibilita"),
        client.get("/api/objectives"), client.get("/static/js/common.js"), client.get("/missing"),
        client.post("/api/chat", json={}),
        client.post("/api/chat/stream", json={"messages": [{"role": "user", "content": "Chi è Jessica Curti?"}]}),
    ]
    for response in responses:
        assert_security_headers(response.headers)
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'self'")


def test_unexpected_errors_are_a_json_500_without_traceback(tmp_path: Path) -> None:
    client = bare_client(tmp_path)

    def boom() -> None:
        raise RuntimeError("secret internal detail")

    client.app.add_api_route("/boom", boom)  # type: ignore[attr-defined]
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error",
                               "message": "Errore interno del servizio. Riprovare più tardi."}
    assert "secret" not in response.text
    assert_security_headers(response.headers)


def test_404_and_405_have_the_error_shape(tmp_path: Path) -> None:
    client = bare_client(tmp_path)
    missing = client.get("/non-esiste")
    assert missing.status_code == 404 and set(missing.json()) == {"error", "message"}
    wrong_method = client.delete("/api/chat")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "method_not_allowed"


def test_cors_is_closed_by_default(tmp_path: Path) -> None:
    client = bare_client(tmp_path)
    response = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options("/api/chat", headers={"Origin": "https://evil.example",
                                                     "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_opens_only_to_configured_origins(tmp_path: Path) -> None:
    client = bare_client(tmp_path, cors_origins=["https://intranet.example"])
    allowed = client.get("/healthz", headers={"Origin": "https://intranet.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://intranet.example"
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_chat_log_records_and_prunes_by_retention(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, log_chats=True, log_retention_days=30)
    log = ChatLog.from_settings(settings)
    assert log is not None
    log.record("chat", "staff", [Message(role="user", content="Chi è Jessica Curti?")], Answer(answer="Una [1]."))
    old = {"ts": (datetime.now(UTC) - timedelta(days=31)).isoformat(), "question": "vecchia"}
    with log.path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(old) + "\n")
        fh.write("not json\n")
    assert log.prune() == 2
    lines = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    assert [line["question"] for line in lines] == ["Chi è Jessica Curti?"]
    assert ChatLog.from_settings(Settings(data_dir=tmp_path)) is None


def test_openapi_documents_errors_and_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # our 422 shape replaces FastAPI's
    assert "ErrorBody" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ok = operation["responses"].get("200") or operation["responses"].get("201")
            assert ok and ok.get("content"), (method, path)
            assert any(code.startswith(("4", "5")) for code in operation["responses"]), (method, path)
