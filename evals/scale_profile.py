"""Where an answer's time goes at one corpus size: ``python -m evals.scale_profile DATA_DIR``.

Builds the assistant in this process over ``DATA_DIR`` (a data dir left by ``evals.bench_scale``,
e.g. ``data/bench-scale/runs/n00200``), asks the benchmark's question mix (built from the plans of
``data/bench-scale/plans``) once to warm up, then under ``cProfile`` and prints, per question class,
the milliseconds per question spent in each part of the code (own time of its functions, grouped
by module: the assistant's stages, the store, the index, Chroma, other libraries), and the time and
memory to build the assistant.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from evals.scale_plans import ensure_plans  # noqa: E402
from evals.scale_probe import Probe, questions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("assistant", "ingest", "api", "evals")


def part_of(filename: str) -> str:
    """The part of the code a function's file belongs to: the module for the project's own code
    (``assistant/answering/compose.py``), the top-level package for a library, ``built-ins``."""
    name = filename.replace("\\", "/")
    if name.startswith(("~", "<")):
        return "built-ins"
    parts = Path(name).parts
    for n, part in enumerate(parts):
        if part in PROJECT and str(ROOT) in name:
            return "/".join(parts[n:])
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    return "python: " + Path(name).stem


def profile(assistant: object, probes: Sequence[Probe]) -> tuple[dict[str, float], dict[str, float], float]:
    """(own ms per question by part, cumulative ms per question of the project's functions, wall ms
    per question) of ``probes`` asked once each."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for probe in probes:
        assistant.ask(probe.text)  # type: ignore[attr-defined]
    profiler.disable()
    wall = (time.perf_counter() - started) * 1000 / len(probes)
    by_part: dict[str, float] = defaultdict(float)
    cumulative: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, own, cum, _callers) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        part = part_of(filename)
        by_part[part] += own * 1000 / len(probes)
        if part.startswith(PROJECT[:2]):
            cumulative[f"{part}:{name}"] = cum * 1000 / len(probes)
    return (dict(sorted(by_part.items(), key=lambda kv: -kv[1])),
            dict(sorted(cumulative.items(), key=lambda kv: -kv[1])), wall)


def start_up(settings: object) -> tuple[dict[str, tuple[float, float, float]], object]:
    """What the served process does before ``/readyz`` answers, step by step (wall s, CPU s, peak RSS
    MB after the step), and the assistant built."""
    steps: dict[str, tuple[float, float, float]] = {}

    def timed(step: str, call: object) -> object:
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()  # type: ignore[operator]
        steps[step] = (time.perf_counter() - wall, time.process_time() - cpu,
                       resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return result

    timed("import the app and the assistant", lambda: __import__("api.app") and __import__("assistant.engine"))
    from api.app import repair_index
    from api.routes.health import disagreements
    from assistant.engine import Assistant

    timed("repair the index (recovery over the store)", lambda: repair_index(settings))
    assistant = timed("build the assistant (records, catalog, models)", lambda: Assistant.from_settings(settings))
    timed("/readyz: store and index agree", lambda: disagreements(settings))  # type: ignore[arg-type]
    return steps, assistant


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.scale_profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--plans-dir", type=Path, default=ROOT / "data" / "bench-scale" / "plans")
    parser.add_argument("--top", type=int, default=8, help="parts shown per class")
    args = parser.parse_args(argv)
    from ingest.settings import Settings

    settings = Settings(data_dir=args.data_dir, database_url=None, chroma_host=None)
    start, assistant = start_up(settings)
    n = len(assistant.records)
    plans = ensure_plans(args.plans_dir, max(1, len({r.documento for r in assistant.records})))
    named, unnamed = questions(plans)
    for probe in named + unnamed:  # warm-up
        assistant.ask(probe.text)
    out = [f"{args.data_dir}: {len(plans)} plans, {n} records; start-up by step (wall s / CPU s / peak RSS MB):"]
    out += [f"    {step:<44} {wall:6.2f} / {cpu:6.2f} / {rss:5.0f}" for step, (wall, cpu, rss) in start.items()]
    for label, probes in (("naming a body", named), ("naming none", unnamed)):
        parts, cumulative, wall = profile(assistant, probes)
        out.append(f"  {label}: {wall:.0f} ms per question (profiled); own time by module:")
        out += [f"    {part:<44} {ms:8.1f} ms" for part, ms in list(parts.items())[:args.top]]
        out.append("   cumulative time of the project's functions:")
        out += [f"    {name:<60} {ms:8.1f} ms" for name, ms in list(cumulative.items())[:args.top]]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
