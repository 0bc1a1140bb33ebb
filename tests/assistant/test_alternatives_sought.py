"""Words sought as alternatives: 'quali obiettivi parlano di digitale o di online?', 'hanno nel titolo la
parola X o la parola Y?' list the objectives writing either, not those writing the phrase 'X o di Y'.

Generated from both plans' records: pairs of words each written by one objective only (in its title),
asked in three phrasings.
"""
from __future__ import annotations

import json
from functools import cache
from itertools import combinations

import pytest

from assistant import Assistant
from ingest.text import stem, tokens
from tests.assistant.plans import CASALGRANDE, ROCCAFELICE, listed, load

PHRASINGS = ["quali obiettivi parlano di {a} o di {b}?",
             "quali obiettivi hanno nel titolo la parola {a} o la parola {b}?",
             "mi elenchi gli obiettivi che citano {a} oppure {b}?"]


@cache
def _plan(path) -> tuple[Assistant, list]:
    records = load(path)
    return Assistant(records), records


def _pairs(path) -> list[tuple[str, str, str, str]]:
    """(word, its objective, word, its objective): words of one title that no other text of the plan writes
    in any form."""
    records = load(path)
    stems = {o.id: {stem(t) for t in tokens(json.dumps(o.model_dump(exclude={"fonte", "id"}), ensure_ascii=False))}
             for o in records}
    single = []
    for o in records:
        for w in tokens(o.titolo):
            if len(w) > 6 and w.isalpha() and sum(stem(w) in have for have in stems.values()) == 1:
                single.append((w, o.id))
                break
    return [(a, oa, b, ob) for (a, oa), (b, ob) in combinations(single, 2)][:6]


CASES = [(p, *pair) for p in (ROCCAFELICE, CASALGRANDE) for pair in _pairs(p)]


@pytest.mark.parametrize("phrasing", PHRASINGS)
@pytest.mark.parametrize(("path", "a", "oa", "b", "ob"), CASES)
def test_either_word_is_sought(path, a, oa, b, ob, phrasing) -> None:
    assistant, records = _plan(path)
    answer = assistant.ask(phrasing.format(a=a, b=b))
    assert not answer.refused and listed(answer.answer, records) == {oa, ob}, answer.answer
