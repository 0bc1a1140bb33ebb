"""The measuring half of the scale benchmark: embedders for its ingests, the question mix, a served
process started and timed, its memory, sequential latencies per question class.

Only the public entry points are used: ``Ingestor``/``Settings`` to ingest, ``uvicorn
api.app:create_app --factory`` to serve, ``GET /readyz`` and ``POST /api/chat`` over HTTP.
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from evals.load import _free_port, server_env, stop, wait_ready
from evals.scale_plans import PlanFile
from ingest.embed import Embedder, cache_key

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r"\w+")


class DiskCachedEmbedder:
    """The real embedder with its passage vectors kept in a SQLite file across benchmark runs (the
    same vectors the model gives: only the time to compute them again is saved). ``model_s`` is the
    time spent in the model itself."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner, self.name = inner, inner.name
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self.model_s = 0.0
        self.embedded = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [cache_key(self.name, t) for t in texts]
        found: dict[str, list[float]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = self.db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})",
                                   chunk).fetchall()
            found.update({k: np.frombuffer(v, dtype=np.float32).tolist() for k, v in rows})
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            started = time.perf_counter()
            fresh = self.inner.embed_documents(missing)
            self.model_s += time.perf_counter() - started
            self.embedded += len(missing)
            new = {cache_key(self.name, t): v for t, v in zip(missing, fresh, strict=True)}
            self.db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)",
                                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in new.items()])
            self.db.commit()
            found.update(new)
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def close(self) -> None:
        self.db.close()


class HashingEmbedder:
    """BENCHMARK ONLY (``--fast-embedder``): words hashed into the model's dimension, no model. It
    stands in for the model's *name* (so the served process finds the collection and embeds its
    questions with the real model), so dense search over these vectors finds nothing meaningful:
    costs are measured, answers' quality is not."""

    def __init__(self, name: str, dim: int = 384) -> None:
        self.name, self._dim = name, dim
        self.model_s = 0.0
        self.embedded = 0

    @property
    def dim(self) -> int:
        return self._dim

    def _vector(self, text: str) -> list[float]:
        vec = np.zeros(self._dim, dtype=np.float32)
        for word in TOKEN.findall(text.lower()):
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            vec[int.from_bytes(digest[:4], "little") % self._dim] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec)) or 1.0
        return (vec / norm).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def close(self) -> None:
        """Nothing to release."""


# -- the question mix ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Probe:
    """One question of the mix; ``expect`` (if any) is a value the answer should contain."""

    kind: str  # lookup, list, count, status
    text: str
    expect: str | None = None


def _surname(person: str) -> str:
    return person.split()[-1]


def questions(plans: Sequence[PlanFile]) -> tuple[list[Probe], list[Probe]]:
    """(questions naming a body, questions naming none), from the plans' own values: bodies at the
    start, middle and end of the corpus; the unnamed ones use the first plan's values."""
    bodies = list(dict.fromkeys([plans[0], plans[len(plans) // 2], plans[-1]]))
    named: list[Probe] = []
    for plan in bodies:
        first, last = plan.objectives[0], plan.objectives[-1]
        named += [
            Probe("lookup", f"Chi è il responsabile dell'obiettivo «{first.titolo}» del {plan.ente}?",
                  _surname(first.responsabile)),
            Probe("list", f"Quali sono gli obiettivi del {first.settore} del {plan.ente}?"),
            Probe("count", f"Quanti obiettivi ha il {plan.ente}?"),
            Probe("status", f"Qual è lo stato di attuazione dell'obiettivo «{last.titolo}» del {plan.ente}?"),
            Probe("lookup", f"Qual è il target {first.anno} dell'indicatore «{first.indicatore}» dell'obiettivo "
                            f"«{first.titolo}» del {plan.ente}?", first.target),
        ]
    first = plans[0].objectives[0]
    unnamed = [
        Probe("lookup", f"Chi è il responsabile dell'obiettivo «{first.titolo}»?", _surname(first.responsabile)),
        Probe("lookup", f"Di quali obiettivi è responsabile {first.responsabile}?"),
        Probe("list", "Quali obiettivi sono collegati al PNRR?"),
        Probe("count", f"Quanti obiettivi ha il {first.settore}?"),
        Probe("count", "Quanti obiettivi ci sono in tutto?"),
        Probe("status", "Quali obiettivi risultano raggiunti?"),
    ]
    return named, unnamed


# -- a served process ------------------------------------------------------------------------------

@dataclass
class Served:
    url: str
    pid: int
    cold_start_s: float
    cold_start_cpu_s: float  # CPU time the process spent to get ready: what a busy machine inflates least


@contextmanager
def serve(data_dir: Path, timeout_s: float = 600.0) -> Iterator[Served]:
    """``uvicorn api.app:create_app --factory`` (one worker) over ``data_dir``; the time from the
    process start to ``/readyz`` answering 200 is its cold start."""
    port = _free_port()
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"]
    env = server_env(data_dir.resolve(), {"PIAO_DATABASE_URL": "", "PIAO_CHROMA_HOST": ""})
    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603 - our interpreter
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, timeout_s)
        yield Served(url, process.pid, time.perf_counter() - started, cpu_s(process.pid))
    finally:
        stop(process)


def cpu_s(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far, seconds (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process, MB (Linux ``/proc``)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


@dataclass
class ClassFigures:
    """Sequential latencies of one question class."""

    asked: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    max_answer_kb: float
    cpu_ms: float  # server CPU time per question: less sensitive than latency to other loads on the machine
    errors: int
    expected_found: str  # 'k/n': answers containing the expected value, where one is known
    p50_ms_by_kind: dict[str, float]  # lookup, list, count, status


def ask(client: httpx.Client, probe: Probe) -> tuple[float, str | None]:
    """(seconds, answer text or ``None`` on an error) of one ``POST /api/chat``."""
    started = time.perf_counter()
    try:
        response = client.post("/api/chat", json={"messages": [{"role": "user", "content": probe.text}]})
    except httpx.HTTPError:
        return time.perf_counter() - started, None
    elapsed = time.perf_counter() - started
    return elapsed, (response.json().get("answer") or "") if response.status_code == 200 else None


def latencies(url: str, pid: int, probes: Sequence[Probe], rounds: int, budget_s: float,
              timeout_s: float = 60.0) -> ClassFigures:
    """Each probe ``rounds`` times, one at a time, until ``budget_s`` is spent (at least one round);
    ``pid``: the server's process, whose CPU time is counted."""
    times: list[float] = []
    by_kind: dict[str, list[float]] = {}
    cpu_before = cpu_s(pid)
    sizes: list[int] = []
    errors = found = checked = 0
    deadline = time.monotonic() + budget_s
    with httpx.Client(base_url=url, timeout=timeout_s) as client:
        for n in range(rounds):
            for probe in probes:
                if n and time.monotonic() > deadline:
                    break
                seconds, answer = ask(client, probe)
                times.append(seconds)
                by_kind.setdefault(probe.kind, []).append(seconds * 1000.0)
                if answer is None:
                    errors += 1
                    continue
                sizes.append(len(answer.encode("utf-8")))
                if probe.expect is not None and n == 0:
                    checked += 1
                    found += probe.expect.lower() in answer.lower()
    cpu_ms = (cpu_s(pid) - cpu_before) * 1000.0 / len(times)
    ms = np.asarray(times) * 1000.0
    return ClassFigures(asked=len(times), p50_ms=float(np.percentile(ms, 50)), p95_ms=float(np.percentile(ms, 95)),
                        max_ms=float(ms.max()), max_answer_kb=max(sizes, default=0) / 1024, cpu_ms=cpu_ms,
                        errors=errors, expected_found=f"{found}/{checked}",
                        p50_ms_by_kind={k: float(np.median(v)) for k, v in sorted(by_kind.items())})


def warm_up(url: str, probes: Sequence[Probe], timeout_s: float = 120.0) -> None:
    """Every probe once, unmeasured (lazy loads, first-question costs)."""
    with httpx.Client(base_url=url, timeout=timeout_s) as client:
        for probe in probes:
            ask(client, probe)


def disk_mb(folder: Path) -> float:
    """Bytes under ``folder`` (store + index), MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / (1024 * 1024)
