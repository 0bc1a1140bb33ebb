"""Counts of what is not an objective: the indicators of a set, the people responsible.

- 'quanti indicatori ha l'Area Tecnica?', 'quanti indicatori ci sono in tutto?': the distinct indicators of
  each objective of the set, summed (each cited), not the number of objectives.
- 'quante persone sono responsabili di almeno un obiettivo?': the quantifier ('almeno un', 'qualche') is
  no topic; the people are counted over every objective.

Generated from the records of both plans (every sector) and a copy of Roccafelice's whose indicators are
renamed so that two rows share a name (a fixed count cannot pass).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answering.compose import of_the
from ingest.text import norm
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
PLANS = {name: ROOT / "samples" / f"{name}.gold.json"
         for name in ("piao_roccafelice_2025_performance", "piao_casalgrande_2023_performance")}


def _load(name: str) -> list[Objective]:
    return [Objective.model_validate(r) for r in json.loads(PLANS[name].read_text(encoding="utf-8"))]


def _merged(records: list[Objective]) -> list[Objective]:
    """Every objective's indicators given its first indicator's name (one distinct indicator each)."""
    out = []
    for o in records:
        first = next((r.indicatore for r in o.indicatori if r.indicatore), None)
        rows = [r.model_copy(update={"indicatore": first}) for r in o.indicatori]
        out.append(o.model_copy(update={"indicatori": rows}))
    return out


@pytest.fixture(scope="module", params=[*sorted(PLANS), "merged"])
def plan(request) -> tuple[Assistant, list[Objective]]:
    records = _merged(_load("piao_roccafelice_2025_performance")) if request.param == "merged" else _load(request.param)
    return Assistant(records), records


def _indicators(records: list[Objective]) -> int:
    return sum(len({norm(r.indicatore) for r in o.indicatori if r.indicatore}) for o in records)


def _head(text: str) -> str:
    return text.split("\n")[0]


def test_the_indicators_of_the_plan(plan) -> None:
    assistant, records = plan
    answer = assistant.ask("quanti indicatori ci sono in tutto nel piano?")
    assert re.search(rf"\b{_indicators(records)}\b", _head(answer.answer)), answer.answer
    assert answer.citations and all(c.campo in ("indicatore", "titolo") for c in answer.citations)


def test_the_indicators_of_each_sector(plan) -> None:
    assistant, records = plan
    for s in sorted({o.settore for o in records if o.settore}):
        answer = assistant.ask(f"quanti indicatori ha {of_the(s)}?")
        want = _indicators([o for o in records if o.settore == s])
        assert re.search(rf"\b{want}\b", _head(answer.answer)), (s, answer.answer)


@pytest.mark.parametrize("question", [
    "quante persone sono responsabili di almeno un obiettivo?",
    "quanti sono i responsabili che seguono qualche obiettivo?",
])
def test_people_counted_with_a_quantifier(plan, question: str) -> None:
    assistant, records = plan
    answer = assistant.ask(question)
    people = {o.responsabile for o in records if o.responsabile}
    assert re.search(rf"\b{len(records)} in tutto, {len(people)}\b", _head(answer.answer)), answer.answer
