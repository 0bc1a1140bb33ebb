"""An opinion asked of someone else ('cosa pensa il sindaco di ...?', 'che opinione hanno i residenti di
...?') is no more in the plan than the assistant's own: refused, the objective offered as the nearest.
A satisfaction the plan measures (a 'gradimento' survey's result) is not an opinion asked.

Proved on Roccafelice's objectives, each named by its title.
"""
from __future__ import annotations

import pytest

from assistant import Assistant
from tests.assistant.plans import load

ASKED = ["il sindaco cosa pensa di «{t}»?", "secondo la giunta «{t}» è stato utile?",
         "i residenti che opinione hanno di «{t}»?", "what does the council think of «{t}»?"]


@pytest.fixture(scope="module")
def rocca():
    records = load()
    return Assistant(records), records


@pytest.mark.parametrize("template", ASKED)
def test_an_opinion_of_others_is_refused(rocca, template) -> None:
    assistant, records = rocca
    wrong = []
    for obj in records[::3]:
        answer = assistant.ask(template.format(t=obj.titolo))
        if not answer.refused:
            wrong.append((obj.id, answer.answer[:120]))
    assert len(wrong) <= 1, wrong


def test_a_measured_satisfaction_is_answered() -> None:
    records = load()
    survey = records[2].model_copy(update={
        "titolo": "Rilevazione del gradimento degli utenti dello sportello sociale",
        "stato_attuazione": records[2].stato_attuazione.model_copy(update={
            "testo": "Questionari raccolti: 120; utenti soddisfatti o molto soddisfatti: 87%."})})
    records[2] = survey
    answer = Assistant(records).ask("gli utenti dello sportello sociale sono soddisfatti?")
    assert not answer.refused and "87%" in answer.answer, answer.answer
