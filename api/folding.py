"""Text folding for matching words typed by users against record values (the project's one text module)."""
from __future__ import annotations

from ingest.text import norm


def fold(text: str) -> str:
    """Lower case without accents, quotes unified, whitespace collapsed (for matching words)."""
    return norm(text)
