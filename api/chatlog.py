"""Optional log of chats (``PIAO_LOG_CHATS``): JSON Lines in the data dir, pruned by age at start-up.

Off by default: without it no question or answer text is written anywhere by the API.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.types import Answer, Message, Mode
from ingest.settings import Settings

logger = logging.getLogger(__name__)

FILE_NAME = "chat_log.jsonl"


class ChatLog:
    """Appends one JSON line per answered question; thread-safe within the process."""

    def __init__(self, path: Path, retention_days: int) -> None:
        self.path = path
        self.retention = timedelta(days=retention_days)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatLog | None:
        """The chat log when ``settings.log_chats`` is on, else ``None``."""
        if not settings.log_chats:
            return None
        return cls(settings.data_dir / FILE_NAME, settings.log_retention_days)

    def record(self, endpoint: str, mode: Mode, messages: list[Message], answer: Answer) -> None:
        """Append the question (with the number of earlier turns) and the answer."""
        line = {
            "ts": datetime.now(UTC).isoformat(timespec="seconds"),
            "endpoint": endpoint,
            "mode": mode,
            "turns": len(messages),
            "question": messages[-1].content if messages else "",
            "answer": answer.answer,
            "objective_ids": answer.objective_ids,
            "refused": answer.refused,
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def prune(self, now: datetime | None = None) -> int:
        """Drop lines older than the retention (and unreadable ones); return how many were dropped."""
        if not self.path.exists():
            return 0
        cutoff = (now or datetime.now(UTC)) - self.retention
        kept: list[str] = []
        dropped = 0
        with self._lock:
            for raw in self.path.read_text(encoding="utf-8").splitlines():
                if _is_recent(raw, cutoff):
                    kept.append(raw)
                else:
                    dropped += 1
            if dropped:
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
                tmp.replace(self.path)
        if dropped:
            logger.info("%s: %d lines older than %s removed", self.path.name, dropped, self.retention)
        return dropped


def _is_recent(raw: str, cutoff: datetime) -> bool:
    try:
        ts = datetime.fromisoformat(json.loads(raw)["ts"])
    except (ValueError, KeyError, TypeError):
        return False
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts >= cutoff
