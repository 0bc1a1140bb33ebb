"""One writer per document: a lock per document key, held while its index generation and records
are written, so that two ingests of the same document (two uploads at once, an upload while
``piao ingest`` runs) never interleave their writes.

The lock is a file in ``<data_dir>/locks`` (``flock``): it serialises every process that shares the
data dir, and the system releases it when its process ends, even by ``SIGKILL``. Several hosts with
their own data dirs over one PostgreSQL must not ingest the same document at once.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ingest.settings import Settings

_local = threading.Lock()  # flock locks belong to the process: threads of one process queue here first
_held: dict[str, threading.Lock] = {}


@contextmanager
def document_lock(settings: Settings, documento: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the write lock of ``documento`` for the block (waiting for another writer to finish).

    With ``wait=False`` the block runs at once and gets ``False`` when another writer holds it."""
    digest = hashlib.sha256(documento.encode("utf-8")).hexdigest()[:32]
    with _local:
        thread_lock = _held.setdefault(digest, threading.Lock())
    folder = settings.data_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    if not thread_lock.acquire(blocking=wait):
        yield False
        return
    try:
        fd = os.open(folder / f"{digest}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        thread_lock.release()
