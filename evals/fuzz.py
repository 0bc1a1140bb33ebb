"""Fuzzing support: a reader in a memory-capped subprocess, and the longer fuzz campaign.

``python -m evals.fuzz [--scale N]`` runs the fuzz and injection tests (``tests/fuzz``,
``tests/security``) with ``FUZZ_SCALE=N`` (default 20): N times the examples of the CI run.
``make fuzz`` calls it.

:class:`BoundedReader` keeps one worker process (``python -m evals.fuzz worker``) that reads
documents with ``ingest.readers.read_document`` under an address-space limit
(``RLIMIT_AS``), and answers one JSON line per file: the outcome kind (``ok``,
``ingest_error`` or ``other``), the error class, the seconds and the worker's peak RSS. A read
that exceeds the time limit or kills the worker comes back as ``timeout`` / ``crash`` and the
worker is started again, so one bad file cannot hide the next.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import select
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
OutcomeKind = Literal["ok", "ingest_error", "other", "timeout", "crash"]
_READY = "ready"


@dataclass(frozen=True)
class ReadOutcome:
    """What reading one file did."""

    kind: OutcomeKind
    error: str | None = None  # exception class name
    detail: str = ""  # message, or traceback for ``other``
    seconds: float = 0.0
    peak_rss_mb: float = 0.0  # of the worker, since it started
    blocks: int = 0


class BoundedReader:
    """Reads files in a worker process capped at ``memory_mb`` of extra address space."""

    def __init__(self, settings: dict[str, Any] | None = None, *, memory_mb: int = 1024,
                 timeout_s: float = 30.0) -> None:
        self.settings = settings or {}
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.restarts = 0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> BoundedReader:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        cmd = [sys.executable, "-m", "evals.fuzz", "worker", "--memory-mb", str(self.memory_mb),
               "--settings", json.dumps(self.settings)]
        self._proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, encoding="utf-8")
        line = self._readline(120.0)
        if line != _READY:
            self.close()
            raise RuntimeError(f"the fuzz worker did not start (got {line!r})")

    def _readline(self, timeout_s: float) -> str | None:
        assert self._proc is not None and self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout_s)
        if not ready:
            return None
        line = self._proc.stdout.readline()
        return line.strip() if line else None

    def read(self, path: Path) -> ReadOutcome:
        """Read ``path`` in the worker; the outcome, never an exception."""
        if self._proc is None or self._proc.poll() is not None:
            self.restarts += 1
            self._start()
        assert self._proc is not None and self._proc.stdin is not None
        start = time.perf_counter()
        try:
            self._proc.stdin.write(str(path) + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            return self._lost("crash", start)
        line = self._readline(self.timeout_s)
        if line is None:
            return self._lost("timeout" if self._proc.poll() is None else "crash", start)
        return ReadOutcome(**json.loads(line))

    def _lost(self, kind: OutcomeKind, start: float) -> ReadOutcome:
        code = self._proc.poll() if self._proc is not None else None
        self.close()
        return ReadOutcome(kind, detail=f"worker exit code {code}", seconds=time.perf_counter() - start)

    def close(self) -> None:
        """Stop the worker."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait(timeout=10)
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()
        self._proc = None


def _status_kb(key: str) -> int:
    """A size line of this process's /proc status, in kB (0 where there is none)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def _vm_bytes() -> int:
    """The current virtual size of this process (the cap is set above it)."""
    return _status_kb("VmSize") * 1024


def _peak_rss_mb() -> float:
    """This process's peak resident size. Not ``ru_maxrss``: Linux keeps that across ``execve``, so a worker
    started by a large test process would report the parent's size from its first read."""
    return _status_kb("VmHWM") / 1024 or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(memory_mb: int, settings_json: str) -> int:
    from ingest.errors import IngestError
    from ingest.readers import pdf as _pdf  # noqa: F401 - imported before the cap, as a server would
    from ingest.readers import read_document
    from ingest.settings import Settings

    settings = Settings(**json.loads(settings_json))
    limit = _vm_bytes() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.stdout.write(_READY + "\n")
    sys.stdout.flush()
    for raw in sys.stdin:
        path = Path(raw.rstrip("\n"))
        start = time.perf_counter()
        result: dict[str, Any]
        try:
            model = read_document(path, settings)
            result = {"kind": "ok", "blocks": len(model.blocks)}
        except IngestError as exc:
            result = {"kind": "ingest_error", "error": type(exc).__name__, "detail": exc.message}
        except Exception as exc:  # noqa: BLE001 - the point of the fuzz: report anything else
            result = {"kind": "other", "error": type(exc).__name__, "detail": traceback.format_exc()[-3000:]}
        result["seconds"] = time.perf_counter() - start
        result["peak_rss_mb"] = _peak_rss_mb()
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


def _campaign(scale: int, extra: list[str]) -> int:
    env = {**os.environ, "FUZZ_SCALE": str(scale), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    cmd = [sys.executable, "-m", "pytest", "tests/fuzz", "tests/security", "-q", *extra]
    return subprocess.call(cmd, cwd=ROOT, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    worker = sub.add_parser("worker", help="internal: the bounded reader process")
    worker.add_argument("--memory-mb", type=int, default=1024)
    worker.add_argument("--settings", default="{}")
    parser.add_argument("--scale", type=int, default=20, help="examples multiplier (CI runs 1)")
    args, extra = parser.parse_known_args(argv)
    if args.command == "worker":
        return _worker(args.memory_mb, args.settings)
    return _campaign(args.scale, extra)


if __name__ == "__main__":
    raise SystemExit(main())
