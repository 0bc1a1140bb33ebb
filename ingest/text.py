"""Text normalisation helpers shared by the readers, the label matcher and the record builder.

Records keep the document's wording: these helpers only normalise white space, decide when a
cell means "nothing" and fold text for *matching* (never for storing).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WHITESPACE = re.compile(r"\s+")
_DASHES_ONLY = re.compile(r"^[-\u2013\u2014]+$")
_BRACKETED = re.compile(r"\([^()]*\)")
_SLASH_SPACES = re.compile(r"\s*/\s*")
_TRAILING_PUNCT = re.compile(r"[\s:.;*]+$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")


def normalize_space(text: str) -> str:
    """Runs of white space (NBSP, tabs, newlines included) become one space; ends stripped."""
    return _WHITESPACE.sub(" ", text).strip()


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Normalise each paragraph, drop the empty ones, join the rest with ``\\n``."""
    return "\n".join(p for p in (normalize_space(x) for x in paragraphs) if p)


def null_if_empty(text: str | None) -> str | None:
    """``None`` for a cell that is empty or only dashes (``-``, ``---``), else the text."""
    if text is None:
        return None
    stripped = text.strip()
    if not stripped or _DASHES_ONLY.match(stripped):
        return None
    return text


def strip_accents(text: str) -> str:
    """``Comunità`` -> ``Comunita``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Matching key of a label: lower case, no accents, no (bracketed notes), tidy spaces.

    ``"Peso\\n(in %\\nmax 100)"`` -> ``"peso"``; ``"Stakeholder\\nfinali / destinatari"`` ->
    ``"stakeholder finali/destinatari"``.
    """
    folded = strip_accents(text).lower().replace("\u2019", "'")
    previous = None
    while previous != folded:  # nested brackets: remove innermost first
        previous = folded
        folded = _BRACKETED.sub(" ", folded)
    folded = _SLASH_SPACES.sub("/", normalize_space(folded))
    return _TRAILING_PUNCT.sub("", folded)


def slugify(text: str) -> str:
    """``"VITA DELLA COMUNITÀ"`` -> ``"vita-della-comunita"``."""
    return _NON_ALNUM.sub("-", strip_accents(text).lower()).strip("-")


def drop_bookmarks(text: str) -> str:
    """Remove the ``[bookmark: NAME]`` markers that text exports leave for Word bookmarks."""
    return _BOOKMARK.sub("", text)
