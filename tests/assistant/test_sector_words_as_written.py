"""A sector named by one word of its name, and by everyday names beside its own.

- One word that only sector names use, after an article, names the sector only as the name writes it:
  'gli obiettivi dei lavori' is the Lavori Pubblici sector, 'il mondo del lavoro' names none (the
  other number of the word is another word).
- Everyday names of the same sector beside its name ('il settore entrate e tributi', 'ragioneria e
  bilancio') are part of the naming, not a topic narrowing the sector's objectives.

Generated: Roccafelice's records moved to sectors with other bodies' usual names.
"""
from __future__ import annotations

from functools import cache

import pytest

from assistant import Assistant
from assistant.types import Message
from tests.assistant.plans import load

RENAMED = {"Area Servizi al Cittadino": "SETTORE DEMOGRAFICI", "Area Tecnica": "SETTORE LAVORI PUBBLICI",
           "Area Economico-Finanziaria": "SETTORE ENTRATE", "Area Amministrativa e Risorse Umane": "SETTORE FINANZIARIO"}


@cache
def _plan() -> tuple[Assistant, list]:
    records = [o.model_copy(update={"settore": RENAMED.get(o.settore, o.settore)}) for o in load()]
    return Assistant(records), records


def _settore(question: str) -> str | None:
    plan, _ = _plan()[0].plan([Message(role="user", content=question)])
    return plan.filters.settore


# (sector, the word as its name writes it after an article, the other number of the word after one)
WORDS = [("SETTORE LAVORI PUBBLICI", "dei lavori", "del lavoro"),
         ("SETTORE FINANZIARIO", "del finanziario", "dei finanziari")]


@pytest.mark.parametrize(("sector", "written", "other"), WORDS)
def test_one_word_names_a_sector_only_as_its_name_writes_it(sector, written, other) -> None:
    assert _settore(f"quali sono gli obiettivi {written}?") == sector
    assert _settore(f"ci sono incontri che parlano {other} e della salute?") != sector


SYNONYMS = [("SETTORE ENTRATE", "il settore entrate e tributi"), ("SETTORE ENTRATE", "l'ufficio tasse (entrate e tributi)"),
            ("SETTORE FINANZIARIO", "il settore finanziario, ragioneria e bilancio"),
            ("SETTORE DEMOGRAFICI", "il settore demografici e anagrafe")]


@pytest.mark.parametrize(("sector", "named"), SYNONYMS)
def test_everyday_names_beside_the_sector_name_do_not_narrow_it(sector, named) -> None:
    assistant, records = _plan()
    want = sorted(o.id for o in records if o.settore == sector)
    answer = assistant.ask(f"quanti obiettivi ha {named}?")
    assert not answer.refused, answer.answer
    assert sorted(answer.objective_ids) == want, answer.answer
    assert f"{len(want)}" in answer.answer, answer.answer
