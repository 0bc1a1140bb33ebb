# ruff: noqa
# Verbatim copy of ../shared/evals/score.py (the reference scorer) from the line below on; tests compare the
# harness with it. tests/evals/test_metrics.py checks it still equals the shared file when that is present.
#!/usr/bin/env python3
"""Reference scorer: asks a running assistant every question of a set over HTTP and scores the answers.

    python score.py --set dev.jsonl --api http://127.0.0.1:8000 [--gold FIXTURE.gold.json] [--json OUT]

It speaks the interface in ../docs/DESIGN.md: POST /api/chat with {"messages": [...], "mode": ...}
returning {"answer", "citations", "objective_ids", "refused"}. A multi-turn case is played as a real
conversation: each earlier user turn is asked first and the assistant's reply kept in the history.

Metrics (the project's own `piao eval` must compute the same ones the same way):
- accuracy: answerable cases whose answer contains every must_contain item (normalised: case, accents,
  quotes, spacing; a purely numeric item must stand as a whole number), and that are not refused;
  an answerable case with no must_contain (an empty list is the right answer) counts when no objective
  is returned;
- refusal: unanswerable cases answered with refused=true;  false_refusal: answerable cases refused;
- objective_recall: share of gold objective ids among the answer's objective_ids (answerable cases; a
  refused answer has recalled nothing, whatever "nearby" objectives it suggests);
- complete_lists: list_filter/aggregate cases whose objective_ids include every gold id (not refused);
- citations_grounded: citations whose `citazione` occurs in the cited record (needs --gold);
- latency: seconds per request, p50 and p95.
Only the standard library is used, so it runs anywhere.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
import urllib.request

QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"})


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text).translate(QUOTES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


CITE_MARK = re.compile(r"\[\d+(?:\s*[,-]\s*\d+)*\]")


def contains(answer: str, item: str) -> bool:
    """Citation markers such as [4] are not part of the answer's text: a '4' must be stated, not cited."""
    a, i = norm(CITE_MARK.sub(" ", answer)), norm(item)
    if re.fullmatch(r"[\d.,%]+", i):
        return re.search(r"(?<!\d)(?<!\d[.,])" + re.escape(i) + r"(?!\d|[.,]\d)", a) is not None
    return i in a


def ask(api: str, messages: list[dict], mode: str, timeout: float) -> tuple[dict, float]:
    body = json.dumps({"messages": messages, "mode": mode}).encode()
    req = urllib.request.Request(api.rstrip("/") + "/api/chat", data=body,
                                 headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        data = json.load(resp)
    return data, time.perf_counter() - start


def record_texts(gold_path: str | None) -> dict[str, str]:
    if not gold_path:
        return {}
    def strings(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)
        elif value is not None:
            yield str(value)

    return {rec["id"]: norm(" \n ".join(strings(rec))) for rec in json.load(open(gold_path, encoding="utf-8"))}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", required=True)
    ap.add_argument("--api", default="http://127.0.0.1:8000")
    ap.add_argument("--gold")
    ap.add_argument("--json")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()

    cases = [json.loads(line) for line in open(args.set, encoding="utf-8") if line.strip()]
    texts = record_texts(args.gold)
    rows, latencies = [], []
    cites_total = cites_ok = 0
    for case in cases:
        mode = "citizen" if case.get("persona") == "citizen" else "staff"
        messages: list[dict] = []
        try:
            for turn in case.get("history", []):
                messages.append({"role": "user", "content": turn})
                prev, secs = ask(args.api, messages, mode, args.timeout)
                latencies.append(secs)
                messages.append({"role": "assistant", "content": prev.get("answer", "")})
            messages.append({"role": "user", "content": case["question"]})
            got, secs = ask(args.api, messages, mode, args.timeout)
            latencies.append(secs)
        except Exception as exc:  # a failed request is a wrong answer, and is reported
            got = {"answer": "", "citations": [], "objective_ids": [], "refused": False, "error": str(exc)}
        answer = got.get("answer") or ""
        refused = bool(got.get("refused"))
        ids = [] if refused else [i.split(":")[-1].split("/")[-1] for i in got.get("objective_ids") or []]
        gold_ids = case.get("gold_objective_ids") or []
        if case.get("answerable", True):
            must = case.get("must_contain") or []
            ok = (not refused) and (all(contains(answer, m) for m in must) if must else not ids)
        else:
            ok = refused
        recall = (len(set(gold_ids) & set(ids)) / len(gold_ids)) if gold_ids and case.get("answerable", True) else None
        for c in got.get("citations") or []:
            if texts:
                cites_total += 1
                rid = str(c.get("objective_id", "")).split(":")[-1].split("/")[-1]
                quote = norm(c.get("citazione", ""))
                cites_ok += bool(quote) and quote in texts.get(rid, "")
        rows.append({"id": case["id"], "kind": case.get("kind"), "ok": ok, "refused": refused,
                     "answerable": case.get("answerable", True), "recall": recall,
                     "complete": (set(gold_ids) <= set(ids)) if case.get("kind") in ("list_filter", "aggregate") and gold_ids else None,
                     "answer": answer[:300], "error": got.get("error")})

    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    recalls = [r["recall"] for r in rows if r["recall"] is not None]
    lists = [r["complete"] for r in rows if r["complete"] is not None]
    kinds: dict[str, list[bool]] = {}
    for r in rows:
        kinds.setdefault(r["kind"], []).append(r["ok"])
    lat = sorted(latencies)
    report = {
        "cases": len(rows),
        "accuracy": round(sum(r["ok"] for r in answerable) / max(1, len(answerable)), 3),
        "refusal": round(sum(r["ok"] for r in unanswerable) / max(1, len(unanswerable)), 3),
        "false_refusal": round(sum(r["refused"] for r in answerable) / max(1, len(answerable)), 3),
        "objective_recall": round(statistics.mean(recalls), 3) if recalls else None,
        "complete_lists": round(sum(lists) / len(lists), 3) if lists else None,
        "citations_grounded": round(cites_ok / cites_total, 3) if cites_total else None,
        "latency_p50_s": round(lat[len(lat) // 2], 4) if lat else None,
        "latency_p95_s": round(lat[min(len(lat) - 1, int(len(lat) * 0.95))], 4) if lat else None,
        "errors": sum(1 for r in rows if r["error"]),
        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(kinds.items())},
        "wrong": [r["id"] for r in rows if not r["ok"]],
    }
    if args.json:
        json.dump({"report": report, "rows": rows}, open(args.json, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
    for key, value in report.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
