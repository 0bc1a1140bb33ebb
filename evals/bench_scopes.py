"""Answer path at scale, in one process: cold start, RSS and per-question latency with 1 vs N bodies.

    python -m evals.bench_scopes --bodies 1 200

Each size runs in its own process over a fresh SQLite store of generated plans (``tests/bodies.py``:
distinct bodies, titles, people and weights), without dense search. It prints, per size, the cold
start (the Assistant over the store), the RSS after start and after the questions, and p50/p95 of
questions naming a body and naming none, each beside the first size's figure as a ratio.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAMED = ["Chi è il responsabile dell'obiettivo «{titolo}» del {ente}?", "Quali sono gli obiettivi del {ente}?",
         "Qual è il peso dell'obiettivo «{titolo}» del {ente}?", "Quanti obiettivi ha il {settore} del {ente}?"]
UNNAMED = ["Quanti obiettivi ci sono in tutti gli enti?", "Quali sono gli obiettivi dell'Area Tecnica?",
           "Chi è il responsabile dell'obiettivo «{titolo}»?"]


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def run_one(n: int, questions: int) -> dict[str, float]:
    """Figures for ``n`` bodies (in this process)."""
    from assistant import Assistant
    from ingest.settings import Settings
    from ingest.store import Store
    from tests.bodies import generated_bodies, store_bodies

    towns = [f"Borgo {i:04d}" for i in range(n)]
    bodies = generated_bodies(towns)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        store_bodies(settings, bodies, with_index=False)  # the answer path without dense search
        store = Store(settings)
        base_rss = _rss_mb()
        start = time.perf_counter()
        assistant = Assistant(store=store)
        cold = time.perf_counter() - start
        start_rss = _rss_mb()
        rnd = random.Random(7)
        named, unnamed = [], []
        entes = list(bodies)
        for i in range(questions):
            ente = rnd.choice(entes)
            obj = rnd.choice(bodies[ente])
            q = NAMED[i % len(NAMED)].format(titolo=obj.titolo, ente=ente, settore=obj.settore)
            t = time.perf_counter()
            assistant.ask(q)
            named.append(time.perf_counter() - t)
        sizes = []
        for i in range(max(6, questions // 4)):
            obj = rnd.choice(bodies[rnd.choice(entes)])
            q = UNNAMED[i % len(UNNAMED)].format(titolo=obj.titolo)
            t = time.perf_counter()
            answer = assistant.ask(q)
            unnamed.append(time.perf_counter() - t)
            sizes.append(len(answer.model_dump_json()))
        return {"bodies": n, "cold_s": cold, "rss_start_mb": start_rss - base_rss, "rss_end_mb": _rss_mb() - base_rss,
                "named_p50_ms": 1000 * statistics.median(named), "named_p95_ms": 1000 * _pct(named, 0.95),
                "unnamed_p50_ms": 1000 * statistics.median(unnamed), "unnamed_p95_ms": 1000 * _pct(unnamed, 0.95),
                "unnamed_max_answer_kb": max(sizes) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bodies", type=int, nargs="+", default=[1, 200])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.questions)))
        return
    rows = []
    for n in args.bodies:
        out = subprocess.run([sys.executable, "-m", "evals.bench_scopes", "--one", str(n), "--questions",
                              str(args.questions)], check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first = rows[0]
    keys = [k for k in first if k != "bodies"]
    print("bodies  " + "  ".join(f"{k:>22}" for k in keys))
    for row in rows:
        cells = [f"{row[k]:9.1f} ({row[k] / first[k]:4.2f}x)" if first[k] else f"{row[k]:9.1f}" for k in keys]
        print(f"{row['bodies']:6d}  " + "  ".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
