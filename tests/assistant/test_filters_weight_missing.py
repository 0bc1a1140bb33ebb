"""List filters on a weight ('peso 30%') and on a missing field ('senza stato', 'non collegati al PNRR')."""
import pytest

from assistant import Assistant
from assistant.querying.records import parse_weight
from assistant.types import Message


@pytest.fixture(scope="module")
def assistant(gold_records):
    return Assistant(gold_records)


def ask(assistant, question):
    return assistant.answer([Message(role="user", content=question)])


def weighs(obj, weight, year=None):
    return parse_weight(obj.peso) == weight or any(
        parse_weight(r.peso) == weight for r in obj.indicatori if year is None or r.anno == year)


def test_weight_filter_is_exact_and_cites_the_weights(assistant, gold_records):
    answer = ask(assistant, "Quanti obiettivi hanno peso 30%?")
    expected = [o.id for o in gold_records if weighs(o, 30)]
    assert answer.objective_ids == expected and f"sono {len(expected)}" in answer.answer
    assert {c.objective_id for c in answer.citations if c.campo == "peso"} == set(expected)


def test_weight_filter_within_a_sector_and_year(assistant, gold_records):
    answer = ask(assistant, "Quali obiettivi del settore Entrate hanno peso 15% nel 2023?")
    expected = [o.id for o in gold_records if o.settore == "SETTORE ENTRATE" and weighs(o, 15, 2023)]
    assert answer.objective_ids == expected == ["entrate-1", "entrate-4"]


def test_not_linked_to_pnrr_is_the_complement(assistant, gold_records):
    answer = ask(assistant, "Quali obiettivi non sono collegati al PNRR?")
    assert answer.objective_ids == [o.id for o in gold_records if not o.pnrr]


def test_no_objective_lacks_a_status_in_the_sample(assistant, gold_records):
    assert all(o.stato_attuazione and o.stato_attuazione.testo for o in gold_records)
    answer = ask(assistant, "Quali obiettivi non hanno uno stato di attuazione?")
    assert answer.objective_ids == [] and not answer.refused


def test_without_a_card_field(assistant, gold_records):
    answer = ask(assistant, "Elenca gli obiettivi senza contributor")
    assert answer.objective_ids == [o.id for o in gold_records if not o.contributor]


def test_addressees_nobody_has_give_an_empty_list_not_every_objective(assistant):
    answer = ask(assistant, "Quali obiettivi sono rivolti ai marziani?")
    assert answer.objective_ids == [] and not answer.refused


def test_addressees_found_through_synonyms(assistant, gold_records):
    answer = ask(assistant, "Quali obiettivi hanno come destinatari le scuole?")
    assert 0 < len(answer.objective_ids) < len(gold_records)
    assert "entrate-4" in answer.objective_ids  # 'Studenti classi terze medie'


COMPARED = [("quali obiettivi pesano più del {w}%?", "gt"), ("obiettivi con peso superiore al {w}%", "gt"),
            ("quali obiettivi pesano almeno il {w}%?", "ge"), ("obiettivi con un peso non inferiore al {w}%", "ge"),
            ("obiettivi che pesano meno del {w}%", "lt"), ("obiettivi con peso inferiore al {w}%", "lt"),
            ("obiettivi con peso non più del {w}%", "le"), ("quali obiettivi pesano al massimo il {w}%?", "le"),
            ("which objectives weigh more than {w}%?", "gt"), ("objectives weighing at most {w}%", "le"),
            # the comparison after the value
            ("quali obiettivi pesano il {w}% o più?", "ge"), ("obiettivi con peso del {w} per cento o meno", "le"),
            ("objectives weighing {w}% or more", "ge")]


@pytest.mark.parametrize(("template", "op"), COMPARED)
def test_a_weight_compared_with_a_value_lists_exactly_the_objectives_on_that_side(template, op):
    """'più del 20%' leaves the 20% objectives out, 'almeno il 20%' keeps them; a comparison with a
    value is a filter, never a superlative ('meno del 30%' is not 'the lightest')."""
    import operator  # noqa: PLC0415

    from assistant.querying.records import weight_rows  # noqa: PLC0415
    from tests.assistant.test_understanding import _generated  # noqa: PLC0415

    records = _generated(9)
    asked = Assistant(records)
    compare = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}[op]
    for w in (25, 30):
        expected = [o.id for o in records if compare(weight_rows(o, 2026)[0], w)]
        answer = ask(asked, template.format(w=w))
        assert answer.objective_ids == expected, (template.format(w=w), answer.answer[:200])


def test_a_field_no_objective_states_gives_an_empty_list_not_every_objective():
    """'quali obiettivi sono collegati all'anticorruzione?' where no card states the link: none, said so."""
    from tests.assistant.test_understanding import ROCCAFELICE, _load  # noqa: PLC0415

    records = [o.model_copy(update={"anticorruzione": None}) for o in _load(ROCCAFELICE)]
    asked = Assistant(records)
    answer = ask(asked, "quali obiettivi sono collegati all'anticorruzione?")
    assert answer.objective_ids == [] and "anticorruzione" in answer.answer, answer.answer
    # a field the model only guesses ('entro il' read as a deadline no card states) is no such filter
    amount = ask(asked, "Quanti alberi vanno censiti con la scheda di stabilità entro il 2026?")
    assert amount.objective_ids == ["area-tecnica-4"] and "2.000" in amount.answer, amount.answer


@pytest.mark.parametrize("question", ["Quali obiettivi hanno almeno un indicatore senza target per il 2027?",
                                      "obiettivi con uno o più indicatori senza target nel 2027",
                                      "which objectives have at least one indicator without a target for 2027?"])
def test_some_indicator_without_a_target_is_not_every_indicator(question):
    """'almeno un indicatore senza target per il 2027': an objective one of whose indicators has no 2027
    target (no row that year, or an empty one), though another has; 'senza target per il 2027' alone asks
    for objectives with no 2027 target at all."""
    from ingest.types import Indicator  # noqa: PLC0415
    from tests.assistant.test_understanding import _generated  # noqa: PLC0415

    records = _generated(9)
    for i in (1, 4):  # a second indicator measured in 2026 only
        extra = Indicator(anno=2026, indicatore="Giornate di formazione", target="3")
        records[i] = records[i].model_copy(update={"indicatori": [*records[i].indicatori, extra]})
    rows = [r.model_copy(update={"target": None}) if r.anno == 2027 else r for r in records[6].indicatori]
    records[6] = records[6].model_copy(update={"indicatori": rows})
    asked = Assistant(records)
    assert ask(asked, question).objective_ids == [records[i].id for i in (1, 4, 6)]
    assert ask(asked, "quali obiettivi non hanno target per il 2027?").objective_ids == [records[6].id]


@pytest.mark.parametrize("template", ["In media quanto pesa un obiettivo {of}?", "qual è il peso medio degli obiettivi {of}?",
                                      "quanto pesano mediamente gli obiettivi {of}?",
                                      "what is the average weight of the objectives {of}?"])
def test_a_mean_weight_is_the_total_over_the_weighted_objectives(template):
    """'in media', 'peso medio': the mean of the weights of the set asked (a sector's, or the plan's), not
    its heaviest objective nor its total alone."""
    from assistant.querying.records import format_number, weight_rows  # noqa: PLC0415
    from tests.assistant.test_understanding import _generated  # noqa: PLC0415

    records = _generated(9)
    sector = records[0].settore
    own = [i for i, o in enumerate(records) if o.settore == sector]
    for i, weight in zip(own, ("10%", "20%", "45%"), strict=False):  # unlike weights: mean, max and total differ
        records[i] = records[i].model_copy(update={"peso": weight})
    asked = Assistant(records)
    of = {"of": f"del settore {sector}" if not template.startswith("what") else f"of {sector}"}
    weights = [w for o in records if o.settore == sector and (w := weight_rows(o, 2026)[0]) is not None]
    answer = ask(asked, template.format(**of))
    mean = format_number(round(sum(weights) / len(weights), 1))
    assert f"{mean}%" in answer.answer and f"{len(weights)} " in answer.answer, answer.answer[:300]
