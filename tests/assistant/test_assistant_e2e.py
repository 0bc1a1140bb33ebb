"""End to end: the assistant on the fixture records, and over the real store/index."""
from __future__ import annotations

import pytest

from assistant import Assistant


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
