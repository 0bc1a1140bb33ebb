"""A label before a colon, and a question that names nothing but filters after it ('anagrafe: quanti ob. ha
la Morandini?'), is who asks or why (the asker's office), not a topic narrowing the filter's objectives:
every objective of the person is counted and listed. The label alone before a lookup still names what is
looked up ('PEBA: a che punto è?').

Generated on Roccafelice's records: for each person with several objectives, a word that only one of their
titles writes is put before the question.
"""
from __future__ import annotations

from collections import defaultdict
from functools import cache

import pytest

from assistant import Assistant
from ingest.text import stem, tokens
from tests.assistant.plans import listed, load

ASKS = ["{label}: quanti ob. ha {name}?", "{label}: quali obiettivi segue {name}?",
        "{label} - elenco degli obiettivi di {name}?"]


@cache
def _plan() -> Assistant:
    return Assistant(load())


def _cases() -> list[tuple[str, str, frozenset[str]]]:
    """(label, surname, the person's objective ids) for each person with several objectives."""
    records = load()
    people: dict[str, list] = defaultdict(list)
    for o in records:
        people[o.responsabile].append(o)
    out = []
    for person, objs in sorted(people.items()):
        if len(objs) < 2 or person.lower().startswith("responsabile"):
            continue
        for o in objs:
            others = {stem(w) for x in records if x is not o for w in tokens(x.model_dump_json())}
            label = next((w for w in tokens(o.titolo) if len(w) > 4 and stem(w) not in others), None)
            if label:
                out.append((label, person.split()[-1], frozenset(x.id for x in objs)))
                break
    return out


@pytest.mark.parametrize("ask", ASKS)
@pytest.mark.parametrize(("label", "name", "want"), _cases())
def test_a_label_before_the_question_does_not_narrow_the_filter(ask, label, name, want) -> None:
    answer = _plan().ask(ask.format(label=label, name=name))
    assert not answer.refused, answer.answer
    assert listed(answer.answer, load()) == want, answer.answer


@pytest.mark.parametrize(("label", "name", "want"), _cases())
def test_a_label_alone_before_a_lookup_names_the_objective(label, name, want) -> None:
    answer = _plan().ask(f"{label}: chi è il responsabile?")
    assert not answer.refused, answer.answer
    assert len(answer.objective_ids) == 1 and answer.objective_ids[0] in want, answer.answer
