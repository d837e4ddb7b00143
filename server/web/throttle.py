"""Rate limits for the doors people could hammer or guess at (see docs/security.md).

A limit counts hits per key (a client address, a panel, a participant) in a sliding
window. Guessing is limited by *failures*: a client that named too many wrong codes
is refused before the next lookup, so it learns nothing more, while a hall full of
phones behind one Wi-Fi address that type the right code is never slowed.

Kept in the process's memory: behind a load balancer each process limits on its
own, which multiplies the budgets in docs/security.md by the number of processes.
The client address is what uvicorn reports: X-Forwarded-For counts only when it
comes from a proxy listed in BORGERPANEL_TRUSTED_PROXIES.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass

from starlette.requests import HTTPConnection


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    bucket: str
    limit: int
    per_seconds: int


_hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)


def client_of(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def _window(bucket: str, key: str, per_seconds: int) -> deque[float]:
    hits = _hits[(bucket, key)]
    now = time.monotonic()
    while hits and now - hits[0] > per_seconds:
        hits.popleft()
    return hits


def check(limit: Limit, key: str) -> None:
    """Raise Throttled if `key` already used up `limit`; count nothing."""
    hits = _window(limit.bucket, key, limit.per_seconds)
    if len(hits) >= limit.limit:
        raise Throttled(int(limit.per_seconds - (time.monotonic() - hits[0])) + 1)


def count(limit: Limit, key: str) -> None:
    """Count one hit for `key`; raise Throttled when it went over `limit`."""
    check(limit, key)
    _window(limit.bucket, key, limit.per_seconds).append(time.monotonic())
    if len(_hits) > 100_000:
        _hits.clear()


def throttled(request: HTTPConnection, bucket: str, *, limit: int, per_seconds: int) -> None:
    """Count this request of its client; raise Throttled when it went over the limit."""
    count(Limit(bucket, limit, per_seconds), client_of(request))


def reset() -> None:
    _hits.clear()
