"""A field said empty with a date or a verb between its name and the word saying so, and classes no
objective has.

- 'la colonna stato al 31/12/2025 lasciata vuota', 'il target 2024 rimasto vuoto': the date or year that
  qualifies the field, and one verb saying how it was left, stand between the field and 'vuoto'; the list
  is of the objectives leaving that field empty. A word naming several fields ('target') names the one it
  is the name of, not 'target intermedio' or 'target raggiunto'; a word naming another field after it
  ('target intermedio vuoto') is that field.
- 'classificati come X', where no objective has class X (a class of the plan's own table that no objective
  uses, or another plan's): the answer is that there are none, not a refusal.

Proved on Roccafelice's records (one objective with an empty status, no classes at all) and on a copy of
them where other objectives leave the status empty, so that no fixed answer can pass.
"""
from __future__ import annotations

import pytest

from assistant import Assistant
from ingest.types import Objective
from tests.assistant.plans import assert_lists, listed, load

EMPTIED = {"area-tecnica-2", "area-economico-finanziaria-1"}  # the copy's objectives with their status removed



@pytest.fixture(scope="module")
def plans() -> dict[str, tuple[Assistant, list[Objective]]]:
    records = load()
    emptied = [o.model_copy(update={"stato_attuazione": None}) if o.id in EMPTIED else o for o in records]
    return {"as is": (Assistant(records), records), "emptied": (Assistant(emptied), emptied)}



def _without_status(records: list[Objective]) -> set[str]:
    return {o.id for o in records if not (o.stato_attuazione and o.stato_attuazione.testo)}


@pytest.mark.parametrize("which", ["as is", "emptied"])
@pytest.mark.parametrize("question", [
    "Quali obiettivi hanno la colonna stato al 31/12/2025 lasciata vuota?",
    "quali obiettivi hanno la colonna dello stato al 31/12/2025 lasciata vuota?",
    "obiettivi il cui stato al 31 dicembre 2025 risulta vuoto",
    "per quali obiettivi lo stato di attuazione a fine 2025 è rimasto vuoto?",
    "quali ob. hanno lo stato al 31/12 rimasto vuoto?",
])
def test_a_date_and_a_verb_between_the_field_and_empty(plans, which: str, question: str) -> None:
    assistant, records = plans[which]
    assert_lists(assistant, records, question, _without_status(records))


def test_a_word_naming_several_fields_names_its_own() -> None:
    records = load()
    assistant = Assistant(records)
    without_2026 = {o.id for o in records if not any(r.anno == 2026 and r.target for r in o.indicatori)}
    answer = assistant.ask("quali obiettivi hanno la colonna del target 2026 lasciata vuota?")
    assert "target intermedio" not in answer.answer and "target raggiunto" not in answer.answer, answer.answer
    assert listed(answer.answer, records) == without_2026, answer.answer
    intermediate = assistant.ask("quali obiettivi hanno il target intermedio rimasto vuoto?")
    assert "«target intermedio»" in intermediate.answer, intermediate.answer


@pytest.mark.parametrize("question,value", [
    ("Ci sono obiettivi classificati come digitalizzazione prevista dall'Agenda Digitale? Se sì quali.",
     "digitalizzazione"),
    ("quanti obiettivi sono classificati come efficienza?", "efficienza"),
    ("quali obiettivi sono classificati nella categoria pari opportunità e pesano 30%?", "pari opportunita"),
])
def test_a_class_no_objective_has_is_answered_none(question: str, value: str) -> None:
    records = load()  # Roccafelice's objectives have no class
    answer = Assistant(records).ask(question)
    assert not answer.refused, answer.answer
    assert not answer.objective_ids and value in answer.answer.lower().replace("à", "a"), answer.answer


def test_a_class_some_objectives_have_is_their_list() -> None:
    records = [o.model_copy(update={"classificazione": "Efficienza"}) if o.id in EMPTIED else o for o in load()]
    answer = Assistant(records).ask("quali obiettivi sono classificati come efficienza?")
    assert listed(answer.answer, records) == EMPTIED, answer.answer
