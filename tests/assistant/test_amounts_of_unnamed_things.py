"""An amount of a thing the objective never counts is not stated by the plan.

'quanti lotti di orto ci sono?' of the objective on the allotments' regulation, 'quanti impiegati ha
l'ufficio tributi?': no indicator, target or status of the objective names the thing counted (nor a
synonym of it, by the Italian thesaurus), so the question is refused with the objective offered as the
nearest one, instead of answering with the numbers of something else. What one of its indicators counts
is answered, also when asked with a synonym ('quanti turisti?' of the visitors counted); units of time,
verbs and masses are never decided this way ('quanti giorni', 'quanti ne sono saltati fuori', 'quanta
corrente').

Generated from the records of both plans: every objective is asked the amount of what its own first
indicator counts, and of things the other plan's indicators count that its record never names.
"""
from __future__ import annotations

import json
from functools import cache

import pytest

from assistant import Assistant
from ingest.text import has_thesaurus, is_verb, stem, synonyms, tokens
from ingest.types import Objective
from tests.assistant.plans import CASALGRANDE, ROCCAFELICE, load

thesaurus = pytest.mark.skipif(not has_thesaurus(), reason="no Italian thesaurus (Debian's mythes-it) installed")
UNITS = {"ore", "giorni", "settimane", "mesi", "anni", "volte", "minuti"}


@cache
def _plan(path) -> tuple[Assistant, list[Objective]]:
    records = load(path)
    return Assistant(records), records


def _counted(o: Objective) -> tuple[str, str] | None:
    """The thing the objective's first countable indicator counts (its first word, a plural noun) and
    that indicator's first target."""
    for row in o.indicatori:
        words = tokens(row.indicatore or "")
        if words and row.target and len(words[0]) > 3 and words[0][-1] in "ie" and words[0] not in UNITS \
                and not is_verb(words[0]):
            return words[0], row.target
    return None


def _words(o: Objective) -> set[str]:
    return {stem(w) for w in tokens(json.dumps(o.model_dump(), ensure_ascii=False))}


def _question(noun: str, o: Objective) -> str:
    many = "quante" if noun.endswith("e") else "quanti"
    return f"Per l'obiettivo «{o.titolo}», {many} {noun} sono previsti?"


def _cases(own: object, other: object) -> list[tuple[object, str, str]]:
    """(plan, objective id, noun) for the nouns the other plan's indicators count that the objective's
    record never writes, nor a synonym of them; two per objective."""
    foreign = sorted({c[0] for o in load(other) if (c := _counted(o))})
    out = []
    for o in load(own):
        have = _words(o)
        unnamed = [n for n in foreign if stem(n) not in have and not {stem(s) for s in synonyms(n)} & have]
        out += [(own, o.id, n) for n in unnamed[:2]]
    return out


NAMED = [(p, o.id) for p in (ROCCAFELICE, CASALGRANDE) for o in load(p) if _counted(o)]
UNNAMED = _cases(ROCCAFELICE, CASALGRANDE) + _cases(CASALGRANDE, ROCCAFELICE)[::3]


@pytest.mark.parametrize(("path", "oid"), NAMED)
def test_what_an_indicator_counts_is_answered(path, oid) -> None:
    assistant, records = _plan(path)
    o = next(r for r in records if r.id == oid)
    noun, target = _counted(o)
    answer = assistant.ask(_question(noun, o))
    assert not answer.refused, answer.answer
    assert " ".join(target.split()) in " ".join(answer.answer.split()), answer.answer


@thesaurus
@pytest.mark.parametrize(("path", "oid", "noun"), UNNAMED)
def test_an_amount_of_what_the_objective_never_names_is_refused(path, oid, noun) -> None:
    assistant, records = _plan(path)
    o = next(r for r in records if r.id == oid)
    answer = assistant.ask(_question(noun, o))
    assert answer.refused, answer.answer


@thesaurus
@pytest.mark.parametrize(("path", "oid"), NAMED)
def test_what_an_indicator_counts_asked_with_a_synonym_is_answered(path, oid) -> None:
    assistant, records = _plan(path)
    o = next(r for r in records if r.id == oid)
    noun, target = _counted(o)
    have = _words(o)
    alike = sorted(s for s in synonyms(noun) if stem(s) not in have and len(s) > 3 and not is_verb(s))
    if not alike:
        pytest.skip(f"the thesaurus has no other noun for {noun!r}")
    answer = assistant.ask(_question(alike[0], o))
    assert not answer.refused, (alike[0], answer.answer)


@pytest.mark.parametrize("question", [
    "Per l'obiettivo «{t}», quanti giorni servono?",  # a unit of time: any duration answers it
    "Per l'obiettivo «{t}», quanti ne sono stati fatti?",  # what was talked about, counted by a verb
])
def test_units_and_verbs_are_never_refused_as_unnamed(question) -> None:
    assistant, records = _plan(ROCCAFELICE)
    for o in records:
        answer = assistant.ask(question.format(t=o.titolo))
        assert "non riporta questo dato" not in answer.answer, (o.id, answer.answer)


def _euro(o: Objective) -> bool:
    return "€" in json.dumps(o.model_dump(), ensure_ascii=False) or " euro" in json.dumps(o.model_dump()).lower()


@thesaurus
@pytest.mark.parametrize("path", [ROCCAFELICE, CASALGRANDE])
def test_money_is_counted_where_the_record_states_an_amount_in_euro(path) -> None:
    """'quanti soldi?' names no thing of the record: it is answered by an objective stating an amount in
    euro, refused for one that states none."""
    assistant, records = _plan(path)
    for o in records:
        answer = assistant.ask(f"Per l'obiettivo «{o.titolo}», quanti soldi sono previsti?")
        assert answer.refused != _euro(o), (o.id, answer.answer)


def _foreign_word(o: Objective, records: list[Objective]) -> str | None:
    """A participle another objective's indicator writes and this record does not ('dichiarati')."""
    have = _words(o)
    for other in records:
        for row in other.indicatori:
            for w in tokens(row.indicatore or ""):
                if len(w) > 5 and stem(w) not in have and is_verb(w) and w[-1] in "ie":
                    return w
    return None


@pytest.mark.parametrize("path", [ROCCAFELICE, CASALGRANDE])
def test_an_amount_counted_back_with_ne_is_of_the_objective_talked_about(path) -> None:
    """'e quanti ne sono risultati non dichiarati?' right after an answer about one objective: the clitic
    counts what was talked about, even when the words after it are another record's."""
    from assistant import Message  # noqa: PLC0415

    assistant, records = _plan(path)
    checked = 0
    for o in records:
        word = _foreign_word(o, [r for r in records if r.id != o.id])
        if word is None or not o.indicatori:
            continue
        messages = [Message(role="user", content=f"chi segue l'obiettivo «{o.titolo}»?")]
        messages.append(Message(role="assistant", content=assistant.answer(messages).answer))
        messages.append(Message(role="user", content=f"e quanti ne sono risultati {word}?"))
        answer = assistant.answer(messages)
        assert answer.objective_ids[:1] == [o.id], (word, answer.answer[:300])
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize(("path", "oid"), NAMED)
def test_an_amount_asked_in_a_sentence_of_its_own_is_stated_beside_another_field(path, oid) -> None:
    """'quanti accordi nel 2024? e il valore intermedio?': the amount's sentence names no place of it, so
    the target is stated as well as the field the other sentence names."""
    assistant, records = _plan(path)
    o = next(r for r in records if r.id == oid)
    noun, target = _counted(o)
    row = next(r for r in o.indicatori if r.target == target)
    many = "quante" if noun.endswith("e") else "quanti"
    answer = assistant.ask(f"Per l'obiettivo «{o.titolo}», {many} {noun} nel {row.anno}? e il target intermedio?")
    assert " ".join(target.split()) in " ".join(answer.answer.split()), answer.answer


def test_without_a_thesaurus_an_amount_of_an_unnamed_thing_is_answered_as_before(monkeypatch) -> None:
    """PIAO_THESAURUS=none (or no thesaurus installed): a synonym could not be told from a missing count,
    so nothing is refused for it; the objective's amounts are answered."""
    from ingest import text  # noqa: PLC0415

    case = UNNAMED[0]
    records = load(case[0])
    o = next(r for r in records if r.id == case[1])
    monkeypatch.setenv("PIAO_THESAURUS", "none")
    text._thesaurus.cache_clear()
    try:
        assert not has_thesaurus()
        answer = Assistant(records).ask(_question(case[2], o))
        assert "non riporta questo dato" not in answer.answer, answer.answer
    finally:
        monkeypatch.delenv("PIAO_THESAURUS")
        text._thesaurus.cache_clear()
