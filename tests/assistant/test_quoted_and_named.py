"""Words that name what a record writes, who is asked about, and the unit of the answer.

- A quote with an ellipsis or a placeholder ('"entro il..."', "'entro il <data>'") asks for the words
  written; a single word counts between double quotes; the fields named beside a quote are where it is
  written, not fields that must be filled besides.
- Several people named in a list ('di Carretti e Bondavalli') list the objectives of any of them.
- A sector named as the value of a field that names offices ('come contributor l'Area Tecnica') is what
  that field writes, not the objectives' own sector.
- A question naming euros about one objective is answered from the sentences stating euros, and refused
  when the objective states none, whatever the model read; money the Comune gives to families ('il comune
  dà dei soldi per lo sport?') is a benefit asked, not a budget.
- The word placing a date in its month ('a fine dicembre') is no topic; a deadline asked in a clause of
  its own beside an amount stays asked.

Proved on Roccafelice's records and on copies of them with other contributors and statuses.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.types import Message
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"
DEADLINE_TARGETS = {"area-tecnica-3", "area-economico-finanziaria-2", "area-scuola-sport-e-turismo-1",
                    "area-scuola-sport-e-turismo-3"}  # the objectives with a target written 'Entro il ...'


def _records() -> list[Objective]:
    return [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]


def _listed(answer: str, records: list[Objective]) -> set[str]:
    return {o.id for o in records if f"«{o.titolo}»" in answer}


@pytest.fixture(scope="module")
def rocca() -> tuple[Assistant, list[Objective]]:
    records = _records()
    return Assistant(records), records


@pytest.fixture(scope="module")
def edited() -> tuple[Assistant, list[Objective]]:
    """Two objectives of other areas give the Area Tecnica as contributor; the advertising census's status
    states its revenue in euro; one status holds a phrase no other record writes."""
    records = _records()
    status = {o.id: o.stato_attuazione for o in records}
    census = status["area-economico-finanziaria-3"]
    trees = status["area-tecnica-4"]
    changes = {
        "area-servizi-al-cittadino-1": {"contributor": "Area Tecnica (ufficio informatico)"},
        "area-scuola-sport-e-turismo-4": {"contributor": "Area Tecnica"},
        "area-tecnica-2": {"contributor": "Area Economico-Finanziaria"},
        "area-economico-finanziaria-3": {"stato_attuazione": census.model_copy(
            update={"testo": census.testo + " Introito 2025 del canone: € 48.200."})},
        "area-tecnica-4": {"stato_attuazione": trees.model_copy(
            update={"testo": trees.testo + " Impianto di irrigazione in fase di collaudo."})},
    }
    out = [o.model_copy(update=changes.get(o.id, {})) for o in records]
    return Assistant(out), out


ONLINE = {"area-servizi-al-cittadino-1", "area-servizi-al-cittadino-4", "area-scuola-sport-e-turismo-1"}
FINANCE = {"area-economico-finanziaria-1", "area-economico-finanziaria-2", "area-economico-finanziaria-3"}
TECH_AS_CONTRIBUTOR = {"area-servizi-al-cittadino-1", "area-scuola-sport-e-turismo-4"}


@pytest.mark.parametrize("plan,question,expected", [
    # a quote with a gap: the words written between ellipses and placeholders
    ("rocca", 'Quali obiettivi hanno target espressi come una scadenza ("entro il...") invece che come numero?',
     DEADLINE_TARGETS),
    ("rocca", "quali obiettivi hanno un target formulato come '... entro il <data>'?", DEADLINE_TARGETS),
    ("rocca", 'which objectives have targets written as "entro il …"?', DEADLINE_TARGETS),
    ("rocca", 'quali obiettivi hanno target "entro il [data]"?', DEADLINE_TARGETS),
    # a single word, or words after a noun introducing them as written
    ("edited", 'quali obiettivi riportano la parola "online"?', ONLINE),
    ("edited", "quali obiettivi usano il termine collaudo?", {"area-tecnica-4"}),
    ("edited", 'in quali obiettivi lo stato riporta "in fase di collaudo..."?', {"area-tecnica-4"}),
    # several people: the objectives of any of them
    ("rocca", "elenco ob. in capo a Carretti e Bondavalli", FINANCE),
    ("rocca", "quanti obiettivi hanno Carretti e Bondavalli?", FINANCE),
    ("rocca", "which objectives are assigned to Carretti or Bondavalli?", FINANCE),
    # a sector named as a contributor is that field's value; 'dell'area' keeps it the objectives' own
    ("edited", "quali obiettivi indicano come contributor l'Area Tecnica?", TECH_AS_CONTRIBUTOR),
    ("edited", "in quali obiettivi l'area tecnica compare tra i contributor?", TECH_AS_CONTRIBUTOR),
    ("edited", "which objectives list the technical area as a contributor?", TECH_AS_CONTRIBUTOR),
    ("edited", "quali obiettivi dell'area tecnica hanno un contributor?", {"area-tecnica-2"}),
])
def test_lists_of_what_is_written_and_of_whom(request, plan: str, question: str, expected: set[str]) -> None:
    assistant, records = request.getfixturevalue(plan)
    answer = assistant.ask(question).answer
    assert _listed(answer, records) == expected, answer


@pytest.mark.parametrize("question", [
    "Introito 2025 del canone unico dai mezzi pubblicitari censiti, in euro?",
    "quanti euro ha portato il censimento dei mezzi pubblicitari?",
])
def test_euros_asked_are_quoted_where_stated_and_refused_where_not(rocca, edited, question: str) -> None:
    assert "48.200" in edited[0].ask(question).answer
    plain = rocca[0].ask(question)
    assert plain.refused and "importi" in plain.answer, plain.answer


CASALGRANDE = ROOT / "samples" / "piao_casalgrande_2023_performance.gold.json"


@pytest.mark.parametrize("path,first,then,expected", [
    (ROCCAFELICE, "chi segue il censimento degli alberi?", "e a che punto era a fine dicembre?", "area-tecnica-4"),
    (CASALGRANDE, "il nido cremaschi è stato messo in sicurezza?", "e a che punto era a fine giugno?",
     "lavori-pubblici-1"),  # 'fine' is no topic to find 'economico-finanziaria' by
    (CASALGRANDE, "chi segue la messa in sicurezza del nido Cremaschi?", "and its status at the end of June?",
     "lavori-pubblici-1"),
])
def test_the_place_of_a_month_is_no_topic(path: Path, first: str, then: str, expected: str) -> None:
    assistant = Assistant([Objective.model_validate(r) for r in json.loads(path.read_text(encoding="utf-8"))])
    messages = [Message(role="user", content=first)]
    messages.append(Message(role="assistant", content=assistant.answer(messages).answer))
    messages.append(Message(role="user", content=then))
    answer = assistant.answer(messages)
    assert answer.objective_ids == [expected], answer.answer


@pytest.mark.parametrize("question", [
    "quanti alberi nuovi vanno piantati, e entro quando?",
    "how many new trees will be planted, and by what date?",
    "Wie viele neue Bäume werden gepflanzt, und bis wann?",
])
def test_a_deadline_asked_beside_an_amount_stays_asked(rocca, question: str) -> None:
    plan, _ = rocca[0].plan([Message(role="user", content=question)])
    assert plan.amount is not None and "scadenza" in plan.fields and "target" in plan.fields, plan


@pytest.mark.parametrize("question", [
    "mia nipote fa nuoto ma costa tanto il comune da dei soldi alle famiglie per lo sport dei ragazzi",
    "lo sport per i ragazzi costa troppo, il comune da soldi alle famiglie?",
])
def test_money_given_to_families_is_a_benefit_not_a_budget(rocca, question: str) -> None:
    answer = rocca[0].ask(question, mode="citizen")
    assert not answer.refused and "Dote sport" in answer.answer, answer.answer
