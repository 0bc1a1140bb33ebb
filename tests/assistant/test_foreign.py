"""Questions in Spanish, French and German are read through the translation tables
(``assistant/foreign.yaml``): a topic named in the other language reaches the record that names it in
Italian, in any plan. Generated: every table entry whose Italian names exactly one record's title."""
import json
from pathlib import Path

import pytest
import yaml

from assistant import Assistant, Message
from assistant.lexicon import FOREIGN_PATH, build_lexicon, load_lexicon
from ingest.text import stems, tokens
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"
ASK = {"es": "¿Quién es el responsable de {k}?", "fr": "Qui est responsable de {k} ?", "de": "Wer ist für {k} zuständig?",
       "en": "Who is responsible for the {k}?"}


def _cases(records, lexicon):
    """(question, the one record whose title names the entry's Italian) for the tables' topic entries:
    no function word, no month, no cognate (the first four letters differ)."""
    out = []
    for language, table in yaml.safe_load(FOREIGN_PATH.read_text(encoding="utf-8")).items():
        for foreign, italian in table.items():
            words = tokens(italian)
            if (len(tokens(foreign)) > 2 or not words or foreign[:4] == italian[:4]
                    or any(w in lexicon.stopwords or w in lexicon.months for w in words)):
                continue
            named = [o for o in records if set(stems(italian)) <= set(stems(o.titolo))]
            if len(named) == 1:
                out.append((ASK[language].format(k=foreign), named[0].id))
    return out


@pytest.mark.parametrize("translated", [True, False])
def test_a_topic_named_in_another_language_reaches_its_record(translated):
    records = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    lexicon = load_lexicon() if translated else load_lexicon(foreign=None)  # the control: no tables
    cases = _cases(records, load_lexicon())
    assert len(cases) >= 60
    assistant = Assistant(records, lexicon=lexicon)
    found = sum(assistant.answer([Message(role="user", content=q)]).objective_ids == [want] for q, want in cases)
    if translated:
        assert found >= 0.85 * len(cases), found
    else:
        assert found <= 0.2 * len(cases), found


def test_the_tables_are_read_through_their_schema():
    with pytest.raises(ValueError):
        build_lexicon({}, None, {"es": {}, "pt": {"obrigado": "grazie"}})


def test_a_glossary_name_in_another_language_is_read_whole():
    """'the school canteen' is the concept's first name ('mensa scolastica'), not 'the scuola canteen':
    every glossary name of two or more English words, read in an English question."""
    from assistant.understanding.language import translate  # noqa: PLC0415
    from ingest.text import english_words, italian_words, norm  # noqa: PLC0415

    lexicon = load_lexicon()
    english, italian = english_words(), italian_words()
    checked = 0
    for group in lexicon.synonyms:
        if not group.concept:
            continue
        for name in group.variants:
            words = name.split()
            if len(words) < 2 or not all(w in english and w not in italian for w in words):
                continue
            read = translate(norm(f"who handles the {name} here?"), lexicon, "en")
            assert f" {group.variants[0]} " in f" {read} ", read
            checked += 1
    assert checked >= 20, checked


def test_a_glossary_name_written_in_italian_stays_as_written():
    """An English question quoting an Italian name ('the Nucleo di valutazione') keeps it: the concept's
    first name is for names in the question's own language only. Every Italian glossary name of two or
    more Italian words, read in an English question."""
    from assistant.understanding.language import translate  # noqa: PLC0415
    from ingest.text import ITALIAN_MIN_COUNT, italian_words, norm  # noqa: PLC0415

    lexicon = load_lexicon()
    italian = italian_words()
    checked = 0
    for group in lexicon.synonyms:
        if not group.concept:
            continue
        for name in group.variants[1:]:
            words = [w for w in name.split() if w not in lexicon.stopwords]
            if len(name.split()) < 2 or not words or not all(italian.get(w, 0) >= ITALIAN_MIN_COUNT for w in words):
                continue
            read = translate(norm(f"which objectives mention the {name}?"), lexicon, "en")
            assert f" {name}?" in f" {read}", (name, read)
            checked += 1
    assert checked >= 50, checked


def test_german_compounds_are_read_as_their_parts():
    """A compound the German table lacks is read as two entries it has, head first as Italian writes it
    ('Finanz-abteilung' -> 'settore finanze'), with or without a linking letter ('Verkehrs-amt'). Generated:
    pairs of the table's single nouns joined into compounds it does not list."""
    import random

    from assistant.understanding.language import decompound

    table = load_lexicon().translations["de"][0]
    nouns = sorted(k for k, v in table.items() if k.isalpha() and len(k) >= 5 and " " not in v and k[0] not in "aeiou")
    rng = random.Random(7)
    checked, right = 0, 0
    for _ in range(300):
        modifier, head = rng.sample(nouns, 2)
        for link in ("", "s"):
            compound = modifier + link + head
            if compound in table:
                continue
            checked += 1
            right += decompound(compound, table) == f"{table[head]} {table[modifier]}"
    assert checked >= 300 and right >= 0.9 * checked, (right, checked)
    assert decompound("verwaltungsverfahren", table) == "verwaltungsverfahren"  # listed whole: not split


@pytest.mark.parametrize(("language", "template"), [("es", "¿Cuántos {k} tiene el ayuntamiento?"),
                                                    ("fr", "Combien de {k} a la commune ?")])
def test_a_question_full_of_plurals_is_read_in_its_language(language, template):
    """Word lists of other languages hold few plurals ('objetivos', 'servicios'): a plural counts as its
    singular, so a short question whose nouns are plural is still recognised. Generated: every plural of
    the language's table."""
    from assistant.understanding.language import detect_language
    from ingest.text import norm

    lexicon = load_lexicon()
    table = lexicon.translations[language][0]
    plurals = [k for k in table if k.isalpha() and len(k) >= 7 and k.endswith("s") and k[:-1] in table]
    found = [detect_language(norm(template.format(k=k)), lexicon) for k in plurals]
    assert len(plurals) >= 20 and found.count(language) >= 0.9 * len(plurals), (found.count(language), len(plurals))


def test_prepositions_translated_apart_are_joined_as_italian_writes_them():
    """'sur les déchets' becomes 'su i rifiuti' word by word: joined into 'sui rifiuti', every glossary name
    written with a joined preposition and article is found again. Generated: each such name, split apart."""
    from assistant.understanding.language import contract

    splits = {f"{p}{a}": f"{pp} {aa}" for pp, p in (("di", "de"), ("a", "a"), ("da", "da"), ("in", "ne"), ("su", "su"))
              for aa, a in (("il", "l"), ("lo", "llo"), ("la", "lla"), ("i", "i"), ("gli", "gli"), ("le", "lle"))}
    names = {v for s in load_lexicon().synonyms for v in s.variants if any(w in splits for w in v.split())}
    assert len(names) >= 10
    for name in names:
        apart = " ".join(splits.get(w, w) for w in name.split())
        assert contract(apart) == name, (apart, name)
