"""Data-quality report of extracted objectives (pure). It reports; it never fixes the text.

Checks: objectives found per sector against the heading's ``(N OBIETTIVI)``; weights per sector
and year that do not sum to 100 (``'30'`` counts as 30%; a weight stated once for the objective
counts for its first year); weights given on some indicator rows of a year but not on the later
ones; objectives without responsabile, target or stato di attuazione; values that look cut off
(a date like ``31/12/202``, an impossible date like ``17/0/2023``, a title ending in "di").
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from ingest.labels import vocabulary
from ingest.objectives import Extraction, SectorHeading
from ingest.types import Objective

IssueKind = Literal[
    "peso_mancante", "peso_non_numerico", "peso_senza_percentuale", "senza_responsabile",
    "senza_target", "senza_indicatori", "senza_stato", "valore_troncato", "data_non_valida",
]
_WEIGHT = re.compile(r"^\s*(\d{1,3}(?:[.,]\d+)?)\s*(%?)\s*$")
_TRUNCATED_DATE = re.compile(r"(?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-]\d{3}(?![\d])")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")
_LAST_WORD = re.compile(r"(\w+)\W*$")
_TOLERANCE = 0.01


class SectorCount(BaseModel):
    settore: str
    declared: int | None = None
    found: int
    ok: bool


class WeightTotal(BaseModel):
    settore: str
    anno: int | None
    totale: float
    pesi: list[str]  # "finanziario-1: 40%"
    ok: bool


class Issue(BaseModel):
    kind: IssueKind
    objective_id: str
    campo: str | None = None
    valore: str | None = None
    message: str


class QualityReport(BaseModel):
    """What ``piao ingest`` and ``piao quality`` print."""

    n_objectives: int
    sectors: list[SectorCount] = Field(default_factory=list)
    weights: list[WeightTotal] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    unmapped_headers: dict[str, list[int]] = Field(default_factory=dict)  # header -> tables: no field read

    @property
    def ok(self) -> bool:
        """Counts match and weights sum to 100 (the issues are listed, not judged)."""
        return all(s.ok for s in self.sectors) and all(w.ok for w in self.weights)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.model_dump(mode="json")}

    def render(self) -> str:
        """The report in Italian, one finding per line."""
        lines = [f"Obiettivi trovati: {self.n_objectives}."]
        if self.n_objectives == 0 and not self.sectors:
            lines.append("Il documento non contiene schede obiettivo: solo il testo è stato importato.")
        else:
            lines += _render_sectors(self.sectors)
        lines += _render_weights(self.weights)
        if self.unmapped_headers:
            lines.append("Colonne senza un campo corrispondente (non lette):")
            lines += [f"  - «{' '.join(h.split())}» (tabelle {', '.join(map(str, t))})"
                      for h, t in self.unmapped_headers.items()]
        if self.issues:
            lines.append(f"Da verificare nel documento ({len(self.issues)}):")
            lines += [f"  - {i.objective_id}: {i.message}" for i in self.issues]
        if self.warnings:
            lines.append(f"Avvisi della lettura ({len(self.warnings)}):")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)


def _render_sectors(sectors: list[SectorCount]) -> list[str]:
    wrong = [s for s in sectors if not s.ok]
    if sectors and all(s.declared is None for s in sectors):
        counts = ", ".join(f"{s.settore} {s.found}" for s in sectors)
        return [f"Obiettivi per settore (il documento non dichiara quanti sono): {counts}."]
    if not wrong:
        if len(sectors) == 1:
            return ["Obiettivi per settore: l'unico settore corrisponde al numero dichiarato."]
        return [f"Obiettivi per settore: tutti i {len(sectors)} settori corrispondono al numero dichiarato."]
    lines = ["Obiettivi per settore che non corrispondono al numero dichiarato:"]
    for s in wrong:
        declared = "nessun numero dichiarato" if s.declared is None else f"dichiarati {s.declared}"
        lines.append(f"  - {s.settore}: trovati {s.found}, {declared}")
    return lines


def _render_weights(weights: list[WeightTotal]) -> list[str]:
    lines: list[str] = []
    years = sorted({w.anno for w in weights if w.anno is not None})
    for year in years:
        of_year = [w for w in weights if w.anno == year]
        if all(w.ok for w in of_year):
            where = "nell'unico settore che li indica" if len(of_year) == 1 else \
                f"in tutti i {len(of_year)} settori che li indicano"
            lines.append(f"Pesi {year}: somma 100% {where}.")
    sums = [w for w in weights if w.anno is not None and w.settore]
    if sums:
        lines.append("Somma dei pesi per settore: " + "; ".join(
            f"{w.settore} {w.anno} {_pct(w.totale)}" for w in sums) + ".")
    wrong = [w for w in weights if not w.ok]
    if wrong:
        lines.append("Pesi che non sommano a 100%:")
        for w in wrong:
            year = w.anno if w.anno is not None else "anno non indicato"
            lines.append(f"  - {w.settore}, {year}: {_pct(w.totale)} ({', '.join(w.pesi)})")
    return lines


def _pct(value: float) -> str:
    return f"{value:g}%"


def build_report(extraction: Extraction) -> QualityReport:
    """Quality report of one document's extraction."""
    report = build_report_from_objectives(extraction.objectives, extraction.sectors, extraction.warnings)
    report.unmapped_headers = dict(extraction.unmapped_headers)
    return report


def build_report_from_objectives(
    objectives: Sequence[Objective],
    sectors: Iterable[SectorHeading | dict[str, Any]] = (),
    warnings: Iterable[str] = (),
) -> QualityReport:
    """Quality report from records (e.g. read back from the store) and the sector headings."""
    issues: list[Issue] = []
    for obj in objectives:
        issues += _missing(obj) + _weight_rows(obj) + _cut_off(obj)
    return QualityReport(
        n_objectives=len(objectives),
        sectors=_sector_counts(objectives, sectors),
        weights=_weight_totals(objectives),
        issues=issues,
        warnings=list(warnings),
    )


def _sector_counts(objectives: Sequence[Objective],
                   sectors: Iterable[SectorHeading | dict[str, Any]]) -> list[SectorCount]:
    declared: dict[str, int | None] = {}
    for s in sectors:
        name, count = (s.name, s.declared_count) if isinstance(s, SectorHeading) else (
            str(s["name"]), s.get("declared_count"))
        if name not in declared or declared[name] is None:
            declared[name] = count
    for obj in objectives:
        declared.setdefault(obj.settore, None)
    result = []
    for name, count in declared.items():
        found = sum(1 for o in objectives if o.settore == name)
        result.append(SectorCount(settore=name, declared=count, found=found,
                                  ok=count is None or count == found))
    return result


def _parse_weight(text: str | None) -> tuple[float | None, bool]:
    """(value, has '%'); value ``None`` when the text is not a number."""
    if text is None:
        return None, False
    match = _WEIGHT.match(text)
    if not match:
        return None, False
    return float(match.group(1).replace(",", ".")), bool(match.group(2))


def _weight_totals(objectives: Sequence[Objective]) -> list[WeightTotal]:
    totals: dict[tuple[str, int | None], list[tuple[str, str, float]]] = {}
    for obj in objectives:
        stated: list[tuple[int | None, str]] = [(i.anno, i.peso) for i in obj.indicatori if i.peso]
        if obj.peso:
            stated.append((obj.anni[0] if obj.anni else None, obj.peso))
        for year, text in stated:
            value, _ = _parse_weight(text)
            if value is not None:
                totals.setdefault((obj.settore, year), []).append((obj.id, text, value))
    result = []
    for (settore, year), items in totals.items():
        total = round(sum(v for _, _, v in items), 4)
        result.append(WeightTotal(settore=settore, anno=year, totale=total,
                                  pesi=[f"{i}: {t}" for i, t, _ in items], ok=abs(total - 100) < _TOLERANCE))
    return result


def _missing(obj: Objective) -> list[Issue]:
    issues = []
    if obj.responsabile is None:
        issues.append(Issue(kind="senza_responsabile", objective_id=obj.id, campo="responsabile",
                            message="nessun responsabile indicato."))
    if not obj.indicatori:
        issues.append(Issue(kind="senza_indicatori", objective_id=obj.id, campo="indicatori",
                            message="nessun indicatore."))
    elif all(i.target is None for i in obj.indicatori):
        issues.append(Issue(kind="senza_target", objective_id=obj.id, campo="target",
                            message="nessun target indicato."))
    if obj.stato_attuazione is None or obj.stato_attuazione.testo is None:
        issues.append(Issue(kind="senza_stato", objective_id=obj.id, campo="stato_attuazione",
                            message="nessuno stato di attuazione."))
    return issues


def _weight_rows(obj: Objective) -> list[Issue]:
    """Weights missing on later rows of a year, and weights that are not plain percentages."""
    issues = []
    weights = [(obj.peso, "peso")] + [(i.peso, f"indicatori[{n}].peso") for n, i in enumerate(obj.indicatori)]
    for text, campo in weights:
        value, percent = _parse_weight(text)
        if text is not None and value is None:
            issues.append(Issue(kind="peso_non_numerico", objective_id=obj.id, campo=campo, valore=text,
                                message=f"{campo}: peso {text!r} non numerico."))
        elif text is not None and not percent:
            issues.append(Issue(kind="peso_senza_percentuale", objective_id=obj.id, campo=campo, valore=text,
                                message=f"{campo}: peso scritto {text!r} senza '%' (conteggiato come {text}%)."))
    for year in obj.anni:
        rows = [i for i in obj.indicatori if i.anno == year]
        missing = [i for i in rows if i.peso is None]
        if missing and len(missing) < len(rows):
            names = "; ".join((i.indicatore or "?")[:60] for i in missing)
            issues.append(Issue(
                kind="peso_mancante", objective_id=obj.id, campo="peso",
                message=f"{year}: peso indicato solo su {len(rows) - len(missing)} delle {len(rows)} righe "
                        f"di indicatori; manca su: {names}."))
    return issues


def _texts(obj: Objective) -> Iterable[tuple[str, str]]:
    for name in ("titolo", "classificazione", "destinatari", "contributor", "obiettivo_strategico",
                 "responsabile", "personale_coinvolto", "pnrr", "anticorruzione"):
        value = getattr(obj, name)
        if value:
            yield name, value
    for n, ind in enumerate(obj.indicatori):
        for name in ("indicatore", "scadenza", "baseline", "target", "target_intermedio",
                     "target_raggiunto", "fonte_verifica"):
            value = getattr(ind, name)
            if value:
                yield f"indicatori[{n}].{name}", value
    if obj.stato_attuazione and obj.stato_attuazione.testo:
        yield "stato_attuazione.testo", obj.stato_attuazione.testo


def _cut_off(obj: Objective) -> list[Issue]:
    issues = []
    dangling = vocabulary().dangling_words
    for campo, value in _texts(obj):
        for match in _TRUNCATED_DATE.finditer(value):
            issues.append(Issue(kind="valore_troncato", objective_id=obj.id, campo=campo, valore=match.group(0),
                                message=f"{campo}: data forse troncata {match.group(0)!r}."))
        for match in _SLASH_DATE.finditer(value):
            day, month = int(match.group(1)), int(match.group(2))
            if not (1 <= day <= 31 and 1 <= month <= 12):
                issues.append(Issue(kind="data_non_valida", objective_id=obj.id, campo=campo,
                                    valore=match.group(0), message=f"{campo}: data impossibile {match.group(0)!r}."))
        last = _LAST_WORD.search(value) if campo in ("titolo", "stato_attuazione.testo") else None
        if last and last.group(1).lower() in dangling and not value.rstrip().endswith((".", ")", "”", '"')):
            issues.append(Issue(kind="valore_troncato", objective_id=obj.id, campo=campo, valore=value[-40:],
                                message=f"{campo}: il testo sembra interrotto ({value[-40:]!r})."))
    return issues
