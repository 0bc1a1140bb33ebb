"""Words a list question uses that the records write otherwise, or not as a topic.

- A person named by the title alone ('gli obiettivi dell'ingegnere', 'di cosa è responsabile il geometra?'):
  the one person whose stored name starts with that title (its abbreviation: 'Ing.', 'Geom.', 'Arch.'); a
  title several people share, or one followed by a name the plan lacks, names nobody.
- A word of the same family as one the records write ('digitalizzazione' of 'digitale',
  'regolamentazione' of 'regolamento'), and a word derived from a word of asking ('comunicazione' of
  'comunica'), which stays a topic: a list about something no record treats is refused, never all of them.
- A preamble saying who asks ('uff. personale, x il nucleo: quanti ob. ha l'area ...?') neither narrows the
  sector's objectives nor turns a count of objectives into a refusal about staff numbers.
- A phrase sought in a field no record states ('scadenza "entro il"' in a plan writing deadlines as targets)
  is sought where the records write it, and such a target is the objective's deadline.

Generated from Roccafelice's records with titles, people and words moved (a fixed answer cannot pass).
"""
from __future__ import annotations

import pytest

from assistant import Assistant
from ingest.types import Objective
from tests.assistant.plans import assert_lists, listed, load


def _people(titles: dict[int, str]) -> list[Objective]:
    """Roccafelice's records, the responsabile of objective ``i`` replaced by ``titles[i]`` (a titled name)
    and every other one by a plain name."""
    out = []
    for i, o in enumerate(load()):
        name = titles.get(i, f"Mario Rossi{chr(97 + i % 5)}")
        out.append(o.model_copy(update={"responsabile": name}))
    return out


@pytest.mark.parametrize(("titles", "question", "want"), [
    ({2: "Ing. Paola Verdi", 7: "Geom. Luca Neri"}, "gli obiettivi di cui si occupa l'ingegnere", {2}),
    ({2: "Ing. Paola Verdi", 7: "Geom. Luca Neri"}, "il geometra di cosa è responsabile?", {7}),
    ({5: "Arch. Elena Fontana", 11: "Arch. Elena Fontana", 3: "Ing. Bruno Galli"},
     "quali obiettivi segue l'architetto?", {5, 11}),
    ({9: "Dott.ssa Carla Bassi", 12: "Dott. Piero Bassi"}, "che obiettivi ha la dottoressa?", {9}),
])
def test_a_person_is_named_by_the_title_alone(titles, question, want) -> None:
    records = _people(titles)
    assert_lists(Assistant(records), records, question, {records[i].id for i in want})


@pytest.mark.parametrize("question", ["obiettivi dell'ing. Bartolini", "quali obiettivi segue l'ingegner Bartolini?"])
def test_a_title_before_a_name_the_plan_lacks_names_nobody(question) -> None:
    records = _people({2: "Ing. Paola Verdi"})
    answer = Assistant(records).ask(question)
    assert records[2].id not in listed(answer.answer, records) or len(listed(answer.answer, records)) > 1, \
        answer.answer


def test_a_title_several_people_share_names_nobody_alone() -> None:
    records = _people({2: "Ing. Paola Verdi", 6: "Ing. Marco Bellini"})
    answer = Assistant(records).ask("gli obiettivi dell'ingegnere")
    assert listed(answer.answer, records) != {records[2].id}, answer.answer
    assert listed(answer.answer, records) != {records[6].id}, answer.answer


def _worded(words: dict[int, str]) -> list[Objective]:
    """Roccafelice's records with ``words[i]`` written into the title of objective ``i``."""
    return [o.model_copy(update={"titolo": f"{o.titolo}: {words[i]}"}) if i in words else o
            for i, o in enumerate(load())]


@pytest.mark.parametrize(("words", "question"), [
    ({3: "nuovo catalogo dei beni", 8: "catalogo online"}, "quali obiettivi riguardano la catalogazione?"),
    ({1: "nuovo regolamento delle sale", 14: "regolamento del verde"}, "gli obiettivi sulla regolamentazione"),
    ({4: "sensibilizzazione ambientale", 10: "piano di sensibilizzazione"}, "quali obiettivi parlano di sensibilizzare?"),
])
def test_a_word_of_the_same_family_finds_the_records_writing_it(words, question) -> None:
    records = _worded(words)
    assert_lists(Assistant(records), records, question, {records[i].id for i in words})


@pytest.mark.parametrize("question", ["quali obiettivi riguardano la comunicazione?", "gli obiettivi che trattano la comunicazione"])
def test_a_noun_derived_from_a_word_of_asking_stays_the_topic(question) -> None:
    records = load()
    assert not any("comunicazion" in o.model_dump_json().lower() for o in records)
    answer = Assistant(records).ask(question)
    assert answer.refused and not listed(answer.answer, records), answer.answer
    with_it = _worded({6: "comunicazione ai cittadini"})
    answer = Assistant(with_it).ask(question)
    assert listed(answer.answer, with_it) == {with_it[6].id}, answer.answer


@pytest.mark.parametrize("preamble", ["uff. personale, x il nucleo:", "ufficio personale, per la relazione:",
                                      "Buongiorno, sono del personale, mi serve per il nucleo."])
@pytest.mark.parametrize("sector", ["Area Amministrativa e Risorse Umane", "Area Tecnica"])
def test_a_preamble_neither_narrows_nor_refuses_a_count_of_a_sector(preamble, sector) -> None:
    records = load()
    want = {o.id for o in records if o.settore == sector}
    answer = Assistant(records).ask(f"{preamble} quanti ob. ha l'{sector.lower()}?")
    assert not answer.refused, answer.answer
    assert listed(answer.answer, records) == want, answer.answer
    assert str(len(want)) in answer.answer.split("\n")[0], answer.answer


@pytest.mark.parametrize(("question", "year"), [
    ("quali obiettivi hanno una scadenza 'entro il' nel secondo semestre 2025?", 2025),
    ("quali obiettivi hanno una scadenza nel 2026?", 2026),
    ("segreteria: quali ob. hanno una scadenza \"entro il\" nel 2027?", 2027),
])
def test_a_deadline_written_as_a_target_is_the_deadline(question, year) -> None:
    records = load()
    assert not any(r.scadenza for o in records for r in o.indicatori)
    want = {o.id for o in records for r in o.indicatori if r.anno == year and (r.target or "").startswith("Entro il")
            and ("semestre" not in question or r.target[-7:-5] in ("07", "08", "09", "10", "11", "12"))}
    answer = Assistant(records).ask(question)
    assert want and not answer.refused, answer.answer
    assert listed(answer.answer, records) == want, answer.answer
