"""Helpers shared by the tests that ask lists of the bundled plans' records (paths, loading, what a list
answer shows)."""
from __future__ import annotations

import json
from pathlib import Path

from assistant import Assistant
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
CASALGRANDE = ROOT / "samples" / "piao_casalgrande_2023_performance.gold.json"
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"


def load(path: Path = ROCCAFELICE) -> list[Objective]:
    """The gold records of a bundled plan."""
    return [Objective.model_validate(r) for r in json.loads(path.read_text(encoding="utf-8"))]


def listed(answer: str, records: list[Objective]) -> set[str]:
    """The ids of the records whose title an answer shows in quotes."""
    return {o.id for o in records if f"«{o.titolo}»" in answer}


def assert_lists(assistant: Assistant, records: list[Objective], question: str, want: set[str]) -> None:
    """The question is answered, not refused, with exactly the records ``want``."""
    answer = assistant.ask(question)
    assert not answer.refused, (question, answer.answer)
    assert listed(answer.answer, records) == want, (question, answer.answer)
