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
from assistant.lexicon import CONCEPTS_PATH, LEXICON_PATH, build_lexicon, load_lexicon
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
