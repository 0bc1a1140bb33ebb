"""Quality report: the fixture's real oddities, and each check on small records."""
from __future__ import annotations

import pytest

from ingest.objectives import Extraction, SectorHeading, extract
from ingest.quality import QualityReport, build_report, build_report_from_objectives
from ingest.readers import read_document
from ingest.settings import Settings
from ingest.types import Fonte, Indicator, Objective, StatoAttuazione
from tests.conftest import SAMPLE_DOCUMENTO, SAMPLE_DOCX


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return extract(read_document(SAMPLE_DOCX, Settings()), SAMPLE_DOCUMENTO)


@pytest.fixture(scope="module")
def report(extraction: Extraction) -> QualityReport:
    return build_report(extraction)


def test_fixture_counts_match_every_heading(report: QualityReport) -> None:
    assert report.n_objectives == 35
    assert [(s.settore, s.declared, s.found, s.ok) for s in report.sectors] == [
        ("SETTORE FINANZIARIO", 4, 4, True), ("SETTORE AFFARI GENERALI", 4, 4, True),
        ("SETTORE LAVORI PUBBLICI", 3, 3, True), ("SETTORE PIANIFICAZIONE TERRITORIALE", 3, 3, True),
        ("SETTORE SUAP", 3, 3, True), ("SETTORE SERVIZI DEMOGRAFICI ED ELETTORALE", 3, 3, True),
        ("SETTORE VITA DELLA COMUNITÀ", 6, 6, True), ("SETTORE ENTRATE", 4, 4, True),
        ("SETTORE SERVIZI SCOLASTICI", 5, 5, True),
    ]


def test_fixture_weights(report: QualityReport) -> None:
    of_2023 = [w for w in report.weights if w.anno == 2023]
    assert len(of_2023) == 9 and all(w.ok and w.totale == 100 for w in of_2023)
    assert [(w.settore, w.anno, w.totale) for w in report.weights if not w.ok] == [
        ("SETTORE AFFARI GENERALI", 2024, 30.0), ("SETTORE ENTRATE", 2024, 85.0)]
    lavori = next(w for w in of_2023 if w.settore == "SETTORE LAVORI PUBBLICI")
    assert lavori.pesi == ["lavori-pubblici-1: 40%", "lavori-pubblici-2: 30", "lavori-pubblici-3: 30"]


def test_fixture_oddities_are_listed(report: QualityReport) -> None:
    found = {(i.kind, i.objective_id, i.valore) for i in report.issues}
    assert found == {
        ("valore_troncato", "pianificazione-territoriale-3", "31/12/202"),
        ("data_non_valida", "suap-1", "17/0/2023"),
        ("data_non_valida", "suap-2", "14/0/2023"),
        ("peso_senza_percentuale", "lavori-pubblici-2", "30"),
        ("peso_senza_percentuale", "lavori-pubblici-3", "30"),
        ("peso_mancante", "affari-generali-2", None),
        ("peso_mancante", "lavori-pubblici-3", None),
        ("peso_mancante", "entrate-1", None),
        ("peso_mancante", "entrate-2", None),
        ("peso_mancante", "entrate-3", None),
    }
    assert sum(1 for i in report.issues if i.kind == "peso_mancante") == 8  # entrate-1..3: in 2023 and in 2024


def test_fixture_render_in_italian(report: QualityReport) -> None:
    text = report.render()
    assert text.splitlines()[:3] == [
        "Obiettivi trovati: 35.",
        "Obiettivi per settore: tutti i 9 settori corrispondono al numero dichiarato.",
        "Pesi 2023: somma 100% in tutti i 9 settori che li indicano.",
    ]
    assert "  - SETTORE ENTRATE, 2024: 85% (entrate-1: 15%, entrate-2: 30%, entrate-3: 40%)" in text
    assert "  - pianificazione-territoriale-3: indicatori[0].scadenza: data forse troncata '31/12/202'." in text
    assert ("  - entrate-2: 2023: peso indicato solo su 1 delle 3 righe di indicatori; manca su: "
            "n° dichiarazioni TARI presentate; n°accertamenti TARI emessi.") in text


def test_report_from_stored_objectives_equals_report(extraction: Extraction, report: QualityReport) -> None:
    sectors = [{"name": s.name, "declared_count": s.declared_count} for s in extraction.sectors]
    again = build_report_from_objectives(extraction.objectives, sectors)
    assert again == report
    assert again.to_dict()["ok"] is False and again.to_dict()["n_objectives"] == 35


def objective(oid: str, settore: str, **fields: object) -> Objective:
    base: dict[str, object] = {"responsabile": "Mario Rossi", "titolo": "Un obiettivo",
                               "stato_attuazione": StatoAttuazione(data="2023-06-30", testo="In corso")}
    return Objective(id=oid, documento="d", settore=settore, fonte=Fonte(file="d.docx", tabella=1),
                     **{**base, **fields})


def test_each_check_on_small_records() -> None:
    records = [
        objective("a-1", "SETTORE A", indicatori=[Indicator(anno=2023, target="10", peso="60%")]),
        objective("a-2", "SETTORE A", responsabile=None, stato_attuazione=None, titolo="Dotare l'ente di",
                  indicatori=[Indicator(anno=2023, target=None, peso="circa 30")]),
        objective("b-1", "SETTORE B", peso="100%", indicatori=[Indicator(anno=2024, target="x")]),
        objective("c-1", "SETTORE C"),
    ]
    sectors = [SectorHeading(name="SETTORE A", declared_count=3, slug="a"),
               SectorHeading(name="SETTORE B", declared_count=1, slug="b")]
    report = build_report_from_objectives(records, sectors, ["un avviso"])
    assert [(s.settore, s.declared, s.found, s.ok) for s in report.sectors] == [
        ("SETTORE A", 3, 2, False), ("SETTORE B", 1, 1, True), ("SETTORE C", None, 1, True)]
    assert [(w.settore, w.anno, w.totale, w.ok) for w in report.weights] == [
        ("SETTORE A", 2023, 60.0, False), ("SETTORE B", 2024, 100.0, True)]
    assert [(i.kind, i.objective_id) for i in report.issues] == [
        ("senza_responsabile", "a-2"), ("senza_target", "a-2"), ("senza_stato", "a-2"),
        ("peso_non_numerico", "a-2"), ("valore_troncato", "a-2"), ("senza_indicatori", "c-1")]
    text = report.render()
    assert "  - SETTORE A: trovati 2, dichiarati 3" in text
    assert "  - SETTORE A, 2023: 60% (a-1: 60%)" in text
    assert "Avvisi della lettura (1):\n  - un avviso" in text
    assert report.ok is False
