"""'di questi qual è quello che pesa di più?' right after a list: the heaviest (or lightest) of the objectives
just listed, not the summary of one of them, nor the heaviest of the whole plan.

Proved on Roccafelice's records, each sector listed in turn with the weights reshuffled per seed (a fixed
answer cannot pass); and a preamble's words ('a Roccafelice') are never read as whom a list is for.
"""
from __future__ import annotations

import random

import pytest

from assistant import Assistant, Message
from ingest.types import Objective
from tests.assistant.plans import listed, load

FOLLOWUPS = [("di questi qual è quello che pesa di più?", max), ("tra questi qual è quello che pesa di meno?", min),
             ("e di questi, quello che pesa di più quale sarebbe?", max)]


def _weighted(seed: int) -> list[Objective]:
    rng = random.Random(seed)
    return [o.model_copy(update={"peso": f"{rng.choice([5, 10, 15, 20, 25, 30, 35, 40, 45])}%"}) for o in load()]


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize(("followup", "pick"), FOLLOWUPS)
def test_the_heaviest_of_the_list_just_given(seed, followup, pick) -> None:
    records = _weighted(seed)
    assistant = Assistant(records)
    checked = 0
    for sector in dict.fromkeys(o.settore for o in records):
        members = [o for o in records if o.settore == sector]
        weights = {o.id: int((o.peso or "0").rstrip("%")) for o in members}
        best = pick(weights.values())
        if len(members) < 2 or len(set(weights.values())) < 2:
            continue
        history = [Message(role="user", content=f"quali obiettivi ha l'{sector.lower()}?")]
        first = assistant.answer(history)
        assert listed(first.answer, records) == set(weights), first.answer
        history += [Message(role="assistant", content=first.answer), Message(role="user", content=followup)]
        answer = assistant.answer(history)
        assert not answer.refused, answer.answer
        assert listed(answer.answer, records) == {k for k, w in weights.items() if w == best}, (sector, answer.answer)
        assert f"{best}%" in answer.answer, answer.answer
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("question", ["ci sono obiettivi per i cani randagi a {p}? chi li accudisce?",
                                      "ci sono obiettivi per le panchine rotte a {p}? quando le aggiustano?"])
def test_a_preamble_is_not_whom_a_list_is_for(question) -> None:
    place = "Borgoalto"  # a body with no entity name: the place is a word of the records, not a scope
    records = [o.model_copy(update={"ente": None, **({"destinatari": f"Cittadini residenti a {place}"} if i % 4 == 0
                                                     else {})}) for i, o in enumerate(load())]
    answer = Assistant(records).ask(question.format(p=place.lower()))
    assert answer.refused or not listed(answer.answer, records), answer.answer  # (the nearest ones may be offered)
