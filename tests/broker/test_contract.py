"""One contract, both brokers: what the live hub relies on, proved against each implementation."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from server.broker import MISSED, Broker
from server.broker.memory import MemoryBroker
from server.broker.redis import RedisBroker
from tests.support.externals import REDIS_URL, require_redis


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    made: Broker
    if request.param == "redis":
        await require_redis()
        made = RedisBroker(REDIS_URL, namespace=f"test-{secrets.token_hex(4)}")
    else:
        made = MemoryBroker()
    await made.start()
    try:
        yield made
    finally:
        await made.stop()


async def next_real(messages: AsyncIterator[bytes], timeout: float = 3) -> bytes:
    """The next message that is not the broker saying it (re)connected."""
    while True:
        message = await asyncio.wait_for(anext(messages), timeout)
        if message != MISSED:
            return message


async def test_a_published_message_reaches_every_subscriber_of_its_channel(broker: Broker) -> None:
    async with broker.subscribe("panel:1") as first, broker.subscribe("panel:1") as second:
        await broker.publish("panel:1", b"\x00binary\xffsafe")
        assert await next_real(first) == b"\x00binary\xffsafe"
        assert await next_real(second) == b"\x00binary\xffsafe"


async def test_channels_are_separate(broker: Broker) -> None:
    async with broker.subscribe("panel:1") as one, broker.subscribe("panel:2") as two:
        await broker.publish("panel:2", b"for two")
        await broker.publish("panel:1", b"for one")
        assert await next_real(one) == b"for one"
        assert await next_real(two) == b"for two"


async def test_messages_arrive_in_the_order_they_were_published(broker: Broker) -> None:
    async with broker.subscribe("panel:3") as messages:
        for n in range(50):
            await broker.publish("panel:3", str(n).encode())
        assert [await next_real(messages) for _ in range(50)] == [
            str(n).encode() for n in range(50)
        ]


async def test_a_subscriber_that_left_gets_nothing_more(broker: Broker) -> None:
    async with broker.subscribe("panel:4") as stays:
        async with broker.subscribe("panel:4"):
            pass
        await broker.publish("panel:4", b"still here")
        assert await next_real(stays) == b"still here"


async def test_subscribe_returns_once_the_subscription_is_live(broker: Broker) -> None:
    """No wait between subscribing and publishing: what comes after arrives."""
    for n in range(20):
        async with broker.subscribe(f"panel:live-{n}") as messages:
            assert broker.healthy
            await broker.publish(f"panel:live-{n}", b"at once")
            assert await next_real(messages) == b"at once"


@pytest.mark.redis
async def test_a_message_from_another_process_right_after_subscribing_arrives() -> None:
    await require_redis()
    namespace = f"test-{secrets.token_hex(4)}"
    here, there = RedisBroker(REDIS_URL, namespace), RedisBroker(REDIS_URL, namespace)
    await here.start()
    await there.start()
    try:
        for n in range(20):
            async with here.subscribe(f"panel:{n}") as messages:
                await there.publish(f"panel:{n}", b"from the other process")
                assert await next_real(messages) == b"from the other process"
    finally:
        await here.stop()
        await there.stop()


async def test_publishing_with_nobody_listening_is_fine(broker: Broker) -> None:
    await broker.publish("panel:nobody", b"hello")


@pytest.mark.redis
async def test_redis_reconnects_after_its_connections_are_killed_and_says_so() -> None:
    await require_redis()
    from redis.asyncio import Redis

    broker = RedisBroker(REDIS_URL, namespace=f"test-{secrets.token_hex(4)}")
    await broker.start()
    admin = Redis.from_url(REDIS_URL)
    try:
        async with broker.subscribe("panel:9") as messages:
            await broker.publish("panel:9", b"before")
            assert await next_real(messages) == b"before"
            killed = 0
            for client in await admin.client_list():
                if int(client.get("sub", 0)) > 0 and client.get("name", "") != "admin":
                    await admin.client_kill_filter(_id=client["id"])
                    killed += 1
            assert killed >= 1
            # After the outage the subscriber is told it may have missed something ...
            deadline = asyncio.get_running_loop().time() + 5
            while await asyncio.wait_for(anext(messages), 5) != MISSED:
                assert asyncio.get_running_loop().time() < deadline
            # ... and messages flow again without restarting anything.
            await broker.publish("panel:9", b"after")
            assert await next_real(messages) == b"after"
            assert broker.reconnects >= 1
    finally:
        await admin.aclose()
        await broker.stop()


@pytest.mark.redis
async def test_while_redis_is_unreachable_publishing_still_reaches_this_process() -> None:
    broker = RedisBroker("redis://127.0.0.1:1/0")  # nothing listens there
    await broker.start()
    try:
        async with broker.subscribe("panel:5") as messages:
            await broker.publish("panel:5", b"local only")
            assert await next_real(messages, timeout=2) == b"local only"
            assert not broker.healthy
    finally:
        await broker.stop()
