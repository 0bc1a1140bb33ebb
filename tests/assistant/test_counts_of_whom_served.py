"""What the plan counts is what an objective's indicators measure and its status reports, not whom it
serves or what its title names.

'quanti cittadini hanno partecipato agli incontri?' of an objective whose card serves 'cittadini' and whose
indicators count meetings: the plan states no number of citizens, so the question is refused with the
objective offered as the nearest one. The same noun written into one of its indicators is answered with
that indicator's target.

Generated on Roccafelice's records: every objective is given a group of people it serves (in its card, or
in its title) that none of its indicators or status texts names.
"""
from __future__ import annotations

import json
from functools import cache

import pytest

from assistant import Assistant
from ingest.text import has_thesaurus, stem, tokens
from ingest.types import Objective
from tests.assistant.plans import load

thesaurus = pytest.mark.skipif(not has_thesaurus(), reason="no Italian thesaurus (Debian's mythes-it) installed")
GROUPS = ["volontari", "pensionati", "artigiani", "agricoltori"]


def _unnamed(o: Objective) -> str | None:
    have = {stem(w) for w in tokens(json.dumps(o.model_dump(), ensure_ascii=False))}
    return next((g for g in GROUPS if stem(g) not in have), None)


CASES = {o.id: g for o in load() if o.indicatori and (g := _unnamed(o))}


def _served(o: Objective, where: str) -> Objective:
    group = CASES[o.id]
    if where == "destinatari":
        return o.model_copy(update={"destinatari": f"Cittadini e {group}"})
    if where == "titolo":
        return o.model_copy(update={"titolo": f"{o.titolo} con i {group}"})
    rows = [r.model_copy(update={"indicatore": f"{group.capitalize()} partecipanti", "target": "42"}) if k == 0 else r
            for k, r in enumerate(o.indicatori)]  # measured by an indicator
    return o.model_copy(update={"destinatari": f"Cittadini e {group}", "indicatori": rows})


@cache
def _plan(where: str) -> tuple[Assistant, dict[str, Objective]]:
    records = [_served(o, where) if o.id in CASES else o for o in load()]
    return Assistant(records), {o.id: o for o in records}


def _ask(where: str, oid: str):
    assistant, records = _plan(where)
    return assistant.ask(f"Per l'obiettivo «{records[oid].titolo}», quanti {CASES[oid]} sono previsti?")


@thesaurus
@pytest.mark.parametrize("where", ["destinatari", "titolo"])
@pytest.mark.parametrize("oid", sorted(CASES))
def test_a_count_of_whom_the_objective_serves_is_refused(where, oid) -> None:
    answer = _ask(where, oid)
    assert answer.refused, answer.answer


@pytest.mark.parametrize("oid", sorted(CASES))
def test_a_count_an_indicator_measures_is_answered(oid) -> None:
    answer = _ask("indicatori", oid)
    assert not answer.refused, answer.answer
    assert "42" in answer.answer, answer.answer
