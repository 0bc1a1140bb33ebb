"""``SIGTERM`` to ``piao serve`` during a long upload: the server stops within seconds, the ingest's
child process with it, and the upload's temporary folder is gone; the store is as it was."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from evals.bench_documents import descendants
from evals.heavy_docs import one_line_txt
from ingest.settings import Settings
from ingest.store import Store
from tests.api.conftest import ADMIN_TOKEN, copy_data_dir

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc (Linux)")
def test_sigterm_stops_a_running_ingest_and_the_server(ingested_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(ingested_dir, tmp_path)
    revision = Store(Settings(data_dir=data_dir)).revision()
    document = one_line_txt(tmp_path / "lungo.txt", 5)  # minutes of work: still running at the signal
    port = free_port()
    env = {**os.environ, "PIAO_DATA_DIR": str(data_dir), "PIAO_ADMIN_TOKEN": ADMIN_TOKEN,
           "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-c", "from api.cli import app; app()", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: server.poll() is not None or _answers(url), 120), "the server did not start"
        assert server.poll() is None, server.stderr.read() if server.stderr else "the server stopped"
        thread = threading.Thread(target=_upload, args=(url, document), daemon=True)
        thread.start()
        assert wait_until(lambda: len(descendants(server.pid)) >= 2, 60), "no ingest process started"
        workers = descendants(server.pid)  # the fork server and the ingest's child
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        assert wait_until(lambda: not any(_alive(pid) for pid in workers), 10), "an ingest process survived"
        log = server.stderr.read().decode("utf-8", "replace") if server.stderr else ""
        assert "Traceback" not in log, log
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    assert not list(Path(tempfile.gettempdir()).glob(f"piao-upload-{server.pid}-*"))
    assert Store(Settings(data_dir=data_dir)).revision() == revision


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _upload(url: str, document: Path) -> None:
    try:
        httpx.post(f"{url}/api/documents", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                   files={"file": (document.name, document.read_bytes(), "text/plain")}, timeout=120)
    except httpx.HTTPError:
        pass  # the server went away: that is the point


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
