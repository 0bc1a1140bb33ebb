"""Search over the values of the records (never over field names), and the PNRR link of an objective.

A query matches an objective when its words occur, in order and as whole words, in one of the
objective's values (accents, case and spacing ignored). When no objective has them as whole words,
the last word may be the start of a word (so that a search typed halfway already finds something).
The word ``PNRR`` is also matched by the objectives linked to the PNRR (a ``pnrr`` value that is not
a "no"), since that is what a user searching it looks for.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from api.folding import fold
from ingest.store_rows import has_pnrr
from ingest.types import Objective

_WORD = re.compile(r"\w+")
_FLAG_LABELS = {"pnrr": "pnrr"}  # field -> the word that finds the objectives where the field is set


def pnrr_linked(obj: Objective) -> bool:
    """Whether the ``pnrr`` value names a measure (``No``, ``-`` or ``Nessuno`` do not): the store's rule."""
    return has_pnrr(obj)


def _values(obj: Objective) -> Iterator[str]:
    for name in ("settore", "settore_cdr", "classificazione", "titolo", "destinatari", "contributor",
                 "obiettivo_strategico", "responsabile", "personale_coinvolto", "peso", "pnrr", "anticorruzione",
                 "ente"):
        value = getattr(obj, name)
        if value:
            yield value
    for ind in obj.indicatori:
        for value in (ind.indicatore, ind.scadenza, ind.baseline, ind.target, ind.target_intermedio,
                      ind.target_raggiunto, ind.peso, ind.fonte_verifica):
            if value:
                yield value
    if obj.stato_attuazione and obj.stato_attuazione.testo:
        yield obj.stato_attuazione.testo
    if pnrr_linked(obj):
        yield _FLAG_LABELS["pnrr"]


def _word_lists(obj: Objective) -> list[list[str]]:
    return [_WORD.findall(fold(v)) for v in _values(obj)]


def _contains(words: list[str], query: list[str], prefix_last: bool) -> bool:
    n = len(query)
    for i in range(len(words) - n + 1):
        if words[i:i + n - 1] == query[:-1] and (
                words[i + n - 1].startswith(query[-1]) if prefix_last else words[i + n - 1] == query[-1]):
            return True
    return False


def search(objectives: Sequence[Objective], text: str) -> list[Objective]:
    """The objectives whose values contain ``text`` (whole words; else the last word as a word start)."""
    query = _WORD.findall(fold(text))
    if not query:
        return list(objectives)
    indexed = [(o, _word_lists(o)) for o in objectives]
    for prefix_last in (False, True):
        found = [o for o, lists in indexed if any(_contains(w, query, prefix_last) for w in lists)]
        if found:
            return found
    return []
