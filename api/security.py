"""Security of the HTTP layer: response headers, CORS (closed by default), per-client rate limits
(requests, characters sent, feedback, failed admin tokens)."""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError
from ingest.settings import Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response, errors and streams included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def configure_cors(app: FastAPI, settings: Settings) -> None:
    """Open CORS only to the configured origins; with none configured no CORS header is ever sent."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
    )


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """In-memory token bucket per client key: ``per_minute`` units, refilled continuously.

    A request costs one unit by default; ``cost`` makes dear requests count for more (the chat
    limiter counts the characters a client sends). State lives in the app instance (one per
    process); behind several replicas each replica limits on its own, which bounds a client at
    replicas x per_minute.
    """

    MAX_CLIENTS = 10_000  # buckets kept before the full ones are dropped

    def __init__(self, per_minute: float, *, burst: float | None = None) -> None:
        self.capacity = float(max(1.0, burst if burst is not None else per_minute))
        self.rate = max(1.0, float(per_minute)) / 60.0  # units per second
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now: float | None = None, cost: float = 1.0) -> float:
        """Take ``cost`` units for ``key``; return 0 when allowed, else the seconds to wait.

        A cost above the bucket's capacity counts as the whole bucket (it is refused only while the
        bucket is not full)."""
        now = time.monotonic() if now is None else now
        cost = min(max(cost, 0.0), self.capacity)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return 0.0
            return (cost - bucket.tokens) / self.rate

    def retry_after(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` has one unit again (0 when it has), taking nothing."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0.0
            tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        if len(self._buckets) < self.MAX_CLIENTS:
            return
        refill = self.capacity / self.rate
        stale = [k for k, b in self._buckets.items() if now - b.updated >= refill]
        for key in stale:
            del self._buckets[key]

    def enforce(self, key: str, cost: float = 1.0,
                message: str = "Troppe domande in poco tempo: attendere qualche secondo e riprovare.") -> None:
        """Raise a 429 :class:`ApiError` with ``Retry-After`` when ``key`` is over its budget."""
        wait = self.check(key, cost=cost)
        if wait > 0:
            raise too_many(wait, message)


def too_many(wait: float, message: str) -> ApiError:
    """The 429 answer, telling the client how long to wait."""
    return ApiError(429, "too_many_requests", message, headers={"Retry-After": str(max(1, math.ceil(wait)))})


@dataclass
class Limiters:
    """The app's limiters: requests (counted by cost) per client, feedback, failed admin tokens."""

    requests: RateLimiter
    feedback: RateLimiter
    admin_failures: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Limiters:
        """Limiters sized by the settings."""
        per_minute = settings.rate_limit_per_minute
        return cls(
            # a burst of ten seconds' worth: a full minute's would let a client spend it all at once
            requests=RateLimiter(per_minute, burst=max(1.0, per_minute / 6)),
            feedback=RateLimiter(settings.feedback_per_hour / 60.0, burst=max(1, settings.feedback_per_hour)),
            admin_failures=RateLimiter(settings.admin_failures_per_minute),
        )


def request_cost(n_chars: int, chars_per_request: int) -> float:
    """What a request counts for in the rate limit: one, or one per whole ``chars_per_request``
    characters sent when it sent more (a long question or conversation costs the server more)."""
    return float(max(1, n_chars // max(1, chars_per_request)))
