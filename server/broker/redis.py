"""Redis pub/sub broker for several server processes.

One pub/sub connection per process carries every channel this process listens to.
When Redis goes away the listener reconnects by itself with exponential backoff and
jitter, resubscribes, and hands every local subscriber `MISSED` so each live screen
is resynced from the database. Publishing never fails a write: while Redis is
unreachable the message is delivered to this process's own subscribers only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from server.broker.local import Subscribers, drain

log = logging.getLogger(__name__)

CONTROL_CHANNEL = "control"
BACKOFF_START = 0.1
BACKOFF_MAX = 5.0
UNHEALTHY_PUBLISH_TIMEOUT = 0.25


class RedisBroker:
    name = "redis"

    def __init__(self, url: str, namespace: str = "borgerpanel") -> None:
        self._url = url
        # Several deployments (or test runs) may share one Redis: channels are namespaced.
        self._prefix = f"{namespace}:"
        self._subscribers = Subscribers()
        self._client: Redis | None = None
        self._pubsub: PubSub | None = None
        self._listener: asyncio.Task[None] | None = None
        self._healthy = False
        self.reconnects = 0

    @property
    def healthy(self) -> bool:
        return self._healthy

    async def start(self) -> None:
        # No command retries: the listener owns reconnecting, and a publish must not
        # hold up a participant's request while Redis is away.
        self._client = Redis.from_url(
            self._url,
            socket_connect_timeout=2,
            socket_timeout=5,
            socket_keepalive=True,
            health_check_interval=10,
            retry=Retry(NoBackoff(), 0),
        )
        self._listener = asyncio.create_task(self._listen(), name="redis-broker-listener")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._client is not None:
            await self._client.aclose()
        self._healthy = False

    async def publish(self, channel: str, message: bytes) -> None:
        assert self._client is not None, "start() the broker first"
        try:
            if self._healthy:
                await self._client.publish(self._prefix + channel, message)
            else:
                await asyncio.wait_for(
                    self._client.publish(self._prefix + channel, message),
                    UNHEALTHY_PUBLISH_TIMEOUT,
                )
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("Redis publish failed (%s); delivering in this process only", error)
            self._healthy = False
            self._subscribers.deliver(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue = self._subscribers.add(channel)
        pubsub = self._pubsub
        if pubsub is not None:
            # Best effort: if this fails the listener is reconnecting and will
            # subscribe every channel, this one included.
            with contextlib.suppress(Exception):
                await pubsub.subscribe(self._prefix + channel)
        try:
            yield drain(queue)
        finally:
            last = self._subscribers.remove(channel, queue)
            pubsub = self._pubsub
            if last and pubsub is not None:
                with contextlib.suppress(Exception):
                    await pubsub.unsubscribe(self._prefix + channel)

    async def _listen(self) -> None:
        assert self._client is not None
        delay = BACKOFF_START
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(
                    self._prefix + CONTROL_CHANNEL,
                    *(self._prefix + c for c in self._subscribers.channels),
                )
                # Only now may others subscribe through this connection (before, two
                # callers could each open one); catch channels added in between.
                self._pubsub = pubsub
                late = [
                    self._prefix + c
                    for c in self._subscribers.channels
                    if (self._prefix + c).encode() not in pubsub.channels
                ]
                if late:
                    await pubsub.subscribe(*late)
                if not self._healthy:
                    log.info("Redis broker connected")
                self._healthy = True
                # Whatever was published while we were away is lost: resync everyone.
                self._subscribers.deliver_missed()
                delay = BACKOFF_START
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        channel = message["channel"].decode().removeprefix(self._prefix)
                        self._subscribers.deliver(channel, message["data"])
                raise ConnectionError("Redis pub/sub stream ended")
            except asyncio.CancelledError:
                self._pubsub = None
                await _close(pubsub)
                raise
            except (RedisError, OSError) as error:
                if self._healthy:
                    log.warning("Redis broker lost its connection: %s", error)
                self._healthy = False
                self._pubsub = None
                await _close(pubsub)
                self.reconnects += 1
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, BACKOFF_MAX)


async def _close(pubsub: PubSub) -> None:
    """Close a pub/sub connection that may already be broken."""
    with contextlib.suppress(Exception):
        # redis-py leaves PubSub.aclose unannotated.
        await pubsub.aclose()  # type: ignore[no-untyped-call]
