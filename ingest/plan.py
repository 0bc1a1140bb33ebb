"""Which plan a document is: its period ('2023-2025') and its monitoring date (pure).

A PIAO covers three years and is monitored during the year ("Stato di attuazione al 30/06/2023",
then "al 31/12/2023"): several documents may hold the same plan at different monitoring dates, and
an entity publishes a new plan every year. The issuing body (``detect_ente``) comes from the cover,
title or page header. The period comes from the document's own text
("PIAO 2023-2025", "triennio 2023/2025"), else from the file name ('piao_2023_2025.docx', or a
single year 'piao_casalgrande_2023.docx' taken as the first of three), else it is unknown.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from ingest.types import DocumentModel, Objective, Paragraph

PLAN_YEARS = 3  # a PIAO is triennial: a single year Y stands for Y-(Y+2)
_HEAD_PARAGRAPHS = 60  # the period is stated near the start (title page, introduction)
_RANGE = re.compile(r"(?<!\d)(20\d\d)\s*[-–/_]\s*(20\d\d)(?!\d)")
_CUED_RANGE = re.compile(r"(?:piao|piano|triennio|programmazione)\D{0,40}?(?<!\d)(20\d\d)\s*[-–/]\s*(20\d\d)(?!\d)",
                         re.IGNORECASE)
_FILE_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_PERIODO = re.compile(r"\s*(20\d\d)\s*[-–/]\s*(20\d\d)\s*")


def normalise_periodo(text: str) -> str | None:
    """'2023/2025' or '2023 – 2025' -> '2023-2025'; a single year '2023' -> '2023-2025'; else None."""
    found = _PERIODO.fullmatch(text)
    if found:
        first, last = int(found.group(1)), int(found.group(2))
        return f"{first}-{last}" if 0 < last - first <= 5 else None
    if re.fullmatch(r"\s*20\d\d\s*", text):
        first = int(text)
        return f"{first}-{first + PLAN_YEARS - 1}"
    return None


def _plausible(first: str, last: str) -> str | None:
    a, b = int(first), int(last)
    return f"{a}-{b}" if 1 <= b - a <= 5 else None


def periodo_from_text(doc: DocumentModel) -> str | None:
    """The plan period stated in the first paragraphs ('PIAO 2023-2025'), preferring a cued one."""
    head = [b.text for b in doc.blocks if isinstance(b, Paragraph)][:_HEAD_PARAGRAPHS]
    for pattern in (_CUED_RANGE, _RANGE):
        for text in head:
            for found in pattern.finditer(text):
                periodo = _plausible(found.group(1), found.group(2))
                if periodo:
                    return periodo
    return None


def periodo_from_file(name: str) -> str | None:
    """The plan period a file name states: 'piao_2023-2025' or a single year 'piao_casalgrande_2023'."""
    found = _RANGE.search(name)
    if found and _plausible(found.group(1), found.group(2)):
        return _plausible(found.group(1), found.group(2))
    years = _FILE_YEAR.findall(name)
    return normalise_periodo(years[0]) if len(years) == 1 else None


def detect_periodo(doc: DocumentModel, file_name: str) -> str | None:
    """The plan period of a document: from its text, else from its file name, else ``None``."""
    return periodo_from_text(doc) or periodo_from_file(file_name)


def monitoring_date(objectives: Sequence[Objective]) -> str | None:
    """The monitoring date of a document: the latest ``Stato di attuazione`` date of its records (ISO)."""
    dates = [o.stato_attuazione.data for o in objectives if o.stato_attuazione and o.stato_attuazione.data]
    return max(dates) if dates else None


def periodo_start(periodo: str | None) -> int:
    """The first year of a period (0 when unknown), to order plans."""
    found = re.match(r"(20\d\d)", periodo or "")
    return int(found.group(1)) if found else 0


# -- the issuing body ----------------------------------------------------------------------------

_HEAD_BLOCKS = 12  # the cover and title: the paragraphs before the first table, at most this many
_MAX_TITLE_WORDS = 25
_BODY = re.compile(
    r"^(?P<body>"
    r"comune\s+(?:di|del|della|dello|dei|degli|delle|dell')"
    r"|unione\s+(?:(?:dei|di)\s+)?comuni(?:\s+(?:di|del|della|dei|delle|dell'))?"
    r"|unione\s+(?:montana\s+)?(?:di|del|della|dei|delle|dell')"
    r"|provincia\s+(?:di|del|della|dell')"
    r"|citt[aà]\s+metropolitana\s+di"
    r"|comunit[aà]\s+montana\s+(?:di|del|della|dei|delle|dell')"
    r"|regione)\b\s*(?P<name>[^\n\-–—|,:;()/]+)",
    re.IGNORECASE)
_NAME_END = re.compile(r"\s+(?:piao|piano|p\.i\.a\.o\.|sottosezione|sezione|anno|anni|triennio|\d).*$", re.IGNORECASE)
_LOWER_WORDS = frozenset({"di", "del", "della", "dello", "dei", "degli", "delle", "dell'", "e", "ed", "d'",
                          "in", "sul", "sulla", "al", "alla", "nel", "nella", "sui"})


_RANK = {"provincia": 1, "regione": 2}  # a Comune, an Unione, a Città metropolitana rank 0


class EnteFound(BaseModel):
    """The issuing body named by the document, and where."""

    ente: str  # 'Comune di Roccafelice'
    fonte: str  # 'copertina', 'intestazione di pagina'
    testo: str  # the line it was read from


def detect_ente(doc: DocumentModel) -> EnteFound | None:
    """The body a document names as its author on its cover, title or page header
    ('COMUNE DI ROCCAFELICE – PIAO 2025-2027' -> 'Comune di Roccafelice'); ``None`` when none does.
    A body named only inside the text (an introduction) does not count. Where a cover names several
    (``Comune di X`` and, below, ``Provincia di Y``), the smallest body is the author."""
    found = [EnteFound(ente=name, fonte="intestazione di pagina", testo=text[:120])
             for text in doc.page_headers if (name := _body_in(text))]
    found += [EnteFound(ente=name, fonte="copertina o titolo", testo=block.text[:120])
              for block in _cover(doc) if (name := _body_in(block.text))]
    return min(found, key=lambda f: _RANK.get(f.ente.split()[0].lower(), 0), default=None)


def _cover(doc: DocumentModel) -> list[Paragraph]:
    head: list[Paragraph] = []
    for block in doc.blocks[:_HEAD_BLOCKS]:
        if not isinstance(block, Paragraph):
            break
        head.append(block)
    return [b for b in head if len(b.text.split()) <= _MAX_TITLE_WORDS]


def _body_in(text: str) -> str | None:
    line = text.strip().split("\n")[0]
    found = _BODY.match(line)
    if found is None:
        return None
    name = _NAME_END.sub("", found.group("name")).strip(" .'’")
    words = name.split()
    # a proper name: capitalised words and particles ('Reggio nell'Emilia'); a sentence is not a title
    if not words or len(words) > 6 or not all(w[:1].isupper() or w.lower() in _LOWER_WORDS
                                              or w.lower().startswith(("nell'", "dell'", "d'")) for w in words):
        return None
    return _title_case(f"{found.group('body')} {name}".replace("' ", "'"))


def _title_case(text: str) -> str:
    """As written when it has lower-case letters; an all-capitals name in title case."""
    words = text.split()
    if any(c.islower() for c in text):
        return words[0][:1].upper() + " ".join(words)[1:]
    out = []
    for i, word in enumerate(words):
        low = word.lower()
        if i and low in _LOWER_WORDS:
            out.append(low)
        elif low.startswith(("dell'", "d'", "l'")) and i:
            head, _, tail = low.partition("'")
            out.append(f"{head}'{tail[:1].upper()}{tail[1:]}")
        else:
            out.append(low[:1].upper() + low[1:])
    return " ".join(out)

