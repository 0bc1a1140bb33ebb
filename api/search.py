"""Search over the values of the records (never over field names), and the PNRR link of an objective.

A query matches an objective when its words occur, in order and as whole words, in one of the
objective's values (accents, case and spacing ignored: ``ingest.text.tokens``). When no objective has
them as whole words, the last word may be the start of a word (so that a search typed halfway already
finds something). The word ``PNRR`` is also matched by the objectives linked to the PNRR (a ``pnrr``
value that is not a "no"), since that is what a user searching it looks for.

The values are those of ``ingest.store_search.record_values``: the database's full-text index holds
the same words, so the list endpoint asks the database for the candidates (``phrases``) and checks
only those here (``matches``).
"""
from __future__ import annotations

from collections.abc import Sequence

from ingest.store_rows import has_pnrr
from ingest.store_search import Phrase, record_values
from ingest.text import tokens
from ingest.types import Objective


def pnrr_linked(obj: Objective) -> bool:
    """Whether the ``pnrr`` value names a measure (``No``, ``-`` or ``Nessuno`` do not): the store's rule."""
    return has_pnrr(obj)


def phrases(text: str) -> list[Phrase]:
    """What to look for, in order: the query's words as whole words, then with the last as a word start
    (none for a query without words)."""
    words = tuple(tokens(text))
    return [Phrase(words, False), Phrase(words, True)] if words else []


def _contains(words: list[str], phrase: Phrase) -> bool:
    query, n = phrase.words, len(phrase.words)
    for i in range(len(words) - n + 1):
        last = words[i + n - 1]
        if list(words[i:i + n - 1]) == list(query[:-1]) and (
                last.startswith(query[-1]) if phrase.prefix_last else last == query[-1]):
            return True
    return False


def matches(obj: Objective, phrase: Phrase) -> bool:
    """Whether one of the record's values holds the phrase."""
    return any(_contains(tokens(value), phrase) for value in record_values(obj))


def search(objectives: Sequence[Objective], text: str) -> list[Objective]:
    """The objectives whose values contain ``text`` (whole words; else the last word as a word start)."""
    tried = phrases(text)
    if not tried:
        return list(objectives)
    for phrase in tried:
        found = [o for o in objectives if matches(o, phrase)]
        if found:
            return found
    return []
