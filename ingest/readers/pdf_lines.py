"""Lines of a PDF and the line-breaking rule that joins them into paragraphs (used by ``pdf.py``).

A word processor breaks a line when the next word does not fit, so a line followed by a word
that *would* have fitted ended its paragraph. When the next word would not have fitted, both
are possible; then the producer's habit decides where it can: LibreOffice keeps the space at
the end of a wrapped line (when it fits inside the margin) and writes none after the last
word of a paragraph. Wrapped lines are joined with a space (none after a hyphen or slash that
broke a word), paragraphs with ``\\n``.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Any

from ingest.text import normalize_space

EPS = 0.75  # pt: tolerance of position comparisons (rounding in the PDF writer)
# A wrapped line may look up to this much (x font size) shorter than the width it had:
# glyph advances in the PDF and in the word processor's layout differ a little.
_FIT_TOLERANCE = 0.15
# Of the lines that could have wrapped, the share that must end with a space glyph to tell
# that the producer keeps the space at a line break.
_SPACED_SHARE = 0.5
_LIST_START = re.compile(r"^(?:[-–•▪●*+]|>=?|<=?|\d{1,2}[).])\s")
_WORD_BREAK = re.compile(r"[^\W_][-/]$")  # a line broken inside a word or number, after - or /
_PARAGRAPH_SPACING = 1.0  # pt: a line pitch this much above the block's least starts a paragraph


@dataclass
class Line:
    """A line of text with what the line-breaking rule needs."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    first_word: float  # width of the line's first unbreakable piece
    end: float  # right end including trailing spaces (kept on the line by the word processor)
    spaced: bool  # the line ends with a space glyph
    space: float  # width of a space in the line's font


def lines_from_chars(chars: list[dict[str, Any]], page: int, space: float) -> list[Line]:
    """pdfplumber glyphs -> lines, top to bottom; a glyph joins the line its vertical middle
    falls in. ``space``: width of a space as a fraction of the font size."""
    groups: list[list[dict[str, Any]]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        mid = (ch["top"] + ch["bottom"]) / 2
        for group in reversed(groups[-3:]):
            if group[0]["top"] - EPS <= mid <= max(c["bottom"] for c in group) + EPS:
                group.append(ch)
                break
        else:
            groups.append([ch])
    lines = [_line(sorted(g, key=lambda c: c["x0"]), page, space) for g in groups]
    return [ln for ln in lines if ln.text]


def _line(chars: list[dict[str, Any]], page: int, space: float) -> Line:
    glyphs = [c for c in chars if not c["text"].isspace()] or chars
    size = statistics.median(c["size"] for c in glyphs)
    text: list[str] = []
    first_word: float | None = None
    start = glyphs[0]["x0"]
    prev: dict[str, Any] | None = None
    for i, ch in enumerate(chars):
        gap = prev is not None and ch["x0"] - prev["x1"] > 0.15 * size
        breaks = gap or ch["text"] in (" ", "\t")  # NBSP does not break
        if first_word is None and prev is not None and breaks and "".join(text).strip():
            first_word = prev["x1"] - start
        if gap and not ch["text"].isspace():
            text.append(" ")
        text.append(ch["text"])
        if (first_word is None and ch["text"] == "-" and prev is not None and prev["text"].isalpha()
                and i + 1 < len(chars) and chars[i + 1]["text"].isalpha()):
            first_word = ch["x1"] - start  # a line may break after a hyphen inside a word
        prev = ch
    x1 = max(c["x1"] for c in glyphs)
    return Line(text=normalize_space("".join(text)), page=page, x0=start, x1=x1,
                top=min(c["top"] for c in glyphs), bottom=max(c["bottom"] for c in glyphs),
                size=size, bold=all("bold" in c["fontname"].lower() for c in glyphs),
                first_word=first_word if first_word is not None else x1 - start,
                end=max(x1, chars[-1]["x1"]), spaced=chars[-1]["text"].isspace(), space=space * size)


def may_wrap(prev: Line, nxt: Line, left: float, right: float) -> bool:
    """Could ``nxt`` be the rest of ``prev``'s paragraph (text between ``left`` and ``right``)?
    Same font, no blank line between, not a list item, and its first word did not fit."""
    if abs(nxt.size - prev.size) > 0.5 or nxt.bold != prev.bold:
        return False
    if nxt.page == prev.page and nxt.top - prev.bottom > 0.8 * prev.size:
        return False  # an empty paragraph or paragraph spacing in between
    if _LIST_START.match(nxt.text):
        return False
    space = 0.0 if prev.spaced or _WORD_BREAK.search(prev.text) else prev.space
    needed = (prev.end - prev.x0) + space + nxt.first_word
    return needed > right - _start(prev, left, right) - _FIT_TOLERANCE * prev.size


def wraps(prev: Line, nxt: Line, left: float, right: float, spaced_breaks: bool) -> bool:
    """Does ``nxt`` go on with ``prev``'s paragraph? ``spaced_breaks``: the producer keeps
    the space at the end of a wrapped line, so a line ending without one, though one had
    room, ended its paragraph."""
    if not may_wrap(prev, nxt, left, right):
        return False
    if not spaced_breaks or prev.spaced or _WORD_BREAK.search(prev.text) or _centred(prev, left, right):
        return True  # a centred line's trailing space is not drawn: the habit cannot tell
    return _start(prev, left, right) + (prev.end - prev.x0) + prev.space > right - 0.07 * prev.size


def keeps_line_end_spaces(pairs: list[tuple[Line, Line, float, float]]) -> bool:
    """Does the producer keep a space at the end of wrapped lines? Judged on the consecutive
    line pairs ``(prev, nxt, left, right)`` that could be wraps."""
    candidates = [prev.spaced for prev, nxt, left, right in pairs if may_wrap(prev, nxt, left, right)]
    return len(candidates) >= 3 and sum(candidates) >= _SPACED_SHARE * len(candidates)


def join(lines: list[Line], left: float, right: float, spaced_breaks: bool) -> list[str]:
    """Lines -> the texts of their paragraphs. Where the lines of a block are set at two
    distances, the wider one is paragraph spacing: a paragraph break whatever the widths say."""
    pitches = [b.top - a.top for a, b in zip(lines, lines[1:], strict=False) if a.page == b.page]
    least = min(pitches, default=0.0)
    paras: list[str] = []
    for i, ln in enumerate(lines):
        prev = lines[i - 1] if i else None
        spaced_apart = prev is not None and prev.page == ln.page and ln.top - prev.top > least + _PARAGRAPH_SPACING
        if prev is not None and not spaced_apart and wraps(prev, ln, left, right, spaced_breaks):
            glue = "" if _WORD_BREAK.search(paras[-1]) or _cut_word(prev, ln, right) else " "
            paras[-1] += glue + ln.text
        else:
            paras.append(ln.text)
    return paras


def _cut_word(prev: Line, nxt: Line, right: float) -> bool:
    """A word wider than the column, cut where the column ends (no hyphen): the line is that
    one word, filling the width, and the next goes on in lower case."""
    return " " not in prev.text and right - prev.x1 < prev.space and nxt.text[:1].islower()


def _centred(line: Line, left: float, right: float) -> bool:
    return line.x0 > left + 2 * EPS and abs((line.x0 - left) - (right - line.x1)) < 2 * EPS


def _start(line: Line, left: float, right: float) -> float:
    """Where the line could start: the left edge for a centred line, else its own start."""
    return left if _centred(line, left, right) else line.x0
