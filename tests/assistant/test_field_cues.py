"""Field cues: the longest cue wins; an empty field is 'the plan does not say'; status wordings."""
import pytest

from assistant import Assistant
from assistant.lexicon import load_lexicon
from assistant.types import Message
from assistant.understanding.plan import named_fields
from ingest.text import norm


@pytest.fixture(scope="module")
def assistant(gold_records):
    return Assistant(gold_records)


def ask(assistant, question):
    return assistant.answer([Message(role="user", content=question)])


def test_a_field_label_inside_a_longer_label_does_not_count():
    lexicon = load_lexicon()
    assert named_fields(norm("qual è il target intermedio del sito web?"), lexicon) == ["target_intermedio"]
    assert set(named_fields(norm("il target e il target raggiunto"), lexicon)) == {"target", "target_raggiunto"}


def test_an_empty_field_is_refused_and_names_the_objective(assistant):
    answer = ask(assistant, "Qual è il target intermedio del nuovo sito web istituzionale?")
    assert answer.refused and answer.objective_ids == ["affari-generali-1"]
    assert "target intermedio" in answer.answer


def test_one_empty_field_among_asked_ones_is_not_a_refusal(assistant):
    answer = ask(assistant, "Qual è il target e il target raggiunto della notte bianca?")
    assert not answer.refused and "500 sedute" in answer.answer


@pytest.mark.parametrize("question", ["Come procede il riesame dei controlli interni?",
                                      "Come sta andando il riesame dei controlli interni?",
                                      "Il Regolamento dei controlli interni è stato aggiornato?"])
def test_progress_wordings_ask_for_the_status(assistant, question):
    answer = ask(assistant, question)
    assert "Obiettivo in corso di realizzazione" in answer.answer
    assert any(c.campo == "stato_attuazione" for c in answer.citations)


def test_staff_numbers_are_not_in_the_plan(assistant):
    answer = ask(assistant, "Quanti dipendenti ha il Comune?")
    assert answer.refused and not answer.citations


def test_a_verb_yields_to_a_named_field(assistant):
    question = "che misura anticorruzione è prevista per la notte bianca?"
    plan, _ = assistant.plan([Message(role="user", content=question)])
    assert "anticorruzione" in plan.fields and "target" not in plan.fields
    assert "raccordo con il Piano anticorruzione" in ask(assistant, question).answer


def test_comparing_two_years_shows_the_years_between(assistant):
    answer = ask(assistant, "Come cambia il target delle iniziative sulla legalità tra 2023 e 2025?")
    assert {c.anno for c in answer.citations if c.campo == "target"} == {2023, 2024, 2025}


@pytest.mark.parametrize("question", ["Chi sta seguendo la pratica del nuovo tesoriere?",
                                      "Chi coordina la transizione al nuovo tesoriere?"])
def test_wordings_for_the_person_responsible(assistant, question):
    answer = ask(assistant, question)
    assert answer.objective_ids == ["finanziario-1"] and "Responsabile Settore Finanziario" in answer.answer
