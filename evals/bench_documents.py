"""Documents within the limits that are dear to read: each is ingested or refused in time and memory.

    python -m evals.bench_documents                 # every case, default budgets
    python -m evals.bench_documents --case docx30 --json

Cases (generated on the fly by ``evals.heavy_docs``): a .docx whose XML is 30 MB (under
``PIAO_MAX_XML_MB``) and one of 60 MB (over it), a PDF Flate bomb (300 MB inflated from 0.3 MB),
a 5 MB text export on one line, a 5,000-page PDF. Each is ingested with ``ingest_file`` into a fresh
data dir that holds the sample already (as in a running server), at the default settings (``PIAO_INGEST_TIMEOUT_S``, ``PIAO_INGEST_MEMORY_MB``). Printed per
case: outcome (status or error class), seconds, the peak RSS of the ingest's child process (sampled
from ``/proc``), and this process's RSS before and after. The issue's target: every case done within
120 s and 1.5 GB, this process's RSS back within 10 % of where it was.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from evals.heavy_docs import ROOT, flate_bomb_pdf, heavy_docx, many_pages_pdf, one_line_txt
from ingest.settings import Settings

SAMPLE_TXT = ROOT / "samples" / "piao_casalgrande_2023_performance.txt"

CASES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "docx30": ("heavy30.docx", lambda p: heavy_docx(p, 30)),
    "docx60": ("heavy60.docx", lambda p: heavy_docx(p, 60)),
    "pdf_bomb": ("bomb.pdf", lambda p: flate_bomb_pdf(p, 300)),
    "txt_one_line": ("one_line.txt", lambda p: one_line_txt(p, 5)),
    "pdf_5000_pages": ("pages.pdf", lambda p: many_pages_pdf(p, 5000)),
}


def _rss_kb(pid: int | str, field: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def descendants(root: int) -> list[int]:
    """The processes below ``root`` (children, grandchildren...), from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid]
        found += kids
        frontier += kids
    return found


class PeakSampler:
    """The highest peak RSS (``VmHWM``) of this process's descendants, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in descendants(os.getpid()):
                self.peak_kb = max(self.peak_kb, _rss_kb(pid, "VmHWM"))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def warm_up(workdir: Path) -> Settings:
    """A data dir holding the sample, as in a running server: store, index and embedding cache open."""
    from ingest.pipeline import ingest_file

    settings = Settings(data_dir=workdir / "data")
    ingest_file(SAMPLE_TXT, settings=settings)
    return settings


def run_case(name: str, workdir: Path, settings: Settings) -> dict[str, object]:
    """Generate one case, ingest it beside the sample, and measure."""
    from ingest.errors import IngestError
    from ingest.pipeline import ingest_file

    file_name, build = CASES[name]
    path = build(workdir / file_name)
    before = _rss_kb("self")
    started = time.monotonic()
    with PeakSampler() as sampler:
        try:
            report = ingest_file(path, settings=settings)
            outcome = f"{report.status}: {report.n_objectives} obiettivi, {report.index_entries} voci"
        except IngestError as exc:
            outcome = f"{type(exc).__name__}: {exc.message[:160]}"
    seconds = time.monotonic() - started
    after = _rss_kb("self")
    return {"case": name, "file_mb": round(path.stat().st_size / 1e6, 2), "outcome": outcome,
            "seconds": round(seconds, 1), "child_peak_rss_mb": round(sampler.peak_kb / 1024),
            "rss_before_mb": round(before / 1024), "rss_after_mb": round(after / 1024),
            "within_target": seconds <= 120 and sampler.peak_kb <= 1.5 * 1024 * 1024
            and after <= before * 1.1}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="one case (repeatable); default all")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="piao-bench-docs-") as tmp:
        settings = warm_up(Path(tmp))
        for name in args.case or list(CASES):
            result = run_case(name, Path(tmp), settings)
            results.append(result)
            if not args.json:
                sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
                sys.stdout.flush()
    if args.json:
        sys.stdout.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 0 if all(r["within_target"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
