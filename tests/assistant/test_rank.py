"""Objectives counted per person, sector or classification: exact, complete, cited."""
from collections import Counter

import pytest

from assistant import Assistant
from assistant.types import Message


@pytest.fixture(scope="module")
def assistant(gold_records):
    return Assistant(gold_records)


def ask(assistant, question):
    return assistant.answer([Message(role="user", content=question)])


def test_person_with_most_objectives_counts_every_record(assistant, gold_records):
    answer = ask(assistant, "Chi è responsabile del maggior numero di obiettivi?")
    counts = Counter(o.responsabile for o in gold_records)
    top = max(counts.values())
    assert not answer.refused and len(answer.objective_ids) == len(gold_records)
    for person, n in counts.items():
        assert f"{person}: {n}" in answer.answer
    leaders = [p for p, n in counts.items() if n == top]
    assert all(p in answer.answer.splitlines()[0] for p in leaders) and f"({top})" in answer.answer
    assert {c.campo for c in answer.citations} == {"responsabile"}


@pytest.mark.parametrize("question", ["Quale settore ha più obiettivi?", "Quanti obiettivi ha ciascun settore?",
                                      "Which sector has the most objectives?"])
def test_sector_ranking(assistant, gold_records, question):
    answer = ask(assistant, question)
    counts = Counter(o.settore for o in gold_records)
    for sector, n in counts.items():
        assert f"{sector}: {n}" in answer.answer
    assert "SETTORE VITA DELLA COMUNITÀ" in answer.answer.splitlines()[0]


def test_fewest_names_the_smallest_groups(assistant):
    first = ask(assistant, "Quale settore ha il minor numero di obiettivi?").answer.splitlines()[0]
    assert "SETTORE SUAP" in first and "(3)" in first and "VITA DELLA" not in first


def test_ranking_within_a_sector(assistant):
    answer = ask(assistant, "Chi ha più obiettivi nel settore Affari Generali?")
    assert answer.objective_ids == ["affari-generali-1", "affari-generali-2", "affari-generali-3",
                                    "affari-generali-4"]
    assert "Jessica Curti: 4" in answer.answer


def test_english_department_word_does_not_narrow_a_sector_list(assistant):
    answer = ask(assistant, "List the objectives of the public works department")
    assert answer.objective_ids == ["lavori-pubblici-1", "lavori-pubblici-2", "lavori-pubblici-3"]
