"""What a server process counts, for Prometheus at `/metrics`.

The live code and the ballot writer call the small functions here; nothing else knows
about Prometheus. Counters and histograms belong to the process (one registry per
process, as Prometheus expects: several server processes are several targets).
What the process already knows — its sockets, its broker's reconnects — is read when
scraped instead of being counted twice.

No label ever carries a panel, a person or a text: only kinds of things.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections import Counter as Tally
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from server.live import audiences as aud

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from server.services import Services

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


# -- read when scraped ---------------------------------------------------------------


def screen_of(audiences: tuple[str, ...]) -> str:
    """Which kind of screen a socket is, from the audiences it listens to."""
    if aud.DISPLAY in audiences:
        return "display"
    if aud.FACILITATORS in audiences:
        return "facilitator"
    return "phone"


class ServerCollector(Collector):
    """Sockets by screen and broker reconnects, as this process sees them now."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        sockets = GaugeMetricFamily(
            "borgerpanel_live_sockets", "Open live sockets by kind of screen.", labels=["screen"]
        )
        counted = Tally(
            screen_of(socket.audiences)
            for channel in list(self.services.hub.channels.values())
            for socket in channel.sockets
        )
        for screen in ("phone", "facilitator", "display"):
            sockets.add_metric([screen], counted[screen])
        yield sockets
        yield GaugeMetricFamily(
            "borgerpanel_live_panels",
            "Panels with live screens on this process.",
            value=len(self.services.hub.channels),
        )
        broker = self.services.broker
        yield GaugeMetricFamily(
            "borgerpanel_broker_up",
            "1 while the broker is reachable.",
            value=1 if broker.healthy else 0,
        )
        yield CounterMetricFamily(
            "borgerpanel_broker_reconnects",
            "Times the broker lost its connection and reconnected.",
            value=getattr(broker, "reconnects", 0),
        )


def exposition(services: Services) -> bytes:
    scraped = CollectorRegistry()
    scraped.register(ServerCollector(services))
    return generate_latest(REGISTRY) + generate_latest(scraped)


# -- the endpoint --------------------------------------------------------------------


def allowed(request: Request, token: str | None) -> bool:
    """With a token set, only a request bearing it; without, only this machine itself.

    A request that came through a proxy (it says whom it forwards) is not "this
    machine", even though the proxy connects from the loopback address.
    """
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    if not allowed(request, services.settings.metrics_token):
        return PlainTextResponse(
            "Metrics need a bearer token (BORGERPANEL_METRICS_TOKEN) or a request from "
            "this machine.\n",
            status_code=403,
        )
    return Response(exposition(services), media_type=CONTENT_TYPE_LATEST)
