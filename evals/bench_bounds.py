"""Bounded cost: do a few clients sending maximal questions slow everyone else down?

    python -m evals.bench_bounds                      # 45 honest clients, then the same plus 5 attackers
    python -m evals.bench_bounds --duration 15 --honest 45 --attackers 5 --json

Two runs against one server on 127.0.0.1 (started here over ``PIAO_DATA_DIR``, or ``--url``): honest
clients alone, then the same honest clients beside attackers that send the longest question the API
accepts (``PIAO_MAX_MESSAGE_CHARS``), as fast as they are answered, ignoring ``Retry-After``. Each
client has its own address (``X-Forwarded-For``, believed from 127.0.0.1 as from a reverse proxy), so
the per-client rate limit applies as in production, at its default settings.

Printed: honest answers per second and honest p95 latency in each run, and their ratios (with
attackers / without). The issue's target: throughput ratio >= 0.80, p95 ratio <= 1.5.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import numpy as np

from evals.load import check_local, load_questions, own_server

MAX_CHARS = 2000
_FILLER = ("obiettivi performance settore responsabile indicatore target anno peso stato attuazione "
           "servizi cittadini comune piano digitalizzazione entrate tributi scuola ")


@dataclass
class Side:
    """What one kind of client saw in a run."""

    answered: int = 0
    refused: int = 0  # 429
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    def figures(self, seconds: float) -> dict[str, float]:
        lat = np.asarray(self.latencies) * 1000 if self.latencies else np.zeros(1)
        return {"answers_per_s": round(self.answered / seconds, 2), "p50_ms": round(float(np.percentile(lat, 50)), 1),
                "p95_ms": round(float(np.percentile(lat, 95)), 1), "refused_429": self.refused,
                "errors": self.errors}


def maximal_question(seed: str, chars: int = MAX_CHARS) -> str:
    """A question of exactly ``chars`` characters: a real one, padded with domain words."""
    text = seed + " " + _FILLER * (chars // len(_FILLER) + 1)
    return text[:chars]


async def _client(url: str, address: str, questions: Sequence[str], deadline: float, side: Side) -> None:
    headers = {"X-Forwarded-For": address}
    async with httpx.AsyncClient(base_url=url, timeout=60.0, headers=headers) as client:
        n = 0
        while time.monotonic() < deadline:
            body = {"messages": [{"role": "user", "content": questions[n % len(questions)]}]}
            n += 1
            started = time.monotonic()
            try:
                response = await client.post("/api/chat", json=body)
            except httpx.HTTPError:
                side.errors += 1
                continue
            if response.status_code == 200:
                side.answered += 1
                side.latencies.append(time.monotonic() - started)
            elif response.status_code == 429:
                side.refused += 1
                await asyncio.sleep(0.05)  # an attacker does not wait for Retry-After, but it cannot spin at 0 s
            else:
                side.errors += 1


async def run(url: str, honest: int, attackers: int, duration_s: float) -> tuple[Side, Side]:
    """One run: ``honest`` clients and ``attackers`` for ``duration_s``; what each side saw."""
    questions = [q.text for q in load_questions()]
    long_ones = [maximal_question(q) for q in questions[:20]]
    good, bad = Side(), Side()
    deadline = time.monotonic() + duration_s
    tasks = [_client(url, f"10.1.{i // 250}.{i % 250 + 1}", questions[i:] + questions[:i], deadline, good)
             for i in range(honest)]
    tasks += [_client(url, f"10.2.0.{i + 1}", long_ones, deadline, bad) for i in range(attackers)]
    await asyncio.gather(*tasks)
    return good, bad


def measure(url: str, honest: int, attackers: int, duration_s: float) -> dict[str, object]:
    """Both runs (a short warm-up first) and the ratios."""
    asyncio.run(run(url, min(honest, 5), 0, 2.0))  # warm-up: model, caches, connections
    alone, _ = asyncio.run(run(url, honest, 0, duration_s))
    mixed, attack = asyncio.run(run(url, honest, attackers, duration_s))
    a, m = alone.figures(duration_s), mixed.figures(duration_s)
    return {
        "clients": {"honest": honest, "attackers": attackers, "question_chars": MAX_CHARS},
        "duration_s": duration_s,
        "honest_alone": a,
        "honest_with_attackers": m,
        "attackers": attack.figures(duration_s),
        "throughput_ratio": round(m["answers_per_s"] / max(a["answers_per_s"], 1e-9), 3),
        "p95_ratio": round(m["p95_ms"] / max(a["p95_ms"], 1e-9), 3),
    }


def render(result: dict[str, object]) -> str:
    """The figures as a few lines of text."""
    lines = [f"{result['clients']}, {result['duration_s']} s per run"]
    for name in ("honest_alone", "honest_with_attackers", "attackers"):
        lines.append(f"  {name:22} {result[name]}")
    lines.append(f"honest throughput ratio (with/without attackers): {result['throughput_ratio']:.2f}  "
                 f"(target >= 0.80)")
    lines.append(f"honest p95 ratio (with/without attackers):        {result['p95_ratio']:.2f}  (target <= 1.5)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running server on 127.0.0.1 (default: start one here)")
    parser.add_argument("--honest", type=int, default=45)
    parser.add_argument("--attackers", type=int, default=5)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per run")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if args.url:
        result = measure(check_local(args.url), args.honest, args.attackers, args.duration)
    else:
        # production limits (server_env lifts the rate limit for evals.load: put the defaults back)
        with own_server(env_extra={"PIAO_RATE_LIMIT_PER_MINUTE": "600", "PIAO_TRUSTED_PROXIES": "127.0.0.1",
                                   "FORWARDED_ALLOW_IPS": "127.0.0.1"}) as url:
            result = measure(url, args.honest, args.attackers, args.duration)
    sys.stdout.write((json.dumps(result, indent=2) if args.json else render(result)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

