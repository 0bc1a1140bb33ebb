"""Run the dear part of an ingest (parsing and embedding) in a child process with a budget.

The child's address space is capped (``PIAO_INGEST_MEMORY_MB``, ``RLIMIT_AS``) and the parent kills it
when the time budget (``PIAO_INGEST_TIMEOUT_S``) runs out. Whatever happens in the child, the parent
(the server, or ``piao ingest``) keeps its memory: a child's memory goes back to the system when it
exits. The child writes nothing but embedding-cache rows; the records and the index are written by
the parent afterwards, so a budget hit leaves the store as it was.

The child also leaves when its parent disappears (``SIGKILL`` of the server): no orphan keeps working.
Children start from a fork server that has imported the ingest modules once (no import cost per
document, no threads inherited from the server).
"""
from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from ingest import errors
from ingest.errors import IngestError, StoreError, UnsafeDocument

logger = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[str, int, int], None]
_POLL_S = 0.25
NEAR_CAP = 0.8  # of the memory cap: a failure after reaching it is taken as the memory budget's
# imported once by the fork server, not by each child: the pipeline and what parsing imports lazily
_PRELOAD = ["ingest.pipeline", "ingest.objectives", "ingest.quality", "ingest.readers.pdf"]
_children: set[Any] = set()
_children_lock = threading.Lock()


class BudgetExceeded(UnsafeDocument):
    """Parsing or embedding a document needed more memory or time than its budget; nothing was changed."""

    status_code = 422


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def run_budgeted(func: Callable[..., T], args: tuple[Any, ...], *, memory_mb: int, timeout_s: float,
                 file: str, progress: Progress | None = None) -> T:
    """``func(*args, progress=...)`` in a child process within ``memory_mb`` and ``timeout_s``.

    ``func`` must be a module-level function. An ``IngestError`` raised in the child is raised here;
    a budget hit raises :class:`BudgetExceeded` (Italian message naming the file).
    """
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(sender, func, args, memory_mb), daemon=True)
    child.start()
    sender.close()
    with _children_lock:
        _children.add(child)
    try:
        return _await_result(child, receiver, time.monotonic() + timeout_s, memory_mb, timeout_s, file, progress)
    finally:
        receiver.close()
        _end(child)
        with _children_lock:
            _children.discard(child)


def _await_result(child: Any, receiver: Connection, deadline: float, memory_mb: int, timeout_s: float,
                  file: str, progress: Progress | None) -> Any:
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BudgetExceeded(
                f"l'elaborazione ha superato il tempo massimo di {timeout_s:g} secondi ed è stata interrotta; "
                "l'archivio è invariato. Il documento è probabilmente troppo grande o complesso: dividerlo "
                "in parti (es. la sola sezione Performance) oppure aumentare PIAO_INGEST_TIMEOUT_S.",
                file=file)
        try:
            ready = receiver.poll(min(remaining, _POLL_S))
            message = receiver.recv() if ready else None
        except (EOFError, OSError):
            message = ("died",)
        if message is None:
            if child.is_alive():
                continue
            message = ("died",)
        kind = message[0]
        if kind == "progress" and progress is not None:
            progress(*message[1:])
        elif kind == "ok":
            return message[1]
        elif kind == "error":
            raise _rebuild(*message[1:])
        elif kind == "crash" or (kind == "died" and child.exitcode is not None and child.exitcode >= 0):
            child.join(timeout=5)
            logger.error("ingest child for %s failed (%s, exit code %s)", file, message[1:], child.exitcode)
            raise StoreError("errore interno durante l'elaborazione del documento; l'archivio è invariato. "
                             "Riprovare; se l'errore si ripete, segnalarlo a chi gestisce il servizio.", file=file)
        elif kind in ("died", "memory"):
            child.join(timeout=5)
            logger.warning("ingest child for %s ended (%s, exit code %s)", file, kind, child.exitcode)
            raise BudgetExceeded(
                f"l'elaborazione ha superato la memoria consentita ({memory_mb} MB) ed è stata interrotta; "
                "l'archivio è invariato. Il documento è probabilmente troppo grande o complesso: dividerlo "
                "in parti (es. la sola sezione Performance) oppure aumentare PIAO_INGEST_MEMORY_MB.",
                file=file)


def _rebuild(name: str, message: str, file: str | None) -> IngestError:
    """The child's ``IngestError`` as the same class here (message as it was written)."""
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, IngestError)):
        cls = BudgetExceeded if name == BudgetExceeded.__name__ else IngestError
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.message, exc.file = message, file
    return exc


def _end(child: Any) -> None:
    if child.is_alive():
        child.terminate()
        child.join(timeout=2)
    if child.is_alive():
        child.kill()
    child.join(timeout=5)


def stop_all() -> int:
    """Stop every running child (the server is shutting down); how many were stopped."""
    with _children_lock:
        running = [c for c in _children if c.is_alive()]
    for child in running:
        child.terminate()
    return len(running)


def release_memory() -> None:
    """Give the memory freed after writing a large document back to the system (glibc keeps freed
    heap pages otherwise: a server's RSS would stay at its peak after one big upload)."""
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to trim
        return
    libc.malloc_trim(0)


# -- in the child ---------------------------------------------------------------------------------

def _child_main(sender: Connection, func: Callable[..., Any], args: tuple[Any, ...], memory_mb: int) -> None:
    _limit_memory(memory_mb)
    _leave_with_parent(os.getppid())  # the server, or the fork server that leaves with it

    def progress(stage: str, done: int, total: int) -> None:
        sender.send(("progress", stage, done, total))

    try:
        sender.send(("ok", func(*args, progress=progress)))
    except MemoryError:
        sender.send(("memory",))
    except IngestError as exc:
        # a parser that failed to allocate often says "invalid document": near the cap, it was memory
        sender.send(("memory",) if _near_cap(memory_mb) else ("error", type(exc).__name__, exc.message, exc.file))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which answers with an Italian message
        if _near_cap(memory_mb):
            sender.send(("memory",))
        else:
            logger.exception("ingest failed in the child process")
            sender.send(("crash", type(exc).__name__))
    finally:
        sender.close()


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # not on POSIX: the time budget still holds
        return
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _near_cap(memory_mb: int) -> bool:
    """Whether this process's address space came within ``NEAR_CAP`` of its cap (Linux; else False)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak_kb = next((int(line.split()[1]) for line in status if line.startswith("VmPeak:")), 0)
    except OSError:
        return False
    return peak_kb >= NEAR_CAP * memory_mb * 1024


def _leave_with_parent(parent_pid: int) -> None:
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
