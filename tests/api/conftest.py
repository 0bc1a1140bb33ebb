"""Fixtures of the API tests: the app over a writable copy of the session's ingested data dir."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.settings import Settings
from tests.live_server import live_server

ADMIN_TOKEN = "test-admin-token-0123456789"


def copy_data_dir(source: Path, target_root: Path) -> Path:
    """A private copy of an ingested data dir (tests that write must not touch the shared one)."""
    target = target_root / "data"
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="session")
def api_settings(ingested_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over a copy of the sample ingested once, with an admin token."""
    data_dir = copy_data_dir(ingested_dir, tmp_path_factory.mktemp("api"))
    return Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN, rate_limit_per_minute=10_000)


@pytest.fixture(scope="session")
def client(api_settings: Settings) -> Iterator[TestClient]:
    """One app (one assistant loaded) for the read-only API tests."""
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_url(api_settings: Settings) -> Iterator[str]:
    """The same data served by a real uvicorn server (for clients that speak plain HTTP)."""
    with live_server(create_app(api_settings)) as url:
        yield url
