"""Ingest many files in one process (``piao ingest DIR/ FILE ...``): a backfill.

Each file is screened first in the order given (key, format, size, and whether it is stored
unchanged: then nothing else is done). The others are parsed in parallel, each in its own budgeted
child process (``ingest.sandbox``: the same memory and time budget as a single ingest), at most
``workers`` at once and only a few files ahead of the writer. This process then embeds each
document's texts in batches through the embedding cache (a text already embedded for any document,
or repeated in this one, is not embedded again; the model is loaded once) and writes it as a single
ingest would (``Ingestor.finish``). Results come back in the order of the files.

One bad file does not stop the others: its ``IngestError`` is its outcome, and the store keeps what
it held for that document.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import IngestError
from ingest.pipeline import Ingestor, IngestReport, Progress
from ingest.prepare import Prepared, embed_prepared, parse
from ingest.readers.safety import SUPPORTED_EXTENSIONS

logger = logging.getLogger(__name__)

_SCRATCH_PREFIXES = (".", "~$", ".~lock")  # hidden files, office lock and owner files


@dataclass
class Outcome:
    """What became of one file: its report, or the error that kept it out."""

    path: Path
    report: IngestReport | None = None
    error: IngestError | None = None
    seconds: float = 0.0


@dataclass
class BatchSummary:
    """Counts over a batch of files."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    texts: int = 0  # index texts the documents needed
    embedded: int = 0  # of which embedded by the model
    cache_hits: int = 0  # of which found in the embedding cache

    def count(self, status: str) -> int:
        """How many files ended as ``status`` ('new', 'updated', 'unchanged') or 'failed'."""
        if status == "failed":
            return sum(o.error is not None for o in self.outcomes)
        return sum(o.report is not None and o.report.status == status for o in self.outcomes)


def default_workers() -> int:
    """Parsing processes at once: one per core this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """The files to ingest, and the files of folders left out.

    A file named is kept as it is (a wrong one gets its error when ingested); a folder gives its files
    of a supported format, sub-folders included, sorted by path; its other files are left out, and so
    are hidden files and office lock files ('~$piano.docx')."""
    found: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            hidden = any(part.startswith(_SCRATCH_PREFIXES) for part in child.relative_to(path).parts)
            supported = child.suffix.lower() in SUPPORTED_EXTENSIONS
            (found if supported and not hidden else skipped).append(child)
    return _unique(found), skipped


def _unique(paths: Sequence[Path]) -> list[Path]:
    """``paths`` without repeats of the same file."""
    seen: set[Path] = set()
    out: list[Path] = []
    for path in paths:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            out.append(path)
    return out


@dataclass
class _Job:
    path: Path
    key: str = ""
    outcome: Outcome | None = None  # settled at screening (unchanged, or refused)
    future: Future[Prepared] | None = None
    started: float = field(default_factory=time.perf_counter)


def ingest_many(ingestor: Ingestor, paths: Sequence[Path], *, ente: str | None = None, periodo: str | None = None,
                force: bool = False, workers: int | None = None, on_done: Callable[[Outcome], None] | None = None,
                progress: Callable[[Path], Progress] | None = None) -> BatchSummary:
    """Ingest ``paths`` (files) as described in the module docstring; ``on_done`` hears of each file in
    order, ``progress(path)`` gives the stage callback of the file being embedded and written."""
    started = time.perf_counter()
    requested, hits, embedded = (ingestor.embedder.requested, ingestor.embedder.cache_hits,
                                 ingestor.counter.embedded)
    jobs = _screen(ingestor, paths, ente, periodo, force)
    summary = BatchSummary()
    parallel = (workers or default_workers()) if ingestor.sandboxed else 1
    pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="piao-parse")
    to_parse = [j for j in jobs if j.outcome is None]
    submitted = finished = 0
    try:
        for job in jobs:
            # keep every worker busy, and one file more parsed ahead of the writer (no more: memory)
            while submitted < len(to_parse) and submitted - finished <= parallel:
                _submit(pool, ingestor, to_parse[submitted], ente, periodo)
                submitted += 1
            if job.outcome is None:
                job.outcome = _finish(ingestor, job, force, progress(job.path) if progress else None)
                finished += 1
            summary.outcomes.append(job.outcome)
            if on_done is not None:
                on_done(job.outcome)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        if ingestor.sandboxed:
            from ingest.sandbox import release_memory, stop_all

            stop_all()  # children still parsing when a failure or Ctrl-C ended the batch
            release_memory()
    summary.seconds = time.perf_counter() - started
    summary.texts = ingestor.embedder.requested - requested
    summary.cache_hits = ingestor.embedder.cache_hits - hits
    summary.embedded = ingestor.counter.embedded - embedded
    return summary


def _screen(ingestor: Ingestor, paths: Sequence[Path], ente: str | None, periodo: str | None,
            force: bool) -> list[_Job]:
    """Each file's key, and its outcome when it is refused or stored unchanged (in the order given)."""
    jobs: list[_Job] = []
    owners: dict[str, Path] = {}
    for path in paths:
        job = _Job(path)
        try:
            job.key, report = ingestor.screen(path, ente=ente, force=force, periodo=periodo)
            owner = owners.setdefault(job.key, path)
            if owner != path:
                raise IngestError(f"ha la stessa chiave di documento «{job.key}» del file «{owner}», importato "
                                  "in questa stessa esecuzione: rinominare uno dei due file (la chiave è il nome "
                                  "del file senza estensione).", file=str(path))
        except IngestError as exc:
            job.outcome = Outcome(path, error=exc, seconds=time.perf_counter() - job.started)
        else:
            if report is not None:
                job.outcome = Outcome(path, report=report, seconds=time.perf_counter() - job.started)
        jobs.append(job)
    return jobs


def _submit(pool: ThreadPoolExecutor, ingestor: Ingestor, job: _Job, ente: str | None, periodo: str | None) -> None:
    settings = ingestor.settings
    if not ingestor.sandboxed:
        job.future = pool.submit(parse, job.path, job.key, ente, periodo, settings)
        return
    from ingest.sandbox import run_budgeted

    job.future = pool.submit(run_budgeted, parse, (job.path, job.key, ente, periodo, settings), file=job.path.name,
                             memory_mb=settings.ingest_memory_mb, timeout_s=settings.ingest_timeout_s)


def _finish(ingestor: Ingestor, job: _Job, force: bool, progress: Progress | None) -> Outcome:
    """Embed and write a parsed file (its error, if parsing, embedding or writing failed)."""
    assert job.future is not None
    try:
        prepared = job.future.result()
        embed_prepared(prepared, ingestor.embedder, ingestor.counter, progress)
        report = ingestor.finish(prepared, progress=progress, force=force)
    except IngestError as exc:
        return Outcome(job.path, error=exc, seconds=time.perf_counter() - job.started)
    report.timings.total_s = time.perf_counter() - job.started
    return Outcome(job.path, report=report, seconds=report.timings.total_s)
