"""Entity linking to stored values: sectors, people, classifications, with typos."""
from __future__ import annotations

import json

import pytest

from assistant.catalog import Catalog
from assistant.lexicon import load_lexicon
from assistant.understanding.slots import link_all
from ingest.text import norm, proper_names
from ingest.types import Objective
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def catalog(gold_records):
    return Catalog(gold_records, load_lexicon())


def links(q, catalog):
    text = catalog.speller.correct_text(norm(q), keep=proper_names(q), names=catalog.name_words)
    return link_all(text, q, catalog, load_lexicon())


@pytest.mark.parametrize(("question", "sector"), [
    ("Quanti obiettivi ha il settore Entrate?", "SETTORE ENTRATE"),
    ("obiettivi della Vita della Comunità", "SETTORE VITA DELLA COMUNITÀ"),
    ("Quali obiettivi ha il SUAP?", "SETTORE SUAP"),
    ("obiettivi del settore pianificazione", "SETTORE PIANIFICAZIONE TERRITORIALE"),
    ("obiettivi dei Servizi scolastici ed educativi", "SETTORE SERVIZI SCOLASTICI"),
    ("Quanti obiettivi ci sono nel settore scuola?", "SETTORE SERVIZI SCOLASTICI"),  # everyday name
    ("obiettivi del settore tributi", "SETTORE ENTRATE"),
])
def test_sector(catalog, question, sector):
    assert links(question, catalog).settore == sector


def test_everyday_name_of_a_sector_not_in_the_plan_stays_unknown(catalog):
    # 'servizi sociali' is a known everyday name, but no stored heading holds it
    found = links("obiettivi del settore politiche sociali", catalog)
    assert found.settore is None and found.unknown == ["settore politiche sociali"]


def test_unknown_sector_is_reported(catalog):
    found = links("Quali sono gli obiettivi del settore Polizia Locale?", catalog)
    assert found.settore is None and found.unknown == ["settore polizia locale"]
    assert links("Obiettivi del settore Servizi Sociali", catalog).unknown == ["settore servizi sociali"]


@pytest.mark.parametrize(("question", "person"), [
    ("Quali obiettivi sono in capo a Natascia Giomo?", "Natascia Giomo"),
    ("obiettivi di Giomo", "Natascia Giomo"),
    ("Quanti obiettivi ha Desi Zanelati?", "Desi Zanellati"),
])
def test_person_with_typos_and_surname_only(catalog, question, person):
    assert links(question, catalog).persons == [person]


def test_lowercase_common_word_is_not_a_surname(catalog):
    assert links("un amico mi ha detto del nido", catalog).persons == []


@pytest.mark.parametrize(("question", "value"), [
    ("obiettivi classificati come pari opportunità ed equilibrio di genere", "pari opportunita ed equilibrio di genere"),
    ('classificazione "Accessibilità, fisica e digitale"', "accessibilita fisica e digitale"),
    ("obiettivi di semplificazione e reingegnerizzazione", "semplificazione e reingegnerizzazione"),
])
def test_classification_full_or_partial(catalog, question, value):
    assert links(question, catalog).classificazione == value


def test_capitalised_name_is_not_corrected_into_a_month_and_is_reported_unknown(catalog):
    question = "Quali obiettivi ha Mario Bianchi?"
    assert "marzo" not in catalog.speller.correct_text(norm(question), keep=proper_names(question),
                                                       names=catalog.name_words)
    found = links(question, catalog)
    assert found.persons == [] and found.unknown == ["Mario Bianchi"]


def test_misspelt_stored_name_still_links(catalog):
    assert links("Quali obiettivi ha Natascia Gomo?", catalog).persons == ["Natascia Giomo"]


def test_title_case_typing_is_not_an_unknown_name(catalog):
    assert links("Il Comune Aiuta gli Anziani?", catalog).unknown == []


ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"


def _with_people(records, names):
    """The records with their responsabili replaced by invented people, one per record in turn."""
    return [r.model_copy(update={"responsabile": names[i % len(names)]}) for i, r in enumerate(records)]


@pytest.mark.parametrize("template", ["quanti obiettivi ha la {s}?", "cosa segue {s}", "obiettivi della {s} e chi li segue",
                                      "di cosa si occupa il {s}?"])
def test_surname_typed_in_lower_case_links_when_it_is_no_word(template):
    """A surname that is no Italian word names its person written in lower case, in any plan; one that is
    a word ('barbieri', 'ferro', 'sole') needs its capital, or every question with the word would be his."""
    rocca = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    names = ["Ottavia Brugnoletti", "Ivo Scardovelli", "Marisa Ferro", "Dario Sole", "Gino Pellacani"]
    catalog = Catalog(_with_people(rocca, names), load_lexicon())
    for name in names:
        surname = name.split()[-1].lower()
        found = links(template.format(s=surname), catalog).persons
        assert found == ([] if surname in ("ferro", "sole") else [name]), (name, found)


@pytest.mark.parametrize("aside", ["(ufficio comunale)", "(ufficio)", ", cioè l'ufficio del municipio,",
                                   "(primo piano del municipio)"])
@pytest.mark.parametrize("plan", ["casalgrande", "roccafelice"])
def test_a_sector_name_followed_by_an_aside_still_links(gold_records, plan, aside):
    """'area tecnica (ufficio tecnico comunale)', 'settore Entrate, cioè l'ufficio tributi': the words in
    brackets or after a comma are an aside, not more words of the name ('settore servizi sociali' is
    still not 'Servizi scolastici')."""
    records = gold_records if plan == "casalgrande" else [
        Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    catalog = Catalog(records, load_lexicon())
    for sector in sorted({o.settore for o in records}):
        q = f"chi guida il {sector.lower()} {aside} e quanti obiettivi ha?"
        assert links(q, catalog).settore == sector, q


_OTHER_FUNCTION_WORDS = {"al": ["ai", "per i", "dei", ""], "della": ["di", "delle", ""], "ed": ["e", ""],
                         "e": ["ed", ""], "di": ["del", ""], "del": ["di", ""], "dei": ["di", ""]}


@pytest.mark.parametrize("plan", ["casalgrande", "roccafelice", "generated"])
def test_a_sector_name_with_other_function_words_still_links(gold_records, plan):
    """'area dei servizi ai cittadini' names 'Area Servizi al Cittadino', all of it ('cittadini' is
    no topic left over): the function words of a name may be written otherwise, or not at all. Every sector whose
    name has function words, of both plans and of invented ones, each function word swapped in turn."""
    rocca = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    records = {"casalgrande": gold_records, "roccafelice": rocca, "generated": [
        o.model_copy(update={"settore": name}) for o, name in zip(rocca, [
            "Area Politiche per la Casa e il Lavoro", "Settore Tutela del Territorio ed Ambiente",
            "Servizio Cultura e Tempo Libero", "Area Servizi alla Persona"] * 5, strict=False)]}[plan]
    catalog = Catalog(records, load_lexicon())
    checked = 0
    for sector in sorted({o.settore for o in records}):
        words = norm(sector).split()
        for n, word in enumerate(words):
            for other in _OTHER_FUNCTION_WORDS.get(word, []):
                name = " ".join([*words[:n], *other.split(), *words[n + 1:]])
                q = f"quanti obiettivi ha {name}?"
                found = links(q, catalog)
                # the whole name is the sector's, none of its words is left to be a topic
                assert found.settore == sector and found.sector_span is not None, q
                assert norm(q)[found.sector_span[0]:found.sector_span[1]].endswith(name.split()[-1]), q
                checked += 1
    assert checked >= 3
