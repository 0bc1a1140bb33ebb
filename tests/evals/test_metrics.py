"""The metric code against the reference scorer and against hand-made rows."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evals import metrics
from evals.metrics import CaseScore, aggregate, contains, norm, record_texts, score_case, short_id

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = ROOT.parent / "shared" / "evals"
GOLD = ROOT / "samples" / "piao_casalgrande_2023_performance.gold.json"


def _reference():
    spec = importlib.util.spec_from_file_location("reference_score", HERE / "reference_score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _reference()

TRICKY = [
    ("Il peso è 16%", "6"),
    ("Il peso è 6%", "6"),
    ("Il peso è 30%.", "30%"),
    ("Il peso è 30%.", "30"),
    ("Il peso è 30.", "30%"),
    ("consumi 46.000 kWh", "46.000 kwh"),
    ("consumi 46.000 kWh", "46"),
    ("consumi 46.000 kWh", "000"),
    ("valore 3,5 punti", "3"),
    ("valore 3,5 punti", "5"),
    ("entro il 31/12/2023", "2023"),
    ("entro il 31/12/2023", "12"),
    ("versione 1.6", "6"),
    ("1.6", "1.6"),
    ("Responsabilità dell’Ente", "responsabilita dell'ente"),
    ("«Potenziare il servizio SOS Computer»", '"potenziare il servizio sos computer"'),
    ("PAE – variante", "pae - variante"),
    ("PERSONALE\tCOINVOLTO\n  tre", "personale coinvolto tre"),
    ("Città: Salvaterra", "CITTA"),
    ("", "6"),
    ("6", ""),
    ("piano 2023-2025", "2025"),
    ("peso 100", "100%"),
    ("ore 7", "7 ore"),
]


def test_reference_copy_is_the_shared_scorer():
    copy = (HERE / "reference_score.py").read_text(encoding="utf-8").split("\n", 3)[3]
    assert copy.startswith("#!/usr/bin/env python3")
    shared = SHARED / "score.py"
    if shared.is_file():  # the copy must follow the shared scorer wherever both are present
        assert copy == shared.read_text(encoding="utf-8")


def test_bundled_dev_set_is_the_shared_one():
    bundled = ROOT / "evals" / "sets" / "dev.jsonl"
    assert len(metrics.load_cases(bundled)) == 60
    if (SHARED / "dev.jsonl").is_file():
        assert bundled.read_bytes() == (SHARED / "dev.jsonl").read_bytes()


@pytest.mark.parametrize(("answer", "item"), TRICKY)
def test_contains_agrees_with_the_scorer(answer: str, item: str):
    assert contains(answer, item) == ref.contains(answer, item)
    assert norm(answer) == ref.norm(answer)


def test_contains_on_numbers():
    assert not contains("Il peso è 16%", "6")
    assert contains("Il peso è 30%.", "30")
    assert not contains("Il peso è 30.", "30%")
    assert not contains("valore 3,5 punti", "3")
    assert contains("entro il 31/12/2023", "2023")
    assert contains("Responsabilità dell’Ente", "responsabilita dell'ente")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="aàeèéEÈ '’“”«»–-0123456789.,%/ \n", max_size=30),
    st.text(alphabet="aàeèE '’\"-0123456789.,% ", max_size=8),
)
def test_contains_agrees_with_the_scorer_on_random_text(answer: str, item: str):
    assert contains(answer, item) == ref.contains(answer, item)


def test_record_texts_match_the_scorer_on_the_gold_file():
    mine = metrics.gold_texts(GOLD)
    assert mine == ref.record_texts(str(GOLD))
    assert len(mine) == 35
    assert "natascia giomo" in mine["entrate-2"]


def test_record_texts_join_records_with_the_same_id():
    texts = record_texts([{"id": "suap-1", "titolo": "Alpha"}, {"id": "suap-1", "titolo": "Beta"}])
    assert "alpha" in texts["suap-1"] and "beta" in texts["suap-1"]


def test_short_id():
    assert short_id("comune:piao_casalgrande/entrate-2") == "entrate-2"
    assert short_id("entrate-2") == "entrate-2"


CASES = [
    {"id": "c1", "kind": "lookup_responsible", "question": "q", "answerable": True,
     "gold_objective_ids": ["entrate-2"], "must_contain": ["Natascia Giomo"]},
    {"id": "c2", "kind": "aggregate", "question": "q", "answerable": True,
     "gold_objective_ids": ["entrate-1", "entrate-2"], "must_contain": ["6"]},
    {"id": "c3", "kind": "unanswerable", "question": "q", "answerable": False,
     "gold_objective_ids": [], "must_contain": []},
    {"id": "c4", "kind": "list_filter", "question": "q", "answerable": True,
     "gold_objective_ids": [], "must_contain": []},
    {"id": "c5", "kind": "lookup_field", "question": "q", "answerable": True,
     "gold_objective_ids": ["finanziario-2"], "must_contain": ["30%"]},
]
GOT = [
    {"answer": "La responsabile è Natascia Giomo [1].", "objective_ids": ["doc/entrate-2"], "refused": False,
     "citations": [{"objective_id": "entrate-2", "citazione": "Natascia  Giomo"},
                   {"objective_id": "entrate-2", "citazione": "Mario Rossi"}]},
    {"answer": "Sono 16 obiettivi.", "objective_ids": ["entrate-1"], "refused": False, "citations": []},
    {"answer": "Il piano non lo dice.", "objective_ids": [], "refused": True, "citations": []},
    {"answer": "Nessun obiettivo.", "objective_ids": [], "refused": False, "citations": []},
    {"answer": "", "objective_ids": [], "refused": True, "citations": [], "error": "timeout"},
]


def _scores(texts: dict[str, str]) -> list[CaseScore]:
    return [score_case(c, g, texts) for c, g in zip(CASES, GOT, strict=True)]


def test_score_case_rows():
    rows = [s.row for s in _scores(metrics.gold_texts(GOLD))]
    assert [r.ok for r in rows] == [True, False, True, True, False]
    assert [r.recall for r in rows] == [1.0, 0.5, None, None, 0.0]
    assert [r.complete for r in rows] == [None, False, None, None, None]
    assert rows[4].error == "timeout" and rows[4].refused


def test_aggregate_on_hand_made_rows():
    report = aggregate(_scores(metrics.gold_texts(GOLD)), [0.5, 0.1, 0.3, 0.2])
    assert report == {
        "cases": 5,
        "accuracy": 0.5,  # c1, c4 of 4 answerable
        "refusal": 1.0,
        "false_refusal": 0.25,  # c5
        "objective_recall": 0.5,  # (1 + 0.5 + 0) / 3
        "complete_lists": 0.0,
        "citations_grounded": 0.5,  # 'Natascia Giomo' yes, 'Mario Rossi' no
        "latency_p50_s": 0.3,
        "latency_p95_s": 0.5,
        "errors": 1,
        "by_kind": {"aggregate": "0/1", "list_filter": "1/1", "lookup_field": "0/1",
                    "lookup_responsible": "1/1", "unanswerable": "1/1"},
        "wrong": ["c2", "c5"],
    }


def test_citations_are_not_counted_without_records():
    report = aggregate(_scores({}), [])
    assert report["citations_grounded"] is None
    assert report["latency_p50_s"] is None


def test_load_cases_skips_blank_lines(tmp_path: Path):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(CASES[0]) + "\n\n" + json.dumps(CASES[1]) + "\n", encoding="utf-8")
    assert [c["id"] for c in metrics.load_cases(path)] == ["c1", "c2"]
