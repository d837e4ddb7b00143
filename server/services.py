"""What a running server holds: settings, database, broker, hub, renderer, announcer.

Routes reach for what they need here and hand commands only that: the units of work
(`units`), a setting, the ballot writer, the draw runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from starlette.requests import HTTPConnection

from server.broker import Broker
from server.db.engine import Database
from server.draw_runner import DrawRunner
from server.live.announce import Announcer
from server.live.hub import Hub
from server.ops import opinion
from server.ops.ballot_writer import BallotWriter
from server.ops.unit import Units
from server.read.seats import SeatReader
from server.render import Renderer
from server.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    broker: Broker
    renderer: Renderer
    hub: Hub = field(init=False)
    announce: Announcer = field(init=False)
    units: Units = field(init=False)
    ballots: BallotWriter = field(init=False)
    draws: DrawRunner = field(init=False)
    seats: SeatReader = field(init=False)

    def __post_init__(self) -> None:
        self.hub = Hub(self.broker, self.db, self.renderer, self.settings.secret_key)
        self.announce = Announcer(self.broker)
        self.units = Units(self.db, self.announce, self.settings.secret_key)
        self.hub.opinion.keep = partial(opinion.keep_groups, self.units)
        self.ballots = BallotWriter(self.units, self.hub.ballots_stored)
        self.draws = DrawRunner(self.units)
        self.seats = SeatReader(self.db)

    def base_url(self, connection: HTTPConnection) -> str:
        """Where phones reach us, for links, letters and the join QR.

        The configured public URL; only in development, without one, the address this
        very request used. Never remembered: one request's Host header must not become
        the address another person's QR code or letter points to.
        """
        if self.settings.public_url:
            return self.settings.public_url
        base = str(connection.base_url).rstrip("/")
        return "http" + base[2:] if base.startswith("ws") else base
