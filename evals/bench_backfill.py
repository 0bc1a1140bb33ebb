"""Backfill benchmark: ``python -m evals.bench_backfill [--docs N] [--copies M] [--workers W]``.

Builds a folder of N distinct generated plans (``tests/ingest/layouts.py``: random sectors,
objectives, people and targets in the six table layouts) and M copies of the sample plan under other
names (the same texts: what the embedding cache saves), then ingests the folder in one process as
``piao ingest DIR/`` does (parallel budgeted parsing, batched embedding through the cache, the real
default model) and prints:

- the backfill: seconds per document, texts embedded by the model and found in the cache, the time
  spent parsing (in the children), embedding and writing;
- the same folder again (every file unchanged): seconds per document;
- an unchanged re-ingest of one document at that store size (target ≤ 0.5 s at any size): a fresh
  ``Ingestor`` as a new process makes it (median of 5), and the whole ``piao ingest FILE`` command
  (interpreter start and imports included, median of 3);
- a full check of the index against the store (``piao repair``, which each ``piao ingest`` used to
  run first), and the data folder's size.

The default run (10 + 20 documents) takes about a minute on 2 idle cores; ``--docs 10 --copies 90``
measures the unchanged re-ingest at 100 documents for little more (the copies embed nothing).
``--data-dir`` keeps the data (and its embedding cache) for another run.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from ingest.batch import BatchSummary, default_workers, expand_paths, ingest_many  # noqa: E402
from ingest.pipeline import Ingestor  # noqa: E402
from ingest.settings import Settings  # noqa: E402
from tests.ingest.layouts import LAYOUTS, generate, write  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "piao_casalgrande_2023_performance.docx"


def line(label: str, value: str) -> None:
    print(f"  {label:<58} {value}", flush=True)


def build_folder(folder: Path, docs: int, copies: int) -> None:
    """``docs`` generated plans (distinct seeds, layouts in turn) and ``copies`` of the sample."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(docs):
        seed = 1000 + n
        write(generate(seed), LAYOUTS[n % len(LAYOUTS)], folder / f"piano_generato_{n:04d}.docx", seed=seed)
    for n in range(copies):
        shutil.copy(SAMPLE, folder / f"piano_copia_{n:04d}.docx")


def report_batch(label: str, summary: BatchSummary) -> None:
    n = len(summary.outcomes)
    reports = [o.report for o in summary.outcomes if o.report is not None]
    parse = sum(r.timings.parse_s for r in reports)
    embed = sum(r.timings.embed_s for r in reports)
    store = sum(r.timings.store_s for r in reports)
    line(label, f"{summary.seconds:.1f} s, {summary.seconds / max(n, 1):.2f} s/doc "
                f"({summary.count('new')} new, {summary.count('updated')} updated, "
                f"{summary.count('unchanged')} unchanged, {summary.count('failed')} failed)")
    if summary.texts:
        line("  index texts: embedded by the model / from the cache",
             f"{summary.embedded} / {summary.cache_hits} of {summary.texts}")
        line("  parse (children, summed) / embed / store+index", f"{parse:.1f} / {embed:.1f} / {store:.1f} s")
    for outcome in summary.outcomes:
        if outcome.error is not None:
            line(f"  failed: {outcome.path.name}", outcome.error.message[:80])


def unchanged_in_process(settings: Settings, path: Path, runs: int = 5) -> float:
    """Median seconds of a fresh ``Ingestor`` (store, index state) recognising ``path`` as unchanged."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        ingestor = Ingestor(settings)
        status = ingestor.ingest(path).status
        ingestor.close()
        times.append(time.perf_counter() - started)
        assert status == "unchanged", status
    return statistics.median(times)


def unchanged_command(settings: Settings, path: Path, runs: int = 3) -> float:
    """Median wall seconds of ``piao ingest FILE`` (a new interpreter) on an unchanged file."""
    env = {**os.environ, "PIAO_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "api.cli", "ingest", str(path)], env=env, cwd=ROOT,  # noqa: S603
                              capture_output=True, text=True, timeout=300)
        times.append(time.perf_counter() - started)
        assert done.returncode == 0 and "invariato" in done.stdout, done.stderr[-2000:]
    return statistics.median(times)


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_backfill", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10, help="distinct generated plans (default 10)")
    parser.add_argument("--copies", type=int, default=20, help="copies of the sample plan (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="parsing processes (default: one per core)")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the data here (default: a temporary "
                        "folder, removed at the end)")
    args = parser.parse_args(argv)
    workers = args.workers or default_workers()
    print(f"Backfill benchmark: {args.docs} generated plans + {args.copies} copies of the sample, {workers} "
          f"parsing workers, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="piao-backfill-") as tmp:
        folder = Path(tmp) / "piani"
        started = time.perf_counter()
        build_folder(folder, args.docs, args.copies)
        line("documents generated", f"{time.perf_counter() - started:.1f} s")
        settings = Settings(data_dir=args.data_dir or Path(tmp) / "data")
        files, _ = expand_paths([folder])
        ingestor = Ingestor(settings)
        report_batch("backfill (piao ingest DIR/)", ingest_many(ingestor, files, workers=workers))
        report_batch("the same folder again (unchanged)", ingest_many(ingestor, files, workers=workers))
        n_docs, n_entries = len(ingestor.store.documents()), ingestor.index.count()
        started = time.perf_counter()
        repaired = ingestor.repair()
        repair_s = time.perf_counter() - started
        ingestor.close()
        line("store size", f"{n_docs} documents, {n_entries} index entries, {folder_mb(settings.data_dir):.0f} MB")
        one = files[len(files) // 2]
        line("unchanged re-ingest of one document, fresh Ingestor (median 5)",
             f"{unchanged_in_process(settings, one):.3f} s  (target ≤ 0.5 s)")
        line("unchanged re-ingest, whole `piao ingest FILE` command (median 3)",
             f"{unchanged_command(settings, one):.2f} s  (interpreter and imports included)")
        line("full check of index against store (piao repair)",
             f"{repair_s:.2f} s  ({repaired.checked} documents, fixed: {repaired.fixed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
