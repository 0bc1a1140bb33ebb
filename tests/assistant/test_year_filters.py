"""'Senza target per il 2027': a field of the indicator rows, filtered on the rows of one year, on
records generated here (some lack a year's row, some a year's target) and on the Roccafelice plan."""
from __future__ import annotations

import pytest

from assistant import Assistant, Message
from assistant.catalog import has_field
from ingest.types import Objective
from tests.assistant.test_understanding import ROCCAFELICE, _generated, _load


def _records() -> list[Objective]:
    out = []
    for i, o in enumerate(_generated(9)):
        rows = list(o.indicatori)
        if i % 3 == 0:
            rows = [r for r in rows if r.anno != 2027]  # no row at all for 2027
        elif i % 4 == 1:
            rows = [r.model_copy(update={"target": None}) if r.anno == 2027 else r for r in rows]  # an empty target
        out.append(o.model_copy(update={"indicatori": rows}))
    return out


@pytest.mark.parametrize("question", [
    "Quali obiettivi non hanno nessun target per il {y}?",
    "Elenca gli obiettivi senza un target nel {y}",
    "ci sono obiettivi privi di target per l'anno {y}?",
])
def test_objectives_without_a_target_in_a_year(question: str) -> None:
    records = _records()
    a = Assistant(records)
    for year in (2026, 2027):
        expected = [o.id for o in records if not has_field(o, "target", year)]
        answer = a.answer([Message(role="user", content=question.format(y=year))])
        assert answer.objective_ids == expected, (year, answer.answer)
        assert not answer.refused


@pytest.mark.skipif(not ROCCAFELICE.exists(), reason="the Roccafelice sample is missing")
def test_the_same_on_another_plan() -> None:
    rocca = _load(ROCCAFELICE)
    answer = Assistant(rocca).answer([Message(role="user", content="Quali schede non hanno target per il 2027?")])
    assert answer.objective_ids == [o.id for o in rocca if not has_field(o, "target", 2027)]


@pytest.mark.parametrize("question", [
    "prenotazione online delle sale civiche: cosa prevede il target del 2025 e quello del 2026?",
    "Per la prenotazione online delle sale civiche, target 2025 e target 2026?",
    "prenotazione online delle sale civiche: confronta i target tra il 2025 e il 2026",
])
def test_every_year_asked_keeps_its_best_rows(question: str) -> None:
    """The 2026 indicator need not repeat the words of the 2025 one that the question names: each year
    asked gets its own row, not only the year whose row holds the question's words."""
    answer = _ask_of_one("Prenotazione online delle sale civiche", [
        (2025, "Sale civiche prenotabili online", "3 sale"),
        (2026, "Apertura serale dello sportello comunale", "2 sere a settimana")], question)
    assert not answer.refused and "3 sale" in answer.answer and "2 sere a settimana" in answer.answer, answer.answer


def _ask_of_one(title: str, rows: list[tuple[int, str, str]], question: str):
    """The answer to a question about a generated objective with this title and these (year, indicator,
    target) rows, among other generated ones."""
    from ingest.types import Indicator  # noqa: PLC0415

    records = _generated(6)
    records[2] = records[2].model_copy(update={"titolo": title, "indicatori": [
        Indicator(anno=year, indicatore=name, target=target) for year, name, target in rows]})
    return Assistant(records).answer([Message(role="user", content=question)])


@pytest.mark.parametrize("question", [
    "Che target ha lo sportello digitale delle pratiche edilizie nel 2026?",
    "sportello digitale delle pratiche edilizie: target 2026?",
    "What is the 2026 target of the sportello digitale delle pratiche edilizie?",
])
def test_rows_are_told_apart_by_what_is_asked_beyond_the_title(question: str) -> None:
    """One indicator repeats the title's words ('pratiche edilizie'), the other does not: a target asked
    of the objective by its name is both indicators' target, not only the one that repeats the name."""
    answer = _ask_of_one("Sportello digitale delle pratiche edilizie", [
        (2026, "Pratiche edilizie presentate allo sportello digitale", "100%"),
        (2026, "Tempo medio di rilascio dei permessi (giorni)", "≤ 50")], question)
    assert not answer.refused and "100%" in answer.answer and "≤ 50" in answer.answer, answer.answer


def test_fields_asked_of_the_one_objective_a_list_reading_finds() -> None:
    """A question read as a list that asks no objectives ('che target ha X per il 2026?' read, unsure, as
    'which objectives have a 2026 target') and finds one objective about its topic: that objective's
    asked field, not its whole summary."""
    from assistant.querying.evidence import gather  # noqa: PLC0415
    from assistant.types import Filters, Plan  # noqa: PLC0415

    records = _generated(6)
    a = Assistant(records)
    state = a.default_scope()
    topic = records[2].titolo.lower()
    plan = Plan(question=f"che target ha {topic} per il 2026?", normalized=topic, intent="list",
                fields=["target"], years=[2026], filters=Filters(text=topic, anno=2026))
    ev = gather(plan, state.catalog, state.retriever, a.lexicon)
    assert ev.kind == "field" and [o.id for o in ev.objectives] == [records[2].id] and ev.fields == ["target"]
    named = gather(plan.model_copy(update={"names_set": True}), state.catalog, state.retriever, a.lexicon)
    assert named.kind != "field"  # 'quali obiettivi ...' asked for objectives: not a field lookup


@pytest.mark.parametrize("question", [
    "A chi è stata data la gestione della mensa scolastica?",
    "La gestione della mensa scolastica a chi è andata?",
    "Chi ha avuto la gestione della mensa scolastica, e per quanto tempo?",
])
def test_what_the_card_does_not_state_is_looked_for_in_the_status(question: str) -> None:
    """A question read as a card field the objective leaves empty (its addressees, say) may be answered by
    the status in other words ('Servizio affidato ... alla cooperativa'): its sentences on the topic."""
    from ingest.types import StatoAttuazione  # noqa: PLC0415

    records = _generated(6)
    records[2] = records[2].model_copy(update={
        "titolo": "Gestione della mensa scolastica", "destinatari": None, "contributor": None,
        "stato_attuazione": StatoAttuazione(data="2025-12-31", testo=(
            "Servizio affidato il 01/09/2025 alla cooperativa Il Girasole per tre anni.\n"
            "Menu rivisti con il pediatra di comunità."))})
    answer = Assistant(records).answer([Message(role="user", content=question)])
    assert answer.objective_ids[:1] == [records[2].id] and "Il Girasole" in answer.answer, answer.answer
    assert any(c.campo == "stato_attuazione" and "Il Girasole" in c.citazione for c in answer.citations)


@pytest.mark.parametrize(("question", "months"), [
    ("Quali obiettivi scadono entro giugno 2026?", (1, 6)),
    ("Which objectives are due between April and September 2026?", (4, 9)),
    ("obiettivi con scadenza nel secondo semestre 2026", (7, 12)),
])
def test_a_target_written_as_a_deadline_is_the_rows_deadline(question: str, months: tuple[int, int]) -> None:
    """A plan with no 'scadenza' column writes its deadlines as targets ('Entro il 30/06/2026'): a list by
    deadline finds them, and quotes the target it read the date from."""
    from ingest.types import Indicator  # noqa: PLC0415

    records = _generated(9)
    due = {}
    for i, month in enumerate([2, 5, 6, 8, 11, 12]):
        day = "28" if month == 2 else "30"
        text = f"Entro il {day}/{month:02d}/2026"
        records[i] = records[i].model_copy(update={"indicatori": [
            *records[i].indicatori, Indicator(anno=2026, indicatore="Approvazione del regolamento", target=text)]})
        due[records[i].id] = (month, text)
    answer = Assistant(records).answer([Message(role="user", content=question)])
    expected = [k for k, (month, _) in due.items() if months[0] <= month <= months[1]]
    assert answer.objective_ids == expected, answer.answer[:400]
    assert all(due[k][1] in answer.answer for k in expected)


@pytest.mark.parametrize("question", ["Entro quando va approvato il regolamento della ludoteca comunale nel 2026?",
                                      "Qual è la scadenza 2026 della nuova ludoteca comunale?",
                                      "When is the 2026 deadline of the ludoteca comunale objective?"])
def test_a_deadline_asked_of_one_objective_is_the_target_written_as_one(question: str) -> None:
    """A plan with no 'scadenza' column: the deadline asked is the target that is one ('Entro il ...')."""
    answer = _ask_of_one("Nuova ludoteca comunale", [
        (2026, "Approvazione del regolamento della ludoteca", "Entro il 31/05/2026"),
        (2026, "Bambini iscritti alla ludoteca", "150")], question)
    assert not answer.refused and "Entro il 31/05/2026" in answer.answer, answer.answer
    assert any(c.campo == "target" and c.citazione == "Entro il 31/05/2026" for c in answer.citations)


@pytest.mark.parametrize(("question", "field"), [
    ("Quali obiettivi citano la {p}?", None), ("Quanti obiettivi parlano della {p}?", None),
    ("Which objectives mention the {p}?", None),
    ("In quali obiettivi lo stato di attuazione menziona la {p}?", "stato_attuazione"),
])
def test_a_phrase_the_records_are_said_to_write_is_found_word_for_word(question: str, field: str | None) -> None:
    """'quali obiettivi citano la Consulta giovani?': what follows a mention verb is a phrase to find as
    if quoted, in the field named after it when one is ('nello stato di attuazione')."""
    from ingest.types import StatoAttuazione  # noqa: PLC0415

    records = _generated(9)
    phrase = "Consulta giovani"
    records[1] = records[1].model_copy(update={"stato_attuazione": StatoAttuazione(
        data="2026-06-30", testo=f"Avviato il tavolo con la {phrase} e le scuole.")})
    records[4] = records[4].model_copy(update={"destinatari": f"Cittadini e {phrase}"})
    records[6] = records[6].model_copy(update={"stato_attuazione": StatoAttuazione(
        data="2026-06-30", testo="Consulta comunale convocata; giovani coinvolti nel progetto.")})
    answer = Assistant(records).answer([Message(role="user", content=question.format(p=phrase))])
    expected = [records[1].id] if field else [records[1].id, records[4].id]
    assert answer.objective_ids == expected, answer.answer[:300]
