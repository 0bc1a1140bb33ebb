"""``POST /api/feedback``: comments and accessibility reports from the footer link, kept in the data dir.

Each client may send ``PIAO_FEEDBACK_PER_HOUR`` messages; lines older than ``PIAO_LOG_RETENTION_DAYS``
are removed at start-up. The contact field is optional and kept only as the sender wrote it.
"""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

from fastapi import APIRouter

from api.chatlog import ChatLog
from api.deps import FeedbackLimited, SettingsDep
from api.routes.common import errors
from api.schemas import FeedbackReceipt, FeedbackRequest
from ingest.settings import Settings

router = APIRouter(prefix="/api", tags=["segnalazioni"])
FILE_NAME = "feedback.jsonl"
_lock = threading.Lock()


@router.post("/feedback", status_code=201, response_model=FeedbackReceipt, dependencies=[FeedbackLimited],
             responses=errors(400, 422, 429))
def feedback(body: FeedbackRequest, settings: SettingsDep) -> FeedbackReceipt:
    """Append the message to ``<data_dir>/feedback.jsonl`` for the office that runs the service."""
    line = {"ts": datetime.now(UTC).isoformat(timespec="seconds"), **body.model_dump()}
    with _lock:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with (settings.data_dir / FILE_NAME).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return FeedbackReceipt()


def prune_feedback(settings: Settings) -> int:
    """Remove the feedback older than ``PIAO_LOG_RETENTION_DAYS``; how many lines went."""
    return ChatLog(settings.data_dir / FILE_NAME, settings.log_retention_days).prune()
