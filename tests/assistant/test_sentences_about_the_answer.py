"""A sentence about the answer wanted, after the question, changes neither the filter nor its polarity.

- 'Quali obiettivi sono collegati al PNRR? Li voglio tutti, non solo i primi.': the negation of the second
  sentence (or of a clause naming no field, 'non mi basta qualche esempio') is about the answer, not a field
  said empty: the list is of the objectives that have the field.
- 'Non tralasciarne nessuno', 'non dimenticarne nessuno per favore': a sentence after the question whose
  words the records never use is no topic (no text filter, no refusal).
- A negation in the clause that names the field still makes it empty ('quali obiettivi non hanno il PNRR?
  tutti per favore').

Proved on Roccafelice's records and on a copy of them where two more objectives are linked to the PNRR,
so that no fixed answer can pass; the sentence naming nothing on Casalgrande's (whose objectives all name
their stakeholders).
"""
from __future__ import annotations

import pytest

from assistant import Assistant
from ingest.types import Objective
from tests.assistant.plans import CASALGRANDE, assert_lists, load

LINKED = {"area-tecnica-1", "area-scuola-sport-e-turismo-2"}  # the copy's objectives given a PNRR measure



@pytest.fixture(scope="module")
def plans() -> dict[str, tuple[Assistant, list[Objective]]]:
    records = load()
    linked = [o.model_copy(update={"pnrr": "Sì – M1C1 Investimento 1.2 Abilitazione al cloud"}) if o.id in LINKED
              else o for o in records]
    return {"as is": (Assistant(records), records), "linked": (Assistant(linked), linked)}



def _with_pnrr(records: list[Objective]) -> set[str]:
    return {o.id for o in records if o.pnrr and o.pnrr.strip().lower().startswith("s")}


@pytest.mark.parametrize("which", ["as is", "linked"])
@pytest.mark.parametrize("question", [
    "Quali obiettivi sono collegati al PNRR? Li voglio tutti, non solo i primi.",
    "Elenca gli obiettivi con collegamento al PNRR, non mi basta qualche esempio",
    "Quali obiettivi hanno un collegamento al PNRR? Non tralasciarne nessuno",
    "quali obiettivi hanno il PNRR. non dimenticarne nessuno per favore",
    "Mi dici gli obiettivi legati al PNRR? non ho fretta",
])
def test_a_sentence_about_the_answer_keeps_the_filter(plans, which: str, question: str) -> None:
    assistant, records = plans[which]
    assert_lists(assistant, records, question, _with_pnrr(records))


@pytest.mark.parametrize("which", ["as is", "linked"])
@pytest.mark.parametrize("question", [
    "Quali obiettivi non sono collegati al PNRR? Tutti per favore",
    "quali obiettivi sono senza collegamento PNRR? li voglio tutti",
])
def test_a_negation_beside_the_field_still_empties_it(plans, which: str, question: str) -> None:
    assistant, records = plans[which]
    assert_lists(assistant, records, question, {o.id for o in records} - _with_pnrr(records))


@pytest.fixture(scope="module")
def casalgrande() -> tuple[Assistant, list[Objective]]:
    records = load(CASALGRANDE)
    return Assistant(records), records


@pytest.mark.parametrize("question", [
    "Quali obiettivi hanno dei destinatari indicati? Non saltarne nessuno",
    "quali obiettivi hanno uno stakeholder indicato? non dimenticarne nessuno",
])
def test_a_sentence_naming_nothing_of_the_records_is_no_topic(casalgrande, question: str) -> None:
    assistant, records = casalgrande
    assert_lists(assistant, records, question, {o.id for o in records if o.destinatari})
