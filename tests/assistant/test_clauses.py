"""Questions that ask two things of one set of objectives ('di quanti obiettivi risponde e quanto
pesano in totale?'): both are answered, from the records, with one list of citations.

Proved on the Roccafelice plan and on generated records; every question is written for these tests."""
from __future__ import annotations

import re

import pytest

from assistant import Assistant, Message
from assistant.understanding.clauses import clauses, joined_set
from ingest.types import Objective
from tests.assistant.test_understanding import ROCCAFELICE, _generated, _load

pytestmark = pytest.mark.skipif(not ROCCAFELICE.exists(), reason="the Roccafelice sample is missing")


# the Roccafelice records and an assistant over them, once for the module (as in test_understanding)
rocca = pytest.fixture(scope="module", name="rocca")(lambda: _load(ROCCAFELICE))
assistant = pytest.fixture(scope="module", name="assistant")(lambda rocca: Assistant(rocca))


def _ask(assistant: Assistant, question: str):
    return assistant.answer([Message(role="user", content=question)])


def _weight(o: Objective, year: int) -> float:
    row = next((i for i in o.indicatori if i.anno == year and i.peso), None)
    return float(row.peso.rstrip("%").replace(",", ".")) if row else 0.0


def _citations_consistent(answer) -> None:
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} <= set(numbers)
    assert len({(c.objective_id, c.campo, c.anno, c.citazione) for c in answer.citations}) == len(numbers)


@pytest.mark.parametrize("template", [
    "{p} di quanti obiettivi risponde e quanto pesano in totale?",
    "Quanti obiettivi segue {p}, e qual è il loro peso complessivo?",
])
def test_a_count_and_a_sum_for_each_person(assistant: Assistant, rocca: list[Objective], template: str) -> None:
    # people by name ('Responsabile Area Tecnica' names an area, and is linked as one)
    people = sorted({o.responsabile for o in rocca if o.responsabile and not o.responsabile.startswith(
        "Responsabile") and sum(x.responsabile == o.responsabile for x in rocca) >= 2})
    assert people
    for person in people:
        theirs = [o for o in rocca if o.responsabile == person]
        answer = _ask(assistant, template.format(p=person))
        assert not answer.refused
        assert set(answer.objective_ids) == {o.id for o in theirs}, person
        total = sum(_weight(o, 2025) for o in theirs)
        assert f"{total:g}%" in answer.answer.replace(",", "."), (person, answer.answer)
        _citations_consistent(answer)


def test_a_list_and_its_heaviest_on_generated_records() -> None:
    records = _generated(9)
    a = Assistant(records)
    for person in sorted({o.responsabile for o in records}):
        theirs = [o for o in records if o.responsabile == person]
        answer = _ask(a, f"Elencami gli obiettivi di {person} e dimmi quale pesa di più nel 2026")
        assert set(answer.objective_ids) == {o.id for o in theirs}
        heaviest = max(_weight(o, 2026) for o in theirs)
        assert f"{heaviest:g}%" in answer.answer
        _citations_consistent(answer)


def test_a_list_and_where_each_one_stands(assistant: Assistant, rocca: list[Objective]) -> None:
    area = "Area Tecnica"
    answer = _ask(assistant, "Quali obiettivi ha l'area tecnica, e a che punto sono arrivati?")
    theirs = [o for o in rocca if o.settore == area]
    assert set(answer.objective_ids) == {o.id for o in theirs}
    for o in theirs:
        if o.stato_attuazione and o.stato_attuazione.testo:
            assert o.stato_attuazione.testo[:40] in answer.answer
    _citations_consistent(answer)


@pytest.mark.parametrize("question", [
    "Per il censimento degli alberi: chi lo segue e quanto pesa?",  # two fields of one objective
    "Quanti bambini al massimo in lista d'attesa nel 2025 e quanti nel 2026?",  # amounts of one objective
    "Ci sono obiettivi che riguardano lo sport e che hanno il PNRR?",  # one list, two filters
])
def test_one_question_with_two_parts_stays_one_answer(assistant: Assistant, question: str) -> None:
    whole = assistant.plan([Message(role="user", content=question)])[0]
    assert whole.question == question


def test_clauses_split_only_before_a_question_word() -> None:
    assert clauses("Quali obiettivi segue Rossi e quanto pesano?") == ["Quali obiettivi segue Rossi?", "Quanto pesano?"]
    assert clauses("Quali obiettivi riguardano scuola e sport?") == ["Quali obiettivi riguardano scuola e sport?"]
    assert len(clauses("Chi e quando?")) == 1  # too short to be two questions


def test_a_second_count_on_the_same_set(rocca: list[Objective]) -> None:
    a = Assistant(rocca)
    answer = _ask(a, "Quanti obiettivi ci sono in tutto, e quanti sono collegati al PNRR?")
    pnrr = [o for o in rocca if o.pnrr and o.pnrr.strip().lower() not in ("no", "-")]
    assert f" {len(rocca)}" in answer.answer and f" {len(pnrr)}" in answer.answer
    assert set(answer.objective_ids) == {o.id for o in rocca}
    _citations_consistent(answer)



@pytest.mark.parametrize("template", [
    "quanti obiettivi ha l'{s} e quanto pesano in totale nel 2026?",
    "Quali obiettivi ha l'{s}, e qual è il loro peso complessivo nel 2026?",
])
def test_a_sector_name_with_commas_and_e_is_never_cut_into_clauses(template: str) -> None:
    """A clause starts at 'e'/',' before a question word, but never inside a stored name: 'Area Cultura,
    Sport e Turismo e quanto pesano' asks the whole area's total, not 'Turismo''s."""
    names = ["Area Cultura, Sport e Turismo", "Servizio Ambiente, Verde e Protezione civile", "Area Vigilanza"]
    records = [o.model_copy(update={"settore": names[i % 3]}) for i, o in enumerate(_generated(9))]
    a = Assistant(records)
    for name in names:
        theirs = [o for o in records if o.settore == name]
        answer = _ask(a, template.format(s=name.replace("Area", "area").replace("Servizio", "servizio")))
        assert set(answer.objective_ids) == {o.id for o in theirs}, (name, answer.answer)
        total = sum(_weight(o, 2026) for o in theirs)
        assert f"{total:g}%" in answer.answer.replace(",", "."), (name, answer.answer)
        _citations_consistent(answer)


def test_a_clause_asking_for_the_set_wins_over_a_whole_reading_as_one_field(assistant: Assistant,
                                                                            rocca: list[Objective]) -> None:
    """'Who runs the office (X) and how many objectives does it have?' read whole as the responsabile of
    one objective of X: the clause asking for X's objectives decides, and the list gives each one's
    responsabile. A question naming no sector, person or class stays as read."""
    second = assistant.plan([Message(role="user", content="E quanti obiettivi ha?")], "staff")[0]
    assert second.intent == "count" and second.names_set
    for sector in sorted({o.settore for o in rocca}):
        first = assistant.plan([Message(role="user", content=f"Chi guida l'{sector.lower()}?")], "staff")[0]
        assert first.intent in ("field", "describe") and first.filters.settore == sector, first
        joined = joined_set(first, first, second)
        assert (joined.intent, joined.fields, joined.filters.settore) == ("count", [], sector)
    lone = assistant.plan([Message(role="user", content="Chi segue il censimento degli alberi?")], "staff")[0]
    assert joined_set(lone, lone, second) == lone
