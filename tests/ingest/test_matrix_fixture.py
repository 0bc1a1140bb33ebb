"""The matrix layout (Roccafelice: one row per objective, Areas as headings, indicators on the lines
of one cell): records equal to the gold from .docx, .txt and .pdf; the ente read from the cover;
the quality report with the real counts and weight sums; how the tables were read."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.objectives import Extraction, extract
from ingest.quality import build_report
from ingest.readers import read_document
from ingest.settings import Settings
from tests.conftest import SAMPLE_DOCX, SAMPLES
from tests.ingest.test_objectives import field_diff

STEM = "piao_roccafelice_2025_performance"


def _extract(path: Path) -> Extraction:
    return extract(read_document(path, Settings()), STEM)


@pytest.fixture(scope="module", params=["docx", "txt", "pdf"])
def extraction(request: pytest.FixtureRequest) -> tuple[str, Extraction]:
    return request.param, _extract(SAMPLES / f"{STEM}.{request.param}")


def test_records_equal_the_gold(extraction: tuple[str, Extraction]) -> None:
    ext, found = extraction
    gold_file = SAMPLES / (f"{STEM}.txt.gold.json" if ext == "txt" else f"{STEM}.gold.json")
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    got = [o.model_dump(mode="json") for o in found.objectives]
    diff = field_diff(gold, got, skip=("fonte",))
    assert not diff, "\n".join(diff)
    assert [o["fonte"]["tabella"] for o in got] == [o["fonte"]["tabella"] for o in gold]
    if ext != "pdf":
        assert got == gold


def test_ente_from_the_cover_and_not_from_the_text(extraction: tuple[str, Extraction]) -> None:
    _, found = extraction
    assert found.ente is not None and found.ente.ente == "Comune di Roccafelice"
    assert "COMUNE DI ROCCAFELICE" in found.ente.testo
    casalgrande = _extract(SAMPLE_DOCX)  # names the Comune only inside its text
    assert casalgrande.ente is None and {o.ente for o in casalgrande.objectives} == {None}


def test_explain_and_quality_report(extraction: tuple[str, Extraction]) -> None:
    _, found = extraction
    assert [(t.tabella, t.ruolo, t.righe, t.obiettivi) for t in found.tables] == [
        (1, "matrice", 4, 4), (2, "matrice", 4, 4), (3, "matrice", 3, 3), (4, "matrice", 3, 3), (5, "matrice", 5, 5)]
    assert ("Cod.", None) in found.tables[0].intestazioni and ("Obiettivo", "titolo") in found.tables[0].intestazioni
    assert found.unmapped_headers == {"Cod.": [1, 2, 3, 4, 5]}
    report = build_report(found)
    assert [(s.settore, s.found) for s in report.sectors] == [
        ("Area Servizi al Cittadino", 4), ("Area Tecnica", 4), ("Area Economico-Finanziaria", 3),
        ("Area Amministrativa e Risorse Umane", 3), ("Area Scuola, Sport e Turismo", 5)]
    assert {(w.settore, w.totale) for w in report.weights if not w.ok} == {("Area Tecnica", 110.0)}
    text = report.render()
    assert "non dichiara quanti sono" in text and "Area Tecnica 2025 110%" in text
    assert "«Cod.» (tabelle 1, 2, 3, 4, 5)" in text
    assert "tutti i 5 settori corrispondono" not in text
