"""Lists asked about people by their title, with a quantifier, with the count of indicators after the noun,
and with words sought in the title.

- 'Il sig. Bergonzini segue qualche obiettivo collegato al PNRR?', 'gli ob. della dott.ssa Ruffini': a title
  before a name ('sig.', 'dott.ssa', 'geom.') is neither expanded as an abbreviation nor spell-corrected nor a
  topic; a field asked of a person's objectives with no topic is a list of them filtered by it ('qualche' is
  a quantifier, no topic), and a superlative the model is unsure of, with none of its words, is not one.
- 'con un indicatore soltanto' is 'con un solo indicatore'.
- 'obiettivi che parlano di X nel titolo': X sought in the titles only.

Every case is generated from the records (each person, each title word also written elsewhere), on
Roccafelice's records and a copy where objectives changed hands and PNRR links, so no fixed answer passes.
"""
from __future__ import annotations

import pytest

from assistant import Assistant
from ingest.text import tokens, writes_phrase
from ingest.types import Objective
from tests.assistant.plans import listed, load

PNRR = "Sì – M1C1 Investimento 1.2 Abilitazione al cloud"



def _moved(records: list[Objective]) -> list[Objective]:
    """Every third objective handed to the next person, every fourth linked to the PNRR."""
    people = sorted({o.responsabile for o in records if o.responsabile})
    out = []
    for i, o in enumerate(records):
        update: dict[str, object] = {}
        if i % 3 == 0 and o.responsabile in people:
            update["responsabile"] = people[(people.index(o.responsabile) + 1) % len(people)]
        if i % 4 == 0:
            update["pnrr"] = PNRR
        out.append(o.model_copy(update=update))
    return out


@pytest.fixture(scope="module")
def plans() -> dict[str, tuple[Assistant, list[Objective]]]:
    records = load()
    moved = _moved(records)
    return {"as is": (Assistant(records), records), "moved": (Assistant(moved), moved)}



def _linked(o: Objective) -> bool:
    return bool(o.pnrr) and o.pnrr.strip().lower().startswith("s")


def _people(records: list[Objective]) -> list[str]:
    """The people responsible (a name, not a role), each once."""
    return sorted({o.responsabile for o in records if o.responsabile and not o.responsabile.startswith("Responsabile")})


TITLED = [
    ("Il sig. {s} segue qualche obiettivo collegato al PNRR?", True),
    ("la dott.ssa {s} ha obiettivi legati al PNRR?", True),
    ("il geom. {s} ha qualche obiettivo con collegamento PNRR?", True),
    ("gli ob. della dott.ssa {s}", False),
    ("obiettivi del sig. {s}", False),
]


@pytest.mark.parametrize("which", ["as is", "moved"])
@pytest.mark.parametrize(("question", "pnrr"), TITLED)
def test_a_title_before_a_name(plans, which: str, question: str, pnrr: bool) -> None:
    assistant, records = plans[which]
    for person in _people(records):
        answer = assistant.ask(question.format(s=person.split()[-1]))
        want = {o.id for o in records if o.responsabile == person and (_linked(o) or not pnrr)}
        assert not answer.refused, (person, answer.answer)
        assert listed(answer.answer, records) == want, (person, answer.answer)


@pytest.mark.parametrize("which", ["as is", "moved"])
@pytest.mark.parametrize("question", [
    "Quali obiettivi si misurano con un indicatore soltanto?",
    "obiettivi che hanno un indicatore solo",
    "which objectives have one indicator only?",
])
def test_one_indicator_said_after_the_noun(plans, which: str, question: str) -> None:
    assistant, records = plans[which]
    want = listed(assistant.ask("Quali obiettivi hanno un solo indicatore?").answer, records)
    assert want
    assert listed(assistant.ask(question).answer, records) == want


def _title_words(records: list[Objective]) -> list[str]:
    """Words of some title that other objectives write outside their title (so a search of every field
    would find more)."""
    out = []
    for w in sorted({w for o in records for w in tokens(o.titolo) if len(w) > 4}):
        in_title = {o.id for o in records if writes_phrase(o.titolo, w)}
        elsewhere = {o.id for o in records if o.id not in in_title
                     and writes_phrase(" ".join(str(v) for v in o.model_dump(exclude={"titolo", "id"}).values()), w)}
        if in_title and elsewhere:
            out.append(w)
    return out[:6]


@pytest.mark.parametrize("which", ["as is", "moved"])
def test_words_sought_in_the_title(plans, which: str) -> None:
    assistant, records = plans[which]
    words = _title_words(records)
    assert len(words) >= 3
    for w in words:
        answer = assistant.ask(f"ci sono obiettivi che parlano di {w} nel titolo?")
        assert listed(answer.answer, records) == {o.id for o in records if writes_phrase(o.titolo, w)}, (w, answer.answer)
