"""Schemathesis against the app's own OpenAPI schema, in process (ASGI), every operation.

Checks: no 5xx, every response (errors included) documented with its status code, content type
and schema. Positive and negative (schema-violating) inputs. ``FUZZ_SCALE`` (default 1) multiplies
the examples per operation: ``make fuzz`` runs a longer campaign.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from ingest.settings import Settings

ADMIN_TOKEN = "fuzz-admin-token-0123456789"
SCALE = max(1, int(os.environ.get("FUZZ_SCALE", "1")))
EXAMPLES = 40 * SCALE
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


BASE_URL = f"http://{asgi.HOST}"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

# The schema is what the app publishes at /openapi.json; building it needs no data and no start-up.
# (``schemathesis.pytest.from_fixture`` would load it from the running app, but it breaks on pytest 9.)
schema = schemathesis.openapi.from_dict(create_app(Settings(data_dir=Path("unused"))).openapi())


@pytest.fixture(scope="module")
def app_client(ingested_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[asgi.ASGIClient]:
    """An in-process client of the app over a private copy of the ingested sample (uploads and
    feedback write), started once (lifespan: assistant loaded)."""
    data_dir = tmp_path_factory.mktemp("fuzz-api") / "data"
    shutil.copytree(ingested_dir, data_dir)
    app = create_app(Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN, rate_limit_per_minute=1_000_000))
    with asgi.get_client(app) as client:
        yield client


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=SCALE == 1)
def test_every_operation_conforms_to_its_schema(case: schemathesis.Case, app_client: asgi.ASGIClient) -> None:
    # With the admin token, so that uploads reach the readers (without it they stop at 401/403,
    # which tests/api covers); the other operations ignore the header.
    case.call_and_validate(base_url=BASE_URL, session=app_client, checks=CHECKS, headers=AUTH)
