"""Filters that hold in every kind of list: a sum over the objectives a field is stated for, a weight said
without a superlative, the body named by its kind and name.

- 'Sommando i pesi degli obiettivi collegati al PNRR': the sum is over the objectives linked to the PNRR
  (or, 'senza PNRR', the others), as a list or a count would be.
- 'ob. con peso 20%?', 'obiettivi col 30 per cento di peso': a weight stated with no word of a superlative
  is the list of the objectives of that weight, not the lowest or highest weight.
- 'quanti sono e quanto pesano in tutto?' after a list: a weight counted is a weight summed.
- 'il Comune di Roccafelice' in a plan that names no body: the body whose plan is loaded, not a topic
  (titles may hold the place's name).

Proved on Roccafelice's records, a copy with two more objectives linked to the PNRR and weights moved, and
a copy that names no body and holds the place name in two titles, so that no fixed answer can pass.
"""
from __future__ import annotations

import re

import pytest

from assistant import Assistant
from ingest.types import Objective
from tests.assistant.plans import assert_lists, listed, load

CHANGED = {"area-tecnica-1": "20%", "area-scuola-sport-e-turismo-2": "35%"}  # linked to the PNRR, new weight



@pytest.fixture(scope="module")
def plans() -> dict[str, tuple[Assistant, list[Objective]]]:
    records = load()
    changed = [o.model_copy(update={"pnrr": "Sì – M1C1 Investimento 1.2 Abilitazione al cloud", "peso": CHANGED[o.id]})
               if o.id in CHANGED else o for o in records]
    return {"as is": (Assistant(records), records), "changed": (Assistant(changed), changed)}


def _weight(o: Objective) -> int:
    return int(str(o.peso).rstrip("%"))


def _linked(o: Objective) -> bool:
    return bool(o.pnrr) and o.pnrr.strip().lower().startswith("s")



@pytest.mark.parametrize("which", ["as is", "changed"])
@pytest.mark.parametrize("question", [
    "Sommando i pesi degli obiettivi collegati al PNRR, che totale si ottiene?",
    "peso complessivo degli obiettivi con collegamento al PNRR",
    "quanto pesano in tutto gli obiettivi legati al PNRR? somma dei pesi",
])
def test_a_sum_over_the_objectives_stating_a_field(plans, which: str, question: str) -> None:
    assistant, records = plans[which]
    answer = assistant.ask(question)
    linked = [o for o in records if _linked(o)]
    assert not answer.refused, answer.answer
    assert f"{sum(map(_weight, linked))}%" in answer.answer.split("\n")[0], answer.answer
    assert listed(answer.answer, records) == {o.id for o in linked}, answer.answer


@pytest.mark.parametrize("which", ["as is", "changed"])
def test_a_sum_over_the_objectives_leaving_a_field_out(plans, which: str) -> None:
    assistant, records = plans[which]
    answer = assistant.ask("somma dei pesi degli obiettivi senza collegamento al PNRR")
    others = [o for o in records if not _linked(o)]
    assert f"{sum(map(_weight, others))}%" in answer.answer.split("\n")[0], answer.answer


@pytest.mark.parametrize("which", ["as is", "changed"])
@pytest.mark.parametrize("question", [
    "ob. con peso {w}%?",
    "obiettivi col {w} per cento di peso",
    "quali obiettivi hanno un peso del {w}%?",
])
@pytest.mark.parametrize("w", [20, 35])
def test_a_weight_said_without_a_superlative_is_a_filter(plans, which: str, question: str, w: int) -> None:
    assistant, records = plans[which]
    assert_lists(assistant, records, question.format(w=w), {o.id for o in records if _weight(o) == w})


def test_a_superlative_with_a_weight_stays_a_superlative(plans) -> None:
    assistant, records = plans["as is"]
    answer = assistant.ask("qual è l'obiettivo con il peso più alto? è il 40%?")
    top = max(map(_weight, records))
    assert listed(answer.answer, records) == {o.id for o in records if _weight(o) == top}, answer.answer


@pytest.fixture(scope="module")
def nameless() -> tuple[Assistant, list[Objective]]:
    """Roccafelice's records naming no body, two of whose titles hold the place's name."""
    records = []
    for o in load():
        update: dict[str, object] = {"ente": None}
        if o.id in ("area-tecnica-1", "area-scuola-sport-e-turismo-1"):
            update["titolo"] = f"{o.titolo} a Roccafelice"
        records.append(o.model_copy(update=update))
    return Assistant(records), records


@pytest.mark.parametrize("question", [
    "Quanti obiettivi di performance ha il Comune di Roccafelice nel PIAO?",
    "quanti obiettivi ha il comune di roccafelice",
    "Il Comune di Roccafelice quanti obiettivi ha in tutto?",
])
def test_the_body_named_is_no_topic(nameless, question: str) -> None:
    assistant, records = nameless
    answer = assistant.ask(question)
    assert not answer.refused, answer.answer
    assert re.search(rf"\b{len(records)}\b", answer.answer.split("\n")[0]), answer.answer


@pytest.mark.parametrize("which", ["as is", "changed"])
@pytest.mark.parametrize("follow", ["quanti sono e quanto pesano in tutto?", "e in tutto quanto pesano?"])
def test_a_weight_counted_is_a_weight_summed(plans, which: str, follow: str) -> None:
    from assistant.types import Message  # noqa: PLC0415

    assistant, records = plans[which]
    for person in sorted({o.responsabile for o in records if o.responsabile and not o.responsabile.startswith("Resp")}):
        first = f"quali obiettivi segue {person}?"
        before = assistant.answer([Message(role="user", content=first)])
        answer = assistant.answer([Message(role="user", content=first),
                                   Message(role="assistant", content=before.answer),
                                   Message(role="user", content=follow)])
        mine = [o for o in records if o.responsabile == person]
        assert f"{sum(map(_weight, mine))}%" in answer.answer.split("\n")[0], (person, answer.answer)
