"""Load test: N concurrent clients for a fixed time against the API on 127.0.0.1, then figures.

    python -m evals.load --clients 50 --duration 60            # starts its own server (make load)
    python -m evals.load --url http://127.0.0.1:8000 --clients 10 --duration 5

Each client loops over a mix of requests until the time is up: ``POST /api/chat`` (questions of
the dev set, some as two-turn conversations), ``POST /api/chat/stream`` (read to the ``answer``
event) and ``GET /api/objectives`` with filters. Reported: requests served, errors (non-2xx,
exceptions, streams without an ``answer``), answers per second and p50/p95/p99 latency per endpoint.

Traffic goes to 127.0.0.1 only: another host is refused. Without ``--url`` the script starts
``uvicorn api.app:create_app --factory`` on a free port (``--workers``, the rate limit raised for the
run) over ``PIAO_DATA_DIR`` (or ``--data-dir``), ingesting the bundled sample there if it is empty.
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import logging
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = Path(__file__).resolve().parent / "sets" / "dev.jsonl"
SAMPLE = ROOT / "samples" / "piao_casalgrande_2023_performance.docx"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# share of each kind of request in the mix (objectives: the evaluators' page and the exports)
MIX = (("chat", 0.5), ("chat_turns", 0.1), ("stream", 0.2), ("objectives", 0.2))
OBJECTIVE_FILTERS: tuple[dict[str, str], ...] = (
    {}, {"settore": "entrate"}, {"pnrr": "true"}, {"anno": "2024"}, {"responsabile": "curti"},
    {"text": "tesoriere"}, {"classificazione": "digitalizzazione", "anno": "2023"},
)
ENDPOINTS = ("POST /api/chat", "POST /api/chat/stream", "GET /api/objectives")


@dataclass(frozen=True)
class Question:
    """One question of the set, with the earlier user turns of its conversation."""

    text: str
    history: tuple[str, ...] = ()


def load_questions(path: Path = DEV_SET) -> list[Question]:
    """The questions of a JSON Lines set (``question`` and optional ``history``)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append(Question(item["question"], tuple(item.get("history") or ())))
    return out


@dataclass
class Stats:
    """Latencies (seconds) and errors per endpoint."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {e: [] for e in ENDPOINTS})
    errors: dict[str, list[str]] = field(default_factory=lambda: {e: [] for e in ENDPOINTS})
    answers: int = 0  # chat and stream responses with a whole Answer

    def ok(self, endpoint: str, seconds: float, answer: bool) -> None:
        self.latencies[endpoint].append(seconds)
        self.answers += int(answer)

    def error(self, endpoint: str, what: str) -> None:
        self.errors[endpoint].append(what)


@dataclass(frozen=True)
class EndpointFigures:
    """Figures of one endpoint."""

    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True)
class LoadReport:
    """What a load run measured."""

    url: str
    clients: int
    duration_s: float
    requests: int
    errors: int
    answers: int
    answers_per_s: float
    requests_per_s: float
    endpoints: dict[str, EndpointFigures]
    error_samples: list[str]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**self.__dict__, "endpoints": {k: v.__dict__ for k, v in self.endpoints.items()}}

    def render(self) -> str:
        """A plain-text table."""
        lines = [
            f"{self.clients} client, {self.duration_s:.1f} s contro {self.url}",
            f"richieste servite: {self.requests}   errori: {self.errors}   "
            f"risposte: {self.answers} ({self.answers_per_s:.1f}/s)   richieste/s: {self.requests_per_s:.1f}",
            f"{'endpoint':<24}{'richieste':>10}{'errori':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}",
        ]
        for name, f in self.endpoints.items():
            lines.append(f"{name:<24}{f.requests:>10}{f.errors:>8}{f.p50_ms:>9.1f}{f.p95_ms:>9.1f}"
                         f"{f.p99_ms:>9.1f}{f.max_ms:>9.1f}")
        lines += [f"  errore: {e}" for e in self.error_samples]
        return "\n".join(lines)


def _figures(latencies: Sequence[float], errors: int) -> EndpointFigures:
    if not latencies:
        return EndpointFigures(0, errors, 0.0, 0.0, 0.0, 0.0)
    ms = np.asarray(latencies) * 1000.0
    p50, p95, p99 = (float(v) for v in np.percentile(ms, [50, 95, 99]))
    return EndpointFigures(len(ms), errors, p50, p95, p99, float(ms.max()))


def check_local(url: str) -> str:
    """``url`` without a trailing slash; ``ValueError`` unless it points at this machine."""
    host = urlparse(url).hostname or ""
    if host not in LOCAL_HOSTS:
        raise ValueError(f"load traffic goes to 127.0.0.1 only, not to {host!r}")
    return url.rstrip("/")


# -- the clients -----------------------------------------------------------------------------------

def _messages(turns: Sequence[str], answers: Sequence[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for n, text in enumerate(turns):
        out.append({"role": "user", "content": text})
        if n < len(answers):
            out.append({"role": "assistant", "content": answers[n]})
    return out


async def _chat(client: httpx.AsyncClient, stats: Stats, turns: Sequence[str], mode: str) -> None:
    """One conversation over ``POST /api/chat``: each turn with the earlier answers as history."""
    answers: list[str] = []
    for n in range(1, len(turns) + 1):
        body = {"messages": _messages(turns[:n], answers), "mode": mode}
        started = time.perf_counter()
        response = await client.post("/api/chat", json=body)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            stats.error("POST /api/chat", f"HTTP {response.status_code}: {response.text[:200]}")
            return
        answers.append(response.json()["answer"])
        stats.ok("POST /api/chat", elapsed, True)


async def _stream(client: httpx.AsyncClient, stats: Stats, question: str, mode: str) -> None:
    """``POST /api/chat/stream`` read to the end; an answer only when the ``answer`` event came."""
    body = {"messages": [{"role": "user", "content": question}], "mode": mode}
    started = time.perf_counter()
    async with client.stream("POST", "/api/chat/stream", json=body) as response:
        text = (await response.aread()).decode("utf-8")
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or "event: answer\n" not in text or "event: error" in text:
        stats.error("POST /api/chat/stream", f"HTTP {response.status_code}: {text[-200:]}")
        return
    stats.ok("POST /api/chat/stream", elapsed, True)


async def _objectives(client: httpx.AsyncClient, stats: Stats, params: dict[str, str]) -> None:
    started = time.perf_counter()
    response = await client.get("/api/objectives", params=params)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or "objectives" not in response.json():
        stats.error("GET /api/objectives", f"HTTP {response.status_code}: {response.text[:200]}")
        return
    stats.ok("GET /api/objectives", elapsed, False)


async def _client(url: str, deadline: float, questions: Sequence[Question], stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    multi = [q for q in questions if q.history] or list(questions)
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as client:
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            mode = "citizen" if rng.random() < 0.3 else "staff"
            endpoint = {"stream": ENDPOINTS[1], "objectives": ENDPOINTS[2]}.get(kind, ENDPOINTS[0])
            try:
                if kind == "chat":
                    await _chat(client, stats, [rng.choice(questions).text], mode)
                elif kind == "chat_turns":
                    q = rng.choice(multi)
                    await _chat(client, stats, [*q.history, q.text], mode)
                elif kind == "stream":
                    await _stream(client, stats, rng.choice(questions).text, mode)
                else:
                    await _objectives(client, stats, rng.choice(OBJECTIVE_FILTERS))
            except (httpx.HTTPError, ValueError, KeyError) as exc:  # a failed request is a figure
                stats.error(endpoint, f"{exc.__class__.__name__}: {exc}")


async def run_load(url: str, clients: int = 50, duration_s: float = 60.0, seed: int = 1,
                   questions: Sequence[Question] | None = None) -> LoadReport:
    """``clients`` concurrent clients for ``duration_s`` seconds against ``url`` (127.0.0.1 only)."""
    url = check_local(url)
    questions = list(questions or load_questions())
    stats = Stats()
    started = time.monotonic()
    deadline = started + duration_s
    await asyncio.gather(*(_client(url, deadline, questions, stats, seed * 1000 + n) for n in range(clients)))
    elapsed = time.monotonic() - started
    endpoints = {e: _figures(stats.latencies[e], len(stats.errors[e])) for e in ENDPOINTS}
    served = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.errors.values())
    samples = [s for e in ENDPOINTS for s in stats.errors[e][:3]]
    return LoadReport(url=url, clients=clients, duration_s=elapsed, requests=served + errors, errors=errors,
                      answers=stats.answers, answers_per_s=stats.answers / elapsed,
                      requests_per_s=(served + errors) / elapsed, endpoints=endpoints, error_samples=samples)


# -- a server of its own ---------------------------------------------------------------------------


def run_load_blocking(url: str, clients: int = 50, duration_s: float = 60.0, seed: int = 1,
                      questions: Sequence[Question] | None = None) -> LoadReport:
    """``run_load`` from synchronous code, in a thread of its own: it works even where the calling
    thread already runs an event loop (Playwright's sync API leaves one in pytest's main thread)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run_load(url, clients, duration_s, seed, questions)).result()

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a load-test server: its data dir, no rate limit in the way, offline."""
    return {**os.environ, "PIAO_DATA_DIR": str(data_dir), "PIAO_RATE_LIMIT_PER_MINUTE": "100000000",
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
            **(extra or {})}


def _ensure_ingested(data_dir: Path, env: dict[str, str]) -> None:
    probe = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "from ingest.store import Store; import sys; sys.exit(0 if Store().documents() else 1)"],
        env=env, cwd=ROOT, capture_output=True, check=False)
    if probe.returncode != 0:
        logger.info("ingesting %s into %s", SAMPLE.name, data_dir)
        subprocess.run([sys.executable, "-c", "from api.cli import app; app()", "ingest", str(SAMPLE)],  # noqa: S603
                       env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def wait_ready(url: str, process: subprocess.Popen[bytes] | None = None, timeout_s: float = 300.0) -> None:
    """Wait until ``GET /readyz`` answers 200 (``RuntimeError`` if the server process ends first)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server stopped with exit code {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=5.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass  # not listening yet
        time.sleep(0.2)
    raise TimeoutError(f"{url} was not ready within {timeout_s:.0f} s")


@contextmanager
def own_server(data_dir: Path | None = None, workers: int = 1,
               env_extra: dict[str, str] | None = None) -> Iterator[str]:
    """``uvicorn api.app:create_app --factory`` on a free port of 127.0.0.1; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="piao-load-") as tmp:
        data = data_dir or Path(os.environ.get("PIAO_DATA_DIR") or Path(tmp) / "data")
        env = server_env(data.resolve(), env_extra)
        _ensure_ingested(data, env)
        port = _free_port()
        cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        process = subprocess.Popen(cmd, env=env, cwd=ROOT)  # noqa: S603 - our own interpreter
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, process)
            yield url
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server process: terminated, killed if it does not end within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the load, print the figures (``--json``: the JSON report); 1 on errors."""
    parser = argparse.ArgumentParser(prog="python -m evals.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--url", help="a running server on 127.0.0.1 (default: start one)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the server started here")
    parser.add_argument("--data-dir", type=Path, help="data dir of the server started here")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the JSON report")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    if args.url:
        report = run_load_blocking(args.url, args.clients, args.duration, args.seed)
    else:
        with own_server(args.data_dir, args.workers) as url:
            report = run_load_blocking(url, args.clients, args.duration, args.seed)
    sys.stdout.write((json.dumps(report.to_json(), indent=2) if args.json else report.render()) + "\n")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
