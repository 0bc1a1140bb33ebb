"""``POST /api/feedback``: comments and accessibility reports from the footer link, kept in the data dir;
``POST /api/feedback/answer``: thumbs up/down on an answer (the question is kept only when chat logging
is enabled, ``PIAO_LOG_CHATS``).

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
from api.schemas import AnswerFeedback, FeedbackReceipt, FeedbackRequest
from ingest.settings import Settings

router = APIRouter(prefix="/api", tags=["segnalazioni"])
FILE_NAME = "feedback.jsonl"
VOTES_FILE = "answer_feedback.jsonl"
_lock = threading.Lock()


def _append(settings: Settings, name: str, line: dict[str, object]) -> None:
    with _lock:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with (settings.data_dir / name).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


@router.post("/feedback", status_code=201, response_model=FeedbackReceipt, dependencies=[FeedbackLimited],
             responses=errors(400, 422, 429))
def feedback(body: FeedbackRequest, settings: SettingsDep) -> FeedbackReceipt:
    """Append the message to ``<data_dir>/feedback.jsonl`` for the office that runs the service."""
    _append(settings, FILE_NAME, {"ts": datetime.now(UTC).isoformat(timespec="seconds"), **body.model_dump()})
    return FeedbackReceipt()


@router.post("/feedback/answer", status_code=201, response_model=FeedbackReceipt, dependencies=[FeedbackLimited],
             responses=errors(400, 422, 429))
def answer_feedback(body: AnswerFeedback, settings: SettingsDep) -> FeedbackReceipt:
    """Append the vote to ``<data_dir>/answer_feedback.jsonl``; the question only with chat logging on."""
    keep = settings.log_chats and bool(body.question)
    line = {"ts": datetime.now(UTC).isoformat(timespec="seconds"), "vote": body.vote, "mode": body.mode,
            "objective_ids": body.objective_ids, **({"question": body.question} if keep else {})}
    _append(settings, VOTES_FILE, line)
    return FeedbackReceipt(question_kept=keep)


def prune_feedback(settings: Settings) -> int:
    """Remove the feedback and the votes older than ``PIAO_LOG_RETENTION_DAYS``; how many lines went."""
    return sum(ChatLog(settings.data_dir / name, settings.log_retention_days).prune() for name in (FILE_NAME, VOTES_FILE))
