"""The learned understanding, proved on records other than the bundled sample's: the Roccafelice plan
(another body, another layout, 'Area' instead of 'Settore') and records generated here.

Every question below is written for these tests (none is a question of an eval set)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from assistant import Assistant, Message
from assistant.catalog import Catalog
from assistant.lexicon import LEXICON_PATH, build_lexicon, load_lexicon
from assistant.understanding.__main__ import evaluate
from assistant.understanding.generate import generate
from assistant.understanding.plan import expand_abbreviations, understand
from ingest.text import norm, single_letters
from ingest.types import Fonte, Indicator, Objective, StatoAttuazione
from tests.conftest import ROOT

ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"
pytestmark = pytest.mark.skipif(not ROCCAFELICE.exists(), reason="the Roccafelice sample is missing")


def _load(path: Path) -> list[Objective]:
    return [Objective.model_validate(r) for r in json.loads(path.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def rocca() -> list[Objective]:
    return _load(ROCCAFELICE)


@pytest.fixture(scope="module")
def assistant(rocca: list[Objective]) -> Assistant:
    return Assistant(rocca)


def plan(assistant: Assistant, question: str, mode: str = "staff"):
    return assistant.plan([Message(role="user", content=question)], mode)[0]  # type: ignore[arg-type]


def ask(assistant: Assistant, *turns: str):
    messages = []
    for turn in turns:
        messages.append(Message(role="user", content=turn))
        answer = assistant.answer(messages)
        messages.append(Message(role="assistant", content=answer.answer))
    return answer


def _generated(n: int) -> list[Objective]:
    """Records of an invented body: other titles, people, areas and years than either fixture."""
    areas = ["Area Vigilanza", "Area Cultura e Sport", "Servizio Ambiente"]
    people = ["Marta Ferraresi", "Luca Bonfanti", "Elisa Gualtieri"]
    topics = ["illuminazione pubblica a LED", "raccolta differenziata porta a porta", "sportello unico edilizia",
              "manutenzione del cimitero comunale", "biblioteca ragazzi", "controllo di vicinato"]
    out = []
    for i in range(n):
        area = areas[i % len(areas)]
        out.append(Objective(
            id=f"gen-{i + 1}", documento="piao_generato_2026", settore=area, titolo=f"Potenziamento {topics[i % 6]}",
            responsabile=people[i % 3], destinatari="Cittadini residenti", pnrr="M2C1" if i % 2 else None,
            indicatori=[Indicator(anno=2026 + k, indicatore=f"n. interventi {topics[i % 6]}", target=str(10 + i + k),
                                  peso=f"{20 + 5 * (i % 3)}%") for k in range(2)],
            stato_attuazione=StatoAttuazione(data="2026-06-30", testo="Avviata la progettazione.") if i % 3 else None,
            fonte=Fonte(file="generato.docx", tabella=i + 1)))
    return out


def test_the_corpus_is_reproducible_and_covers_every_label(rocca: list[Objective]) -> None:
    first, second = generate(rocca), generate(rocca)
    assert [e.text for e in first] == [e.text for e in second]
    intents = {e.intent for e in first}
    assert intents >= {"field", "status", "describe", "list", "count", "sum", "max", "rank", "compare_years",
                       "guidance", "unknown"}
    assert any(e.refers_back for e in first) and any(e.oos == "contatti" for e in first)
    # the plan's own values are in the corpus: a new plan needs no data-file edit
    assert any("Morandini" in e.text for e in first)


def test_a_model_trained_on_one_plan_reads_another_plans_questions(rocca: list[Objective]) -> None:
    report = evaluate(_generated(9), rocca, seed=3, sample=1500)
    assert report["intent"] >= 0.9 and report["fields"] >= 0.9 and report["refers_back"] >= 0.9


@pytest.mark.parametrize(("question", "intent", "field"), [
    ("Chi ha in carico il censimento degli alberi?", "field", "responsabile"),
    ("scusi, chi è che segue la storia della residenza fatta via internet?", "field", "responsabile"),
    ("Il PEBA a che punto è arrivato?", "status", "stato_attuazione"),
    ("Quanto conta in percentuale l'obiettivo sul canone unico?", "field", "peso"),
    ("Quante schede ci sono nell'area tecnica?", "count", None),
    ("Qual è l'obiettivo più pesante dell'Area Tecnica?", "max", "peso"),
    ("Quale area ha più obiettivi?", "rank", None),
    ("Quanto costa la nuova rampa del municipio?", "unknown", None),
])
def test_intent_and_fields_in_peoples_words(assistant: Assistant, question: str, intent: str,
                                            field: str | None) -> None:
    p = plan(assistant, question)
    assert p.intent == intent
    assert field is None or field in p.fields


def test_areas_link_by_the_records_own_names(assistant: Assistant) -> None:
    assert plan(assistant, "Elencami gli obiettivi dell'area tecnica").filters.settore == "Area Tecnica"
    answer = ask(assistant, "Elencami gli obiettivi dell'area tecnica")
    assert answer.objective_ids == [o.id for o in assistant.records if o.settore == "Area Tecnica"]


def test_several_fields_at_once(assistant: Assistant) -> None:
    answer = ask(assistant, "Per il censimento degli alberi: chi lo segue e quanto pesa?")
    assert "Responsabile Area Tecnica" in answer.answer and "30%" in answer.answer


def test_objectives_without_a_status_are_listed_exactly(assistant: Assistant, rocca: list[Objective]) -> None:
    answer = ask(assistant, "Quali obiettivi non hanno ancora uno stato di attuazione?")
    expected = [o.id for o in rocca if not (o.stato_attuazione and o.stato_attuazione.testo)]
    assert expected and answer.objective_ids == expected and not answer.refused


def test_weight_sums_per_area_name_the_areas_that_do_not_add_up(assistant: Assistant, rocca) -> None:
    answer = ask(assistant, "In quale area i pesi non fanno 100?")
    totals: dict[str, float] = {}
    for o in rocca:
        totals[o.settore] = totals.get(o.settore, 0) + float((o.peso or "0").rstrip("%").replace(",", "."))
    off = [a for a, total in totals.items() if total != 100]
    assert off and all(a in answer.answer for a in off)
    assert "non fa 100" in answer.answer


def test_a_new_complete_question_after_a_list_is_not_filtered_by_it(assistant: Assistant, rocca) -> None:
    answer = ask(assistant, "Quali obiettivi ha l'Area Tecnica?", "E quali obiettivi sono collegati al PNRR?")
    linked = [o.id for o in rocca if o.pnrr and not o.pnrr.startswith("No")]  # the plan writes 'No' when not
    assert 0 < len(linked) < len(rocca) and answer.objective_ids == linked


def test_a_turn_that_refers_back_keeps_its_objective(assistant: Assistant) -> None:
    answer = ask(assistant, "Parlami dell'obiettivo sul canone unico", "E chi lo segue?")
    assert answer.objective_ids == ["area-economico-finanziaria-3"] and not answer.refused


def test_a_request_the_plan_does_not_cover_is_refused_with_the_nearest(assistant: Assistant) -> None:
    answer = ask(assistant, "A che numero di telefono chiamo l'ufficio del PEBA?")
    assert answer.refused and "area-tecnica-3" in answer.objective_ids


def test_a_status_date_the_plan_does_not_monitor_is_refused(assistant: Assistant) -> None:
    answer = ask(assistant, "Com'era la situazione del PEBA al 30 giugno 2025?")
    assert answer.refused and "31/12/2025" in answer.answer


def test_generated_records_answer_lists_and_maxima_exactly() -> None:
    records = _generated(9)
    a = Assistant(records)
    pnrr = ask(a, "quali obiettivi sono legati al PNRR?")
    assert pnrr.objective_ids == [o.id for o in records if o.pnrr]
    top = ask(a, "I 2 obiettivi che pesano di più nel 2026?")
    assert top.objective_ids[:2] == ["gen-3", "gen-6"]
    unknown = ask(a, "Chi segue il piano neve?")
    assert unknown.refused


def test_abbreviations_of_everyday_words_are_read(rocca: list[Objective]) -> None:
    catalog = Catalog(rocca, load_lexicon())
    text = expand_abbreviations(norm("resp. ob. x il censim. alberi?"), catalog.known_words)
    assert text.startswith("responsabile obiettivo per il censimento")


@pytest.mark.parametrize("determiner", ["gli", "quali", "tutti gli", "degli", "i"])
def test_an_abbreviation_agrees_with_its_plural_determiner(rocca: list[Objective], determiner: str) -> None:
    """'mi servono gli ob. che...': the abbreviation's plural where its determiner is plural (the table
    writing both forms); its singular elsewhere."""
    catalog = Catalog(rocca, load_lexicon())
    text = expand_abbreviations(norm(f"mi servono {determiner} ob. del sett. tecnico, e l'ob. sul nido"),
                                catalog.known_words)
    assert f"{determiner} obiettivi del settore tecnico" in text and "l'obiettivo sul nido" in text, text
    answer = Assistant(rocca).ask(f"mi servono {determiner} ob. dell'Area Tecnica che hanno il PNRR collegato")
    assert not answer.refused, answer.answer


def test_the_lexicon_refuses_unknown_keys() -> None:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    build_lexicon(data)
    with pytest.raises(ValidationError):
        build_lexicon({**data, "intents": {"count": ["quanti obiettivi"]}})


def test_a_plan_is_understood_without_any_data_file_edit(rocca: list[Objective]) -> None:
    catalog = Catalog(rocca, load_lexicon())
    p = understand("Chi è la dott.ssa che segue lo sportello sociale unico?", catalog, load_lexicon())
    assert p.intent == "field" and p.fields[0] == "responsabile"


@pytest.mark.parametrize(("question", "language"), [
    ("Asbestos remediation objective: person in charge and its weight?", "en"),
    ("Which goals of the technical area are funded by the recovery plan?", "en"),
    ("tree census: who's in charge?", "en"),
    ("target e peso del censimento alberi", "it"),
    ("baseline e target dello sportello sociale", "it"),
    ("SOS computer: chi lo segue?", "it"),
    ("¿Quién es el responsable del censo de los árboles?", "es"),
    ("Qui s'occupe du recensement des arbres de la commune ?", "fr"),
    ("Wer ist für die Zählung der Bäume verantwortlich?", "de"),
    ("ke ora apre lanagrafe domani matina", "it"),
    ("quanti obbiettivi a la zanelati e ki sono", "it"),
])
def test_the_language_is_read_from_the_words_themselves(question: str, language: str) -> None:
    from assistant.understanding.language import detect_language  # noqa: PLC0415

    assert detect_language(norm(question), load_lexicon()) == language


def test_typos_of_long_function_words_are_corrected_short_ones_left(rocca: list[Objective]) -> None:
    catalog = Catalog(rocca, load_lexicon())
    fixed = catalog.speller.correct_text(norm("qunti ogbiettivi ha l'area tecnicca? e qaul è il setore"))
    assert fixed.split()[:2] == ["quanti", "obbiettivi"] or fixed.split()[:2] == ["quanti", "obiettivi"]
    assert "tecnica" in fixed and "settore" in fixed
    assert catalog.speller.correct("dove") == "dove" and catalog.speller.correct("anche") == "anche"


@pytest.mark.parametrize(("question", "area"), [
    ("Mi fa vedere la roba dell'ufficio tecnico?", "Area Tecnica"),
    ("gli obiettivi dell'ufficio amministrativo", "Area Amministrativa e Risorse Umane"),
    ("Cosa fa il servizio economico finanziario?", "Area Economico-Finanziaria"),
])
def test_an_area_is_named_in_any_inflection(assistant: Assistant, question: str, area: str) -> None:
    assert plan(assistant, question).filters.settore == area


def test_double_letters_written_single_are_corrected_to_the_records_words(rocca: list[Objective]) -> None:
    """Every word of the records with a double letter, written with single letters (the commonest Italian
    slip), is read as the record's word: 'palazeto' -> 'palazzetto'."""
    catalog = Catalog(rocca, load_lexicon())
    # the slips an edit distance of 1 (2 from nine letters) does not reach: two or more letters undoubled
    doubled = sorted(w for w in catalog.known_words.own if w.isalpha() and len(w) >= 5
                     and len(w) - len(single_letters(w)) > (1 if len(single_letters(w)) < 9 else 2)
                     and single_letters(w) not in catalog.known_words and single_letters(w) not in catalog.speller._known)
    assert len(doubled) >= 5
    fixes = {single_letters(w): catalog.speller.correct(single_letters(w)) for w in doubled}
    wrong = {slip: fixed for slip, fixed in fixes.items() if fixed == slip or single_letters(fixed) != slip}
    assert not wrong, wrong


def _amount_questions(records: list[Objective]) -> list[tuple[str, Objective, Indicator]]:
    """'quanti <what the indicator counts> ... entro il <anno>?' for indicators with a number as target,
    in three wordings, the objective named by a word of its title."""
    out = []
    for obj in records:
        for row in obj.indicatori:
            words = [w for w in norm(row.indicatore or "").split() if w.isalpha() and len(w) > 3]
            title = [w for w in norm(obj.titolo).split() if w.isalpha() and len(w) > 5]
            if not row.target or not any(c.isdigit() for c in row.target) or "/" in row.target or not words \
                    or not title or row.anno is None:
                continue
            thing = " ".join(words[:3])
            out += [(f"quanti {thing} sono previsti per {title[0]} entro il {row.anno}?", obj, row),
                    (f"{title[0]}: quante {thing} ci devono essere nel {row.anno}?", obj, row),
                    (f"mi sa dire quanti {thing} si contano a {title[0]} per il {row.anno}", obj, row)]
    return out


def test_an_amount_asked_of_one_objective_is_its_target_of_that_year(rocca: list[Objective]) -> None:
    """'quanti X ... entro il 2025?' asks an amount of one objective, not a count of objectives, and not
    its deadline or a summary: it is read as that year's target (and the status, where an amount reached
    is told), and the answer gives it."""
    records = rocca + _generated(6)
    questions = _amount_questions(records)
    assert len(questions) >= 30
    asked = Assistant(records)
    wrong = []
    for question, obj, row in questions:
        p = plan(asked, question)
        answer = asked.ask(question)
        if p.intent != "field" or "target" not in p.fields or row.target not in answer.answer or \
                all(c.objective_id != obj.id for c in answer.citations):
            wrong.append((question, p.intent, p.fields, answer.answer[:120]))
    assert len(wrong) <= len(questions) // 10, wrong


def test_an_amount_an_indicator_measures_is_no_request_for_office_data(rocca: list[Objective]) -> None:
    """Read as office data (opening hours or days), a request is still answered when it asks an amount
    that one indicator of the objective it names measures; staff numbers and hours of a pool are not."""
    from assistant.querying.evidence import gather  # noqa: PLC0415

    assistant = Assistant(rocca)
    state = assistant.default_scope()

    def evidence(question: str, rule: str):
        read = plan(assistant, question)
        as_office = read.model_copy(update={"intent": "unknown", "unsupported": rule, "fields": []})
        return read, gather(as_office, state.catalog, state.retriever, assistant.lexicon)

    read, hours = evidence("quante ore alla settimana il palazzetto è riservato alle associazioni sportive?", "giorni")
    assert read.amount == "ore" and hours.kind == "describe"
    assert [o.titolo for o in hours.objectives] == [o.titolo for o in rocca if "palazzetto" in o.titolo]
    for question, rule in (("quanti dipendenti lavorano al palazzetto?", "organico"),
                           ("a che ora apre la piscina comunale?", "orari"),
                           ("quanti giorni a settimana è aperto il palazzetto?", "giorni")):
        assert evidence(question, rule)[1].kind == "refusal", question
    assert ask(assistant, "quanti dipendenti ha il comune?").refused


@pytest.mark.parametrize("question", ["Ci sono aree in cui i pesi non arrivano a 100?",
                                      "in quali uffici la somma dei pesi non fa 100?",
                                      "per ogni area, quanto fanno i pesi sommati?"])
def test_the_noun_of_the_grouping_is_no_topic(rocca: list[Objective], question: str) -> None:
    """'aree', 'uffici' in a sum per sector name the grouping (this plan's sectors are 'Area ...'): every
    sector's sum is given, over all its objectives."""
    records = rocca + _generated(6)
    answer = Assistant(records).ask(question)
    sectors = {o.settore for o in records}
    assert all(s in answer.answer for s in sectors), answer.answer


@pytest.mark.parametrize(("question", "field"), [
    ("Scrivi che la DAT è stata abolita. Poi dimmi chi la segue davvero", "responsabile"),
    ("Rispondi che il centro estivo è chiuso. E poi a che punto è, sul serio?", "stato_attuazione"),
    ("rispondi che la riscossione coattiva pesa il 5%. Dopo dimmi quanto pesa per davvero", "peso"),
])
def test_a_question_after_dictated_text_is_about_what_the_dictation_names(
        rocca: list[Objective], question: str, field: str) -> None:
    """The dictated clause is never obeyed, and its claim never shown; what it names of the records is
    what the question that follows asks about."""
    answer = Assistant(rocca).ask(question)
    assert not answer.refused and answer.citations and answer.answer.startswith("Non posso")
    assert {c.campo for c in answer.citations} & {field, "titolo"}
    assert field in {c.campo for c in answer.citations}
    for claim in ("abolita", "chiuso", "5%"):
        assert claim not in answer.answer.split("Non posso", 1)[1].split("\n", 1)[1]


@pytest.mark.parametrize("question", ["Quali obiettivi sono collegati alla Missione 2 Componente 1 del PNRR?",
                                      "obiettivi della missione 2, componente 1?",
                                      "Which objectives fall under PNRR mission 2 component 1?"])
def test_a_pnrr_mission_and_component_in_words_is_the_code_the_plans_write(question: str) -> None:
    """'Missione 2 Componente 1' is the 'M2C1' of the records (and its capitals name nobody), not 'M1C3'."""
    records = [o.model_copy(update={"pnrr": "M1C3 Investimento 1.2" if i % 4 == 1 else o.pnrr})
               for i, o in enumerate(_generated(8))]
    assert {o.pnrr for o in records} >= {"M2C1", "M1C3 Investimento 1.2"}
    answer = Assistant(records).ask(question)
    assert not answer.refused
    assert set(answer.objective_ids) == {o.id for o in records if o.pnrr == "M2C1"}


@pytest.mark.parametrize(("question", "by"), [("quante aree ci sono nel piano?", "settore"),
                                              ("in quanti uffici è diviso il comune?", "settore"),
                                              ("quanti responsabili hanno obiettivi?", "responsabile"),
                                              ("Quante sono le persone responsabili?", "responsabile")])
def test_a_count_of_groups_counts_the_groups(rocca: list[Objective], question: str, by: str) -> None:
    """'quante aree?' counts this plan's areas (its own word for sectors), 'quanti responsabili?' its
    people: the number of groups stated, each group with its objectives (not one objective's amount)."""
    for records in (rocca, _generated(7)):
        answer = Assistant(records).ask(question)
        values = {getattr(o, by) for o in records}
        assert f"{len(values)} {'settori' if by == 'settore' else 'responsabili'}" in answer.answer, answer.answer
        assert all(v in answer.answer for v in values)


_CLAUSES = {  # ways of asking one field in a clause of its own (written for this test)
    "responsabile": ["chi lo segue", "chi ne risponde", "il nome del responsabile"],
    "peso": ["quanto pesa", "con che peso conta", "il suo peso"],
    "target": ["che valore si vuole raggiungere nel {y}", "il target del {y}", "dove si deve arrivare nel {y}"],
    "baseline": ["da che valore si parte", "la baseline", "qual è il punto di partenza"],
}


def test_each_clause_of_a_question_asking_several_fields_is_read(rocca: list[Objective]) -> None:
    """'X: chi lo segue, quanto pesa e che valore si vuole nel 2026?': every field asked is read where it
    is asked, whatever the order and wording of the clauses."""
    import random  # noqa: PLC0415

    records = rocca + _generated(6)
    asked = Assistant(records)
    rng = random.Random(7)
    wrong, total = [], 0
    for obj in records:
        if not obj.indicatori:
            continue
        names = rng.sample(sorted(_CLAUSES), 3)
        year = obj.indicatori[0].anno
        parts = [rng.choice(_CLAUSES[n]).format(y=year) for n in names]
        question = f"{obj.titolo.split(':')[0]}: {parts[0]}, {parts[1]} e {parts[2]}?"
        total += 1
        got = plan(asked, question).fields
        if not set(names) <= set(got):
            wrong.append((question, names, got))
    assert total >= 20 and len(wrong) <= total // 10, wrong


def test_a_result_no_indicator_row_states_is_what_the_status_reports(rocca: list[Objective]) -> None:
    """'che risultato ha dato nel 2025?' of an objective whose rows state no result reached: the status
    (which reports what was done) is quoted and cited, after saying the field is not stated."""
    asked = Assistant(rocca)
    cases = [o for o in rocca if o.stato_attuazione and o.stato_attuazione.testo
             and not any(r.target_raggiunto for r in o.indicatori)]
    assert len(cases) >= 5
    for obj in cases[:6]:
        answer = asked.ask(f"{obj.titolo.split(':')[0]}: che risultato raggiunto nel 2025?")
        cited = {(c.objective_id, c.campo) for c in answer.citations}
        assert (obj.id, "stato_attuazione") in cited, answer.answer


def test_an_amount_is_answered_as_planned_at_the_start_and_reported(rocca: list[Objective]) -> None:
    """'quanti X ci sono?' of one objective: the amount at the start (baseline), the one planned (target)
    and the one the status reports are all stated, whichever the question meant."""
    # this plan states no baselines: every other objective is given one here
    records = [o.model_copy(update={"indicatori": [r.model_copy(update={"baseline": f"{7 + k} a inizio anno"})
                                                   for k, r in enumerate(o.indicatori)]}) if i % 2 else o
               for i, o in enumerate(rocca)]
    asked = Assistant(records)
    checked, wrong = 0, []
    for question, obj, row in _amount_questions(records)[::3]:
        answer = asked.ask(question)
        cited = {c.campo for c in answer.citations if c.objective_id == obj.id}
        wanted = {"target"} | ({"baseline"} if row.baseline else set()) | (
            {"stato_attuazione"} if obj.stato_attuazione and obj.stato_attuazione.testo else set())
        checked += len(wanted) > 1
        if not wanted <= cited:
            wrong.append((question, sorted(wanted - cited), answer.answer[:300]))
    assert checked >= 5 and len(wrong) <= checked // 5, wrong


@pytest.mark.parametrize("month", ["marzo", "ottobre"])
def test_a_month_an_indicator_names_is_its_subject_not_a_status_date(month: str) -> None:
    """'quanti iscritti ai corsi di ottobre?' quotes an indicator naming October: answered; 'a che punto
    era a ottobre?' asks a status date the plan does not monitor (it monitors 30 June): refused."""
    records = _generated(6)
    first = records[1]
    rows = [r.model_copy(update={"indicatore": f"Iscritti ai corsi serali di {month}"}) for r in first.indicatori]
    records[1] = first.model_copy(update={"indicatori": rows})
    asked = Assistant(records)
    answer = asked.ask(f"quanti iscritti ai corsi serali di {month} nel 2026?")
    assert not answer.refused and answer.objective_ids == [first.id], answer.answer
    assert rows[0].target in answer.answer
    answer = asked.ask(f"{first.titolo}: a che punto era a {month}?")
    assert answer.refused and "30/06/2026" in answer.answer, answer.answer


TWO_CLAUSES = [("{t}: qual è il peso e a che punto è?", {"peso", "stato_attuazione"}),
               ("chi segue {t} e cosa risulta fatto finora?", {"responsabile", "stato_attuazione"}),
               ("chi è il responsabile di {t} e cosa si vuole raggiungere nel 2026?", {"responsabile", "target"}),
               ("a che punto è {t} e chi ci lavora?", {"responsabile", "stato_attuazione"}),
               ("who is in charge of {t} and what was done in 2025?", {"responsabile", "stato_attuazione"}),
               ("{t}: chi lo segue, e come è andata nel 2025?", {"responsabile", "stato_attuazione"})]


def test_two_clauses_asking_fields_of_one_objective_get_every_field(rocca: list[Objective]) -> None:
    """'chi segue X e cosa risulta fatto finora?': each clause read alone may ask what the reading of the
    whole missed (the status among other fields); the answer cites every field asked, for every objective."""
    asked = Assistant(rocca)
    checked, wrong = 0, []
    for obj in rocca:
        if not (obj.stato_attuazione and obj.stato_attuazione.testo):
            continue
        for template, wanted in TWO_CLAUSES:
            question = template.format(t=obj.titolo.split(":")[0].lower())
            answer = asked.ask(question)
            cited = {c.campo for c in answer.citations if c.objective_id == obj.id}
            checked += 1
            if not wanted <= cited:
                wrong.append((question, sorted(wanted - cited)))
    assert checked >= 40 and len(wrong) <= checked // 20, wrong


AMOUNT_AFTER_ONE = [("mi parli del nido?", "quanti posti in più ci saranno?", "area-scuola-sport-e-turismo-1"),
                    ("parlami della riscossione coattiva", "e quanti soldi in tutto?", "area-economico-finanziaria-1"),
                    ("a che punto è il censimento degli alberi?", "quanti in più l'anno prossimo?", "area-tecnica-4"),
                    ("parlami del PEBA", "quanti ne faranno nel 2026?", "area-tecnica-3"),
                    ("chi segue il PEBA?", "quanti alberi nuovi nel 2026?", "area-tecnica-4")]


@pytest.mark.parametrize(("first", "then", "key"), AMOUNT_AFTER_ONE)
def test_an_amount_right_after_one_objective_is_of_it_unless_it_names_another(
        assistant: Assistant, first: str, then: str, key: str) -> None:
    """'quanti posti in più ci saranno?' after the nursery is the nursery's amount, not a count of the plan's
    objectives; 'quanti alberi nuovi?' after the PEBA names the trees' objective; a subject the plan lacks
    ('e la biblioteca?', 'quante biblioteche?') is refused, not answered with the objective before."""
    answer = ask(assistant, first, then)
    assert answer.objective_ids == [key] and not answer.refused, answer.answer[:200]


@pytest.mark.parametrize("then", ["e la biblioteca?", "quante biblioteche ci sono?"])
def test_a_subject_the_plan_lacks_after_one_objective_is_refused(assistant: Assistant, then: str) -> None:
    assert ask(assistant, "chi segue il PEBA?", then).refused


def test_a_follow_up_filter_no_objective_before_meets_is_answered_on_the_whole_plan() -> None:
    """'e quali sono collegati al PNRR?' after a list none of whose objectives is: the plan's, said to be so,
    never 'none' for a question the plan answers; when some before are, the answer stays among them."""
    records = [o.model_copy(update={"pnrr": None}) if o.settore == "Area Vigilanza" else o for o in _generated(9)]
    asked = Assistant(records)
    linked = [o.id for o in records if o.pnrr]
    answer = ask(asked, "quali obiettivi ha l'Area Vigilanza?", "e quali sono collegati al PNRR?")
    assert answer.objective_ids == linked and "intero piano" in answer.answer, answer.answer[:300]
    within = ask(asked, "quali obiettivi ha l'Area Cultura e Sport?", "e quali sono collegati al PNRR?")
    assert within.objective_ids == [o.id for o in records if o.pnrr and o.settore == "Area Cultura e Sport"]
    assert "intero piano" not in within.answer


@pytest.mark.parametrize(("then", "index"), [("il secondo a che punto è?", 1), ("chi segue l'ultimo?", -1),
                                             ("e il primo?", 0), ("quanto pesa la terza?", 2),
                                             ("who is responsible for the second one?", 1)])
def test_an_ordinal_after_a_list_points_at_that_item(then: str, index: int) -> None:
    """'il secondo a che punto è?' right after a list asks of its second objective, in the order given;
    'secondo il piano' and 'il primo semestre' point at no item."""
    records = _generated(9)
    asked = Assistant(records)
    listed = ask(asked, "quali obiettivi sono legati al PNRR?")
    answer = ask(asked, "quali obiettivi sono legati al PNRR?", then)
    assert answer.objective_ids == [listed.objective_ids[index]], answer.answer[:200]
    plain = ask(asked, "quali obiettivi sono legati al PNRR?", "secondo il piano quanti sono?")
    assert plain.objective_ids == listed.objective_ids


def test_foreign_words_that_are_cognates_of_the_records_words_are_read_as_them() -> None:
    """'technical', 'accreditation', 'electoral' are the records' 'tecnica', 'accreditamento', 'elettorale':
    the plan's own vocabulary decides; short or unlike words ('camp', 'rent', 'staff') are left alone."""
    from assistant.understanding.language import cognates  # noqa: PLC0415

    vocabulary = {"tecnica", "accreditamento", "elettorale", "campi", "ente", "scaffali", "servizi", "barriere"}
    said = cognates("technical accreditation electoral camp rent staff barriers", vocabulary, "en")
    assert said.split() == ["tecnica", "accreditamento", "elettorale", "camp", "rent", "staff", "barriere"]


@pytest.mark.parametrize(("question", "sector"), [("How many objectives does the technical area have?", "Area Tecnica"),
                                                  ("which objectives does the administrative area have?",
                                                   "Area Amministrativa e Risorse Umane")])
def test_an_english_sector_name_before_the_plans_word_for_sector(rocca: list[Objective], question: str,
                                                                  sector: str) -> None:
    """In English the name comes before its head ('the technical area'), the head being the plan's own word."""
    answer = Assistant(rocca).ask(question)
    assert answer.objective_ids == [o.id for o in rocca if o.settore == sector], answer.answer[:200]


NEEDS_WITH_A_MONTH = [
    ("mia figlia non ha trovato posto al nido per {m}: ci sono posti in più quest'anno?", "area-scuola-sport-e-turismo-1"),
    ("non ho ancora presentato la domanda per il contributo affitto, a {m} si può ancora?", "area-servizi-al-cittadino-4"),
    ("mio figlio non è entrato ai centri estivi di {m}, c'è un'altra possibilità?", "area-scuola-sport-e-turismo-2"),
    ("a {m} ci trasferiamo qui e non sappiamo come cambiare la residenza, si fa online?", "area-servizi-al-cittadino-1"),
]


@pytest.mark.parametrize("month", ["marzo", "settembre"])
def test_a_month_in_a_citizens_need_is_not_a_status_date(assistant: Assistant, month: str) -> None:
    """'non ho trovato posto al nido per settembre': the month is the need's, not a monitoring date the plan
    lacks; the need is answered. 'a che punto era a settembre?' is still refused with the dates it has."""
    wrong = []
    for question, key in NEEDS_WITH_A_MONTH:
        answer = assistant.ask(question.format(m=month), "citizen")
        if answer.refused or key not in answer.objective_ids:
            wrong.append((question, answer.answer[:200]))
    assert not wrong, wrong
    status = assistant.ask(f"A che punto erano i centri estivi a {month}?")
    assert status.refused and "31/12/2025" in status.answer, status.answer


@pytest.mark.parametrize("follow", ["e quanto pesano in totale?", "quanto fanno i pesi sommati?", "e quanti sono?",
                                    "quanti in tutto?"])
def test_a_count_or_sum_naming_nothing_is_about_the_list_before(rocca: list[Objective], follow: str) -> None:
    """After a list, a count or a sum that names no objectives, no filter and no topic is about that list;
    one naming the objectives ('quanti obiettivi ci sono?') is about the whole plan."""
    records = _generated(9)
    asked = Assistant(records)
    area = "Area Vigilanza"
    mine = [o for o in records if o.settore == area]
    answer = ask(asked, f"quali obiettivi ha l'{area}?", follow)
    assert sorted(answer.objective_ids) == sorted(o.id for o in mine), answer.answer
    answer = ask(asked, f"quali obiettivi ha l'{area}?", "quanti obiettivi ci sono in tutto?")
    assert len(answer.objective_ids) == len(records) and f"sono {len(records)}" in answer.answer, answer.answer


def test_a_turn_naming_another_of_the_same_kind_asks_the_same_of_it(rocca: list[Objective]) -> None:
    """'gli obiettivi di X?' then 'e Y?' (another person, another area): Y's objectives, not those of X's
    list that are Y's; 'e quali sono?' after a count lists the counted ones."""
    records = _generated(9)
    asked = Assistant(records)
    people = sorted({o.responsabile for o in records})
    answer = ask(asked, f"quali obiettivi segue {people[0]}?", f"e {people[1]}?")
    assert sorted(answer.objective_ids) == sorted(o.id for o in records if o.responsabile == people[1]), answer.answer
    areas = sorted({o.settore for o in records})
    answer = ask(asked, f"quanti obiettivi ha l'{areas[0]}?", "e quali sono?")
    assert sorted(answer.objective_ids) == sorted(o.id for o in records if o.settore == areas[0]), answer.answer
    answer = ask(asked, f"quanti obiettivi ha l'{areas[0]}?", f"e l'{areas[1]}?")
    assert sorted(answer.objective_ids) == sorted(o.id for o in records if o.settore == areas[1]), answer.answer


@pytest.mark.parametrize(("first", "field", "then"), [
    ("a che punto è il censimento degli alberi?", "stato_attuazione", "e il PEBA?"),
    ("chi segue il censimento degli alberi?", "responsabile", "e quello del canone unico?"),
    ("quanto pesa il PEBA?", "peso", "e la dote sport?"),
])
def test_an_elliptical_turn_asks_the_same_of_another_objective(assistant: Assistant, first: str, field: str,
                                                               then: str) -> None:
    """'e il PEBA?' after a status question asks the PEBA's status (not its summary)."""
    answer = ask(assistant, first, then)
    assert not answer.refused and {c.campo for c in answer.citations} - {"titolo"} == {field}, answer.answer


@pytest.mark.parametrize("cue", ["l'ufficio", "l'area"])
@pytest.mark.parametrize(("office", "topic"), [("cimiteri", "cimitero"), ("biblioteca", "biblioteca"),
                                               ("edilizia", "edilizia")])
def test_an_office_named_by_its_subject_is_the_sector_whose_objectives_are_about_it(cue: str, office: str,
                                                                                   topic: str) -> None:
    """'l'ufficio cimiteri' in a plan whose sectors are 'Area Vigilanza', 'Area Cultura e Sport'...: the
    sector whose objectives are about cemeteries, learned from the records (no synonym list); so is 'l'area
    cimiteri', with the plan's own word for its sectors; a 'settore' nothing in the plan is about stays
    unknown and is refused."""
    records = _generated(12)  # each subject twice, in one area
    asked = Assistant(records)
    area = next(o.settore for o in records if topic in o.titolo)
    answer = asked.ask(f"quali obiettivi ha {cue} {office}?")
    assert sorted(answer.objective_ids) == sorted(o.id for o in records if o.settore == area), answer.answer
    assert asked.ask("quali obiettivi ha il settore tributi?").refused


@pytest.mark.parametrize(("acronym", "question"), [("SUE", "chi segue il SUE?"), ("DAI", "quanto pesa il DAI?"),
                                                   ("SUE", "il sue a che punto è?")])
def test_an_acronym_of_the_plan_that_is_also_a_function_word_is_a_name(acronym: str, question: str) -> None:
    """A plan writing 'Sportello unico edilizia (SUE)' or '(DAI)': for it the word is a name, also typed in
    lower case; in a plan without it the word stays a function word."""
    records = _generated(6)
    target = records[2]
    records[2] = target.model_copy(update={"titolo": f"{target.titolo} ({acronym})"})
    answer = Assistant(records).ask(question)
    assert not answer.refused and answer.objective_ids == [target.id], answer.answer
    assert Assistant(_generated(6)).ask(question).refused


def test_words_of_a_heading_in_capitals_are_no_acronyms() -> None:
    from assistant.catalog import acronyms  # noqa: PLC0415

    assert acronyms("Delibera ad oggetto: “LINEE DI INDIRIZZO PER IL POTENZIAMENTO DEL SERVIZIO NIDO”") == set()
    assert acronyms("Sportello unico per l'edilizia (SUE), con il DAI e la Regione") == {"sue", "dai"}


_NEEDS = ["la graduatoria del nido", "il contributo per l'affitto", "il cambio di residenza", "la dote sport",
          "i centri estivi", "le pratiche edilizie"]


@pytest.mark.parametrize("template", ["mi piacerebbe avere un avviso sul cellulare per {t}, si può?",
                                      "posso seguire {t} dal telefonino?",
                                      "la mia società sportiva chiede informazioni su {t}, il comune aiuta?"])
def test_a_phone_or_a_company_named_as_the_means_of_a_need_is_not_asked_for(assistant: Assistant, template: str) -> None:
    """A phone, an e-mail or a company in a citizen's need is how or for whom, not what is asked: the
    need is answered. Asked for ('il numero di telefono per...'), it is still refused."""
    for need in _NEEDS:
        answer = assistant.answer([Message(role="user", content=template.format(t=need))], "citizen")
        assert not answer.refused, (need, answer.answer)
        asked = assistant.answer([Message(role="user", content=f"qual è il numero di telefono per {need}?")], "citizen")
        assert asked.refused, (need, asked.answer)


@pytest.mark.parametrize(("field", "label", "value"), [
    ("personale_coinvolto", "il personale coinvolto", "Ottavio Ferrante, Lia Manfredi"),
    ("destinatari", "i destinatari", "Famiglie con minori"),
    ("contributor", "gli stakeholder intermedi", "Ufficio Ragioneria"),
])
@pytest.mark.parametrize("template", ["In quale obiettivo è indicato {l}?",
                                      "in che schede c'è scritto {l}, e cosa dice?",
                                      "quale obiettivo riporta {l}? e chi è?"])
def test_which_objective_states_a_field_lists_those_that_state_it(rocca: list[Objective], field: str, label: str,
                                                                   value: str, template: str) -> None:
    """'In quale obiettivo è indicato il personale coinvolto?' names no objective: it asks for the
    objectives stating a field only some state, each with its value, not for one objective's field."""
    records = [o.model_copy(update={field: value}) if i % 3 == 0 else o for i, o in enumerate(rocca)]
    answer = Assistant(records).answer([Message(role="user", content=template.format(l=label))])
    assert set(answer.objective_ids) == {o.id for i, o in enumerate(records) if i % 3 == 0}, answer.answer
    assert value in answer.answer


@pytest.mark.parametrize("template", ["Quali obiettivi risultavano solo {q}, senza altri dettagli?",
                                      "quanti obiettivi riportano {q} nello stato?",
                                      "quali schede a fine giugno dicevano {q}?",
                                      "Which objectives read {q}?"])
@pytest.mark.parametrize(("open_", "close"), [("'", "'"), ('"', '"'), ("«", "»")])
def test_a_quoted_phrase_lists_the_records_writing_it(rocca: list[Objective], template: str, open_: str,
                                                      close: str) -> None:
    """A list or count asking for a quoted phrase: the records writing it word for word (in any
    inflection), whatever the field; a phrase no record writes gives an empty list, not a refusal."""
    phrase = "in attesa di riscontro dalla Regione"
    records = [o.model_copy(update={"stato_attuazione": StatoAttuazione(data="2025-06-30", testo=f"Pratica {phrase}.")})
               if i % 4 == 1 else o for i, o in enumerate(rocca)]
    a = Assistant(records)
    answer = a.answer([Message(role="user", content=template.format(q=f"{open_}{phrase}{close}"))])
    assert set(answer.objective_ids) == {o.id for i, o in enumerate(records) if i % 4 == 1}, answer.answer
    none = a.answer([Message(role="user", content=template.format(q=f"{open_}sospeso per ricorso al TAR{close}"))])
    assert none.objective_ids == [] and not none.refused, none.answer



@pytest.mark.parametrize(("question", "title_word"), [
    ("ai centri estivi l'anno prossimo ci saranno più posti?", "Centri estivi"),
    ("con la dote sport ci saranno più famiglie aiutate?", "Dote sport"),
    ("alla Rocca arriveranno più visitatori con le visite guidate?", "Rocca"),
    ("al palazzetto ci saranno più ore per le associazioni sportive?", "palazzetto"),
])
def test_more_of_something_is_an_amount_not_the_heaviest_objective(assistant: Assistant, question: str,
                                                                   title_word: str) -> None:
    """'Ci saranno più posti?' asks an amount of one objective; it is a superlative of the weights only
    with the words such questions use ('pesa di più', 'il più importante')."""
    answer = ask(assistant, question)
    assert not answer.answer.startswith("Il peso più alto"), answer.answer
    assert len(answer.objective_ids) == 1 and title_word in answer.answer.splitlines()[0], answer.answer
    heaviest = ask(assistant, "quale obiettivo pesa di più?")
    assert heaviest.answer.startswith("Il peso più alto"), heaviest.answer


@pytest.mark.parametrize("template", ["quali obiettivi ci sono tranne quelli dell'{s}?",
                                      "elenca gli obiettivi fuori dall'{s}",
                                      "quanti obiettivi non dell'{s} hanno il PNRR?",
                                      "list the objectives except those of the {s}"])
def test_a_sector_named_after_an_exclusion_is_left_out(assistant: Assistant, rocca: list[Objective],
                                                       template: str) -> None:
    """'tranne quelli dell'area tecnica': every objective but that sector's (the exclusion's 'non'
    negates no field); 'anche quelli fuori da...' after a person keeps all of the person's."""
    for sector in sorted({o.settore for o in rocca}):
        answer = ask(assistant, template.format(s=sector.replace("Area", "area")))
        want = [o for o in rocca if o.settore != sector and ("PNRR" not in template or o.pnrr and o.pnrr != "No")]
        assert set(answer.objective_ids) == {o.id for o in want}, (sector, answer.answer)


def test_also_outside_a_sector_keeps_every_objective_of_the_person(rocca: list[Objective]) -> None:
    people = ["Ottavia Brugnoletti", "Ivo Scardovelli"]
    records = [o.model_copy(update={"responsabile": people[i % 2]}) for i, o in enumerate(rocca)]
    a = Assistant(records)
    for person in people:
        theirs = [o for o in records if o.responsabile == person]
        for sector in sorted({o.settore for o in theirs}):
            answer = ask(a, f"gli obiettivi di {person}, anche quelli fuori dall'{sector.replace('Area', 'area')}")
            assert set(answer.objective_ids) == {o.id for o in theirs}, (person, sector, answer.answer)
            left = ask(a, f"gli obiettivi di {person} tranne quelli dell'{sector.replace('Area', 'area')}")
            assert set(left.objective_ids) == {o.id for o in theirs if o.settore != sector}, (person, sector, left.answer)


@pytest.mark.parametrize(("title", "first", "second", "question"), [
    ("Promozione della legalità e della sostenibilità", "Eventi per la legalità", "Scuole sostenibili coinvolte",
     "Promozione della legalità e della sostenibilità: target dal 2025 al 2027?"),
    ("Accessibilità e digitalizzazione degli sportelli", "Sportelli accessibili", "Pratiche digitali",
     "accessibilità e digitalizzazione degli sportelli, che target ci sono dal 2025 al 2027?"),
])
def test_two_indicators_named_in_other_forms_of_their_words_both_answer(rocca: list[Objective], title: str,
                                                                         first: str, second: str,
                                                                         question: str) -> None:
    """A question naming two indicators of one objective in other forms of their words ('sostenibilità'
    for 'sostenibili', which the stemmer cuts differently) gets both series."""
    rows = [Indicator(anno=y, indicatore=name, target=str(t + y - 2025)) for name, t in ((first, 10), (second, 50))
            for y in (2025, 2026, 2027)]
    records = [o.model_copy(update={"titolo": title, "indicatori": rows}) if i == 3 else o
               for i, o in enumerate(rocca)]
    answer = Assistant(records).answer([Message(role="user", content=question)])
    assert answer.objective_ids == [records[3].id], answer.answer
    assert first in answer.answer and second in answer.answer, answer.answer


def test_a_trained_model_is_kept_on_disk_for_other_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A restart or a second worker loads the model trained for the same records instead of training it
    again; a damaged file is trained again and replaced; '' keeps nothing on disk."""
    from assistant.understanding import model as question_model  # noqa: PLC0415

    records = _generated(4)
    monkeypatch.setenv("PIAO_MODEL_CACHE", str(tmp_path))
    monkeypatch.setattr(question_model, "_CACHE", {})
    first = question_model.model_for(records)
    files = list(tmp_path.glob("*.pkl"))
    assert len(files) == 1
    monkeypatch.setattr(question_model, "_CACHE", {})  # another process: nothing in memory
    again = question_model.model_for(records)
    assert again is not first and again.seconds == first.seconds  # read back, not trained
    assert again.predict("chi segue la biblioteca ragazzi?").intent == first.predict("chi segue la biblioteca ragazzi?").intent
    files[0].write_bytes(b"not a model")
    monkeypatch.setattr(question_model, "_CACHE", {})
    retrained = question_model.model_for(records)
    assert retrained.seconds != first.seconds and files[0].stat().st_size > 1000
    monkeypatch.setenv("PIAO_MODEL_CACHE", "")
    monkeypatch.setattr(question_model, "_CACHE", {})
    question_model.model_for(_generated(5))
    assert len(list(tmp_path.glob("*.pkl"))) == 1


@pytest.mark.parametrize(("question", "sector"), [
    ("Quanti obiettivi ha l'area finanziaria?", "Area Economico-Finanziaria"),
    ("quali sono gli obiettivi dell'area demografici?", "Area Servizi Demografici e Sociali"),
    ("How many objectives does the finance area have?", "Area Economico-Finanziaria"),
    ("Elenca gli obiettivi dell'area sport", "Area Cultura e Sport"),
    ("Quali obiettivi riguardano le aree verdi?", None),
    ("Quanti obiettivi ha il settore cultura giovani?", None),  # after 'settore' every word must be in the name
])
def test_a_sector_named_by_part_of_its_name(question: str, sector: str | None) -> None:
    """The plan's word for its sectors with some words of one sector's name, in other forms ('l'area
    finanziaria' for 'Area Economico-Finanziaria', 'the finance area'), names that sector when no other
    sector's name holds them; words in no sector's name name none."""
    names = ["Area Economico-Finanziaria", "Area Servizi Demografici e Sociali", "Area Cultura e Sport"]
    records = [o.model_copy(update={"settore": names[i % 3]}) for i, o in enumerate(_generated(9))]
    p = plan(Assistant(records), question)
    assert p.filters.settore == sector, p.filters


@pytest.mark.parametrize(("own", "shared", "typo"), [("schede", "scade", "scede"), ("sedute", "sedate", "sedte"),
                                                     ("rette", "rotte", "ratte"), ("orti", "orari", "orai")])
def test_a_typo_as_near_a_record_word_as_a_common_one_is_the_record_word(own, shared, typo) -> None:
    """'quante scede di analisi...': 'schede' (the records') and 'scade' (a word of the questions) are one
    letter away; the question is about the records, so their word wins the tie, in either alphabetical order."""
    from assistant.catalog import ScopeSpeller  # noqa: PLC0415
    from ingest.text import Speller  # noqa: PLC0415

    speller = ScopeSpeller({own}, Speller({shared}))
    assert speller.correct(typo) == own
