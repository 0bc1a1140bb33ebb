"""A status date's year, field names in quotes or beside a word saying they are empty, and exclusions.

- A year written with the date asked ('al 30/06/2024', 'a giugno 2025') is the status's year too: a status
  the plan reports at another date of the same month is refused with the dates it has; a year named
  elsewhere in the question ('il regolamento del 2019') dates nothing.
- A field's name in quotes ('la colonna "stato di attuazione"') names the field; it is no text to find.
- A word saying a field is empty just before its name ('hanno vuota la casella stato di attuazione') filters
  like 'senza'; the word for the objectives themselves names no field ('ob.' is no 'obiettivo strategico').
- 'Escludendo l'area X' leaves that area out.

Proved on Roccafelice's records (status at 31/12/2025; one objective with an empty status) and a copy of
them whose title names another year.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"
EMPTY_STATUS = {"area-scuola-sport-e-turismo-4"}
WEIGHT_30 = {"area-servizi-al-cittadino-1", "area-servizi-al-cittadino-3", "area-tecnica-1", "area-tecnica-2",
             "area-tecnica-4", "area-economico-finanziaria-2", "area-economico-finanziaria-3",
             "area-amministrativa-e-risorse-umane-3", "area-scuola-sport-e-turismo-1"}


@pytest.fixture(scope="module")
def rocca() -> tuple[Assistant, list[Objective]]:
    records = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    titled = [o.model_copy(update={"titolo": "Aggiornamento del regolamento sulla trasparenza approvato nel 2019"})
              if o.id == "area-amministrativa-e-risorse-umane-1" else o for o in records]
    return Assistant(titled), titled


def _listed(answer: str, records: list[Objective]) -> set[str]:
    return {o.id for o in records if f"«{o.titolo}»" in answer}


@pytest.mark.parametrize("question,refused", [
    ("a che punto era il PEBA a dicembre 2026?", True),
    ("a che punto era il PEBA al 31/12/2024?", True),
    ("com'era il censimento degli alberi al 31 dicembre 2025?", False),
    ("a che punto era al 31/12/2025 il regolamento sulla trasparenza approvato nel 2019?", False),
])
def test_the_year_of_a_status_date(rocca, question: str, refused: bool) -> None:
    answer = rocca[0].ask(question)
    assert answer.refused == refused, answer.answer
    if refused:
        assert "31/12/2025" in answer.answer, answer.answer


@pytest.mark.parametrize("question,expected", [
    ('quali obiettivi hanno la colonna "stato di attuazione" vuota?', EMPTY_STATUS),
    ("quali ob. hanno vuota la casella stato di attuazione?", EMPTY_STATUS),
    ("Escludendo l'area tecnica, quali obiettivi pesano 30%?", WEIGHT_30 - {"area-tecnica-1", "area-tecnica-2",
                                                                            "area-tecnica-4"}),
])
def test_lists_by_a_field_named_or_an_area_left_out(rocca, question: str, expected: set[str]) -> None:
    assistant, records = rocca
    answer = assistant.ask(question).answer
    assert _listed(answer, records) == expected, answer
