"""Answer path at scale, in one process: cold start, RSS and per-question latency with 1 vs N bodies.

    python -m evals.bench_scopes --bodies 1 200

Each size runs in its own process over a fresh SQLite store of generated plans (``tests/bodies.py``:
distinct bodies, titles, people and weights), without dense search. It prints, per size, the cold
start (the Assistant over the store), the RSS after start and with every body's state cached, and p50/p95 of
questions naming a body and naming none (asked twice: the first time builds the bodies' states, the
'miss' figures; the second finds them cached), each beside the first size's figure as a ratio.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SAMPLE_GOLD = Path(__file__).resolve().parents[1] / "samples" / "piao_casalgrande_2023_performance.gold.json"
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


def _sample_bodies(towns: list[str]) -> dict[str, list[Any]]:
    """Copies of the sample plan (35 objectives), one per body."""
    from ingest.types import Objective

    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))
    out = {}
    for town in towns:
        ente, documento = f"Comune di {town}", f"piao_{town.lower().replace(' ', '_')}_2023"
        out[ente] = [Objective.model_validate({**r, "ente": ente, "documento": documento}) for r in gold]
    return out


def run_one(n: int, questions: int, sample: bool = False) -> dict[str, float]:
    """Figures for ``n`` bodies (in this process): generated plans, or copies of the sample."""
    from assistant import Assistant
    from assistant.partition import scope_key
    from ingest.settings import Settings
    from ingest.store import Store
    from tests.bodies import generated_bodies, store_bodies

    towns = [f"Borgo {i:04d}" for i in range(n)]
    bodies = _sample_bodies(towns) if sample else generated_bodies(towns)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        store_bodies(settings, bodies, with_index=False)  # the answer path without dense search
        values = {e: [(o.titolo, o.settore) for o in objs] for e, objs in bodies.items()}
        del bodies  # the figures are of the assistant, not of this script's copy of the records
        gc.collect()
        store = Store(settings)
        start = time.perf_counter()
        assistant = Assistant(store=store)
        cold = time.perf_counter() - start
        start_rss = _rss_mb()
        rnd = random.Random(7)
        entes = list(values)
        named, unnamed = [], []
        for i in range(questions):
            ente = rnd.choice(entes)
            titolo, settore = rnd.choice(values[ente])
            named.append(NAMED[i % len(NAMED)].format(titolo=titolo, ente=ente, settore=settore))
        for i in range(max(6, questions // 4)):
            titolo, _ = rnd.choice(values[rnd.choice(entes)])
            unnamed.append(UNNAMED[i % len(UNNAMED)].format(titolo=titolo))
        first_named, first_unnamed, _ = _timed(assistant, named, unnamed)  # states built on the way
        named_s, unnamed_s, sizes = _timed(assistant, named, unnamed)  # states cached
        for ente in entes[:assistant.cache_size]:  # every body's state held, as after the prefetch of a server
            assistant.scope(scope_key([ente]))
        return {"bodies": n, "cold_s": cold, "rss_start_mb": start_rss, "rss_all_cached_mb": _rss_mb(),
                "named_p50_ms": 1000 * statistics.median(named_s), "named_p95_ms": 1000 * _pct(named_s, 0.95),
                "named_miss_p50_ms": 1000 * statistics.median(first_named),
                "unnamed_p50_ms": 1000 * statistics.median(unnamed_s),
                "unnamed_p95_ms": 1000 * _pct(unnamed_s, 0.95),
                "unnamed_miss_p95_ms": 1000 * _pct(first_unnamed, 0.95),
                "unnamed_max_answer_kb": max(sizes) / 1024}


def _timed(assistant: object, named: list[str], unnamed: list[str]) -> tuple[list[float], list[float], list[int]]:
    times: tuple[list[float], list[float]] = ([], [])
    sizes = []
    for out, questions in zip(times, (named, unnamed), strict=True):
        for q in questions:
            t = time.perf_counter()
            answer = assistant.ask(q)  # type: ignore[attr-defined]
            out.append(time.perf_counter() - t)
            sizes.append(len(answer.model_dump_json()))
    return times[0], times[1], sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bodies", type=int, nargs="+", default=[1, 200])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--sample", action="store_true", help="copies of the sample plan instead of generated ones")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.questions, args.sample)))
        return
    rows = []
    for n in args.bodies:
        out = subprocess.run([sys.executable, "-m", "evals.bench_scopes", "--one", str(n), "--questions",
                              str(args.questions), *(["--sample"] if args.sample else [])], check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first = rows[0]
    keys = [k for k in first if k != "bodies"]
    print("bodies  " + "  ".join(f"{k:>22}" for k in keys))
    for row in rows:
        cells = [f"{row[k]:9.1f} ({row[k] / first[k]:4.2f}x)" if first[k] else f"{row[k]:9.1f}" for k in keys]
        print(f"{row['bodies']:6d}  " + "  ".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
