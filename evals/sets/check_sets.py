"""Checks the question sets of this folder against the gold records (python evals/sets/check_sets.py)."""
import collections
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "evals"))  # the verbatim copy of ../shared/evals/score.py
from reference_score import contains, norm  # noqa: E402

GOLD = {}
for f in ["piao_casalgrande_2023_performance", "piao_roccafelice_2025_performance"]:
    for r in json.load(open(ROOT / "samples" / f"{f}.gold.json", encoding="utf-8")):
        GOLD[(f[:10], r["id"])] = r


def fix(name):
    return "piao_rocca" if "rocca" in name else "piao_casal"


dev_keys = set(json.loads(line).keys() for line in []) if False else None
base = {
    "id",
    "question",
    "persona",
    "kind",
    "gold_objective_ids",
    "gold_answer",
    "must_contain",
    "answerable",
    "split",
}
KINDS = "lookup_responsible, lookup_field, status, list_filter, aggregate, compare_years, citizen_guidance, paraphrase, typo, multi_turn, unanswerable, injection, english".split(
    ", "
)


def weight(r, year=None):
    if r.get("peso"):
        return float(r["peso"].strip("%"))
    ys = [i for i in r["indicatori"] if i["peso"]]
    year = year or min(i["anno"] for i in ys)
    return sum(float(i["peso"].strip("%")) for i in ys if i["anno"] == year)


def computed(recs):
    # weight sum: first indicator year (2023 / 2025), or 2024 when the question names it is handled by sums list
    return [
        round(sum(weight(x) for x in recs)),
        round(
            sum(
                weight(x, 2024) if any(i["anno"] == 2024 and i["peso"] for i in x["indicatori"]) else 0
                for x in recs
            )
        ),
    ]


ids = set()
bad = 0
table = []
# every set of this folder; dev.jsonl is the verbatim shared copy and has no split
SETS = sorted(p.name for p in HERE.glob("*.jsonl") if p.name != "dev.jsonl")
for name in SETS:
    rows = [json.loads(line) for line in open(HERE / name, encoding="utf-8")]
    cnt = collections.Counter()
    for r in rows:
        assert base <= set(r), r["id"]
        assert r["id"] not in ids, r["id"]
        ids.add(r["id"])
        assert (
            r["kind"] in KINDS
            and r["persona"] in ("staff", "citizen", "evaluator")
            and r["split"] in ("tune", "heldout")
        )
        if r["kind"] == "multi_turn":
            assert r.get("history"), r["id"]
        recs = []
        for g in r["gold_objective_ids"]:
            k = (fix(name), g)
            if k not in GOLD:
                print("MISSING ID", r["id"], g)
                bad += 1
            else:
                recs.append(GOLD[k])
        assert len(set(r["gold_objective_ids"])) == len(r["gold_objective_ids"]), r["id"]
        if not r["answerable"]:
            assert r["must_contain"] == [], r["id"]
        else:
            text = norm(json.dumps(recs, ensure_ascii=False))
            txt2 = " \n ".join(norm(json.dumps(x, ensure_ascii=False)) for x in recs)
            for m in r["must_contain"]:
                # same matcher as score.py, against the records' JSON dump
                if (
                    m.isdigit()
                    and r["kind"] in ("aggregate", "multi_turn")
                    and (int(m) == len(recs) or int(m) in computed(recs))
                ):
                    continue  # a count or a weight sum computed over the named records, not a string of them
                if not contains(json.dumps(recs, ensure_ascii=False), m):
                    print("NOT IN RECORDS", r["id"], r["kind"], repr(m))
                    bad += 1
            if not r["must_contain"] and r["gold_objective_ids"]:
                print("EMPTY MUST WITH IDS", r["id"])
        cnt[(r["kind"], r["split"])] += 1
    table.append((name, rows, cnt))
print("bad", bad)
for name, rows, cnt in table:
    print(f"\n## {name}: {len(rows)} lines, split", dict(collections.Counter(r["split"] for r in rows)))
    for k in sorted({k for k, _ in cnt}):
        print(f"  {k:20s} tune {cnt[(k, 'tune')]:3d}  heldout {cnt[(k, 'heldout')]:3d}")
