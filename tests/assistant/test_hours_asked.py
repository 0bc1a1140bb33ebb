"""The time of day asked ('a che ora apre?', 'in che orari riceve?') asks opening hours, which an objective
answers only when it states them ('dalle 9:00 alle 12:30'); otherwise the question is refused, even when it
reads as a citizen's need about the objective.

Generated from Roccafelice's records, every objective asked, and a copy where one status states hours.
"""
from __future__ import annotations

import pytest

from assistant import Assistant, Message
from ingest.types import StatoAttuazione
from tests.assistant.plans import load

QUESTIONS = ["a che ora apre lo sportello per «{t}»? ci posso andare il sabato?",
             "in che orari riceve l'ufficio che segue «{t}»?"]


@pytest.fixture(scope="module")
def plan():
    records = load()
    hours = records[2].model_copy(update={"stato_attuazione": StatoAttuazione(
        data="2025-12-31", testo="Lo sportello è aperto il martedì e il giovedì dalle 9:00 alle 12:30.")})
    records[2] = hours
    return Assistant(records), records


@pytest.mark.parametrize("mode", ["staff", "citizen"])
@pytest.mark.parametrize("question", QUESTIONS)
def test_hours_are_answered_only_where_the_record_states_them(plan, question, mode) -> None:
    assistant, records = plan
    for i, o in enumerate(records):
        answer = assistant.answer([Message(role="user", content=question.format(t=o.titolo))], mode)
        if i == 2:
            assert not answer.refused and "9:00" in answer.answer, answer.answer
        else:
            assert answer.refused, (o.id, answer.answer)
