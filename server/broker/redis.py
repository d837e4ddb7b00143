"""Redis pub/sub broker for several server processes.

One pub/sub connection per process carries every channel this process listens to.
When Redis goes away the listener reconnects by itself with exponential backoff and
jitter, resubscribes, and hands every local subscriber `MISSED` so each live screen
is resynced from the database. Publishing never fails a write: while Redis is
unreachable the message is delivered to this process's own subscribers only, and the
channel is remembered as owed. Once Redis answers again the broker publishes `MISSED`
on every owed channel, so the other processes resync too: their listeners may never
have noticed the outage (a dead pooled connection on this side, a short blip), and
without that they would stay stale until some later change revealed the gap.

`subscribe` returns once Redis has confirmed the subscription, so a message published
after it returns reaches the subscriber; `MISSED` after a reconnect likewise comes
once the channel is confirmed again. While Redis is unreachable it returns at once:
the subscription is live in this process, and `MISSED` follows the reconnect.
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
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from server.broker.local import MISSED, Subscribers, drain

log = logging.getLogger(__name__)

CONTROL_CHANNEL = "control"
BACKOFF_START = 0.1
BACKOFF_MAX = 5.0
STOP_DEADLINE = 5.0
UNHEALTHY_PUBLISH_TIMEOUT = 0.25
REPAY_INTERVAL = 0.5
CONFIRM_TIMEOUT = 5.0
"""A subscription Redis has not confirmed by then is left to the listener (which
resubscribes and sends `MISSED` if the connection was lost meanwhile)."""


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
        self._repayer: asyncio.Task[None] | None = None
        self._healthy = False
        self._owed: set[str] = set()
        self._unreachable = False  # the last connection attempt failed
        self.reconnects = 0
        # Subscribers waiting for Redis to confirm their channel (prefixed name).
        self._waiting: dict[str, list[asyncio.Future[None]]] = {}
        # Channels whose subscribers get MISSED once Redis confirms them again.
        self._resync: set[str] = set()

    @property
    def healthy(self) -> bool:
        """Listening, and every process has been told of what this one could not publish."""
        return self._healthy and not self._owed

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
        for task in (self._listener, self._repayer):
            if task is not None:
                task.cancel()
                # A deadline, so that a task that swallowed its cancellation can never
                # hold a shutdown (or a test) for good; the listener also checks itself.
                done, _ = await asyncio.wait({task}, timeout=STOP_DEADLINE)
                if not done:
                    log.error("%s did not stop within %s s", task.get_name(), STOP_DEADLINE)
                elif not task.cancelled() and task.exception() is not None:
                    log.warning("%s ended with %r", task.get_name(), task.exception())
        if self._client is not None:
            await self._client.aclose()
        self._healthy = False

    async def publish(self, channel: str, message: bytes) -> None:
        assert self._client is not None, "start() the broker first"
        try:
            await self._send(channel, message)
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("Redis publish failed (%s); delivering in this process only", error)
            self._subscribers.deliver(channel, message)
            self._owe(channel)

    async def _send(self, channel: str, message: bytes) -> None:
        """Publish, once more on a fresh connection if the pooled one died.

        After an outage the pool still holds connections from before it; the first
        command on one fails although Redis is back, and the retry reconnects.
        """
        assert self._client is not None
        for attempt in (1, 2):
            try:
                if self._healthy:
                    await self._client.publish(self._prefix + channel, message)
                else:
                    await asyncio.wait_for(
                        self._client.publish(self._prefix + channel, message),
                        UNHEALTHY_PUBLISH_TIMEOUT,
                    )
                return
            except (RedisConnectionError, OSError):
                if attempt == 2:
                    raise

    def _owe(self, channel: str) -> None:
        self._owed.add(channel)
        if self._repayer is None or self._repayer.done():
            self._repayer = asyncio.create_task(self._repay(), name="redis-broker-repay")

    async def _repay(self) -> None:
        """Tell every process to resync the channels whose messages this one could not send."""
        while self._owed:
            await asyncio.sleep(REPAY_INTERVAL * random.uniform(0.5, 1.5))
            for channel in sorted(self._owed):
                try:
                    await self._send(channel, MISSED)
                except (RedisError, OSError, TimeoutError):
                    break
                self._owed.discard(channel)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue = self._subscribers.add(channel)
        try:
            await self._confirmed(self._prefix + channel)
            yield drain(queue)
        finally:
            last = self._subscribers.remove(channel, queue)
            pubsub = self._pubsub
            if last and pubsub is not None:
                with contextlib.suppress(Exception):
                    await pubsub.unsubscribe(self._prefix + channel)

    async def _confirmed(self, name: str) -> None:
        """Wait until Redis confirms `name`, unless it is unreachable (see the module)."""
        if self._listener is None or self._listener.done() or self._unreachable:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(name, []).append(waiter)
        try:
            pubsub = self._pubsub
            if pubsub is not None:
                # If this fails the listener is reconnecting; it subscribes every
                # channel, this one included, and the confirmation ends the wait.
                with contextlib.suppress(Exception):
                    await pubsub.subscribe(name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, CONFIRM_TIMEOUT)
        finally:
            waiting = self._waiting.get(name, [])
            if waiter in waiting:
                waiting.remove(waiter)
            if not waiting:
                self._waiting.pop(name, None)

    def _confirm(self, name: str) -> None:
        for waiter in self._waiting.pop(name, []):
            if not waiter.done():
                waiter.set_result(None)
        channel = name.removeprefix(self._prefix)
        if channel in self._resync:
            self._resync.discard(channel)
            self._subscribers.deliver(channel, MISSED)

    def _release_waiters(self) -> None:
        """The connection is gone: nobody waits for it (MISSED follows the reconnect)."""
        for name in list(self._waiting):
            for waiter in self._waiting.pop(name):
                if not waiter.done():
                    waiter.set_result(None)

    async def _listen(self) -> None:
        assert self._client is not None
        delay = BACKOFF_START
        while True:
            pubsub = self._client.pubsub()
            try:
                # Whatever was published while we were away is lost: every screen
                # resyncs, once its channel is confirmed again.
                self._resync = set(self._subscribers.channels)
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
                self._healthy, self._unreachable = True, False
                delay = BACKOFF_START
                async for message in pubsub.listen():
                    kind = message.get("type")
                    if kind == "message":
                        channel = message["channel"].decode().removeprefix(self._prefix)
                        self._subscribers.deliver(channel, message["data"])
                    elif kind == "subscribe":
                        self._confirm(message["channel"].decode())
                raise ConnectionError("Redis pub/sub stream ended")
            except asyncio.CancelledError:
                self._pubsub = None
                self._release_waiters()
                await _close(pubsub)
                raise
            except (RedisError, OSError) as error:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # Cancelled while redis-py was reading or connecting: its cleanup can
                    # turn the CancelledError into a connection error (seen: stop() then
                    # waited for ever on a listener reconnecting to a Redis that was gone).
                    self._pubsub = None
                    self._release_waiters()
                    await _close(pubsub)
                    raise asyncio.CancelledError from error
                if self._healthy:
                    log.warning("Redis broker lost its connection: %s", error)
                self._healthy, self._unreachable = False, True
                self._pubsub = None
                self._release_waiters()
                await _close(pubsub)
                self.reconnects += 1
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, BACKOFF_MAX)


async def _close(pubsub: PubSub) -> None:
    """Close a pub/sub connection that may already be broken."""
    with contextlib.suppress(Exception):
        # redis-py leaves PubSub.aclose unannotated.
        await pubsub.aclose()  # type: ignore[no-untyped-call]
