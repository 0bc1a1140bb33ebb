"""Ingest many files in one process (``piao ingest DIR/ FILE ...``): a backfill.

Each file is screened in the order given (key, format, size, and whether it is stored unchanged:
then nothing else is done), a little ahead of the one being written. The others are parsed in
parallel, each in its own budgeted child process (``ingest.sandbox``: the same memory and time budget
as a single ingest), at most ``workers`` at once and one more ready for the writer. This process then embeds each
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
from ingest.prepare import Prepared, embed_prepared, notify, parse
from ingest.readers.safety import SUPPORTED_EXTENSIONS

logger = logging.getLogger(__name__)

_SCRATCH_PREFIXES = (".", "~$", ".~lock")  # hidden files, office lock and owner files
LOOKAHEAD = 32  # files screened (hash read, key checked) ahead of the one being written


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
    order, ``progress(path)`` gives the stage callback of the file being embedded and written. Meant
    for a process of its own (the command line): an interruption stops every budgeted child."""
    started = time.perf_counter()
    before = (ingestor.embedder.requested, ingestor.embedder.cache_hits, ingestor.counter.embedded)
    run = _Run(ingestor, paths, ente, periodo, force, (workers or default_workers()) if ingestor.sandboxed else 1)
    summary = BatchSummary()
    try:
        for number in range(len(paths)):
            outcome = run.outcome(number, progress)
            summary.outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
    except BaseException:
        run.stop()  # Ctrl-C, or a failure that is not a file's: no child goes on parsing
        raise
    finally:
        run.pool.shutdown(wait=False, cancel_futures=True)
        if ingestor.sandboxed:
            from ingest.sandbox import release_memory

            release_memory()
    summary.seconds = time.perf_counter() - started
    summary.texts = ingestor.embedder.requested - before[0]
    summary.cache_hits = ingestor.embedder.cache_hits - before[1]
    summary.embedded = ingestor.counter.embedded - before[2]
    return summary


class _Run:
    """The files of a batch: screened a little ahead of the one being written, parsed in the pool."""

    def __init__(self, ingestor: Ingestor, paths: Sequence[Path], ente: str | None, periodo: str | None,
                 force: bool, parallel: int) -> None:
        self.ingestor, self.ente, self.periodo, self.force, self.parallel = ingestor, ente, periodo, force, parallel
        self.jobs = [_Job(path) for path in paths]
        self.owners: dict[str, Path] = {}
        self.pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="piao-parse")
        self.screened = 0  # files screened so far (in order)
        self.parsing = 0  # files submitted to the pool and not yet written

    def outcome(self, number: int, progress: Callable[[Path], Progress] | None) -> Outcome:
        """The outcome of the ``number``-th file (the files before it are done)."""
        self._advance(number)
        job = self.jobs[number]
        if job.outcome is None:
            job.outcome = self._finish(job, progress(job.path) if progress else None)
            self.parsing -= 1
        return job.outcome

    def stop(self) -> None:
        if self.ingestor.sandboxed:
            from ingest.sandbox import stop_all

            stop_all()

    def _advance(self, number: int) -> None:
        """Screen up to the ``number``-th file, and on while fewer files than workers + 1 are being
        parsed (every worker busy, one file ready for the writer; no more: memory), at most
        ``LOOKAHEAD`` files ahead."""
        while self.screened < len(self.jobs) and (self.screened <= number or (
                self.parsing <= self.parallel and self.screened - number < LOOKAHEAD)):
            job = self.jobs[self.screened]
            self.screened += 1
            self._screen(job)
            if job.outcome is None:
                self._submit(job)
                self.parsing += 1

    def _screen(self, job: _Job) -> None:
        """The file's key, and its outcome when it is refused or stored unchanged."""
        job.started = time.perf_counter()
        try:
            job.key, report = self.ingestor.screen(job.path, ente=self.ente, force=self.force, periodo=self.periodo)
            owner = self.owners.setdefault(job.key, job.path)
            if owner != job.path:
                raise IngestError(f"ha la stessa chiave di documento «{job.key}» del file «{owner}», importato "
                                  "in questa stessa esecuzione: rinominare uno dei due file (la chiave è il nome "
                                  "del file senza estensione).", file=str(job.path))
        except IngestError as exc:
            job.outcome = Outcome(job.path, error=exc, seconds=time.perf_counter() - job.started)
        else:
            if report is not None:
                job.outcome = Outcome(job.path, report=report, seconds=time.perf_counter() - job.started)

    def _submit(self, job: _Job) -> None:
        args = (job.path, job.key, self.ente, self.periodo, self.ingestor.settings)
        if not self.ingestor.sandboxed:
            job.future = self.pool.submit(parse, *args)
            return
        from ingest.sandbox import run_budgeted

        settings = self.ingestor.settings
        job.future = self.pool.submit(run_budgeted, parse, args, file=job.path.name,
                                      memory_mb=settings.ingest_memory_mb, timeout_s=settings.ingest_timeout_s)

    def _finish(self, job: _Job, progress: Progress | None) -> Outcome:
        """Embed and write a parsed file (its error, if parsing, embedding or writing failed)."""
        assert job.future is not None
        try:
            notify(progress, "read", 0, 1)  # (in a child, perhaps done already)
            prepared = job.future.result()
            embed_prepared(prepared, self.ingestor.embedder, self.ingestor.counter, progress)
            report = self.ingestor.finish(prepared, progress=progress, force=self.force)
        except IngestError as exc:
            return Outcome(job.path, error=exc, seconds=time.perf_counter() - job.started)
        report.timings.total_s = time.perf_counter() - job.started
        return Outcome(job.path, report=report, seconds=report.timings.total_s)
