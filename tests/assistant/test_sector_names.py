"""A sector named with its words in another order, joined by commas and 'e' / 'and', is named whole: none
of its words is left over as a topic that would narrow the list ('the school, sport and tourism area').

Proved on Roccafelice's sectors and on invented ones (the same records under other sector names).
"""
from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"
INVENTED = {"Area Scuola, Sport e Turismo": "Area Cultura, Giovani e Biblioteca",
            "Area Amministrativa e Risorse Umane": "Settore Ambiente, Verde e Rifiuti"}


def _records(rename: dict[str, str]) -> list[Objective]:
    records = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    return [o.model_copy(update={"settore": rename.get(o.settore, o.settore)}) for o in records]


@pytest.fixture(scope="module", params=["roccafelice", "invented"])
def plan(request) -> tuple[Assistant, Counter]:
    records = _records({} if request.param == "roccafelice" else INVENTED)
    return Assistant(records), Counter(o.settore for o in records)


def _count(answer: str) -> int | None:
    found = re.search(r"\b(?:sono|are)\s+(\d+)\b|\b(?:C'è|There is)\s+(1)\b", answer)
    return int(found.group(1) or found.group(2)) if found else None


def test_a_sector_named_in_another_order_is_named_whole(plan):
    assistant, sizes = plan
    checked = 0
    for name, size in sizes.items():
        # the items a name lists ('Scuola, Sport e Turismo', 'Amministrativa e Risorse Umane'), in other orders
        items = [i for i in re.split(r",\s*|\s+e\s+", name.split(" ", 1)[1]) if i]
        if len(items) < 2:
            continue
        for order in itertools.permutations(items):
            if list(order) == items:
                continue
            phrase = f"{', '.join(order[:-1])} e {order[-1]}".lower()
            answer = assistant.ask(f"quanti obiettivi ha il settore {phrase}?").answer
            assert _count(answer) == size, (phrase, answer)
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize("question", [
    "How many objectives does the school, sport and tourism area have?",
    "how many objectives does the tourism, sport and school area have?",
])
def test_an_english_sector_name_is_named_whole(question):
    records = _records({})
    answer = Assistant(records).ask(question).answer
    assert _count(answer) == sum(o.settore == "Area Scuola, Sport e Turismo" for o in records), answer
