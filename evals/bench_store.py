"""Record store at scale: ``python -m evals.bench_store [--plans "1 200"] [--database-url URL]``.

Fills a fresh store (SQLite in a temp dir, or the PostgreSQL database at ``--database-url``, which
should be empty) with copies of the sample's 35 gold records, one copy per plan under its own ente
and documento, and prints at each size (each beside the first size's figure as a ratio):

- write: seconds to store one plan (records, indicators, history and full-text rows, one transaction);
- search: ``search_text`` p50/p95 over 20 question-like queries, over every plan and within one ente;
  times are this process's CPU time on SQLite (it runs in the process; steady on a shared machine),
  wall-clock on PostgreSQL;
- reads: ``objectives(ente=...)``, ``count_by_ente()``, ``entities()``, ``revision()`` (p50);
- open store: a new ``Store`` on the filled database (schema checks; the full-text rows are not rebuilt).

Every copy repeats the same words, so an unscoped search matches N times the records: the worst case
for it. Scoped reads and searches should stay flat.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ingest.settings import Settings
from ingest.store import DocumentInfo, Store
from ingest.text import tokens
from ingest.types import Objective

GOLD = Path(__file__).resolve().parent.parent / "samples" / "piao_casalgrande_2023_performance.gold.json"


def plan(n: int, records: list[Objective]) -> tuple[DocumentInfo, list[Objective]]:
    ente, documento = f"Comune {n:05d}", f"piano_{n:05d}"
    info = DocumentInfo(documento=documento, file=f"{documento}.docx", content_hash=f"{n:064d}", format="docx",
                        ente=ente, periodo="2023-2025")
    return info, [r.model_copy(update={"ente": ente, "documento": documento}) for r in records]


def queries(records: list[Objective]) -> list[str]:
    """Question-like queries: the content words (4 letters or more: the assistant drops the grammar words
    before searching) of titles and indicator names."""
    texts = [r.titolo for r in records[::2]] + [r.indicatori[0].indicatore or r.titolo
                                                 for r in records[1::4] if r.indicatori]
    return [" ".join([w for w in tokens(t) if len(w) >= 4][:4]) for t in texts][:20]


CLOCK = time.perf_counter  # process CPU time on SQLite (see main)


def timings(call: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = CLOCK()
        call()
        out.append(CLOCK() - start)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(store: Store, size: int, asks: list[str], write_s: float) -> dict[str, float]:
    ente = f"Comune {size // 2:05d}"
    every = [t for q in asks for t in timings(lambda q=q: store.search_text(q, limit=20), 3)]
    scoped = [t for q in asks for t in timings(lambda q=q: store.search_text(q, ente=ente, limit=20), 3)]
    return {
        "write s/plan": write_s,
        "search all p50 ms": 1000 * statistics.median(every),
        "search all p95 ms": 1000 * p(every, 0.95),
        "search 1 ente p50 ms": 1000 * statistics.median(scoped),
        "search 1 ente p95 ms": 1000 * p(scoped, 0.95),
        "objectives(ente) ms": 1000 * statistics.median(timings(lambda: store.objectives(ente=ente), 10)),
        "count_by_ente ms": 1000 * statistics.median(timings(store.count_by_ente, 5)),
        "entities ms": 1000 * statistics.median(timings(store.entities, 5)),
        "revision ms": 1000 * statistics.median(timings(store.revision, 20)),
        "open store ms": 1000 * statistics.median(timings(lambda: Store(store.settings).close(), 3)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", default="1 200", help="store sizes, in plans (ascending)")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    sizes = sorted(int(x) for x in args.plans.split())
    records = [Objective.model_validate(r) for r in json.loads(GOLD.read_text(encoding="utf-8"))]
    asks = queries(records)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Settings(data_dir=Path(tmp) / "data", database_url=args.database_url))
        if store.engine.dialect.name == "sqlite":  # in this process: its CPU time, steady on a shared machine
            global CLOCK
            CLOCK = time.process_time
        print(f"engine: {store.engine.dialect.name}; {len(records)} records per plan; {len(asks)} queries; "
              f"times: {'CPU' if CLOCK is time.process_time else 'wall-clock'}")
        results: dict[int, dict[str, float]] = {}
        stored = 0
        for size in sizes:
            writes = []
            while stored < size:
                start = time.perf_counter()
                store.upsert_document(*plan(stored, records))
                writes.append(time.perf_counter() - start)
                stored += 1
            results[size] = measure(store, size, asks, statistics.median(writes[-20:]) if writes else 0.0)
        store.close()
    first = results[sizes[0]]
    print(f"{'plans':<22}" + "".join(f"{s:>20}" for s in sizes))
    for name in first:
        cells = [f"{results[s][name]:.4f}" + (f" ({results[s][name] / first[name]:.1f}x)" if s != sizes[0]
                                              and first[name] else "") for s in sizes]
        print(f"{name:<22}" + "".join(f"{c:>20}" for c in cells))


if __name__ == "__main__":
    main()
