"""The one way a committed change reaches the live screens."""

from __future__ import annotations

from server.broker import Broker
from server.live.change import Change, channel


class Announcer:
    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def __call__(self, *changes: Change) -> None:
        """Publish after commit: a hint to every process, which re-reads the database."""
        for change in changes:
            await self._broker.publish(channel(change.panel_id), change.encode())
