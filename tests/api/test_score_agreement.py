"""The reference scorer (score.py) against the running app gives the same figures as `piao eval`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from evals.harness import run_eval
from ingest.settings import Settings
from tests.conftest import GOLD_JSON, ROOT

DEV = ROOT / "evals" / "sets" / "dev.jsonl"
SCORER = ROOT / "tests" / "evals" / "reference_score.py"
VOLATILE = {"latency_p50_s", "latency_p95_s"}


@pytest.mark.integration
def test_score_py_over_http_agrees_with_piao_eval(live_url: str, api_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "score.json"
    subprocess.run([sys.executable, str(SCORER), "--set", str(DEV), "--api", live_url, "--gold", str(GOLD_JSON),
                    "--json", str(out)], check=True, capture_output=True, timeout=600)
    over_http = json.loads(out.read_text(encoding="utf-8"))["report"]
    in_process = run_eval(DEV, Assistant.from_settings(api_settings), gold_path=GOLD_JSON).metrics
    for key, value in over_http.items():
        if key not in VOLATILE:
            assert in_process[key] == value, (key, in_process[key], value)
    assert over_http["cases"] == 60  # the figures themselves are a report (evals/sets/README.md), not a gate
