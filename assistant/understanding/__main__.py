"""Train the question model on a plan's records and report how it reads questions it was not trained on.

    python -m assistant.understanding --records PLAN.gold.json [--test OTHER.gold.json] [--seed 7]

The corpus is generated from ``--records`` (seed 13, as at start-up); the test corpus from ``--test``
(another plan's records, default the same records) with another seed, so no test question is a
training question. Prints the corpus size, the training time and per-label accuracy.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

from assistant.understanding.generate import generate
from assistant.understanding.model import MEMBERS, SEED, QuestionModel
from ingest.types import Objective


def _records(path: Path) -> list[Objective]:
    return [Objective.model_validate(r) for r in json.loads(path.read_text(encoding="utf-8"))]


def evaluate(train: list[Objective], test: list[Objective], seed: int = 7, sample: int | None = None
             ) -> dict[str, float]:
    """Accuracy of each label on a corpus generated with another seed (and maybe other records); on
    ``sample`` of its examples drawn at random (with the seed) when given."""
    model = QuestionModel([generate(train, seed=SEED + i) for i in range(MEMBERS)])
    examples = generate(test, seed=seed)
    if sample is not None and sample < len(examples):
        examples = random.Random(seed).sample(examples, sample)
    hits: Counter[str] = Counter()
    for ex in examples:
        got = model.predict(ex.text)
        hits["intent"] += got.intent == ex.intent
        hits["fields"] += set(got.fields) >= set(ex.fields) if ex.intent in ("field", "status") else True
        hits["refers_back"] += got.refers_back == ex.refers_back
    out = {k: round(v / len(examples), 3) for k, v in hits.items()}
    return out | {"train_seconds": round(model.seconds, 2), "test_examples": len(examples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=Path, required=True)
    parser.add_argument("--test", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    train = _records(args.records)
    report = evaluate(train, _records(args.test) if args.test else train, args.seed)
    sys.stdout.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
