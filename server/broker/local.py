"""Subscriber queues of one process, shared by both broker implementations."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator

MISSED = b""
"""Delivered to a subscriber when messages may have been lost: resync from the database."""

QUEUE_LIMIT = 10_000


class Subscribers:
    """Fan a channel's messages out to the local subscribers' queues.

    A subscriber that falls `QUEUE_LIMIT` messages behind loses them and gets
    `MISSED` instead, so one stuck consumer cannot eat the process's memory.
    """

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[bytes]]] = defaultdict(set)

    @property
    def channels(self) -> list[str]:
        return [channel for channel, queues in self._queues.items() if queues]

    def add(self, channel: str) -> asyncio.Queue[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_LIMIT)
        self._queues[channel].add(queue)
        return queue

    def remove(self, channel: str, queue: asyncio.Queue[bytes]) -> bool:
        """Forget a queue; True when it was the channel's last subscriber."""
        queues = self._queues.get(channel)
        if queues is None:
            return False
        queues.discard(queue)
        if not queues:
            del self._queues[channel]
            return True
        return False

    def deliver(self, channel: str, message: bytes) -> None:
        for queue in self._queues.get(channel, ()):
            _put(queue, message)


def _put(queue: asyncio.Queue[bytes], message: bytes) -> None:
    try:
        queue.put_nowait(message)
    except asyncio.QueueFull:
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(MISSED)


async def drain(queue: asyncio.Queue[bytes]) -> AsyncIterator[bytes]:
    while True:
        yield await queue.get()
