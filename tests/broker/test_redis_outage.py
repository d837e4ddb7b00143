"""What another process sees when this one could not publish: a change, or a resync.

Each server process publishes with a pool of connections that outlive an outage, and
listens on a connection of its own. A publish that fails must never leave the other
processes stale without knowing it, and must not leave `/healthz` unhealthy for good.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError

from server.broker import MISSED
from server.broker.redis import RedisBroker
from tests.support.redis_server import private_redis, start_process, wait_for_redis

pytestmark = pytest.mark.redis


async def wait_until(condition, what: str, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        await asyncio.sleep(0.02)


async def receive(messages: AsyncIterator[bytes], wanted: bytes, timeout: float = 3) -> None:
    """Read until `wanted` arrives; fail after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while await anext(messages) != wanted:
            pass


async def two_brokers(url: str) -> tuple[RedisBroker, RedisBroker]:
    namespace = f"test-{secrets.token_hex(4)}"
    brokers = (RedisBroker(url, namespace), RedisBroker(url, namespace))
    for broker in brokers:
        await broker.start()
    return brokers


async def test_the_first_change_after_redis_returns_reaches_the_other_process(
    tmp_path: Path,
) -> None:
    with private_redis(tmp_path) as (url, process, command):
        await wait_for_redis(url)
        writer, reader = await two_brokers(url)
        restarted = None
        try:
            async with reader.subscribe("panel:1") as messages:
                await wait_until(lambda: writer.healthy and reader.healthy, "both listening")
                await writer.publish("panel:1", b"before")  # leaves a pooled connection
                await receive(messages, b"before")

                process.kill()
                process.wait(5)
                await wait_until(lambda: not reader.healthy, "the reader noticed the outage")
                restarted = start_process(command)
                await wait_for_redis(url)
                await wait_until(lambda: writer.healthy and reader.healthy, "both back")

                await writer.publish("panel:1", b"after")
                await receive(messages, b"after")
                assert writer.healthy
        finally:
            await writer.stop()
            await reader.stop()
            if restarted is not None:
                restarted.terminate()
                restarted.wait(10)


async def test_a_publish_that_failed_makes_the_other_process_resync_and_health_returns(
    tmp_path: Path,
) -> None:
    """The reader's listener never drops, so only the writer knows something was lost."""
    with private_redis(tmp_path) as (url, _process, _command):
        await wait_for_redis(url)
        writer, reader = await two_brokers(url)
        admin = Redis.from_url(url)
        try:
            async with reader.subscribe("panel:2") as messages:
                await wait_until(lambda: writer.healthy and reader.healthy, "both listening")
                # Redis stops answering writes for longer than the writer waits: its
                # publish fails though every connection stays up.
                await admin.execute_command("CLIENT", "PAUSE", 7000, "WRITE")
                await writer.publish("panel:2", b"lost")
                assert not writer.healthy, "a process that lost a message is not healthy"
                await admin.execute_command("CLIENT", "UNPAUSE")
                await receive(messages, MISSED, timeout=5)
                await wait_until(lambda: writer.healthy, "the writer healthy again", timeout=5)
        finally:
            await admin.aclose()
            await writer.stop()
            await reader.stop()


async def test_stop_ends_a_listener_whose_cancellation_came_out_as_a_connection_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hang of issue 14: redis-py's cleanup of a read that is cancelled can raise a
    connection error in place of the CancelledError. The listener took it for an outage,
    reconnected for ever, and `stop()` (a server's shutdown, a test's teardown) waited on
    it with no deadline. Here every read turns its cancellation into that error."""

    async def listen_until_cancelled(self: PubSub) -> AsyncIterator[dict[str, object]]:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RedisConnectionError("Connection closed by server.") from None
        yield {}  # never reached: makes this an async generator like PubSub.listen

    monkeypatch.setattr(PubSub, "listen", listen_until_cancelled)
    with private_redis(tmp_path) as (url, _, _):
        await wait_for_redis(url)
        broker = RedisBroker(url, f"test-{secrets.token_hex(4)}")
        await broker.start()
        await wait_until(lambda: broker.healthy, "listening")
        async with asyncio.timeout(3):  # STOP_DEADLINE is 5 s: the listener must end itself
            await broker.stop()
        assert broker._listener is not None and broker._listener.cancelled()
