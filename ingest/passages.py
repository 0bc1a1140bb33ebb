"""Prose outside the objective tables -> ``Passage`` records (pure).

A plan is mostly prose around its tables (valore pubblico, rischi corruttivi e trasparenza,
organizzazione, lavoro agile, formazione...). Paragraphs are grouped under their heading chain:
consecutive paragraphs under the same headings join into one passage up to ``MAX_CHARS``; a
heading or a table ends a passage; a paragraph longer than that is split between sentences (never
inside one). Status texts of objectives ("Stato di attuazione al ...") belong to the records, not
to the passages. Tables that are not objective tables are left out (their cells have no prose).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ingest.labels import label_kind
from ingest.types import DocumentModel, Paragraph, Passage

MAX_CHARS = 1000
MIN_PROSE_CHARS = 200  # less prose than this (a title, a caption) is no plan to import as text
_MAX_HEADING_WORDS = 15
_SENTENCE_END = (".", ":", ";", ",", "!", "?")
_BOUNDARY = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-Ý0-9«\"“(-])")
_HEADING_NUMBER = re.compile(r"^\s*(?:(?:sezione|sottosezione|parte|capitolo)\s+)?(\d+(?:\.\d+)*)[.)]?\s", re.I)


@dataclass
class _Chunk:
    sezione: str
    texts: list[str] = field(default_factory=list)
    page: int | None = None
    first: int = 0

    @property
    def size(self) -> int:
        return sum(len(t) for t in self.texts) + max(0, len(self.texts) - 1)


def heading_level(block: Paragraph, *, styled: bool) -> int | None:
    """The heading level of a paragraph (1 = top), or ``None`` for body text.

    A style's level when the reader knows it; else a numbered title ('3.2 Lavoro agile' -> 2); else a
    short bold or capitalised line without closing punctuation (or, where the format has no styles,
    any such short line) counts as a heading one level below the last numbered one.
    """
    if block.heading_level is not None:
        return block.heading_level
    text = block.text.strip()
    short = 0 < len(text.split()) <= _MAX_HEADING_WORDS and not text.endswith(_SENTENCE_END) and "\n" not in text
    if not short:
        return None
    numbered = _HEADING_NUMBER.match(text)
    if numbered and (block.bold or text[:1].isupper()):
        return numbered.group(1).count(".") + 1
    if block.bold or text.isupper() or (not styled and text[:1].isupper() and len(text.split()) <= 6):
        return 9
    return None


def has_prose(passages: list[Passage]) -> bool:
    """Whether the passages hold enough text to import a document as prose."""
    return sum(len(p.testo) for p in passages) >= MIN_PROSE_CHARS


def split_sentences(text: str, limit: int = MAX_CHARS) -> list[str]:
    """A long text cut between sentences into pieces of at most ``limit`` characters where possible
    (a single sentence longer than that stays whole)."""
    sentences = [s for s in _BOUNDARY.split(text) if s.strip()]
    out: list[str] = []
    for sentence in sentences:
        if out and len(out[-1]) + 1 + len(sentence) <= limit:
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def _paragraphs(doc: DocumentModel) -> Iterator[tuple[int, Paragraph | None]]:
    """(1-based paragraph position, paragraph) in order; ``(n, None)`` where a table stands."""
    n = 0
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            n += 1
            yield n, block
        else:
            yield n, None


def build_passages(doc: DocumentModel, documento: str, ente: str | None = None) -> list[Passage]:
    """The prose passages of a document, in reading order (see the module docstring)."""
    styled = doc.format in ("docx", "pdf")
    chain: list[tuple[int, str]] = []
    chunks: list[_Chunk] = []
    current: _Chunk | None = None
    in_status = False
    for position, block in _paragraphs(doc):
        if block is None:  # a table ends the passage (and a status text after it)
            current, in_status = None, False
            continue
        text = block.text.strip()
        if not text:
            continue
        level = heading_level(block, styled=styled)
        if label_kind(text.split("\n")[0]) == "stato":
            current, in_status = None, True
            continue
        if level is not None:
            chain = [(lv, t) for lv, t in chain if lv < level] + [(level, " ".join(text.split()))]
            current, in_status = None, False
            continue
        if in_status:
            continue
        sezione = " › ".join(t for _, t in chain)
        for piece in split_sentences(text) if len(text) > MAX_CHARS else [text]:
            if current is None or current.sezione != sezione or current.size + 1 + len(piece) > MAX_CHARS:
                current = _Chunk(sezione, page=block.page, first=position)
                chunks.append(current)
            current.texts.append(piece)
    return [Passage(id=f"passaggio-{i}", documento=documento, ente=ente, sezione=c.sezione,
                    testo="\n".join(c.texts), pagina=c.page, paragrafo=c.first)
            for i, c in enumerate(chunks, 1)]
