"""The `/metrics` page: the process's counters (`server.metrics`) and what it knows now.

Apart from the counters so that the live code, the database engine and the ballot
writer, which count, do not import the services they are part of.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections import Counter as Tally
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from server.live import audiences as aud
from server.metrics import REGISTRY

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from server.services import Services

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
