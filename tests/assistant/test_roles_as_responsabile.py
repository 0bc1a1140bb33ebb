"""Objectives whose responsabile is a role, not a person.

'quali obiettivi non hanno un responsabile nominativo, solo il ruolo?' where every objective states a
responsabile: those whose responsabile names no person ('Responsabile Area Tecnica', 'Segretario
comunale'), said to be so, instead of 'none'. An objective with no responsabile at all is still what
'senza responsabile' finds first.

Generated from Roccafelice's records, with the roles moved to other objectives (a fixed answer cannot pass).
"""
from __future__ import annotations

import pytest

from assistant import Assistant
from ingest.types import Objective
from tests.assistant.plans import listed, load

QUESTIONS = ["Quali obiettivi non hanno un responsabile nominativo?",
             "Quali obiettivi non hanno come responsabile una persona con nome e cognome?",
             "quanti obiettivi non hanno un responsabile?"]


def _moved(step: int) -> tuple[list[Objective], set[str]]:
    """Roccafelice's records with a role as responsabile of every ``step``-th objective (and persons elsewhere)."""
    records, roles = [], set()
    for i, o in enumerate(load()):
        if i % step == 1:
            role = "Segretario comunale" if i % 2 else f"Responsabile {o.settore}"
            records.append(o.model_copy(update={"responsabile": role}))
            roles.add(o.id)
        else:
            person = o.responsabile if o.responsabile and "Responsabile" not in o.responsabile else "Dott.ssa Anna Bertolini"
            records.append(o.model_copy(update={"responsabile": person}))
    return records, roles


@pytest.mark.parametrize("step", [3, 5])
@pytest.mark.parametrize("question", QUESTIONS)
def test_a_role_as_responsabile_is_what_no_named_responsabile_means(step, question) -> None:
    records, roles = _moved(step)
    answer = Assistant(records).ask(question)
    assert not answer.refused and listed(answer.answer, records) == roles, answer.answer
    assert "ruolo" in answer.answer.split("\n")[0], answer.answer


def test_an_objective_with_no_responsabile_is_found_first() -> None:
    records, _ = _moved(3)
    records[0] = records[0].model_copy(update={"responsabile": None})
    answer = Assistant(records).ask("Quali obiettivi non hanno un responsabile?")
    assert listed(answer.answer, records) == {records[0].id}, answer.answer
