"""The project's one stemmer: a noun's singular and plural meet, a verb's infinitive is not a plural.

Snowball reads an Italian plural in -ere ('delibere', 'lettere', 'bandiere') as an infinitive and cuts it
short, so that it missed its singular; the dictionary form tells the two apart.
"""
from __future__ import annotations

import pytest

from ingest.text import stem, writes_phrase

NOUNS = ["delibera", "lettera", "bandiera", "carriera", "miniera", "frontiera", "fiera", "preghiera", "scogliera"]


@pytest.mark.parametrize("singular", NOUNS)
def test_a_plural_in_ere_meets_its_singular(singular) -> None:
    plural = singular[:-1] + "e"
    assert stem(plural) == stem(singular), (plural, stem(plural), stem(singular))
    assert writes_phrase(f"Approvate le {plural} di giunta", f"{singular} di giunta")


@pytest.mark.parametrize("verb", ["prendere", "vedere", "leggere", "ricevere", "chiedere", "scrivere", "tessere"])
def test_an_infinitive_keeps_its_verb_stem(verb) -> None:
    assert len(stem(verb)) <= len(verb) - 3, (verb, stem(verb))  # the infinitive's ending cut, as Snowball does
