"""What the access log may say: the path and status of a request, not what was searched for.

uvicorn's access log writes each request's path *with* its query string, and the query strings of
``/api/objectives?text=...`` or ``/api/objectives.csv?responsabile=...`` are what people searched
for. Unless chats are logged on purpose (``PIAO_LOG_CHATS``), the query string is replaced by ``?…``.
"""
from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class HideQueryStrings(logging.Filter):
    """Rewrites uvicorn's access records: ``GET /api/objectives?text=x`` becomes ``GET /api/objectives?…``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?…", *args[3:])
        return True


def hide_query_strings() -> None:
    """Install :class:`HideQueryStrings` on the access logger (once per process)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, HideQueryStrings) for f in logger.filters):
        logger.addFilter(HideQueryStrings())
