"""What a running server holds: settings, database, broker, hub, renderer, announcer.

Routes reach for what they need here and hand commands only that: the units of work
(`units`), a setting, the ballot writer, the draw runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.broker import Broker
from server.db.engine import Database
from server.draw_runner import DrawRunner
from server.live.announce import Announcer
from server.live.hub import Hub
from server.ops.ballot_writer import BallotWriter
from server.ops.unit import Units
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
    observed_base_url: str = "http://localhost:8000"

    def __post_init__(self) -> None:
        self.hub = Hub(self.broker, self.db, self.renderer, self.base_url, self.settings.secret_key)
        self.announce = Announcer(self.broker)
        self.units = Units(self.db, self.announce)
        self.ballots = BallotWriter(self.units)
        self.draws = DrawRunner(self.units)

    def base_url(self) -> str:
        """Where phones reach us: the configured public URL, else what browsers used."""
        return self.settings.public_url or self.observed_base_url
