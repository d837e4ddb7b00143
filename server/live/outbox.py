"""A socket's bounded queue of outgoing messages.

State that a newer message replaces (counts, timers, presence) is keyed: a new keyed
message takes the place of an older one with the same key that has not been sent
yet, and moves to the end so the order of what the client applies stays the order of
what happened. Anything else is kept in order; a client whose outbox overflows has
stopped reading and is dropped (it reconnects and gets a snapshot) instead of making
the server hold ever more for it.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from itertools import count

from server import metrics

DEFAULT_LIMIT = 64


class OutboxOverflow(Exception):
    """The client is not reading; close its socket."""


class Outbox:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._items: OrderedDict[object, str] = OrderedDict()
        self._serial = count()
        self._ready = asyncio.Event()
        self.overflowed = False

    def __len__(self) -> int:
        return len(self._items)

    def put(self, message: str, key: str | None = None) -> None:
        if self.overflowed:
            return
        slot: object = ("key", key) if key is not None else next(self._serial)
        if self._items.pop(slot, None) is not None:
            metrics.message_replaced()
        self._items[slot] = message
        if len(self._items) > self._limit:
            self.overflowed = True
            metrics.outbox_overflowed(len(self._items))
            self._items.clear()
        self._ready.set()

    async def get(self) -> str:
        """The next message; raises OutboxOverflow once the client has fallen behind."""
        while not self._items:
            if self.overflowed:
                raise OutboxOverflow
            self._ready.clear()
            await self._ready.wait()
        if self.overflowed:
            raise OutboxOverflow
        _, message = self._items.popitem(last=False)
        return message
