"""How much the question model's readings depend on the random fills of its generated corpus.

    python -m evals.model_stability [--members 1 3] [--sets evals/sets]

For each plan of the project's question sets, two models are trained on corpora generated with
disjoint seeds (each an average of ``--members`` members, as ``assistant.understanding.model``
builds them); the figure is the share of the sets' questions on which the two read another intent,
or another intent or set of fields. Lower is steadier: an edit of the phrasings, or another plan's
values, then moves fewer answers. Also printed: the seconds to train one model.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from assistant.understanding.generate import generate
from assistant.understanding.model import QuestionModel
from evals.sets_report import FIXTURES, PLANS, SETS
from ingest.text import norm
from ingest.types import Objective

SEED_BASE = 100  # far from the model's own seeds


def _questions(sets: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted(sets.glob("*.jsonl")):
        plan = PLANS.get(path.stem.split("_")[0])
        if plan is None:
            continue
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        out.setdefault(plan, []).extend(norm(c["question"]) for c in lines)
    return out


def disagreement(records: list[Objective], questions: list[str], members: int) -> tuple[float, float, float]:
    """(intent disagreement, intent-or-fields disagreement, seconds to train one model)."""
    readings, seconds = [], 0.0
    for group in range(2):
        started = time.perf_counter()
        model = QuestionModel([generate(records, seed=SEED_BASE + group * members + i) for i in range(members)])
        seconds = time.perf_counter() - started
        readings.append([(p.intent, tuple(sorted(p.fields))) for p in map(model.predict, questions)])
    pairs = list(zip(*readings, strict=True))
    return (sum(a[0] != b[0] for a, b in pairs) / len(pairs), sum(a != b for a, b in pairs) / len(pairs), seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--sets", type=Path, default=SETS)
    args = parser.parse_args(argv)
    for plan, questions in _questions(args.sets).items():
        records = [Objective.model_validate(r) for r in json.loads((FIXTURES / f"{plan}.gold.json").read_text(
            encoding="utf-8"))]
        for members in args.members:
            intent, fields, seconds = disagreement(records, questions, members)
            print(f"{plan}: {members} member(s), {len(questions)} questions: intent read otherwise {intent:.3f}, "
                  f"intent or fields {fields:.3f}; one model trained in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
