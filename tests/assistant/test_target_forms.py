"""Lists by the form or the value of a target: 'quali obiettivi hanno un target in euro?', 'target 2025
espressi esclusivamente in percentuale', 'obiettivi con target di 150 nel 2025', 'target come data'.

The records are Roccafelice's with targets rewritten at random (money, percentages, deadlines, numbers,
words): the expected lists are computed here from what each target is written as, so a fixed answer
cannot pass; every listed objective shows its matching targets, cited.
"""
from __future__ import annotations

import random
import re

import pytest

from assistant import Assistant
from ingest.types import Objective
from tests.assistant.plans import listed, load

FORMS = {
    "importo": lambda r: f"€ {r.randint(2, 90)}.{r.choice(['000', '500'])}",
    "percentuale": lambda r: f"{r.choice(['≥ ', '', '≤ '])}{r.choice([15, 40, 75, 100])}%",
    "scadenza": lambda r: f"Entro il {r.randint(10, 28)}/{r.randint(1, 12):02d}/2026",
    "numero": lambda r: f"{r.choice(['', '≥ '])}{r.choice([3, 12, 150, 480])}",
    "parole": lambda r: r.choice(["Aggiornamento annuale", "Relazione finale"]),
}


def _rewritten(seed: int) -> list[Objective]:
    rng = random.Random(seed)
    out = []
    for o in load():
        rows = [r.model_copy(update={"target": FORMS[rng.choice(list(FORMS))](rng)}) for r in o.indicatori]
        out.append(o.model_copy(update={"indicatori": rows}))
    return out


def _form(target: str) -> str:
    if target.startswith("Entro il"):
        return "scadenza"
    if "€" in target:
        return "importo"
    if "%" in target:
        return "percentuale"
    return "numero" if re.search(r"\d", target) else "parole"


def _with(records: list[Objective], form: str, year: int | None = None, every: bool = False) -> set[str]:
    out = set()
    for o in records:
        forms = [_form(r.target or "") for r in o.indicatori if r.target and (year is None or r.anno == year)]
        if forms and (all(f == form for f in forms) if every else form in forms):
            out.add(o.id)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("question", "form", "year", "every"), [
    ("quali obiettivi hanno un target in euro?", "importo", None, False),
    ("obiettivi con target espressi in percentuale nel 2026", "percentuale", 2026, False),
    ("Elencare gli obiettivi i cui target 2025 sono espressi esclusivamente in percentuale.", "percentuale", 2025, True),
    ("quali obiettivi hanno target 2026 espressi come data?", "scadenza", 2026, False),
    ("mi servono gli ob. con target numerici per il 2027", "numero", 2027, False),
])
def test_a_list_by_the_form_of_its_targets(seed, question, form, year, every) -> None:
    records = _rewritten(seed)
    want = _with(records, form, year, every)
    answer = Assistant(records).ask(question)
    if not want:
        assert not listed(answer.answer, records), answer.answer
        return
    assert not answer.refused, answer.answer
    assert listed(answer.answer, records) == want, answer.answer
    for o in records:  # each listed objective shows a target of that form
        if o.id in want:
            assert any(f": {r.target} [" in answer.answer for r in o.indicatori if r.target and _form(r.target) == form
                       and (year is None or r.anno == year)), (o.id, answer.answer)


@pytest.mark.parametrize(("question", "value", "year"), [
    ("quali obiettivi hanno come target il 100% nel 2027?", "100%", 2027),
    ("obiettivi con target di 150 nel 2025", "150", 2025),
    ("quanti obiettivi hanno un target di 2 nel 2026?", "2", 2026),
])
def test_a_list_by_the_value_of_a_target(question, value, year) -> None:
    records = load()

    def states(target: str) -> bool:
        number = value.rstrip("%")
        return re.search(rf"(?<![\d.,]){number}(?![\d.,])", target) is not None and ("%" in target) == value.endswith("%") \
            and not target.startswith("Entro")

    want = {o.id for o in records if any(r.anno == year and r.target and states(r.target) for r in o.indicatori)}
    answer = Assistant(records).ask(question)
    assert want and not answer.refused, answer.answer
    assert listed(answer.answer, records) == want, answer.answer
    if question.startswith("quanti"):
        assert str(len(want)) in answer.answer.split("\n")[0], answer.answer


def test_every_target_of_a_form_counts_equal_targets_each() -> None:
    """Two indicators with the same target ('100%' and '100%') are two targets of that form, not one."""
    records = load()
    year = 2027
    assert any(len({r.target for r in o.indicatori if r.anno == year}) < len([r for r in o.indicatori if r.anno == year])
               for o in records)
    want = _with(records, "percentuale", year, every=True)
    answer = Assistant(records).ask(f"quali obiettivi hanno i target {year} espressi esclusivamente in percentuale?")
    assert want and listed(answer.answer, records) == want, answer.answer
