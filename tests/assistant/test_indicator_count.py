"""How many distinct indicators measure an objective is a list filter ('obiettivi misurati da un solo
indicatore', 'con più di un indicatore', 'almeno due indicatori', 'a single indicator'), never a topic;
'un indicatore sul tempo medio' names an indicator, it counts none.

Proved on copies of Roccafelice's records whose objectives are given 1 to 3 distinct indicators at random
(three seeds): the list is exactly the records with that many.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.text import norm
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"
QUESTIONS = [  # (question, how many distinct indicators an objective listed has)
    ("Obiettivi misurati da un solo indicatore.", lambda n: n == 1),
    ("quali obiettivi hanno più di un indicatore?", lambda n: n > 1),
    ("quanti obiettivi hanno almeno due indicatori?", lambda n: n >= 2),
    ("which objectives have a single indicator?", lambda n: n == 1),
    ("elenco degli obiettivi con 3 indicatori", lambda n: n == 3),
]


def _regenerated(seed: int) -> list[Objective]:
    """Each objective's rows renamed so that it has 1 to 3 distinct indicators."""
    rng = random.Random(seed)
    out = []
    for raw in json.loads(ROCCAFELICE.read_text(encoding="utf-8")):
        o = Objective.model_validate(raw)
        n = rng.randint(1, 3)
        rows = [r.model_copy(update={"indicatore": f"{o.titolo.split(':')[0]} misura {i % n + 1}"})
                for i, r in enumerate(o.indicatori * 3)]
        out.append(o.model_copy(update={"indicatori": rows}))
    return out


def _listed(answer: str, records: list[Objective]) -> set[str]:
    return {o.id for o in records if f"«{o.titolo}»" in answer}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lists_by_the_number_of_indicators(seed: int) -> None:
    records = _regenerated(seed)
    assistant = Assistant(records)
    counts = {o.id: len({norm(r.indicatore) for r in o.indicatori}) for o in records}
    for question, wanted in QUESTIONS:
        answer = assistant.ask(question).answer
        expected = {k for k, n in counts.items() if wanted(n)}
        assert _listed(answer, records) == expected, (question, answer)


def test_an_indicator_named_counts_none() -> None:
    records = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    answer = Assistant(records).ask("quali obiettivi hanno un indicatore sul tempo medio?").answer
    assert _listed(answer, records) == {"area-servizi-al-cittadino-1", "area-tecnica-2"}, answer
