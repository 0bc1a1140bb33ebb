"""A short, bounded load run (10 clients x 5 s) against a real server: no errors, answers flowing.

The full run is ``make load`` (50 clients x 60 s); see ``evals/load.py``.
"""
from __future__ import annotations

import pytest

from api.app import create_app
from evals.load import ENDPOINTS, check_local, run_load_blocking
from ingest.settings import Settings
from tests.live_server import live_server


@pytest.mark.integration  # the real model and index (the session's ingest)
@pytest.mark.timeout(300)
def test_ten_clients_for_five_seconds_get_answers_and_no_errors(ingested_settings: Settings) -> None:
    settings = ingested_settings.model_copy(update={"rate_limit_per_minute": 1_000_000})
    with live_server(create_app(settings)) as url:
        report = run_load_blocking(url, clients=10, duration_s=5.0, seed=7)
    assert report.errors == 0, report.error_samples
    assert all(report.endpoints[e].requests > 0 for e in ENDPOINTS), report.render()
    assert report.answers >= 20 and report.answers_per_s > 0
    # figures are sane: percentiles ordered, every latency below the client timeout
    for figures in report.endpoints.values():
        assert 0 < figures.p50_ms <= figures.p95_ms <= figures.p99_ms <= figures.max_ms < 30_000


@pytest.mark.integration
def test_the_rate_limit_shows_up_as_errors(ingested_settings: Settings) -> None:
    """The default limit (per client address: all load clients share 127.0.0.1) refuses part of
    the traffic, and the report counts those refusals: errors are not hidden."""
    settings = ingested_settings.model_copy(update={"rate_limit_per_minute": 5})
    with live_server(create_app(settings)) as url:
        report = run_load_blocking(url, clients=2, duration_s=1.0, seed=3)
    assert report.errors > 0 and any("HTTP 429" in e for e in report.error_samples)


@pytest.mark.parametrize("url", ["http://10.0.0.8:8000", "https://example.org", "http://127.0.0.1.example.org/"])
def test_load_traffic_goes_to_this_machine_only(url: str) -> None:
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        check_local(url)
