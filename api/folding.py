"""Text folding for matching words typed by users against record values."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, whitespace collapsed (for matching words)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())
