"""A list whose topic shares only a word with some record ('vigili urbani' ~ 'rigenerazione urbana')
is refused when search by meaning ranks that record far down; kept when meaning agrees.

The dense search here is a stand-in for the index with a fixed order (the ``DenseSearch`` interface):
the mechanism under test is how words and meaning are combined, not the embedding model."""
from __future__ import annotations

from typing import Any

from assistant import Assistant, Message
from ingest.index import Hit
from tests.assistant.test_understanding import _generated


class FixedOrder:
    """Dense search returning the records in a given order, similarity falling by rank."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def search(self, query: str, k: int = 10, where: dict[str, Any] | None = None) -> list[Hit]:
        return [Hit(key=key, kind="card", text="", score=0.9 - 0.01 * r) for r, key in enumerate(self.keys[:k])]


def _records():
    records = _generated(9)
    return [o.model_copy(update={"titolo": "Rigenerazione urbana del centro storico"}) if i == 4 else o
            for i, o in enumerate(records)]


def test_a_word_in_common_is_not_the_subject_when_meaning_ranks_it_far() -> None:
    records = _records()
    urban = records[4].key
    far = [o.key for o in records if o.key != urban] + [urban]
    answer = Assistant(records, dense=FixedOrder(far)).answer(
        [Message(role="user", content="Quali obiettivi riguardano i vigili urbani?")])
    assert answer.refused  # (the record may still be offered as a nearest objective)


def test_the_same_words_are_kept_when_meaning_agrees() -> None:
    records = _records()
    urban = records[4].key
    near = [urban] + [o.key for o in records if o.key != urban]
    answer = Assistant(records, dense=FixedOrder(near)).answer(
        [Message(role="user", content="Quali obiettivi riguardano i vigili urbani?")])
    assert not answer.refused and answer.objective_ids == [records[4].id]
