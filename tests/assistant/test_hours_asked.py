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


DAYS_ONLY = "Lo sportello è aperto 3 giorni a settimana: lunedì, mercoledì e venerdì."


@pytest.fixture(scope="module")
def days_plan():
    records = [o.model_copy(update={"stato_attuazione": StatoAttuazione(data="2025-12-31", testo=DAYS_ONLY)})
               for o in load()]
    return Assistant(records), records


@pytest.mark.parametrize("question", ["il sabato mattina è aperto lo sportello per «{t}»? a che ora",
                                      "è aperto anche il lunedì e il martedì l'ufficio di «{t}»? in che orari"])
def test_hours_asked_on_a_named_day_are_not_answered_by_the_days(days_plan, question) -> None:
    """A day named beside the time of day asked ('il sabato a che ora?') still asks hours: records that
    state only the opening days do not answer it; the days asked are answered by them."""
    assistant, records = days_plan
    for o in records[::3]:
        answer = assistant.ask(question.format(t=o.titolo), mode="citizen")
        assert answer.refused, (o.id, answer.answer)
        answer = assistant.ask(f"in quali giorni è aperto lo sportello per «{o.titolo}»?", mode="citizen")
        assert not answer.refused and "3 giorni a settimana" in answer.answer, (o.id, answer.answer)
