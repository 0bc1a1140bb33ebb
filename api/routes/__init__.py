"""The routers of the API, one module per area; ``ALL`` in the order they are mounted."""
from __future__ import annotations

from api.routes import chat, documents, feedback, health, objectives, openai, pages

ALL = [
    health.router, chat.router, openai.router, objectives.router, documents.router, feedback.router, pages.router,
]
