"""Guided questions for the citizen desk, drawn from the citizen-facing objectives of the plan.

Which objectives count as citizen-facing, and how a question is worded, is data (``citizen.yaml``).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from api.schemas import GuidedQuestion
from ingest.types import Objective

CONFIG_PATH = Path(__file__).with_name("citizen.yaml")


def fold(text: str) -> str:
    """Lower case without accents, whitespace collapsed (for matching words)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


@lru_cache(maxsize=1)
def _config() -> dict[str, Any]:
    return yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))


def is_citizen_facing(obj: Objective) -> bool:
    """Whether the objective's ``destinatari`` names citizens, users, families, ..."""
    words = fold(obj.destinatari or "").replace("/", " ").replace(",", " ").split()
    return any(w.startswith(term) for w in words for term in _config()["destinatari_terms"])


def guided_questions(objectives: Sequence[Objective], limit: int) -> list[GuidedQuestion]:
    """Up to ``limit`` questions, one per sector first (in document order), then more per sector."""
    config = _config()
    eligible = [
        o for o in objectives
        if is_citizen_facing(o) and len(" ".join(o.titolo.split())) <= config["max_title_chars"]
    ]
    picked: list[Objective] = []
    seen_sectors: set[str] = set()
    for o in eligible:  # first pass: variety across sectors
        if o.settore not in seen_sectors:
            picked.append(o)
            seen_sectors.add(o.settore)
    picked += [o for o in eligible if o not in picked]
    return [
        GuidedQuestion(
            question=config["question_template"].format(titolo=" ".join(o.titolo.split())),
            objective_id=o.key,
            settore=o.settore,
        )
        for o in picked[:limit]
    ]
