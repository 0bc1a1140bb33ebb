"""The synthetic status of an objective (concluso / in corso / non avviato / non indicato).

Derived from the status text and the reached values by the rule written in ``status.yaml`` (and in
the README): it is a reading aid shown beside the quoted status text, never instead of it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel

from api.folding import fold
from ingest.types import Objective

CUES_PATH = Path(__file__).with_name("status.yaml")
Sintesi = Literal["concluso", "in corso", "non avviato", "non indicato"]
SINTESI_VALUES: tuple[Sintesi, ...] = ("concluso", "in corso", "non avviato", "non indicato")
_NUMBER = re.compile(r"^\s*(?:n\.\s*)?(\d+(?:[.,]\d+)?)\s*%?\s*$")
_WORD = re.compile(r"\w+")


class StatoSintetico(BaseModel):
    """The synthetic status and why it was chosen (the cue found, or the values compared)."""

    stato: Sintesi
    motivo: str


class _Cues(BaseModel):
    not_started: list[str]
    concluded: list[str]
    in_progress: list[str]
    negations: list[str]


@lru_cache(maxsize=1)
def cues() -> _Cues:
    return _Cues.model_validate(yaml.safe_load(CUES_PATH.read_text(encoding="utf-8")))


def _words(text: str) -> list[str]:
    return [fold(w) for w in _WORD.findall(text)]


def _find(words: list[str], cue: str) -> int | None:
    """Index of the first word where ``cue`` (word starts, in order) begins, else None."""
    parts = _words(cue)
    for i in range(len(words) - len(parts) + 1):
        if all(words[i + k].startswith(p) if k == len(parts) - 1 else words[i + k] == p
               for k, p in enumerate(parts)):
            return i
    return None


def _negated(words: list[str], index: int, negations: list[str]) -> bool:
    before = " ".join(words[max(0, index - 3):index])
    return any(re.search(rf"\b{re.escape(fold(n))}\b", before) for n in negations)


def _first_cue(text: str, candidates: list[str], negations: list[str] | None = None) -> str | None:
    """The words of ``text`` (as written) where the first cue not negated begins, else None."""
    written = _WORD.findall(text)
    words = [fold(w) for w in written]
    for cue in candidates:
        index = _find(words, cue)
        while index is not None:
            if negations is None or not _negated(words, index, negations):
                return " ".join(written[index:index + len(_words(cue))])
            rest = _find(words[index + 1:], cue)
            index = None if rest is None else index + 1 + rest
    return None


def _number(text: str | None) -> float | None:
    match = _NUMBER.match(text or "")
    return float(match.group(1).replace(",", ".")) if match else None


def _reached(obj: Objective) -> tuple[int, int] | None:
    """(reached, compared) over the indicators of the status year with numeric target and result."""
    stato = obj.stato_attuazione
    year = int(stato.data[:4]) if stato and stato.data else None
    pairs = [(_number(i.target), _number(i.target_raggiunto)) for i in obj.indicatori
             if year is None or i.anno == year]
    compared = [(t, r) for t, r in pairs if t is not None and r is not None]
    if not compared:
        return None
    return sum(1 for t, r in compared if r >= t), len(compared)


def synthetic_status(obj: Objective) -> StatoSintetico:
    """Apply the rule of ``status.yaml`` to one objective."""
    text = obj.stato_attuazione.testo if obj.stato_attuazione else None
    if not text or not text.strip():
        return StatoSintetico(stato="non indicato", motivo="Il documento non riporta uno stato di attuazione.")
    c = cues()
    found = _first_cue(text, c.not_started)
    if found:
        return StatoSintetico(stato="non avviato", motivo=f"Il testo dice «{found}».")
    done = _first_cue(text, c.concluded, c.negations)
    ongoing = _first_cue(text, c.in_progress, c.negations)
    if done and not ongoing:
        return StatoSintetico(stato="concluso", motivo=f"Il testo dice «{done}».")
    reached = _reached(obj)
    if reached and reached[0] == reached[1]:
        return StatoSintetico(stato="concluso", motivo=f"Target raggiunti: {reached[0]} su {reached[1]}.")
    if ongoing:
        return StatoSintetico(stato="in corso", motivo=f"Il testo dice «{ongoing}».")
    if reached:
        return StatoSintetico(stato="in corso", motivo=f"Target raggiunti: {reached[0]} su {reached[1]}.")
    return StatoSintetico(stato="in corso",
                          motivo="Il testo riporta attività svolte senza dire che l'obiettivo è concluso.")
