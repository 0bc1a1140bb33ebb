"""A store that holds only prose passages (a plan with no objective table) is ready and answers."""
from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from tests.plan_versions import prose_plan


def test_a_store_of_prose_only_is_ready_and_answers(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", rate_limit_per_minute=10_000)
    ingestor = Ingestor(settings)
    try:
        report = ingestor.ingest(prose_plan(tmp_path / "piao_solo_testo.docx", with_table=False))
    finally:
        ingestor.close()
    assert report.n_objectives == 0 and report.index_entries > 0
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["documents"] == 1
        answer = client.post("/api/chat", json={"messages": [{"role": "user", "content": "Come funziona il lavoro agile?"}]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["answer"]
