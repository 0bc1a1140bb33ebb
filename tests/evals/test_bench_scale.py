"""The scale benchmark end to end at sizes 1 and 2 (real ingest, a real server on 127.0.0.1), with
a hashing stand-in for the model at ingest and a load phase of a second: every column measured,
every ratio computed against the 1-plan figures; and the generated plans are distinct and read back."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import bench_scale
from evals.scale_plans import ensure_plans, town
from evals.scale_table import COLUMNS, ratios, slopes
from ingest.objectives import extract
from ingest.readers import read_document


def test_towns_are_distinct() -> None:
    names = [town(i) for i in range(3840)]
    assert len(set(names)) == len(names)


def test_plans_are_distinct_and_read_back(tmp_path: Path) -> None:
    plans = ensure_plans(tmp_path, 6)
    assert len({p.ente for p in plans}) == len({p.documento for p in plans}) == 6
    assert len({p.layout for p in plans}) == 6
    for plan in plans:
        extraction = extract(read_document(plan.path), plan.documento)
        assert sorted(o.titolo for o in extraction.objectives) == sorted(o.titolo for o in plan.objectives)
        assert extraction.ente is not None and plan.ente in extraction.ente.ente
    again = ensure_plans(tmp_path, 6)  # reused from the manifest, not written again
    assert [p.path.stat().st_mtime_ns for p in again] == [p.path.stat().st_mtime_ns for p in plans]


@pytest.mark.integration
@pytest.mark.slow
def test_benchmark_at_one_and_two_plans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = bench_scale.main(["--plans", "2", "1", "--fast-embedder", "--clients", "2", "--duration", "0.5",
                             "--rounds", "1", "--no-cli-reingest", "--work", str(tmp_path / "work"),
                             "--reports", str(tmp_path / "reports")])
    assert code == 0
    out = capsys.readouterr().out
    assert "HASHING STAND-IN" in out  # the stand-in is named in the output
    for label in COLUMNS.values():
        assert label in out
    data = json.loads(next((tmp_path / "reports").glob("bench_scale-*.json")).read_text(encoding="utf-8"))
    rows = {int(k): v for k, v in data["rows"].items()}
    assert sorted(rows) == [1, 2]
    measured = [k for k in COLUMNS if k != "reingest_cli_s"]
    for size in (1, 2):
        assert all(rows[size][k] is not None and rows[size][k] >= 0 for k in measured)
        assert rows[size]["cold_start_s"] > 0 and rows[size]["answers_per_s"] > 0
    rel = ratios(rows)
    assert all(rel[1][k] == pytest.approx(1.0) for k in measured)
    assert rel[2]["disk_mb"] == pytest.approx(rows[2]["disk_mb"] / rows[1]["disk_mb"]) and rel[2]["disk_mb"] > 1
    sizes = {s["plans"]: s for s in data["sizes"]}
    assert sizes[2]["objectives"] > sizes[1]["objectives"]
    assert sizes[1]["named"]["errors"] == sizes[2]["unnamed"]["errors"] == 0
    assert "disk_mb" in data["slopes_per_plan"] and data["slopes_per_plan"]["disk_mb"]["per_plan"] > 0
    assert "| figure |" in next((tmp_path / "reports").glob("bench_scale-*.md")).read_text(encoding="utf-8")


def test_slopes_fit_a_line() -> None:
    class Row:
        def __init__(self, plans: int) -> None:
            self.plans = plans

        def row(self) -> dict[str, float]:
            return {k: 2.0 * self.plans + 5.0 for k in COLUMNS}

    fit = slopes([Row(1), Row(10), Row(50)])
    assert fit["rss_mb"]["per_plan"] == pytest.approx(2.0)
    assert fit["rss_mb"]["at_0"] == pytest.approx(5.0)
    assert 0.5 < fit["rss_mb"]["exponent"] < 1.0
