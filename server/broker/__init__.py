"""The broker: publish bytes to a channel, subscribe to a channel as an async iterator.

Two implementations behind one small protocol, in the spirit of encode/broadcaster:
`MemoryBroker` for one process, `RedisBroker` for several. Messages are hints that
something changed; the database is the source of truth. A subscriber that may have
missed messages (a reconnect, an overflowing queue) receives `MISSED` and must resync
from the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from server.broker.local import MISSED

__all__ = ["MISSED", "Broker", "create_broker"]


class Broker(Protocol):
    name: str

    @property
    def healthy(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, channel: str, message: bytes) -> None:
        """Send to every subscriber of the channel in every process; never raises.

        While the broker is unreachable the message still reaches this process's
        own subscribers, and the others resync when the broker is back.
        """

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]: ...


def create_broker(redis_url: str | None, namespace: str = "borgerpanel") -> Broker:
    if redis_url:
        from server.broker.redis import RedisBroker

        return RedisBroker(redis_url, namespace)
    from server.broker.memory import MemoryBroker

    return MemoryBroker()
