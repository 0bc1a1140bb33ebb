"""Records over HTTP: list and filters, one record, CSV/XLSX, quality, guided questions, health."""
from __future__ import annotations

import csv
import io

import openpyxl
from fastapi.testclient import TestClient

from api import export
from api.guided import is_citizen_facing
from ingest.types import Fonte, Objective
from tests.conftest import SAMPLE_DOCUMENTO


def ids(response: object) -> list[str]:
    return [o["id"] for o in response.json()["objectives"]]  # type: ignore[attr-defined]


def test_list_all_and_filters(client: TestClient) -> None:
    everything = client.get("/api/objectives").json()
    assert everything["count"] == 35 == len(everything["objectives"])
    assert ids(client.get("/api/objectives", params={"settore": "entrate"})) == [f"entrate-{i}" for i in range(1, 5)]
    assert ids(client.get("/api/objectives", params={"pnrr": "true"})) == ["affari-generali-1", "lavori-pubblici-2"]
    curti = client.get("/api/objectives", params={"responsabile": "curti"}).json()["objectives"]
    assert "affari-generali-2" in [o["id"] for o in curti]
    assert all("Jessica Curti" in o["responsabile"] for o in curti)
    assert ids(client.get("/api/objectives", params={"text": "sos computer"})) == ["affari-generali-2"]
    # as a browser's find: accents, case and spacing ignored
    assert ids(client.get("/api/objectives", params={"text": "promozione  della LEGALITA"})) == ["vita-della-comunita-1"]
    assert ids(client.get("/api/objectives", params={"text": "computer sos"})) == []
    assert ids(client.get("/api/objectives", params={"documento": "altro"})) == []
    with_2025 = client.get("/api/objectives", params={"anno": 2025}).json()["objectives"]
    assert with_2025 and all(any(i["anno"] == 2025 for i in o["indicatori"]) for o in with_2025)


def test_bad_filters_are_422(client: TestClient) -> None:
    for params in ({"pnrr": "forse"}, {"anno": "duemila"}, {"text": "x" * 500}):
        response = client.get("/api/objectives", params=params)
        assert response.status_code == 422 and set(response.json()) == {"error", "message"}


def test_one_objective_by_id_or_key(client: TestClient) -> None:
    by_id = client.get("/api/objectives/entrate-2").json()
    by_key = client.get(f"/api/objectives/{SAMPLE_DOCUMENTO}/entrate-2").json()
    assert by_id == by_key
    assert by_id["responsabile"] == "Natascia Giomo"
    missing = client.get("/api/objectives/entrate-99")
    assert missing.status_code == 404 and missing.json()["error"] == "objective_not_found"


def test_csv_export_has_one_row_per_objective(client: TestClient) -> None:
    response = client.get("/api/objectives.csv", params={"settore": "finanziario"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [f"finanziario-{i}" for i in range(1, 5)]
    assert rows[0]["stato_data"] == "2023-06-30"
    assert any(key.startswith("target 2023") for key in rows[0])


def test_xlsx_export_reads_back(client: TestClient) -> None:
    response = client.get("/api/objectives.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("documento", "id") and len(rows) == 36


def test_exports_never_write_formulas() -> None:
    obj = Objective(id="x-1", documento="d", settore="S", titolo="=HYPERLINK(\"http://x\")",
                    responsabile="+39 0522", fonte=Fonte(file="d.docx", tabella=1))
    text = export.to_csv([obj])
    assert "'=HYPERLINK" in text and "'+39 0522" in text
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx([obj]))).active
    cell = sheet.cell(row=2, column=export.BASE_COLUMNS.index("titolo") + 1)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


def test_quality_report_per_document(client: TestClient) -> None:
    report = client.get("/api/quality").json()
    assert [d["documento"] for d in report["documents"]] == [SAMPLE_DOCUMENTO]
    assert report["documents"][0]["n_objectives"] == 35


def test_guided_questions_come_from_citizen_facing_objectives(client: TestClient) -> None:
    questions = client.get("/api/guided-questions", params={"limit": 20}).json()["questions"]
    assert 1 <= len(questions) <= 20
    keys = [q["objective_id"] for q in questions]
    assert len(set(keys)) == len(keys)
    assert f"{SAMPLE_DOCUMENTO}/affari-generali-2" in keys  # "Cittadini con divario digitale"
    for q in questions:
        record = client.get(f"/api/objectives/{q['objective_id']}").json()
        assert is_citizen_facing(Objective.model_validate(record))
        assert " ".join(record["titolo"].split()) in q["question"]
    assert f"{SAMPLE_DOCUMENTO}/affari-generali-3" not in keys  # internal: "Dipendenti"
    six = client.get("/api/guided-questions").json()["questions"]
    assert len(six) == 6 and len({q["settore"] for q in six}) == 6  # one per sector first


def test_documents_and_health(client: TestClient) -> None:
    docs = client.get("/api/documents").json()["documents"]
    assert [(d["documento"], d["n_objectives"]) for d in docs] == [(SAMPLE_DOCUMENTO, 35)]
    assert client.get("/healthz").json() == {"status": "ok", "documents": None, "objectives": None}
    assert client.head("/healthz").status_code == 200 and client.head("/").status_code == 200
    ready = client.get("/readyz").json()
    assert ready == {"status": "ready", "documents": 1, "objectives": 35}
