"""A class left out, and a list asked for by a noun.

- 'quali obiettivi non rientrano nella classificazione X?', 'non sono classificati come X', 'tranne quelli
  della categoria X': the objectives of any other class (or none), the complement of the objectives of X; a
  negation with a field between ('senza PNRR classificati come X') leaves the class a filter and empties
  the field.
- 'Area X: mi serve l'elenco degli ob. assegnati a noi': a list asked for by a noun ('elenco', 'prospetto',
  'riepilogo') of a sector's objectives, not a refusal for want of a topic.

Generated from the records: every class of Casalgrande's records (and of a copy with the classes moved to
other objectives), every sector of Roccafelice's.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.types import Objective
from tests.assistant.plans import assert_lists, listed

ROOT = Path(__file__).resolve().parents[2]
CASALGRANDE = ROOT / "samples" / "piao_casalgrande_2023_performance.gold.json"
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"


def _records(path: Path) -> list[Objective]:
    return [Objective.model_validate(r) for r in json.loads(path.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def classed() -> dict[str, tuple[Assistant, list[Objective]]]:
    records = _records(CASALGRANDE)
    moved = [o.model_copy(update={"classificazione": records[(i + 5) % len(records)].classificazione})
             for i, o in enumerate(records)]
    return {"as is": (Assistant(records), records), "moved": (Assistant(moved), moved)}



CLASSES = ["Efficacia", "Pari opportunità ed equilibrio di genere", "Prevenzione della corruzione"]


@pytest.mark.parametrize("which", ["as is", "moved"])
@pytest.mark.parametrize("question", [
    "quali obiettivi non rientrano nella classificazione {c}?",
    "quali obiettivi non sono classificati come {c}?",
    "obiettivi tranne quelli della categoria {c}",
])
def test_a_class_left_out(classed, which: str, question: str) -> None:
    assistant, records = classed[which]
    for c in CLASSES:
        within = listed(assistant.ask(f"quali obiettivi sono classificati come {c}?").answer, records)
        assert within == {o.id for o in records if o.classificazione == c}
        assert_lists(assistant, records, question.format(c=c), {o.id for o in records} - within)


@pytest.mark.parametrize("which", ["as is", "moved"])
def test_a_negated_field_before_a_class_leaves_the_class_a_filter(classed, which: str) -> None:
    assistant, records = classed[which]
    answer = assistant.ask("quali obiettivi senza PNRR sono classificati come Pari opportunità ed equilibrio di genere?")
    want = {o.id for o in records if o.classificazione == "Pari opportunità ed equilibrio di genere"
            and not (o.pnrr or "").strip()}
    assert listed(answer.answer, records) == want, answer.answer


@pytest.fixture(scope="module")
def sectors() -> tuple[Assistant, list[Objective]]:
    records = _records(ROCCAFELICE)
    return Assistant(records), records


@pytest.mark.parametrize("question", [
    "{s}: mi serve l'elenco degli ob. assegnati a noi",
    "{s}, vorrei il prospetto dei nostri obiettivi",
    "il riepilogo degli obiettivi della {s}, grazie",
])
def test_a_list_asked_for_by_a_noun(sectors, question: str) -> None:
    assistant, records = sectors
    for s in sorted({o.settore for o in records if o.settore}):
        assert_lists(assistant, records, question.format(s=s), {o.id for o in records if o.settore == s})
