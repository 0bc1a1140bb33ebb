"""A person asked by a role that no record writes ('chi è il presidente del nucleo di valutazione?', 'chi è
l'assessore allo sport?') is no one the plan names: the question is refused, saying what the plan names
instead. The same role written into a record's contributors is something the plan answers about; the
people the plan names (responsabile, 'la persona che segue', 'il capo', a surname) are answered.

Generated on Roccafelice's records: roles asked of every objective, by its title.
"""
from __future__ import annotations

from functools import cache

import pytest

from assistant import Assistant
from tests.assistant.plans import load

ROLES = ["il presidente della commissione", "l'assessore competente", "il sindaco", "il revisore dei conti"]


@cache
def _plan(written: bool = False) -> Assistant:
    records = load()
    if written:  # every role above written by one record: the plan names it
        records[0] = records[0].model_copy(update={"contributor": "Presidente della commissione\nAssessore\n"
                                                                  "Sindaco\nRevisore dei conti"})
    return Assistant(records)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("ask", ["chi è {role} per «{t}»?", "come si chiama {role} che segue «{t}»?"])
def test_a_role_no_record_writes_is_refused(role, ask) -> None:
    for o in load()[::4]:
        answer = _plan().ask(ask.format(role=role, t=o.titolo))
        assert answer.refused and "non nomina" in answer.answer, (o.id, answer.answer)
        answer = _plan(written=True).ask(ask.format(role=role, t=o.titolo))
        assert "non nomina" not in answer.answer, (o.id, answer.answer)


@pytest.mark.parametrize("ask", ["chi è il responsabile di «{t}»?", "chi è la persona che segue «{t}»?",
                                 "chi è il capo di «{t}»?", "chi è il dirig. resp. di «{t}»?",
                                 "come si chiama chi segue «{t}»?"])
def test_the_people_the_plan_names_are_answered(ask) -> None:
    for o in load()[::2]:
        answer = _plan().ask(ask.format(t=o.titolo))
        assert not answer.refused and o.responsabile in answer.answer, (o.id, answer.answer)
