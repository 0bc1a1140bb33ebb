"""Sectors left out by a negation and several sectors in one list.

- 'obiettivi che non riguardano l'Area Tecnica', 'quali obiettivi non sono dell'Area Tecnica?': the sector is
  left out (a negation with one verb between); 'senza PNRR dell'Area Tecnica' keeps the sector a filter and
  empties the field.
- 'obiettivi dell'Area Tecnica e dell'Area Scuola', 'del settore entrate, del SUAP e dei lavori pubblici':
  every sector joined by 'e', 'o' or a comma is in the set (lists, counts, sums), or left out after
  'tranne'.

Generated from the records: every sector and every pair of sectors of both plans.
"""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answering.compose import of_the
from ingest.types import Objective
from tests.assistant.plans import listed

ROOT = Path(__file__).resolve().parents[2]
PLANS = {name: ROOT / "samples" / f"{name}.gold.json"
         for name in ("piao_roccafelice_2025_performance", "piao_casalgrande_2023_performance")}


@pytest.fixture(scope="module", params=sorted(PLANS))
def plan(request) -> tuple[Assistant, list[Objective]]:
    records = [Objective.model_validate(r) for r in json.loads(PLANS[request.param].read_text(encoding="utf-8"))]
    return Assistant(records), records



def _sectors(records: list[Objective]) -> list[str]:
    return sorted({o.settore for o in records if o.settore})


def _of(records: list[Objective], *sectors: str) -> set[str]:
    return {o.id for o in records if o.settore in sectors}


@pytest.mark.parametrize("question", [
    "obiettivi che non riguardano {of}",
    "quali obiettivi non sono {of}?",
    "obiettivi che non appartengono {of}",
])
def test_a_sector_left_out_by_a_negation(plan, question: str) -> None:
    assistant, records = plan
    for s in _sectors(records):
        answer = assistant.ask(question.format(of=of_the(s)))
        assert listed(answer.answer, records) == {o.id for o in records} - _of(records, s), (s, answer.answer)


def test_a_field_negated_before_a_sector_keeps_the_sector(plan) -> None:
    assistant, records = plan
    for s in _sectors(records):
        answer = assistant.ask(f"obiettivi senza collegamento PNRR {of_the(s)}")
        want = {o.id for o in records if o.settore == s and (not (o.pnrr or "").strip()
                                                             or o.pnrr.strip().lower().startswith("no"))}
        assert listed(answer.answer, records) == want, (s, answer.answer)


def test_two_sectors_joined(plan) -> None:
    assistant, records = plan
    for a, b in itertools.combinations(_sectors(records), 2):
        answer = assistant.ask(f"obiettivi {of_the(a)} e {of_the(b)}")
        assert listed(answer.answer, records) == _of(records, a, b), (a, b, answer.answer)
        count = assistant.ask(f"quanti sono in tutto gli obiettivi {of_the(a)} e {of_the(b)}?")
        assert re.search(rf"\b{len(_of(records, a, b))}\b", count.answer.split("\n")[0]), (a, b, count.answer)
        left = assistant.ask(f"obiettivi tranne quelli {of_the(a)} e {of_the(b)}")
        assert listed(left.answer, records) == {o.id for o in records} - _of(records, a, b), (a, b, left.answer)


def test_three_sectors_in_a_row(plan) -> None:
    assistant, records = plan
    a, b, c = _sectors(records)[:3]
    answer = assistant.ask(f"obiettivi {of_the(a)}, {of_the(b)} e {of_the(c)}")
    assert listed(answer.answer, records) == _of(records, a, b, c), answer.answer
