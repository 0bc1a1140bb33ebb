"""The evaluators' API shows an objective's status at each monitoring date of its plan."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from tests.conftest import SAMPLE_DOCX, FakeEmbedder
from tests.plan_versions import TESORIERE_DECEMBER, monitoring_version


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("history")
    settings = Settings(data_dir=root / "data")
    ingestor = Ingestor(settings, embedder=FakeEmbedder())
    try:
        ingestor.ingest(SAMPLE_DOCX, ente="Comune di Casalgrande", documento="giugno")
        ingestor.ingest(monitoring_version(root / "piao_casalgrande_2023_dicembre.docx"),
                        ente="Comune di Casalgrande", documento="dicembre")
    finally:
        ingestor.close()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_objectives_carry_their_status_history(client: TestClient) -> None:
    data = client.get("/api/objectives", params={"documento": "dicembre"}).json()
    assert data["count"] == 35
    history = data["stato_storico"]["dicembre/finanziario-1"]
    assert [(h["data"], h["documento"]) for h in history] == [("2023-06-30", "giugno"), ("2023-12-31", "dicembre")]
    assert "formalizzato il passaggio al Nuovo Tesoriere" in history[0]["testo"]
    assert history[1]["testo"] == TESORIERE_DECEMBER
    with_status = [o for o in data["objectives"] if o["stato_attuazione"] and o["stato_attuazione"]["testo"]]
    assert set(data["stato_storico"]) == {f"dicembre/{o['id']}" for o in with_status}


def test_documents_carry_their_plan_period_and_monitoring_date(client: TestClient) -> None:
    docs = {d["documento"]: (d["ente"], d["periodo"], d["data_monitoraggio"])
            for d in client.get("/api/documents").json()["documents"]}
    assert docs == {"giugno": ("Comune di Casalgrande", "2023-2025", "2023-06-30"),
                    "dicembre": ("Comune di Casalgrande", "2023-2025", "2023-12-31")}
