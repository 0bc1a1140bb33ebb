"""The ``Stato di attuazione al DD/MM/YYYY`` label: its date and the text that follows it (pure)."""
from __future__ import annotations

import re

from ingest.text import null_if_empty

_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4}|\d{2})\b")
_MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre")
_WORD_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
_STATO_SPLIT = re.compile(r"^(?P<label>[^:\n]*?\d{1,2}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{2,4}|[^:\n]*?:)\s*[:\-–]?\s*")


def split_stato(text: str) -> tuple[str, str | None]:
    """``'Stato di attuazione al 30/06/2023: testo'`` -> (label, text or None)."""
    first, _, rest = text.partition("\n")
    match = _STATO_SPLIT.match(first)
    if match is None:
        return first, null_if_empty(rest) if rest else None
    inline = first[match.end():]
    body = "\n".join(p for p in (inline, rest) if p.strip())
    return match.group("label"), null_if_empty(body) if body else None


def iso_date(label: str) -> str | None:
    """The date in a status label, ISO form (``al 30/06/2023`` -> ``2023-06-30``)."""
    match = _NUMERIC_DATE.search(label)
    if match:
        day, month, year = (int(g) for g in match.groups())
        year = year + 2000 if year < 100 else year
    else:
        word = _WORD_DATE.search(label)
        if word is None:
            return None
        day, month, year = int(word.group(1)), _MONTHS.index(word.group(2).lower()) + 1, int(word.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"
