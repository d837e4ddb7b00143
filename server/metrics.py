"""What a server process counts, for Prometheus at `/metrics`.

The live code and the ballot writer call the small functions here; nothing else knows
about Prometheus but the page that serves them (`server/web/metrics.py`). Counters and
histograms belong to the process (one registry per process, as Prometheus expects:
several server processes are several targets). What the process already knows — its
sockets, its broker's reconnects — is read when scraped instead of being counted twice.

No label ever carries a panel, a person or a text: only kinds of things.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # CPU, memory and open files of this process

# Fast things: a render is a few ms, a flush renders several fragments.
SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

MESSAGES_SENT = Counter(
    "borgerpanel_live_messages_sent",
    "Live messages written to screens' sockets.",
    registry=REGISTRY,
)
MESSAGES_DROPPED = Counter(
    "borgerpanel_live_messages_dropped",
    "Live messages never sent: replaced by a newer one (counts, timers) or lost with an "
    "overflowing outbox (the screen resyncs).",
    ["reason"],
    registry=REGISTRY,
)
OUTBOX_OVERFLOWS = Counter(
    "borgerpanel_live_outbox_overflows",
    "Sockets closed because they stopped reading and their outbox filled up.",
    registry=REGISTRY,
)
RESYNCS = Counter(
    "borgerpanel_live_resyncs",
    "Snapshots sent to resync screens: one socket (it saw a gap) or a whole panel "
    "(the broker lost messages).",
    ["scope"],
    registry=REGISTRY,
)
FLUSH_SECONDS = Histogram(
    "borgerpanel_live_flush_seconds",
    "Time to render and queue one coalesced update of a panel for all its screens.",
    buckets=SECONDS,
    registry=REGISTRY,
)
RENDER_SECONDS = Histogram(
    "borgerpanel_live_render_seconds",
    "Time to render one live fragment for one audience and language.",
    buckets=SECONDS,
    registry=REGISTRY,
)
BALLOTS = Counter(
    "borgerpanel_ballots_stored",
    "Ballots stored (a retried ballot counts once); rate() gives ballots per second.",
    registry=REGISTRY,
)
DATABASE_WRITE_SECONDS = Histogram(
    "borgerpanel_database_write_seconds",
    "Time of one write transaction, from asking for it to its commit (queueing included).",
    buckets=SECONDS,
    registry=REGISTRY,
)

for reason in ("replaced", "overflow"):
    MESSAGES_DROPPED.labels(reason)
for scope in ("socket", "panel"):
    RESYNCS.labels(scope)


# -- what other code calls -----------------------------------------------------------


def message_sent() -> None:
    MESSAGES_SENT.inc()


def message_replaced() -> None:
    MESSAGES_DROPPED.labels("replaced").inc()


def outbox_overflowed(dropped: int) -> None:
    OUTBOX_OVERFLOWS.inc()
    MESSAGES_DROPPED.labels("overflow").inc(dropped)


def resynced(whole_panel: bool) -> None:
    RESYNCS.labels("panel" if whole_panel else "socket").inc()


def ballots_stored(count: int) -> None:
    if count:
        BALLOTS.inc(count)


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)
