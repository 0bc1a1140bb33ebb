"""The domain glossary (``assistant/concepts.yaml``): a question naming a concept in other words than the
plan's reaches the record that writes one of the concept's names, in any plan; the plan's own words are
never traded for others."""
import json
import random
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from assistant.catalog import Catalog
from assistant.lexicon import CONCEPTS_PATH, LEXICON_PATH, build_lexicon, load_lexicon, synonym_hits
from assistant.querying.retrieve import Retriever
from ingest.text import norm, stems
from ingest.types import Objective

ROOT = Path(__file__).resolve().parents[2]
ROCCAFELICE = ROOT / "samples" / "piao_roccafelice_2025_performance.gold.json"


def _raw(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_glossary_is_read_through_its_schema():
    with pytest.raises(ValidationError):
        build_lexicon(_raw(LEXICON_PATH), {"concepts": [{"concept": "x", "expressions": ["a"], "cue": "b"}]})
    with pytest.raises(ValidationError):
        build_lexicon(_raw(LEXICON_PATH), {"concepts": [], "synonyms": []})


def test_no_expression_names_two_concepts():
    seen: dict[str, str] = {}
    for group in _raw(CONCEPTS_PATH)["concepts"]:
        for e in group["expressions"]:
            assert seen.setdefault(norm(e), group["concept"]) == group["concept"], e


def _pairs(seed=7, n=40):
    """(plan's name, question's name) of ``n`` concepts: two names sharing no word stem."""
    out = []
    for group in _raw(CONCEPTS_PATH)["concepts"]:
        names = [norm(e) for e in group["expressions"] if len(stems(norm(e))) >= 1]
        pairs = [(a, b) for a in names for b in names if a != b and not set(stems(a)) & set(stems(b))
                 and all(len(w) > 3 for w in norm(b).split())]
        if pairs:
            out.append(random.Random(group["concept"]).choice(sorted(pairs)))
    return random.Random(seed).sample(out, n)


def _plan_writing(names):
    """Roccafelice's records, each retitled with one concept's name (one record a name)."""
    rocca = [Objective.model_validate(r) for r in json.loads(ROCCAFELICE.read_text(encoding="utf-8"))]
    return [rocca[i % len(rocca)].model_copy(update={
        "id": f"gen-{i}", "titolo": f"{name[0].upper()}{name[1:]}: attuazione", "indicatori": [],
        "stato_attuazione": None, "destinatari": None, "obiettivo_strategico": None}) for i, name in enumerate(names)]


@pytest.mark.parametrize("with_glossary", [True, False])
def test_a_concepts_other_name_finds_the_record_that_writes_one(with_glossary):
    """A plan titled 'Riscossione coattiva', a question on 'i soldi non pagati': generated plans whose
    titles are one name of a concept each, questions with another name of the same concept. Without the
    glossary (the control) the words meet nothing."""
    pairs = _pairs()
    records = _plan_writing([a for a, _ in pairs])
    lexicon = load_lexicon() if with_glossary else load_lexicon(concepts=None)
    catalog = Catalog(records, lexicon)
    retriever = Retriever(catalog, catalog.lexicon)
    found = 0
    for record, (_, asked) in zip(records, pairs, strict=True):
        ranked = retriever.search(asked)
        found += bool(ranked) and ranked[0].key == record.key and ranked[0].coverage > 0
    if with_glossary:
        assert found >= 0.9 * len(pairs), found
    else:
        assert found <= 0.1 * len(pairs), found


def test_the_plans_own_words_are_not_traded_for_other_names():
    """'nido' written by the plan brings in no other name of the concept (a record on 'servizi 0-3' would
    compete); a phrase the plan does not write brings in only names it does write, and none made of the
    phrase's own words ('vigili urbani' is not 'vigili')."""
    records = _plan_writing(["asilo nido comunale", "servizi 0-3 accreditati", "vigili del fuoco volontari",
                             "polizia locale: pattuglie serali"])
    catalog = Catalog(records, load_lexicon())
    retriever = Retriever(catalog, catalog.lexicon)
    assert retriever.expansion("nido") == []
    by_other_names = retriever.expansion("vigili urbani")
    assert "polizia locale" in by_other_names and "vigili" not in by_other_names
    assert "asilo nido" in retriever.expansion("micronido")


def _inflected(word: str) -> str:
    """Another inflection of an Italian word: its final vowel swapped ('banca' -> 'banche')."""
    swap = {"a": "e", "e": "i", "o": "i", "i": "e"}
    if len(word) <= 4 or word[-1] not in swap:
        return word
    stem_ = word[:-1] + ("h" if word[-2] in "cg" and swap[word[-1]] in "ei" else "")
    return stem_ + swap[word[-1]]


def test_a_variant_is_found_in_other_inflections_and_with_other_function_words():
    """Every glossary name of two or more content words, each word inflected otherwise and an article
    added between the first two ('cambio banca' -> 'cambi della banche'), is still found, in its group."""
    lexicon = load_lexicon()
    checked = 0
    for i, group in enumerate(lexicon.synonyms):
        for name in group.variants:
            words = [w for w in name.split() if w not in lexicon.function_words]
            if len(words) < 2 or not all(w.isalpha() for w in words):
                continue
            text = f"chi segue {_inflected(words[0])} della {' '.join(_inflected(w) for w in words[1:])}?"
            assert any(i in groups for _, groups in synonym_hits(text, lexicon)), (name, text)
            checked += 1
    assert checked >= 300


@pytest.mark.parametrize("text", ["il piano che regola le cave", "la data della scadenza", "le regole del piano"])
def test_a_derived_word_is_not_an_inflection(text):
    """'regola' is not 'regolatore' (as an Italian stemmer has it), 'data' is not 'dat'."""
    found = {phrase for phrase, _ in synonym_hits(text, load_lexicon())}
    assert not found & {"piano che regola", "data", "regole del piano"}, found


def test_no_name_is_only_words_of_asking_or_an_everyday_word():
    """A name made only of the words people ask with ('a chi mi rivolgo', 'responsabili di settore') or
    of one of the commonest Italian words ('sai', 'sue' for SAI and SUE) would turn every question into
    its concept."""
    from assistant.understanding.phrasings import load_phrasings  # noqa: PLC0415
    from assistant.understanding.plan import phrasing_words  # noqa: PLC0415
    from ingest.text import italian_words, tokens  # noqa: PLC0415

    lexicon = load_lexicon()
    frequency = italian_words()
    commonest = set(sorted(frequency, key=lambda w: -frequency[w])[:1000])
    # the subjects of the requests the plan cannot answer ('cosa pensa il sindaco di ...') are no words
    # people ask every question with: only the words of the other phrasings' families count
    requests = {w for tpls in load_phrasings().unknown.values() for t in tpls for w in tokens(t)}
    others = {w for family in load_phrasings().model_dump(exclude={"unknown"}).values()
              for w in tokens(str(family))}
    asking = (phrasing_words() - (requests - others)) | lexicon.stopwords
    for group in lexicon.synonyms:
        for name in group.variants if group.concept else ():
            words = tokens(name)
            assert not all(w in asking for w in words), name
            assert not (len(words) == 1 and words[0] in commonest), name


def test_a_name_read_with_one_foreign_word_inside_it():
    """Every two-word English expression of the glossary, written with one more English word inside
    ('waste collection tax' for 'waste tax'), still names its concept; an Italian word inside does not
    stretch a name ('tassa comunale rifiuti' is not read as 'tassa rifiuti' by this rule)."""
    lexicon = load_lexicon()
    rng = random.Random(5)
    fillers = ["collection", "extra", "public", "monthly", "local"]
    checked = 0
    for group in _raw(CONCEPTS_PATH)["concepts"]:
        for e in group["expressions"]:
            words = norm(e).split()
            if len(words) != 2 or not all(w.isascii() and w.isalpha() for w in words) or e != e.lower():
                continue
            if any(w in ("di", "del", "della", "the", "of") for w in words):
                continue
            text = f"what about the {words[0]} {rng.choice(fillers)} {words[1]} please"
            hits = synonym_hits(norm(text), lexicon)
            names = {n for _, groups in hits for g in groups for n in lexicon.synonyms[g].terms}
            if norm(e) in names:
                checked += 1
    assert checked >= 40
    hits = synonym_hits(norm("la tassa comunale rifiuti"), lexicon)
    assert not any(phrase == "tassa comunale rifiuti" for phrase, _ in hits)
    waste = synonym_hits(norm("had the rules for the waste collection tax been approved?"), lexicon)
    assert any("tari" in lexicon.synonyms[g].terms for _, groups in waste for g in groups)
