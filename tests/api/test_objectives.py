"""Records over HTTP: list and filters, one record, CSV/XLSX, quality, guided questions, health."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api import export
from api.app import create_app
from api.guided import is_citizen_facing
from api.weights import weight_table
from ingest.settings import Settings
from ingest.store import Store
from ingest.types import Fonte, Objective
from tests.api.conftest import copy_data_dir
from tests.conftest import SAMPLE_DOCUMENTO


def ids(response: object) -> list[str]:
    return [o["id"] for o in response.json()["objectives"]]  # type: ignore[attr-defined]


def test_list_all_and_filters(client: TestClient) -> None:
    everything = client.get("/api/objectives").json()
    assert everything["count"] == 35 == len(everything["objectives"])
    assert ids(client.get("/api/objectives", params={"settore": "entrate"})) == [f"entrate-{i}" for i in range(1, 5)]
    assert ids(client.get("/api/objectives", params={"pnrr": "true"})) == ["affari-generali-1", "lavori-pubblici-2"]
    assert len(ids(client.get("/api/objectives", params={"pnrr": "false"}))) == 33
    curti = client.get("/api/objectives", params={"responsabile": "curti"}).json()["objectives"]
    assert "affari-generali-2" in [o["id"] for o in curti]
    assert all("Jessica Curti" in o["responsabile"] for o in curti)
    assert ids(client.get("/api/objectives", params={"text": "sos computer"})) == ["affari-generali-2"]
    # as a browser's find: accents, case and spacing ignored
    assert ids(client.get("/api/objectives", params={"text": "promozione  della LEGALITA"})) == ["vita-della-comunita-1"]
    assert ids(client.get("/api/objectives", params={"text": "computer sos"})) == []
    # values only: a field's name is no match (every record has a 'pnrr' and a 'responsabile' field)
    assert ids(client.get("/api/objectives", params={"text": "PNRR"})) == ["affari-generali-1", "lavori-pubblici-2"]
    assert ids(client.get("/api/objectives", params={"text": "TARI"})) == ["entrate-2"]
    # whole words first; a word typed halfway still finds its objectives
    assert ids(client.get("/api/objectives", params={"text": "energ"})) == ["lavori-pubblici-2"]
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


def test_synthetic_status_filter_and_reason(client: TestClient) -> None:
    data = client.get("/api/objectives").json()
    stati = data["stato_sintetico"]
    assert set(stati) == {f"{o['documento']}/{o['id']}" for o in data["objectives"]}
    assert {s["stato"] for s in stati.values()} <= {"concluso", "in corso", "non avviato", "non indicato"}
    assert all(s["motivo"] for s in stati.values())
    for stato in ("concluso", "in corso", "non avviato"):
        found = client.get("/api/objectives", params={"stato": stato}).json()
        assert found["count"] == sum(1 for s in stati.values() if s["stato"] == stato)
        assert all(s["stato"] == stato for s in found["stato_sintetico"].values())
    assert client.get("/api/objectives", params={"stato": "forse"}).status_code == 422


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_csv_export_for_italian_spreadsheets(client: TestClient) -> None:
    response = client.get("/api/objectives.csv", params={"settore": "finanziario"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    disposition = response.headers["content-disposition"]
    assert "attachment" in disposition and SAMPLE_DOCUMENTO.replace("_", "-") in disposition
    assert date.today().isoformat() in disposition
    rows = _csv_rows(response.content.decode("utf-8-sig"))
    assert [r["Codice obiettivo"] for r in rows] == [f"finanziario-{i}" for i in range(1, 5)]
    assert {"Settore", "Titolo", "Responsabile", "Stato di attuazione", "Peso 2023 (%)"} <= set(rows[0])
    assert not {"settore_cdr", "stato_data", "fonte_tabella"} & set(rows[0])
    assert datetime.strptime(rows[0]["Data dello stato di attuazione"], "%d/%m/%Y").date() == date(2023, 6, 30)
    weights = [float(r["Peso 2023 (%)"].replace(",", ".")) for r in rows]
    assert sum(weights) == 100


def test_xlsx_export_typed_and_summing_per_sector(client: TestClient) -> None:
    response = client.get("/api/objectives.xlsx")
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Obiettivi", "Indicatori per anno", "Qualità dei dati"]
    sheet = book["Obiettivi"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["Ente", "Documento", "Settore"] and len(rows) == 36
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet.column_dimensions["G"].width >= 40
    stato_col = header.index("Data dello stato di attuazione")
    assert all(isinstance(r[stato_col], datetime) for r in rows[1:])
    # each sector's weights, summed in the sheet, give the weight table's totals (100 or the flagged sum)
    records = [o for o in client.get("/api/objectives").json()["objectives"]]
    table = weight_table([Objective.model_validate(o) for o in records])
    for line in table.righe:
        col = header.index(f"Peso {line.anno}")
        cells = [r[col] for r in rows[1:] if r[2] == line.settore and r[col] is not None]
        assert all(isinstance(c, float | int) for c in cells)
        assert round(sum(cells) * 100, 4) == line.totale
    assert sheet.cell(row=2, column=header.index("Peso 2023") + 1).number_format.endswith("%")
    indicators = list(book["Indicatori per anno"].iter_rows(values_only=True))
    assert indicators[0][:4] == ("Settore", "Codice obiettivo", "Titolo obiettivo", "Anno")
    assert len(indicators) > 36 and all(isinstance(r[3], int) for r in indicators[1:] if r[3] is not None)
    quality = list(book["Qualità dei dati"].iter_rows(values_only=True))
    assert quality[0][1] == "Tipo di avviso" and any(r[1] == "Somma dei pesi" for r in quality[1:])


def test_exports_apply_the_filters(client: TestClient) -> None:
    csv_rows = _csv_rows(client.get("/api/objectives.csv", params={"text": "PNRR"}).content.decode("utf-8-sig"))
    assert [r["Codice obiettivo"] for r in csv_rows] == ["affari-generali-1", "lavori-pubblici-2"]
    assert all(r["PNRR"] == "Sì" and r["Misura PNRR"] for r in csv_rows)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/api/objectives.xlsx", params={"settore": "entrate"}).content))
    assert book["Obiettivi"].max_row == 5


def test_weight_table_flags_sectors_not_summing_to_100(client: TestClient) -> None:
    table = client.get("/api/weights").json()
    assert table["anni"] == [2023, 2024]
    wrong = [r for r in table["righe"] if not r["ok"]]
    assert wrong and all(r["totale"] != 100 for r in wrong)
    assert all("invece di 100%" in r["spiegazione"] and "«" in r["spiegazione"] for r in wrong)
    assert all(r["obiettivi"] and all(o["titolo"] for o in r["obiettivi"]) for r in wrong)


def test_exports_never_write_formulas() -> None:
    obj = Objective(id="x-1", documento="d", settore="S", titolo="=HYPERLINK(\"http://x\")",
                    responsabile="+39 0522", fonte=Fonte(file="d.docx", tabella=1))
    text = export.to_csv([obj])
    assert "'=HYPERLINK" in text and "'+39 0522" in text
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx([obj]))).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Titolo") + 1)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


def test_quality_report_per_document(client: TestClient) -> None:
    report = client.get("/api/quality").json()
    assert [d["documento"] for d in report["documents"]] == [SAMPLE_DOCUMENTO]
    assert report["documents"][0]["n_objectives"] == 35


def test_guided_questions_are_grouped_by_need_and_not_titles(client: TestClient) -> None:
    body = client.get("/api/guided-questions", params={"limit": 40}).json()
    questions = body["questions"]
    assert questions == [q for g in body["groups"] for q in g["questions"]]
    assert len(body["groups"]) >= 4 and all(g["gruppo"] for g in body["groups"])
    keys = [q["objective_id"] for q in questions]
    assert len(set(keys)) == len(keys)
    assert f"{SAMPLE_DOCUMENTO}/affari-generali-2" in keys  # "Cittadini con divario digitale"
    assert f"{SAMPLE_DOCUMENTO}/affari-generali-3" not in keys  # internal: "Dipendenti"
    verbatim = 0
    for q in questions:
        record = client.get(f"/api/objectives/{q['objective_id']}").json()
        assert is_citizen_facing(Objective.model_validate(record))
        verbatim += " ".join(record["titolo"].split()) in q["question"]
        assert q["question"].endswith("?") and q["gruppo"]
    assert verbatim < len(questions) / 3  # the subject of the title, not the title
    default = client.get("/api/guided-questions").json()["questions"]
    assert len(default) == 12 and len({q["gruppo"] for q in default}) >= 4  # every need before a second


def test_documents_and_health(client: TestClient) -> None:
    docs = client.get("/api/documents").json()["documents"]
    assert [(d["documento"], d["n_objectives"]) for d in docs] == [(SAMPLE_DOCUMENTO, 35)]
    assert client.get("/healthz").json() == {"status": "ok", "documents": None, "objectives": None}
    assert client.head("/healthz").status_code == 200 and client.head("/").status_code == 200
    ready = client.get("/readyz").json()
    assert ready == {"status": "ready", "documents": 1, "objectives": 35}


def test_answer_votes_keep_the_question_only_with_chat_logging(
        client: TestClient, api_settings: Settings) -> None:
    votes = api_settings.data_dir / "answer_feedback.jsonl"
    body = {"vote": "utile", "question": "Chi segue lo sportello SOS Computer?", "objective_ids": ["x/y"]}
    response = client.post("/api/feedback/answer", json=body)
    assert response.status_code == 201 and response.json() == {"received": True, "question_kept": False}
    line = json.loads(votes.read_text(encoding="utf-8").splitlines()[-1])
    assert line["vote"] == "utile" and "question" not in line
    assert client.post("/api/feedback/answer", json={**body, "vote": "forse"}).status_code == 422
    logging_settings = api_settings.model_copy(update={"log_chats": True})
    with TestClient(create_app(logging_settings)) as logging_client:
        kept = logging_client.post("/api/feedback/answer", json=body).json()
    assert kept["question_kept"] is True
    assert json.loads(votes.read_text(encoding="utf-8").splitlines()[-1])["question"] == body["question"]


@pytest.mark.parametrize("params", [{}, {"settore": "finanziario"}, {"text": "regolamento"}, {"pnrr": "true"},
                                    {"pnrr": "false"}])
def test_the_list_is_paged_and_the_pages_make_the_whole(client: TestClient, params: dict[str, str]) -> None:
    whole = client.get("/api/objectives", params={**params, "limit": 2000}).json()
    keys, offset = [], 0
    while True:
        page = client.get("/api/objectives", params={**params, "limit": 4, "offset": offset}).json()
        assert page["count"] == whole["count"] and len(page["objectives"]) <= 4
        if not page["objectives"]:
            break
        keys += [f"{o['documento']}/{o['id']}" for o in page["objectives"]]
        assert set(page["stato_sintetico"]) == {f"{o['documento']}/{o['id']}" for o in page["objectives"]}
        offset += 4
    assert keys == [f"{o['documento']}/{o['id']}" for o in whole["objectives"]] and len(keys) == whole["count"]
    assert client.get("/api/objectives", params={"limit": 0}).status_code == 422
    assert client.get("/api/objectives", params={"offset": 2**63}).status_code == 422  # never a database overflow


def test_a_page_is_the_same_until_a_document_is_written(ingested_dir: Path, tmp_path: Path) -> None:
    """ETag and 304 for an unchanged page; a document written (another process's ingest included) makes
    every kept page new, with the new records."""
    settings = Settings(data_dir=copy_data_dir(ingested_dir, tmp_path), rate_limit_per_minute=10_000)
    with TestClient(create_app(settings)) as fresh:
        first = fresh.get("/api/objectives", params={"text": "regolamento"})
        tag = first.headers["etag"]
        again = fresh.get("/api/objectives", params={"text": "  REGOLAMENTO "})
        assert again.headers["etag"] == tag and again.json() == first.json()
        assert fresh.get("/api/objectives", params={"text": "regolamento"},
                         headers={"If-None-Match": tag}).status_code == 304
        other = fresh.get("/api/objectives", params={"text": "regolamento", "limit": 1})
        assert other.headers["etag"] != tag and len(other.json()["objectives"]) == 1
        writer = Store(settings)  # another writer, as `piao ingest` in its own process
        try:
            records = writer.objectives()
            copy = [r.model_copy(update={"documento": "copia", "titolo": r.titolo + " (copia)"}) for r in records]
            info = writer.document(SAMPLE_DOCUMENTO).model_copy(update={"documento": "copia", "content_hash": "x"})
            writer.upsert_document(info, copy)
        finally:
            writer.close()
        after = fresh.get("/api/objectives", params={"text": "regolamento"}, headers={"If-None-Match": tag})
        assert after.status_code == 200 and after.headers["etag"] != tag
        assert after.json()["count"] == 2 * first.json()["count"]
        assert {o["documento"] for o in after.json()["objectives"]} == {SAMPLE_DOCUMENTO, "copia"}
