"""The in-process broker: the default when one server process does everything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.broker.local import Subscribers, drain


class MemoryBroker:
    name = "memory"

    def __init__(self) -> None:
        self._subscribers = Subscribers()

    @property
    def healthy(self) -> bool:
        return True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, channel: str, message: bytes) -> None:
        self._subscribers.deliver(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue = self._subscribers.add(channel)
        try:
            yield drain(queue)
        finally:
            self._subscribers.remove(channel, queue)
