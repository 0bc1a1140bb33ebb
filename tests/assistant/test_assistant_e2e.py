"""End to end: the dev questions on the fixture records, and the assistant over the real store/index."""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest

from assistant import Assistant, Message
from assistant.normalize import norm

DEV = Path("/work/shared/evals/dev.jsonl")


def _contains(answer: str, item: str) -> bool:
    return norm(item) in norm(answer)


@pytest.mark.skipif(not DEV.exists(), reason="shared dev set not mounted")
def test_dev_set_accuracy_and_latency(gold_records):
    a = Assistant(gold_records)
    cases = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    ok, latencies = 0, []
    for case in cases:
        mode = "citizen" if case.get("persona") == "citizen" else "staff"
        msgs = [Message(role="user", content=t) for t in case.get("history", [])]
        msgs.append(Message(role="user", content=case["question"]))
        start = time.perf_counter()
        ans = a.answer(msgs, mode)
        latencies.append(time.perf_counter() - start)
        if case.get("answerable", True):
            ok += (not ans.refused) and all(_contains(ans.answer, m) for m in case["must_contain"])
        else:
            ok += ans.refused
    assert ok / len(cases) >= 0.95
    assert statistics.median(latencies) < 0.03


def test_answer_shape(gold_records):
    ans = Assistant(gold_records).ask("Chi è responsabile dell'obiettivo \"Potenziare il servizio SOS Computer\"?")
    assert ans.answer.startswith("Obiettivo «Potenziare il servizio “SOS Computer”» [1]")
    assert "Jessica Curti [2]" in ans.answer
    assert ans.objective_ids == ["affari-generali-2"]
    assert ans.citations[1].campo == "responsabile" and ans.citations[1].citazione == "Jessica Curti"


def test_refresh_without_store_is_a_no_op(gold_records):
    assert Assistant(gold_records).refresh() is False


@pytest.mark.integration
def test_from_settings_uses_store_and_index(ingested_settings):
    a = Assistant.from_settings(ingested_settings)
    assert len(a.records) == 35
    assert a.refresh() is False
    ans = a.ask("A che punto sono i lavori di efficientamento energetico del Centro Culturale?")
    assert ans.objective_ids == ["lavori-pubblici-2"] and "316/2023" in ans.answer
