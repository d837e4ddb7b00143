"""Per-client rate limits for the doors people could hammer: login and join.

Kept in the process's memory: behind a load balancer each process limits on its
own, which bounds guessing well enough without another moving part.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

from starlette.requests import Request


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after


_hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)


def throttled(request: Request, bucket: str, *, limit: int, per_seconds: int) -> None:
    """Count this request; raise Throttled when the client went over the limit."""
    client = request.client.host if request.client else "unknown"
    hits = _hits[(bucket, client)]
    now = time.monotonic()
    while hits and now - hits[0] > per_seconds:
        hits.popleft()
    if len(hits) >= limit:
        raise Throttled(int(per_seconds - (now - hits[0])) + 1)
    hits.append(now)
    if len(_hits) > 100_000:
        _hits.clear()


def reset() -> None:
    _hits.clear()
