"""Which documents a question is about: the entity ('Comune di X', 'a X') and the plan ('PIAO 2024-2026').

Several documents may be loaded: plans of several entities, several plans (periods) of one entity,
several monitoring versions of one plan. A question is answered from one version per plan (the latest
monitoring date), of the plan it names or else the latest plan, of the entity it names or else the
default entity (``PIAO_ENTE``) or the only one. With several entities and none named or configured,
single-objective questions search every entity's current plan (the answer says which), while lists
and counts ask which entity, unless the question asks for all of them ("in tutti gli enti").

The entity is resolved first (``partition.EntityIndex``), and the question answered within that
scope's records only (``engine``); with more entities than one page and none named, lists and counts
go a page of entities at a time and single-objective questions to the nearest entities (``across``).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ingest.plan import monitoring_date, periodo_start
from ingest.text import italian_words, norm, phrase_pattern, tokens
from ingest.types import Objective

SCOPE_PATH = Path(__file__).with_name("scope.yaml")
_RANGE = re.compile(r"(?<![\d/])(20\d\d)\s*[-/]\s*(20\d\d)(?![\d/])")
_DAY_MONTH = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?(?![\d/.])")


@dataclass(frozen=True)
class PlanDoc:
    """One loaded document as a version of a plan."""

    documento: str
    ente: str | None
    periodo: str | None
    data: str | None  # monitoring date (ISO)


@dataclass(frozen=True)
class DatedStatus:
    """One dated status of an objective of a plan, from whichever version reported it."""

    data: str
    testo: str
    documento: str


@dataclass
class ScopeLinks:
    """What a question says about its scope, and the character spans that said it."""

    ente: str | None = None
    all_entities: bool = False
    periodo: str | None = None
    unknown_plan: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


@lru_cache(maxsize=1)
def _config() -> dict[str, Any]:
    with open(SCOPE_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["all_pattern"] = phrase_pattern(data["all_entities"])
    data["plan_pattern"] = re.compile(r"(?<![a-z])(?:" + "|".join(map(re.escape, data["plan_cues"]))
                                      + r")\s+(?:del\s+|della\s+|of\s+)?(20\d\d)(?![\d/-])")
    return data


def _docs_from_records(records: Sequence[Objective]) -> list[PlanDoc]:
    by_doc: dict[str, list[Objective]] = defaultdict(list)
    for o in records:
        by_doc[o.documento].append(o)
    return [PlanDoc(d, next((o.ente for o in objs if o.ente), None), _period(objs), monitoring_date(objs))
            for d, objs in by_doc.items()]


def _period(records: Sequence[Objective]) -> str | None:
    """'2025-2027': the years the records' indicators span, when they span a plan's three years."""
    years = sorted({y for o in records for y in o.anni})
    return f"{years[0]}-{years[-1]}" if len(years) >= 2 and years[-1] - years[0] == 2 else None


class Plans:
    """The loaded documents grouped by entity and plan, with each objective's dated statuses."""

    def __init__(self, records: Sequence[Objective], docs: Sequence[PlanDoc] | None = None,
                 history: Sequence[Any] | None = None, multi: bool | None = None) -> None:
        known = {d.documento: d for d in (docs or [])}
        self._multi = multi
        derived = {d.documento: d for d in _docs_from_records(records)}
        self.docs: dict[str, PlanDoc] = {k: known.get(k, v) for k, v in derived.items()}
        self.docs.update({k: v for k, v in known.items() if k not in self.docs})
        self.entes: list[str] = sorted({d.ente for d in self.docs.values() if d.ente})
        self.periodi: list[str] = sorted({d.periodo for d in self.docs.values() if d.periodo}, key=periodo_start)
        self.history: dict[tuple[str, str, str], list[DatedStatus]] = defaultdict(list)
        entries = history if history is not None else self._history_from(records)
        for h in entries:
            key = (h.ente or "", h.periodo or "", h.objective_id)
            if all(x.data != h.data for x in self.history[key]):
                self.history[key].append(DatedStatus(h.data, h.testo, h.documento))
        for items in self.history.values():
            items.sort(key=lambda x: x.data)
        config = _config()
        self._entity_names = {e: _entity_variants(e, set(config["entity_types"])) for e in self.entes}

    def _history_from(self, records: Sequence[Objective]) -> list[Any]:
        out = []
        for o in records:
            doc = self.docs[o.documento]
            if o.stato_attuazione and o.stato_attuazione.data and o.stato_attuazione.testo:
                out.append(_Entry(doc.ente, doc.periodo, o.id, o.stato_attuazione.data, o.stato_attuazione.testo,
                                  o.documento))
        return out

    @property
    def multi(self) -> bool:
        """More than one document loaded (answers then say which plan they come from); a scope's
        plans know it from the loaded documents as a whole."""
        return self._multi if self._multi is not None else len(self.docs) > 1

    def statuses(self, obj: Objective) -> list[DatedStatus]:
        """The dated statuses of an objective across the monitoring versions of its plan, oldest first."""
        doc = self.docs.get(obj.documento)
        if doc is None:
            return []
        return list(self.history.get((doc.ente or "", doc.periodo or "", obj.id), []))

    def current(self, entes: Sequence[str | None], periodo: str | None = None) -> list[str]:
        """Per entity, the latest-monitoring version of the named plan (or of the latest plan)."""
        out = []
        for ente in entes:
            docs = [d for d in self.docs.values() if d.ente == ente]
            if periodo is not None:
                docs = [d for d in docs if d.periodo == periodo]
            if not docs:
                continue
            latest = max(periodo_start(d.periodo) for d in docs)
            docs = [d for d in docs if periodo_start(d.periodo) == latest]
            out.append(max(docs, key=lambda d: (d.data or "", d.documento)).documento)
        return out

    def link(self, text: str) -> ScopeLinks:
        """The entity, 'all entities' and the plan a normalised question names."""
        links = ScopeLinks()
        config = _config()
        found = config["all_pattern"].search(text) if config["all_pattern"] else None
        if found:
            links.all_entities = True
            links.spans.append(found.span())
        best: tuple[int, str, tuple[int, int]] | None = None
        for ente, variants in self._entity_names.items():
            for variant in variants:
                m = re.search(r"(?<![a-z0-9])" + r"\s+".join(map(re.escape, variant)) + r"(?![a-z0-9])", text)
                if m and (best is None or len(variant) > best[0]):
                    best = (len(variant), ente, m.span())
        if best:
            links.ente = best[1]
            links.spans.append(best[2])
        elif not self.entes and (named := _BODY_NAMED.search(text)) and \
                italian_words().get(named.group(1), 0) < PLACE_NAME_COUNT:
            # plans that name no entity: 'il Comune di Casalgrande' is the body whose plan is loaded, not a
            # topic (its name may be a word of titles: 'Centro Culturale di Casalgrande')
            links.spans.append(named.span())
        self._link_period(text, links)
        return links

    def _link_period(self, text: str, links: ScopeLinks) -> None:
        cues = _config()["plan_cues"]
        for m in _RANGE.finditer(text):
            periodo = f"{m.group(1)}-{m.group(2)}"
            # a stored period, or a period the question calls a plan ('PIAO 2026-2028'); a bare range
            # that is neither ('target 2023-2024') is left to the years of the indicators
            cued = any(w in cues for w in tokens(text[:m.start()])[-3:])
            if periodo in self.periodi or (cued and 1 <= int(m.group(2)) - int(m.group(1)) <= 5):
                links.spans.append(m.span())
                if periodo in self.periodi:
                    links.periodo = periodo
                else:
                    links.unknown_plan = periodo
                return
        m = _config()["plan_pattern"].search(text)
        if m and self.periodi:
            start = int(m.group(1))
            match = [p for p in self.periodi if periodo_start(p) == start]
            links.spans.append(m.span())
            if match:
                links.periodo = match[0]
            else:
                links.unknown_plan = m.group(1)

    def label(self, documento: str) -> tuple[str | None, str | None, str | None]:
        """(ente, periodo, monitoring date) of a loaded document."""
        doc = self.docs.get(documento)
        return (doc.ente, doc.periodo, doc.data) if doc else (None, None, None)


@dataclass(frozen=True)
class _Entry:
    ente: str | None
    periodo: str | None
    objective_id: str
    data: str
    testo: str
    documento: str


# a body named by its kind and its name ('il comune di casalgrande', "l'unione dei comuni della bassa")
_BODY_NAMED = re.compile(r"(?<![a-z])(?:comune|unione(?:\s+dei\s+comuni)?|provincia|citta\s+metropolitana)"
                         r"\s+(?:di|del|della|dei|delle|dell'?)\s*([a-z]+)")
PLACE_NAME_COUNT = 500  # a name rarer than this in the Italian word list is a place ('casalgrande', 'modena'),
# not a common noun ('il comune di residenza')


def _entity_variants(ente: str, type_words: set[str]) -> list[tuple[str, ...]]:
    full = tuple(tokens(ente))
    proper = full
    while proper and proper[0] in type_words:
        proper = proper[1:]
    return [v for v in {full, proper} if v]


@dataclass
class Scope:
    """The documents a question is answered from."""

    documenti: list[str] | None  # None: every loaded document (one document loaded)
    ambiguous: list[str] = field(default_factory=list)  # entities to choose from (lists/counts)
    unknown_plan: str | None = None


def resolve(links: ScopeLinks, plans: Plans, default_ente: str | None) -> Scope:
    """The documents in scope for what the question named (see the module docstring)."""
    if not plans.multi:
        return Scope(None, unknown_plan=links.unknown_plan)
    present: list[str | None] = sorted({d.ente for d in plans.docs.values()}, key=lambda e: e or "")
    ambiguous: list[str] = []
    if links.all_entities:
        entes = present
    elif links.ente:
        entes = [links.ente]
    elif default_ente and norm(default_ente) in {norm(e) for e in plans.entes}:
        entes = [next(e for e in plans.entes if norm(e) == norm(default_ente))]
    else:
        entes = present
        ambiguous = list(plans.entes) if len(present) > 1 else []
    return Scope(plans.current(entes, links.periodo), ambiguous=ambiguous, unknown_plan=links.unknown_plan)


def asked_dates(text: str) -> list[tuple[int | None, int]]:
    """The monitoring dates a normalised question names, as (day or None, month): 'al 30/06', 'a dicembre'."""
    out: list[tuple[int | None, int]] = []
    for m in _DAY_MONTH.finditer(text):
        day, month = int(m.group(1)), int(m.group(2))
        if 1 <= day <= 31 and 1 <= month <= 12:
            out.append((day, month))
    for name, month in _config()["months"].items():
        if re.search(rf"(?<![a-z]){name}(?![a-z])", text):
            out.append((None, month))
    return out


def date_matches(iso: str, asked: Sequence[tuple[int | None, int]]) -> bool:
    """Whether an ISO date is one of the asked (day, month) dates."""
    _, month, day = (int(x) for x in iso.split("-"))
    return any(m == month and (d is None or d == day) for d, m in asked)
