"""The eval harness behind ``piao eval``: a question set against the assistant, scored like score.py.

``run_eval`` asks an :class:`assistant.Assistant` in process; ``run_eval_http`` asks a running API
over ``POST /api/chat`` exactly as the reference scorer does, so the two sets of figures can be
compared. Both play a multi-turn case as a real conversation (earlier user turns asked first, each
reply kept in the history) and score with :mod:`evals.metrics`. Model load time and the first
(warm-up) answer are measured apart from the per-question latency.
"""
from __future__ import annotations

import io
import json
import logging
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from assistant.types import Answer, Message, Mode
from evals.baseline import BaselineReport
from evals.metrics import (
    CaseRow,
    CaseScore,
    aggregate,
    gold_texts,
    load_cases,
    mode_for,
    objective_texts,
    score_case,
)
from ingest.types import Objective

log = logging.getLogger(__name__)

REPORTS_DIR = Path(__file__).resolve().parent / "reports"

# Ask one conversation turn: (messages as dicts, mode) -> (Answer as dict, seconds)
AskFn = Callable[[list[dict[str, str]], str], tuple[dict[str, Any], float]]


class SupportsAnswer(Protocol):
    """What the harness needs of an assistant (``assistant.Assistant`` has it)."""

    def answer(self, messages: list[Message], mode: Mode) -> Answer: ...


class EvalReport(BaseModel):
    """Metrics (the scorer's keys), scored rows, timings and, when run, the baseline."""

    set: str
    target: str  # "in-process" or the API's URL
    metrics: dict[str, Any]
    rows: list[CaseRow]
    load_s: float | None = None  # building the assistant (store, index, models)
    warmup_s: float | None = None  # the first answer, not counted in the latency
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    baseline: BaselineReport | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON report: ``report`` and ``rows`` as score.py writes them, plus run details."""
        return {
            "report": self.metrics,
            "rows": [r.model_dump() for r in self.rows],
            "run": {"set": self.set, "target": self.target, "load_s": self.load_s,
                    "warmup_s": self.warmup_s, "created": self.created},
            "baseline": self.baseline.to_json() if self.baseline else None,
        }


def play_case(case: Mapping[str, Any], ask: AskFn) -> tuple[dict[str, Any], list[float]]:
    """Ask one case (history turns first); a failure is an answer with ``error`` set, and is logged."""
    mode = mode_for(case)
    messages: list[dict[str, str]] = []
    latencies: list[float] = []
    try:
        for turn in case.get("history", []):
            messages.append({"role": "user", "content": turn})
            prev, secs = ask(messages, mode)
            latencies.append(secs)
            messages.append({"role": "assistant", "content": prev.get("answer", "")})
        messages.append({"role": "user", "content": case["question"]})
        got, secs = ask(messages, mode)
        latencies.append(secs)
    except Exception as exc:  # a failing case is a wrong answer: reported in `errors`, the run goes on
        log.exception("case %s failed", case.get("id"))
        got = {"answer": "", "citations": [], "objective_ids": [], "refused": False, "error": str(exc)}
    return got, latencies


def _run(cases: Sequence[Mapping[str, Any]], ask: AskFn, texts: Mapping[str, str]) -> tuple[list[CaseScore], list[float]]:
    scores: list[CaseScore] = []
    latencies: list[float] = []
    for case in cases:
        got, secs = play_case(case, ask)
        latencies += secs
        score = score_case(case, got, texts)
        score.row.seconds = round(sum(secs), 4)
        scores.append(score)
    return scores, latencies


def in_process_ask(assistant: SupportsAnswer) -> AskFn:
    """An :data:`AskFn` calling ``assistant.answer`` and timing only that call."""

    def ask(messages: list[dict[str, str]], mode: str) -> tuple[dict[str, Any], float]:
        msgs = [Message(role=m["role"], content=m["content"]) for m in messages]  # type: ignore[arg-type]
        start = time.perf_counter()
        answer = assistant.answer(msgs, "citizen" if mode == "citizen" else "staff")
        secs = time.perf_counter() - start
        return answer.model_dump(mode="json"), secs

    return ask


def http_ask(api_url: str, timeout: float = 60.0) -> AskFn:
    """An :data:`AskFn` speaking ``POST /api/chat`` as score.py does."""
    url = api_url.rstrip("/") + "/api/chat"

    def ask(messages: list[dict[str, str]], mode: str) -> tuple[dict[str, Any], float]:
        body = json.dumps({"messages": messages, "mode": mode}).encode()
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        start = time.perf_counter()
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the URL is the operator's
            data: dict[str, Any] = json.load(resp)
        return data, time.perf_counter() - start

    return ask


def _texts(gold_path: Path | None, records: Sequence[Objective] | None) -> dict[str, str]:
    if gold_path is not None:
        return gold_texts(gold_path)
    if records is not None:
        return objective_texts(records)
    return {}


def run_eval(
    set_path: Path,
    assistant: SupportsAnswer,
    *,
    gold_path: Path | None = None,
    records: Sequence[Objective] | None = None,
    load_s: float | None = None,
    warmup: bool = True,
) -> EvalReport:
    """Run a question set in process. Citations are grounded against ``gold_path`` if given, else
    against ``records`` (the stored records); with neither, ``citations_grounded`` is None."""
    cases = load_cases(set_path)
    warmup_s = None
    if warmup and cases:
        start = time.perf_counter()
        assistant.answer([Message(role="user", content=cases[0]["question"])], "staff")
        warmup_s = round(time.perf_counter() - start, 4)
    scores, latencies = _run(cases, in_process_ask(assistant), _texts(gold_path, records))
    return EvalReport(
        set=str(set_path), target="in-process", metrics=aggregate(scores, latencies),
        rows=[s.row for s in scores], load_s=load_s, warmup_s=warmup_s,
    )


def run_eval_http(set_path: Path, api_url: str, *, gold_path: Path | None = None, timeout: float = 60.0) -> EvalReport:
    """Run a question set against a running API, as ``score.py --api`` does."""
    cases = load_cases(set_path)
    scores, latencies = _run(cases, http_ask(api_url, timeout), _texts(gold_path, None))
    return EvalReport(set=str(set_path), target=api_url, metrics=aggregate(scores, latencies),
                      rows=[s.row for s in scores])


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.1f} ms"


def render(report: EvalReport) -> str:
    """Tables for a terminal: overall metrics, by kind, wrong ids, and the baseline beside them."""
    out = io.StringIO()
    console = Console(file=out, width=110, force_terminal=False, color_system=None)
    m = report.metrics
    overall = Table(title=f"Valutazione: {Path(report.set).name} ({report.target}, {m['cases']} casi)")
    overall.add_column("metrica")
    overall.add_column("valore", justify="right")
    for key in ("accuracy", "refusal", "false_refusal", "objective_recall", "complete_lists",
                "citations_grounded", "errors"):
        overall.add_row(key, _fmt(m.get(key)))
    for key in ("latency_p50_s", "latency_p95_s"):
        overall.add_row(key, _ms(m.get(key)))
    overall.add_row("load_s (escluso dalla latenza)", _fmt(report.load_s))
    overall.add_row("warmup_s (prima risposta, esclusa)", _ms(report.warmup_s))
    if report.baseline is not None:
        overall.add_row("baseline context_recall", _fmt(report.baseline.context_recall))
    console.print(overall)
    console.print(_kinds_table(report))
    console.print("wrong: " + (", ".join(m["wrong"]) if m["wrong"] else "nessuno"))
    if report.baseline is not None:
        console.print(report.baseline.summary())
    return out.getvalue()


def _kinds_table(report: EvalReport) -> Table:
    base = report.baseline.by_kind if report.baseline else {}
    table = Table(title="Per tipo di domanda")
    table.add_column("kind")
    table.add_column("assistente", justify="right")
    table.add_column("baseline: contesto con tutti i fatti", justify="right")
    for kind, value in report.metrics["by_kind"].items():
        table.add_row(kind, value, base.get(kind, "—"))
    return table


def write_report(report: EvalReport, path: Path | None = None) -> Path:
    """Write the JSON report (default ``evals/reports/<set>-<timestamp>.json``)."""
    if path is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = REPORTS_DIR / f"{Path(report.set).stem}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def load_models(assistant: object) -> None:
    """Load what the assistant loads lazily (embedding model, Chroma collection), so that the
    per-question latency does not include it: one throwaway dense search, when it has one."""
    dense = getattr(assistant, "dense", None)
    if dense is not None:
        dense.search("avvio del servizio", k=1)


def main(
    set_path: Path,
    json_out: bool = False,
    baseline: bool = True,
    *,
    gold_path: Path | None = None,
    documents: Sequence[Path] | None = None,
    report_path: Path | None = None,
) -> int:
    """``piao eval``: build the assistant from the settings, run the set, print, write the JSON report.

    Prints the tables (or, with ``json_out``, the JSON report) on stdout. The baseline runs by
    default over ``documents`` (default: the bundled sample document). Returns 0, or 1 when a case
    failed with an error, 2 when the set cannot be read.
    """
    from assistant import Assistant
    from evals.baseline import run_baseline
    from ingest.settings import get_settings
    from ingest.store import Store

    if not set_path.is_file():
        print(f"Insieme di domande non trovato: {set_path}")
        return 2
    settings = get_settings()
    if not Store(settings).documents():
        print(f"Nessun documento importato in {settings.data_dir.resolve()}: importa prima il piano, "
              "per esempio con: piao ingest samples/piao_casalgrande_2023_performance.docx")
        return 2
    start = time.perf_counter()
    assistant = Assistant.from_settings(settings)
    load_models(assistant)
    load_s = round(time.perf_counter() - start, 4)
    records = None if gold_path else Store(settings).objectives()
    report = run_eval(set_path, assistant, gold_path=gold_path, records=records, load_s=load_s)
    if baseline:
        report.baseline = run_baseline(set_path, documents=documents, settings=settings)
    _emit(report, write_report(report, report_path), json_out)
    return 1 if report.metrics["errors"] else 0


def _emit(report: EvalReport, written: Path, json_out: bool) -> None:
    if json_out:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render(report))
        print(f"Report JSON: {written}")


def cli(argv: Sequence[str] | None = None) -> int:
    """``python -m evals.harness``: in process (as ``piao eval``) or, with ``--api``, over HTTP."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m evals.harness", description=cli.__doc__)
    ap.add_argument("--set", type=Path, required=True, help="question set (JSON Lines)")
    ap.add_argument("--api", help="URL of a running API: ask it over POST /api/chat, as score.py")
    ap.add_argument("--gold", type=Path, help="gold records (JSON) to ground citations against")
    ap.add_argument("--json", action="store_true", help="print the JSON report instead of the tables")
    ap.add_argument("--no-baseline", action="store_true", help="skip the LangChain baseline")
    ap.add_argument("--report", type=Path, help="where to write the JSON report (default: evals/reports/)")
    args = ap.parse_args(argv)
    if not args.api:
        return main(args.set, args.json, not args.no_baseline, gold_path=args.gold, report_path=args.report)
    report = run_eval_http(args.set, args.api, gold_path=args.gold)
    _emit(report, write_report(report, args.report), args.json)
    return 1 if report.metrics["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(cli())
