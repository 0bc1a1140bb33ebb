"""The eval metrics, computed exactly as the reference scorer ``../shared/evals/score.py`` does.

Pure functions only (no assistant, no HTTP): the in-process harness, the HTTP runner and the
baseline share them. ``norm`` and ``contains`` are the scorer's own definitions, kept verbatim;
``tests/evals/test_metrics.py`` checks that they agree with the scorer on tricky inputs.
"""
from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from ingest.types import Objective

LIST_KINDS = ("list_filter", "aggregate")
QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"})


def norm(text: str) -> str:
    """Case, accents, quotes and spacing normalised (as score.py)."""
    text = unicodedata.normalize("NFKD", str(text).translate(QUOTES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


CITE_MARK = re.compile(r"\[\d+(?:\s*[,-]\s*\d+)*\]")


def contains(answer: str, item: str) -> bool:
    """``item`` occurs in ``answer``, normalised; a purely numeric item must stand as a whole number.
    Citation markers such as ``[4]`` are not the answer's text: a '4' must be stated, not cited."""
    a, i = norm(CITE_MARK.sub(" ", answer)), norm(item)
    if re.fullmatch(r"[\d.,%]+", i):
        return re.search(r"(?<!\d)(?<!\d[.,])" + re.escape(i) + r"(?!\d|[.,]\d)", a) is not None
    return i in a


def short_id(objective_id: str) -> str:
    """``ente:documento/finanziario-1`` → ``finanziario-1`` (as score.py compares ids)."""
    return str(objective_id).split(":")[-1].split("/")[-1]


def mode_for(case: Mapping[str, Any]) -> Literal["staff", "citizen"]:
    """Persona citizen is asked in citizen mode, everyone else in staff mode."""
    return "citizen" if case.get("persona") == "citizen" else "staff"


def load_cases(path: Path) -> list[dict[str, Any]]:
    """A question set: one JSON object per non-empty line."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def record_texts(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Normalised text of every record by id: what a citation's ``citazione`` must occur in.

    Records sharing an id (the same sector in two documents) are joined, so a quote grounded in
    either counts, as the scorer (which keys by id) would count it with either gold file.
    """
    texts: dict[str, str] = {}
    for rec in records:
        text = norm(" \n ".join(_strings(rec)))
        rid = str(rec["id"])
        texts[rid] = f"{texts[rid]} \n {text}" if rid in texts else text
    return texts


def objective_texts(objectives: Iterable[Objective]) -> dict[str, str]:
    """:func:`record_texts` of stored records."""
    return record_texts(o.model_dump(mode="json") for o in objectives)


def gold_texts(gold_path: Path) -> dict[str, str]:
    """:func:`record_texts` of a gold file (a JSON array of records)."""
    with open(gold_path, encoding="utf-8") as fh:
        return record_texts(json.load(fh))


class CaseRow(BaseModel):
    """One scored case, with the fields of score.py's rows."""

    id: str
    kind: str | None
    ok: bool
    refused: bool
    answerable: bool
    recall: float | None
    complete: bool | None
    answer: str
    error: str | None = None
    seconds: float | None = None  # time of the case's requests (history turns included); not in score.py


class CaseScore(BaseModel):
    """A row plus the citation counts it contributes."""

    row: CaseRow
    cites_total: int = 0
    cites_ok: int = 0


def score_case(case: Mapping[str, Any], got: Mapping[str, Any], texts: Mapping[str, str]) -> CaseScore:
    """Score one answer (an Answer as a dict; ``error`` set when the request failed)."""
    answer = got.get("answer") or ""
    refused = bool(got.get("refused"))
    # a refused answer recalls nothing, whatever nearby objectives it suggests
    ids = [] if refused else [short_id(i) for i in got.get("objective_ids") or []]
    gold_ids = case.get("gold_objective_ids") or []
    answerable = bool(case.get("answerable", True))
    if answerable:
        must = case.get("must_contain") or []
        ok = (not refused) and (all(contains(answer, m) for m in must) if must else not ids)
    else:
        ok = refused
    recall = (len(set(gold_ids) & set(ids)) / len(gold_ids)) if gold_ids and answerable else None
    cites_total = cites_ok = 0
    for c in got.get("citations") or []:
        if texts:
            cites_total += 1
            quote = norm(c.get("citazione", ""))
            cites_ok += bool(quote) and quote in texts.get(short_id(c.get("objective_id", "")), "")
    complete = (set(gold_ids) <= set(ids)) if case.get("kind") in LIST_KINDS and gold_ids else None
    row = CaseRow(
        id=case["id"], kind=case.get("kind"), ok=ok, refused=refused, answerable=answerable,
        recall=recall, complete=complete, answer=answer[:300], error=got.get("error"),
    )
    return CaseScore(row=row, cites_total=cites_total, cites_ok=cites_ok)


def _percentile(latencies: list[float], p95: bool) -> float | None:
    lat = sorted(latencies)
    if not lat:
        return None
    return round(lat[min(len(lat) - 1, int(len(lat) * 0.95))] if p95 else lat[len(lat) // 2], 4)


def aggregate(scores: list[CaseScore], latencies: list[float]) -> dict[str, Any]:
    """The scorer's report: same keys, same rounding, same order."""
    rows = [s.row for s in scores]
    cites_total = sum(s.cites_total for s in scores)
    cites_ok = sum(s.cites_ok for s in scores)
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    recalls = [r.recall for r in rows if r.recall is not None]
    lists = [r.complete for r in rows if r.complete is not None]
    kinds: dict[str | None, list[bool]] = {}
    for r in rows:
        kinds.setdefault(r.kind, []).append(r.ok)
    return {
        "cases": len(rows),
        "accuracy": round(sum(r.ok for r in answerable) / max(1, len(answerable)), 3),
        "refusal": round(sum(r.ok for r in unanswerable) / max(1, len(unanswerable)), 3),
        "false_refusal": round(sum(r.refused for r in answerable) / max(1, len(answerable)), 3),
        "objective_recall": round(statistics.mean(recalls), 3) if recalls else None,
        "complete_lists": round(sum(lists) / len(lists), 3) if lists else None,
        "citations_grounded": round(cites_ok / cites_total, 3) if cites_total else None,
        "latency_p50_s": _percentile(latencies, p95=False),
        "latency_p95_s": _percentile(latencies, p95=True),
        "errors": sum(1 for r in rows if r.error),
        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(kinds.items(), key=lambda kv: str(kv[0]))},
        "wrong": [r.id for r in rows if not r.ok],
    }
