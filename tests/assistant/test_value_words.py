"""Words that belong to something else than the field they sound like.

- A classification named in the question is a filter by its value; its words ask no field
  ('classificati come prevenzione della corruzione' asks no anti-corruption link).
- A bound on an amount ('quanti bambini al massimo', 'quanti incontri minimo') asks that amount, not the
  objective of most or least weight.

Proved on Roccafelice's records (one row per objective, no classification) and on a copy of them given
classifications and anti-corruption links that disagree.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"


def _records() -> list[Objective]:
    return [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]


def _cited_titles(answer: str, records: list[Objective]) -> set[str]:
    return {o.id for o in records if o.titolo in answer}


@pytest.fixture(scope="module")
def rocca() -> tuple[Assistant, list[Objective]]:
    records = _records()
    return Assistant(records), records


@pytest.fixture(scope="module")
def classified() -> tuple[Assistant, list[Objective]]:
    """Two objectives classified 'Prevenzione della corruzione' with no anti-corruption link; two others
    with a link and another classification."""
    records = _records()
    by_id = {o.id: o for o in records}
    changes = {
        "area-economico-finanziaria-1": {"classificazione": "Prevenzione della corruzione"},
        "area-tecnica-2": {"classificazione": "Prevenzione della corruzione"},
        "area-amministrativa-e-risorse-umane-2": {"classificazione": "Efficienza",
                                                  "anticorruzione": "Misura di trasparenza del PTPCT"},
        "area-servizi-al-cittadino-1": {"classificazione": "Efficacia",
                                        "anticorruzione": "Rotazione dei controlli"},
    }
    out = [by_id[o.id].model_copy(update=changes.get(o.id, {})) for o in records]
    return Assistant(out), out


@pytest.mark.parametrize("question", [
    "Quali obiettivi sono classificati come prevenzione della corruzione?",
    "quali obiettivi hanno la classificazione prevenzione della corruzione",
    "Elenco degli obiettivi di prevenzione della corruzione",
])
def test_a_classification_named_is_a_filter_by_its_value_only(classified, question):
    assistant, records = classified
    answer = assistant.ask(question).answer
    assert _cited_titles(answer, records) == {"area-economico-finanziaria-1", "area-tecnica-2"}, answer


def test_a_field_named_beside_the_classification_still_filters(classified):
    assistant, records = classified
    answer = assistant.ask("Quali obiettivi hanno un raccordo con il piano anticorruzione?").answer
    assert _cited_titles(answer, records) == {"area-amministrativa-e-risorse-umane-2",
                                              "area-servizi-al-cittadino-1"}, answer


@pytest.mark.parametrize(("question", "objective", "value"), [
    ("nido: quanti bambini al massimo in lista d'attesa nel 2026?", "area-scuola-sport-e-turismo-1", "≤ 8"),
    ("permesso di costruire: in quanti giorni al massimo va rilasciato nel 2026?", "area-tecnica-2", "≤ 50"),
    ("SUE, quante pratiche edilizie digitali minimo nel 2027?", "area-tecnica-2", "100%"),
])
def test_a_bound_on_an_amount_asks_that_amount(rocca, question, objective, value):
    assistant, records = rocca
    answer = assistant.ask(question).answer
    assert "peso" not in answer.lower().split("\n")[0], answer  # no ranking by weight
    assert _cited_titles(answer, records) == {objective}, answer
    assert value in answer, answer


def test_the_superlative_of_the_weights_stays_a_superlative(rocca):
    assistant, _ = rocca
    answer = assistant.ask("Quale obiettivo dell'Area Tecnica pesa di meno?").answer
    assert "20%" in answer and "PEBA" in answer, answer


@pytest.fixture(scope="module")
def with_deadlines() -> tuple[Assistant, list[Objective]]:
    """Roccafelice's records with a deadline column: every row due by the end of its year."""
    records = [o.model_copy(update={"indicatori": [r.model_copy(update={"scadenza": f"31/12/{r.anno}"})
                                                   for r in o.indicatori]}) for o in _records()]
    return Assistant(records), records


def test_a_when_question_gets_the_deadline_and_what_the_status_dates(with_deadlines):
    """'entro quando ...?': the deadline planned, and the status's sentences that date something (when it
    was done or is expected), not its other sentences."""
    from assistant.lexicon import load_lexicon
    from assistant.querying.retrieve import sentences
    from assistant.understanding.dates import parse_deadline

    assistant, records = with_deadlines
    lexicon = load_lexicon()
    checked = 0
    for obj in records:
        status = obj.stato_attuazione.testo if obj.stato_attuazione else ""
        split = sentences(status or "")
        dated = [s for s in split if parse_deadline(s, lexicon)]
        undated = [s for s in split if not re.search(r"\b20\d\d\b", s) and len(s) > 30]  # no year at all
        if not dated or not undated:
            continue
        answer = assistant.ask(f"{obj.titolo.split(':')[0]}: entro quando va fatto?").answer
        assert f"31/12/{obj.indicatori[0].anno}" in answer, answer
        quoted = answer[answer.index("Stato di attuazione"):] if "Stato di attuazione" in answer else ""
        assert any(s[:40] in quoted for s in dated), answer
        assert not any(s[:40] in quoted for s in undated), answer
        checked += 1
    assert checked >= 4


ENGLISH_TOPICS = {"area-scuola-sport-e-turismo-2": "the summer camps", "area-tecnica-4": "the tree census",
                  "area-servizi-al-cittadino-1": "the online change of residence",
                  "area-tecnica-2": "the building permits", "area-amministrativa-e-risorse-umane-1": "transparency"}


@pytest.mark.parametrize("template", ["Has the town reached its 2025 target for {t}?",
                                      "Did {t} reach the 2025 targets?", "{t}: were the 2025 targets reached?"])
def test_a_two_word_field_named_the_other_way_round(rocca, template):
    """'target raggiunto' named as 'raggiunto il target', 'reached its target': the label's two words in the
    other order or apart, in other forms, name the field, and the outcome is judged from the status (a
    status question's reading gives way to it)."""
    assistant, records = rocca
    by_id = {o.id: o for o in records}
    for key, topic in ENGLISH_TOPICS.items():
        assert by_id[key].stato_attuazione is not None
        answer = assistant.ask(template.format(t=topic)).answer
        assert re.search(r"target (?:met|missed)|cannot tell", answer), (topic, answer[:300])


@pytest.fixture(scope="module")
def partly_filled() -> tuple[Assistant, dict[str, set[str]]]:
    """Roccafelice's records with addressees, contributors and a strategic objective on some only; which
    records leave each field empty."""
    records = _records()
    fills = {"destinatari": ("Famiglie residenti", 0, 7), "contributor": ("Ufficio ragioneria", 5, 11),
             "obiettivo_strategico": ("Comune digitale e vicino", 10, 16)}
    out = []
    for i, obj in enumerate(records):
        out.append(obj.model_copy(update={f: v for f, (v, a, b) in fills.items() if a <= i < b}))
    empty = {f: {o.id for o in out if not getattr(o, f)} for f in fills}
    empty["stato_attuazione"] = {o.id for o in out if not (o.stato_attuazione and o.stato_attuazione.testo)}
    return Assistant(out), empty


LABELS = {"destinatari": "i destinatari", "contributor": "il contributor", "obiettivo_strategico": "l'obiettivo strategico",
          "stato_attuazione": "lo stato di attuazione"}


@pytest.mark.parametrize("adjective", ["vuoto", "mancante", "non compilato", "in bianco"])
def test_a_field_said_empty_after_its_name_is_a_filter(partly_filled, adjective):
    """'lo stato di attuazione vuoto', 'i destinatari mancanti': a word after the field saying it is empty
    filters the records leaving it empty (`negations_after`), as 'senza' before it does."""
    assistant, empty = partly_filled
    for name, label in LABELS.items():
        said = adjective if not label.startswith("i ") else {"vuoto": "vuoti", "mancante": "mancanti",
                                                             "non compilato": "non compilati"}.get(adjective, adjective)
        answer = assistant.ask(f"quali obiettivi hanno {label} {said}?")
        assert set(answer.objective_ids) == empty[name], (label, said, answer.answer[:300])


@pytest.mark.parametrize("question", ["obiettivi senza stato di avanzamento", "obiettivi senza stato",
                                      "schede prive di stato di attuazione", "obiettivi senza alcun monitoraggio"])
def test_objectives_without_a_field_read_as_a_lookup_are_a_list(rocca, question):
    """'obiettivi senza stato di avanzamento', which the model may read as a status lookup: objectives named
    and a field some records leave empty said missing make it the list of those records."""
    assistant, records = rocca
    empty = {o.id for o in records if not (o.stato_attuazione and o.stato_attuazione.testo)}
    answer = assistant.ask(question)
    assert set(answer.objective_ids) == empty, answer.answer[:300]


@pytest.mark.parametrize(("status_date", "asked", "refused"), [
    ("2025-12-31", "a metà anno", True), ("2025-12-31", "a fine anno", False),
    ("2025-06-30", "a fine anno", True), ("2025-06-30", "a metà anno", False)])
def test_the_middle_and_the_end_of_a_year_are_monitoring_dates(status_date, asked, refused):
    """'a metà anno', 'a fine anno' name a status date (30 June, 31 December): a status asked at one the
    plan does not report is refused with the date it has. Roccafelice's records, their status dated as given."""
    records = [o.model_copy(update={"stato_attuazione": o.stato_attuazione.model_copy(update={"data": status_date})})
               if o.stato_attuazione else o for o in _records()]
    assistant = Assistant(records)
    reported = [o for o in records if o.stato_attuazione and o.stato_attuazione.testo]
    wrong = [o.id for o in reported
             if assistant.ask(f"{asked} a che punto era l'obiettivo «{o.titolo}»?").refused != refused]
    assert len(wrong) <= 1, wrong


@pytest.mark.parametrize("asked", ["a ottobre 2025 {t} era uscito?", "nel settembre 2025 {t} era finito?"])
def test_a_status_at_a_month_and_year_the_plan_lacks_is_refused(rocca, asked):
    """A status asked at a month of a named year: the year may make the model read a comparison of years,
    and the turn ends a status lookup all the same; the month is its monitoring date, which Roccafelice
    (status at 31/12/2025) does not report."""
    assistant, records = rocca
    reported = [o for o in records if o.stato_attuazione and o.stato_attuazione.testo]
    answered = [o.id for o in reported if not assistant.ask(asked.format(t=o.titolo.split(":")[0].lower())).refused]
    assert len(answered) <= 1, answered


@pytest.mark.parametrize("part", ["nella sezione performance", "nella sezione della performance del PIAO",
                                  "nella sottosezione 2.2"])
def test_the_plan_named_by_its_part_is_no_topic(rocca, part):
    """'quante aree ci sono nella sezione performance?': the words naming the document's performance part
    (`plan_parts`) are no topic, even where records write 'sezione' ('nuova sezione' of the nursery)."""
    assistant, records = rocca
    answer = assistant.ask(f"quante aree ci sono {part}?").answer
    sectors = {o.settore for o in records}
    assert f"{len(records)} in tutto, {len(sectors)} settori" in answer, answer[:200]
