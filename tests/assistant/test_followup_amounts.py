"""'quanti ne hanno fatti?' right after an answer about one objective: the clitic 'ne' counts what was
talked about, and the verb after it (a word the records may never write) is no new subject.

Proved on Roccafelice's records: every objective, followed by an amount asked with verbs no record writes.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant, Message
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"
FOLLOWUPS = [("e quanti ne hanno sistemati?", "sistemati"), ("quante ne sono state smaltite finora?", "smaltite"),
             ("e quanti ne hanno combinati nel 2025?", "combinati")]


@pytest.fixture(scope="module")
def rocca() -> tuple[Assistant, list[Objective]]:
    records = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    return Assistant(records), records


@pytest.mark.parametrize(("followup", "verb"), FOLLOWUPS)
def test_an_amount_of_it_stays_on_the_objective(rocca, followup, verb):
    assistant, records = rocca
    assert not any(verb[:-1] in json.dumps(o.model_dump(), ensure_ascii=False).lower() for o in records)
    wrong = []
    for obj in records:
        history = [Message(role="user", content=f"parlami dell'obiettivo «{obj.titolo}»")]
        first = assistant.answer(history)
        if first.refused or first.objective_ids != [obj.id]:
            continue
        history += [Message(role="assistant", content=first.answer), Message(role="user", content=followup)]
        answer = assistant.answer(history)
        if answer.refused or answer.objective_ids != [obj.id]:
            wrong.append((obj.id, answer.answer[:120]))
    assert len(wrong) <= 1, wrong


@pytest.mark.parametrize("then", ["quali altri obiettivi segue?", "e cos'altro segue?", "segue anche altri obiettivi?"])
def test_the_other_objectives_of_the_person_just_named(rocca, then):
    """'chi segue X?' then 'quali altri obiettivi segue?': the objectives of the person answering for X."""
    assistant, records = rocca
    checked = 0
    for obj in records:
        mine = {o.id for o in records if o.responsabile == obj.responsabile}
        history = [Message(role="user", content=f"chi segue l'obiettivo «{obj.titolo}»?")]
        first = assistant.answer(history)
        if first.objective_ids != [obj.id]:
            continue
        history += [Message(role="assistant", content=first.answer), Message(role="user", content=then)]
        answer = assistant.answer(history)
        assert set(answer.objective_ids) == mine, (obj.responsabile, answer.answer[:300])
        checked += 1
    assert checked >= 15


def test_other_objectives_after_a_summary_are_not_one_persons(rocca):
    assistant, records = rocca
    obj = records[0]
    history = [Message(role="user", content=f"parlami dell'obiettivo «{obj.titolo}»")]
    history += [Message(role="assistant", content=assistant.answer(history).answer),
                Message(role="user", content="quali altri obiettivi ci sono?")]
    answer = assistant.answer(history)
    assert len(answer.objective_ids) > sum(o.responsabile == obj.responsabile for o in records), answer.answer[:300]


@pytest.mark.parametrize("then", ["e quanto pesano messi insieme?", "presi insieme quanto pesano?",
                                  "e sommati quanto pesano?", "quanto pesano nel complesso?"])
def test_a_total_after_a_list_is_over_that_list(rocca, then):
    """'quanto pesano messi insieme?' after a person's objectives: the words saying a total are no topic,
    even where a record writes them ('Messi a dimora 132 nuovi alberi')."""
    assistant, records = rocca
    people = {o.responsabile for o in records if sum(p.responsabile == o.responsabile for p in records) >= 2
              and not o.responsabile.startswith("Responsabile")}  # a person, not a role (a role names its area)
    for person in sorted(people):
        mine = [o for o in records if o.responsabile == person]
        history = [Message(role="user", content=f"quali obiettivi ha {person}?")]
        history += [Message(role="assistant", content=assistant.answer(history).answer),
                    Message(role="user", content=then)]
        answer = assistant.answer(history)
        total = sum(int(o.peso.rstrip("%")) for o in mine)
        assert f"{total}%" in answer.answer and set(answer.objective_ids) == {o.id for o in mine}, (person, answer.answer)
