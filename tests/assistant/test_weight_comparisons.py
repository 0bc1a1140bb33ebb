"""Lists by weight said in more ways: 'che non pesano il 30%', 'con peso diverso dal 30%', 'tra il 20 e il
30%', 'dal 10 al 20 per cento', 'sotto il 25%', 'sopra il 30%'.

Roccafelice's records with their weights drawn at random per seed: the expected lists are computed here,
so a fixed answer cannot pass.
"""
from __future__ import annotations

import operator
import random

import pytest

from assistant import Assistant
from ingest.types import Objective
from tests.assistant.plans import assert_lists, load


def _weighted(seed: int) -> list[Objective]:
    rng = random.Random(seed)
    return [o.model_copy(update={"peso": f"{rng.choice([10, 15, 20, 25, 30, 35, 40])}%"}) for o in load()]


def _weight(o: Objective) -> int:
    return int((o.peso or "0").rstrip("%"))


@pytest.mark.parametrize("seed", [7, 8, 9])
@pytest.mark.parametrize(("question", "keep"), [
    ("quali obiettivi non pesano il 30%?", lambda w: w != 30),
    ("obiettivi con un peso diverso dal 25%", lambda w: w != 25),
    ("quali obiettivi hanno peso tra 20 e 30%?", lambda w: 20 <= w <= 30),
    ("quali obiettivi hanno un peso dal 10 al 20 per cento?", lambda w: 10 <= w <= 20),
    ("gli obiettivi con peso sotto il 25%", lambda w: operator.lt(w, 25)),
    ("obiettivi con peso sopra il 30%", lambda w: operator.gt(w, 30)),
])
def test_a_list_by_weight_compared(seed, question, keep) -> None:
    records = _weighted(seed)
    want = {o.id for o in records if keep(_weight(o))}
    assert want
    assert_lists(Assistant(records), records, question, want)
