"""Accuracy of the assistant on the project's own question sets, split by split (tune / heldout).

    python -m evals.sets_report [--sets evals/sets] [--split tune|heldout|all] [--no-dense] [--failures]

Each set file names its plan by its first word (``casalgrande_variants.jsonl`` -> the Casalgrande
fixture); the assistant answers from that fixture's gold records, with dense search over the same
embeddings as the index (vectors cached under ``evals/reports/vectors``). The tune split is for
finding what is wrong with a mechanism; the heldout split is only reported.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant import Assistant
from assistant.understanding.language import warm_languages
from evals.harness import run_eval
from ingest.types import Objective

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "samples"
SETS = Path(__file__).resolve().parent / "sets"
PLANS = {"casalgrande": "piao_casalgrande_2023_performance", "roccafelice": "piao_roccafelice_2025_performance",
         "dev": "piao_casalgrande_2023_performance"}
METRICS = ("cases", "accuracy", "refusal", "false_refusal", "objective_recall", "complete_lists",
           "citations_grounded", "latency_p50_s", "latency_p95_s")


def _cases(path: Path, split: str) -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c for c in cases if split == "all" or c.get("split", "tune") == split]


def report(sets: Path, split: str, dense: bool, failures: bool) -> dict[str, dict[str, Any]]:
    """Metrics per set file (and per kind), printed as they come."""
    warm_languages()  # as the server does at start-up: no question waits for the foreign word lists
    assistants: dict[str, Assistant] = {}
    out: dict[str, dict[str, Any]] = {}
    embedder = None
    for path in sorted(sets.glob("*.jsonl")):
        plan = PLANS.get(path.stem.split("_")[0])
        gold = FIXTURES / f"{plan}.gold.json" if plan else None
        cases = _cases(path, split)
        if gold is None or not gold.exists() or not cases:
            continue
        if plan not in assistants:
            records = [Objective.model_validate(r) for r in json.loads(gold.read_text(encoding="utf-8"))]
            search = None
            if dense:
                from evals.memory_dense import MemoryDense  # noqa: PLC0415 - loads the embedding model
                from ingest.embed import E5Embedder  # noqa: PLC0415

                embedder = embedder or E5Embedder()
                search = MemoryDense(records, embedder)
            assistants[plan] = Assistant(records, dense=search)
        tmp = ROOT / "evals" / "reports" / f"_{path.stem}.{split}.jsonl"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases), encoding="utf-8")
        rep = run_eval(tmp, assistants[plan], gold_path=gold)
        kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in rep.rows:
            kinds[row.kind or "-"][0] += row.ok
            kinds[row.kind or "-"][1] += 1
        out[path.stem] = {k: rep.metrics.get(k) for k in METRICS} | {
            "by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(kinds.items())}}
        print(f"{path.stem} [{split}]", json.dumps(out[path.stem], ensure_ascii=False))
        if failures:
            by_id = {c["id"]: c for c in cases}
            for row in rep.rows:
                if not row.ok:
                    c = by_id[row.id]
                    print(f"  x {row.id} [{row.kind}] refused={row.refused} {c.get('history', [])} {c['question']}\n"
                          f"    must={c.get('must_contain')} -> {row.answer[:200]!r}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", type=Path, default=SETS)
    parser.add_argument("--split", default="tune", choices=("tune", "heldout", "all"))
    parser.add_argument("--no-dense", action="store_true")
    parser.add_argument("--failures", action="store_true")
    args = parser.parse_args()
    report(args.sets, args.split, not args.no_dense, args.failures)


if __name__ == "__main__":
    main()
