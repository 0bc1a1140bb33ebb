"""The scale benchmark's table: each figure beside its ratio to the first size, fitted slopes."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

COLUMNS: dict[str, str] = {  # key -> label
    "ingest_s_per_doc": "ingest s/doc",
    "disk_mb": "disk MB",
    "rss_mb": "RSS MB/worker",
    "cold_start_s": "cold start s",
    "cold_start_cpu_s": "cold start CPU s",
    "named_p50_ms": "named body p50 ms",
    "named_p95_ms": "named body p95 ms",
    "named_cpu_ms": "named body CPU ms/q",
    "none_p50_ms": "no body p50 ms",
    "none_p95_ms": "no body p95 ms",
    "none_cpu_ms": "no body CPU ms/q",
    "none_max_answer_kb": "no body largest answer KB",
    "answers_per_s": "answers/s (load)",
    "reingest_s": "unchanged re-ingest s",
    "reingest_cli_s": "unchanged `piao ingest` s",
}
SLOPES = ("rss_mb", "disk_mb", "cold_start_s", "cold_start_cpu_s", "named_p50_ms", "named_p95_ms", "named_cpu_ms",
          "none_p50_ms", "none_p95_ms", "none_cpu_ms",
          "ingest_s_per_doc", "reingest_s", "reingest_cli_s")


def ratio(value: float | None, base: float | None) -> float | None:
    """``value / base``, ``None`` when either is missing or the base is 0."""
    if value is None or base is None or base == 0:
        return None
    return value / base


def ratios(rows: dict[Any, dict[str, float | None]]) -> dict[Any, dict[str, float | None]]:
    """Every figure of every size divided by the first size's."""
    sizes = sorted(rows, key=int)
    base = rows[sizes[0]]
    return {n: {k: ratio(rows[n].get(k), base.get(k)) for k in COLUMNS} for n in sizes}


def slopes(results: Sequence[Any]) -> dict[str, dict[str, float]]:
    """Least-squares line of each figure against the number of plans (per plan and at 0 plans), and the
    exponent of a power law fitted on the sizes above 1 (log-log), where there are two or more sizes."""
    out: dict[str, dict[str, float]] = {}
    sizes = np.asarray([r.plans for r in results], dtype=float)
    for key in SLOPES:
        values = [r.row()[key] for r in results]
        if len(results) < 2 or any(v is None for v in values) or len(set(sizes)) < 2:
            continue
        y = np.asarray(values, dtype=float)
        per_plan, at_zero = np.polyfit(sizes, y, 1)
        fit = {"per_plan": float(per_plan), "at_0": float(at_zero)}
        big = (sizes > 1) & (y > 0)
        if big.sum() >= 2:
            fit["exponent"] = float(np.polyfit(np.log(sizes[big]), np.log(y[big]), 1)[0])
        out[key] = fit
    return out


def _cell(value: float | None, rel: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return text if rel is None else f"{text} (×{rel:.2f})"


def _table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    rows = {int(k): v for k, v in data["rows"].items()}
    rel = ratios(rows)
    sizes = sorted(rows)
    header = ["figure", *(f"{n} plans" for n in sizes)]
    body = [[label, *(_cell(rows[n].get(key), rel[n][key]) for n in sizes)] for key, label in COLUMNS.items()]
    return header, body


def render_text(data: dict[str, Any]) -> str:
    """A plain-text table, each figure with (×ratio to the first size), then the slopes."""
    header, body = _table(data)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [f"Scale benchmark, {data['cpus']} CPUs, load average {data['load_average']:.1f}; embedder: "
             f"{data['embedder']}; load: {data['clients']} clients x {data['duration_s']:.0f} s"]
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
              for r in [header, *body]]
    lines += _detail_lines(data)
    return "\n".join(lines)


def _detail_lines(data: dict[str, Any]) -> list[str]:
    lines = ["", "per size: objectives, expected values found (named / none), errors, largest answers, load"]
    for s in data["sizes"]:
        lines.append(f"  {s['plans']:>5} plans: {s['objectives']} objectives; found {s['named']['expected_found']} / "
                     f"{s['unnamed']['expected_found']}; errors {s['named']['errors']} / {s['unnamed']['errors']}; "
                     f"max ms {s['named']['max_ms']:.0f} / {s['unnamed']['max_ms']:.0f}; load errors "
                     f"{s['load_errors']}, chat p95 {s['load_p95_ms']:.0f} ms; model embed {s['embed_s_per_doc']:.2f} "
                     "s/doc; peak RSS " f"{s['rss_peak_mb']:.0f} MB; load average "
                     f"{'/'.join(str(x) for x in s['extra'].get('load_average', []))}")
    lines.append("p50 ms by kind of question (named / none)")
    for s in data["sizes"]:
        kinds = sorted(set(s["named"]["p50_ms_by_kind"]) | set(s["unnamed"]["p50_ms_by_kind"]))
        cells = [f"{k} {s['named']['p50_ms_by_kind'].get(k, 0):.0f} / {s['unnamed']['p50_ms_by_kind'].get(k, 0):.0f}"
                 for k in kinds]
        lines.append(f"  {s['plans']:>5} plans: " + "; ".join(cells))
    if data["slopes_per_plan"]:
        lines.append("fitted per plan (least squares; exponent: log-log over sizes > 1)")
        for key, fit in data["slopes_per_plan"].items():
            exp = f", exponent {fit['exponent']:.2f}" if "exponent" in fit else ""
            lines.append(f"  {COLUMNS[key]:<28} {fit['per_plan']:+.4g} per plan, {fit['at_0']:.4g} at 0{exp}")
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    """The same table in Markdown."""
    header, body = _table(data)
    lines = [f"Embedder: {data['embedder']}; {data['cpus']} CPUs, load average {data['load_average']:.1f}; "
             f"{data['clients']} clients x {data['duration_s']:.0f} s; {data['when']}", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    lines += ["", "```", *_detail_lines(data), "```"]
    return "\n".join(lines)
