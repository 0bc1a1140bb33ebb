"""Plan period, issuing body and monitoring date of a document; status history kept across monitoring versions."""
from __future__ import annotations

import sqlite3

import pytest

from ingest.plan import detect_ente, detect_periodo, monitoring_date, normalise_periodo, periodo_from_file
from ingest.settings import Settings
from ingest.store import DocumentInfo, Store
from ingest.types import DocumentModel, Objective, Paragraph, StatoAttuazione, Table


def test_periodo_from_text_file_name_and_option() -> None:
    doc = DocumentModel(file="x.docx", format="docx", blocks=[
        Paragraph(text="Approvato con delibera n. 12/2023 del 2023"),
        Paragraph(text="Piano Integrato di Attività e Organizzazione (PIAO) 2024 – 2026")])
    assert detect_periodo(doc, "piao_2023.docx") == "2024-2026"
    empty = DocumentModel(file="x.docx", format="docx", blocks=[Paragraph(text="Sezione 2.2 Performance")])
    assert detect_periodo(empty, "piao_casalgrande_2023_performance.docx") == "2023-2025"
    assert periodo_from_file("piao_2022_2024_finale") == "2022-2024"
    assert periodo_from_file("piano_senza_anno") is None
    assert normalise_periodo("2025/2027") == "2025-2027"
    assert normalise_periodo("2025") == "2025-2027"
    assert normalise_periodo("dopodomani") is None


def test_monitoring_date_is_the_latest_status_date(gold_records: list[Objective]) -> None:
    assert monitoring_date(gold_records) == "2023-06-30"
    later = gold_records[0].model_copy(update={"stato_attuazione": StatoAttuazione(data="2023-12-31", testo="x")})
    assert monitoring_date([*gold_records, later]) == "2023-12-31"
    assert monitoring_date([]) is None


def _version(records: list[Objective], documento: str, data: str, suffix: str) -> list[Objective]:
    out = []
    for r in records:
        stato = None
        if r.stato_attuazione and r.stato_attuazione.testo:
            stato = StatoAttuazione(data=data, testo=f"{r.stato_attuazione.testo} {suffix}")
        out.append(r.model_copy(update={"documento": documento, "stato_attuazione": stato}))
    return out


def test_status_history_survives_a_later_monitoring_version(data_settings: Settings,
                                                             gold_records: list[Objective]) -> None:
    store = Store(data_settings)
    june = _version(gold_records, "giugno", "2023-06-30", "(giugno)")
    december = _version(gold_records, "dicembre", "2023-12-31", "(dicembre)")
    meta = {"ente": "Comune di Casalgrande", "periodo": "2023-2025", "format": "docx", "file": "f.docx"}
    store.upsert_document(DocumentInfo(documento="giugno", content_hash="a", **meta,
                                       data_monitoraggio="2023-06-30"), june)
    # the December version replaces the June one under the same key: the June status stays in the history
    store.upsert_document(DocumentInfo(documento="giugno", content_hash="b", **meta,
                                       data_monitoraggio="2023-12-31"),
                          [r.model_copy(update={"documento": "giugno"}) for r in december])
    target = next(r for r in gold_records if r.stato_attuazione and r.stato_attuazione.testo)
    history = store.status_history(target.id, ente="Comune di Casalgrande", periodo="2023-2025")
    assert [h.data for h in history] == ["2023-06-30", "2023-12-31"]
    assert history[0].testo.endswith("(giugno)") and history[1].testo.endswith("(dicembre)")
    assert store.document("giugno").data_monitoraggio == "2023-12-31"
    assert store.document("giugno").periodo == "2023-2025"
    # another entity's plan with the same ids has its own history
    assert store.status_history(target.id, ente="Comune di Rubiera", periodo="2023-2025") == []


def test_an_older_database_gets_the_new_columns(data_settings: Settings) -> None:
    Store(data_settings).close()
    path = data_settings.data_dir / "piao.sqlite3"
    with sqlite3.connect(path) as conn:  # a database created before the plan columns existed
        conn.execute("DROP TABLE documents")
        conn.execute("CREATE TABLE documents (documento VARCHAR(255) PRIMARY KEY, file TEXT, content_hash "
                     "VARCHAR(64), records_hash VARCHAR(64), ente VARCHAR(255), format VARCHAR(16), ingested_at "
                     "DATETIME, n_objectives INTEGER, sectors JSON, quality JSON, quality_text TEXT)")
    store = Store(data_settings)
    store.upsert_document(DocumentInfo(documento="d", file="f", content_hash="h", format="docx",
                                       periodo="2023-2025"), [])
    assert store.document("d").periodo == "2023-2025"


@pytest.mark.parametrize(("lines", "ente"), [
    (["COMUNE DI SAN POLO D'ENZA – PIAO 2025-2027"], "Comune di San Polo d'Enza"),
    (["Unione dei Comuni della Bassa Valle", "Piano integrato di attività e organizzazione"],
     "Unione dei Comuni della Bassa Valle"),
    (["CITTÀ METROPOLITANA DI BOLOGNA | PIAO 2024"], "Città Metropolitana di Bologna"),
    (["PROVINCIA DI MODENA", "COMUNE DI ROCCAFELICE", "PIAO 2025-2027"], "Comune di Roccafelice"),
    (["Provincia di Reggio Emilia - Sottosezione 2.2"], "Provincia di Reggio Emilia"),
    (["Il Comune di Casalgrande ha approvato il piano"], None),  # named inside a sentence
    (["Comune di Casalgrande ha approvato il piano della performance"], None),
    (["Sottosezione 2.2 Performance"], None),
])
def test_ente_from_the_cover(lines: list[str], ente: str | None) -> None:
    doc = DocumentModel(file="x.txt", format="txt", blocks=[Paragraph(text=t) for t in lines])
    found = detect_ente(doc)
    assert (found.ente if found else None) == ente


def test_ente_only_before_the_first_table() -> None:
    doc = DocumentModel(file="x.txt", format="txt", blocks=[
        Paragraph(text="Piano della performance"), Table(index=1, rows=[["Obiettivo", "Peso"]]),
        Paragraph(text="COMUNE DI ALTROVE")])
    assert detect_ente(doc) is None
