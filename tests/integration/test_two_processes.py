"""Scaled out: two server processes on one PostgreSQL and one Redis, as in production.

A phone connected to one process sees a step change made through the other; when
the Redis connections are cut (CLIENT KILL) or Redis itself restarts, writes keep
succeeding and live updates resume without restarting either server.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis

from server.broker.redis import RedisBroker
from server.db.engine import Database
from server.render import Renderer
from server.services import Services
from tests.support.day import Day, PanelInfo, page_seq, text_of
from tests.support.externals import REDIS_URL, postgres_database, require_redis
from tests.support.people import LiveScreen, Person
from tests.support.redis_server import private_redis, start_process, wait_for_redis
from tests.support.servers import ServerProcess, env_for, settings_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@asynccontextmanager
async def two_servers(tmp_path: Path, redis_url: str) -> AsyncIterator[tuple[Day, Day, Day]]:
    """Servers A and B, and a Day for setting things up through the shared database."""
    async with postgres_database() as database_url:
        namespace = f"test-{secrets.token_hex(4)}"
        extra = {
            "BORGERPANEL_DATABASE_URL": database_url,
            "BORGERPANEL_REDIS_URL": redis_url,
            "BORGERPANEL_REDIS_NAMESPACE": namespace,
        }
        servers = [
            ServerProcess(env_for(tmp_path / name, **extra), tmp_path / f"{name}.log")
            for name in ("a", "b")
        ]
        try:
            for server in servers:
                await asyncio.to_thread(server.wait_ready, 90)  # a loaded CI machine
            settings = settings_for(tmp_path / "setup", **extra)
            broker = RedisBroker(redis_url, namespace)
            await broker.start()
            services = Services(settings, Database(database_url), broker, Renderer())
            days = (
                Day(services, servers[0].url),
                Day(services, servers[1].url),
                Day(services, servers[0].url),
            )
            try:
                yield days
            finally:
                for day in days:
                    await day.close()
                await broker.stop()
                await services.db.dispose()
        finally:
            for server in servers:
                server.stop()


async def phone_on(day: Day, panel: PanelInfo) -> tuple[Person, LiveScreen]:
    phone = await day.phone(panel)
    seq = page_seq((await phone.get(f"/p/{panel.id}")).text)
    screen = await phone.socket(f"/ws/p/{panel.id}", seq)
    await screen.receive()
    return phone, screen


def shows(title: str):
    return lambda m: title in text_of(str(m.get("content", "")))


async def test_a_step_change_on_one_server_reaches_a_phone_on_the_other(tmp_path: Path) -> None:
    await require_redis()
    async with two_servers(tmp_path, REDIS_URL) as (on_a, on_b, _):
        panel = await on_a.panel()
        _, screen = await phone_on(on_a, panel)
        tablet = await on_b.staff("facilitator", panel)
        response = await tablet.post(f"/panels/{panel.id}/agenda/start")
        assert response.status_code == 200
        await screen.receive_until(shows("Survey before the discussion"), timeout=3)

        # Cut every Redis pub/sub connection of both servers.
        admin = Redis.from_url(REDIS_URL)
        try:
            killed = 0
            for client in await admin.client_list():
                if int(client.get("sub", 0)) > 0:
                    await admin.client_kill_filter(_id=client["id"])
                    killed += 1
            assert killed >= 2
        finally:
            await admin.aclose()
        response = await tablet.post(f"/panels/{panel.id}/agenda/advance")
        assert response.status_code == 200  # the write does not wait for Redis
        await screen.receive_until(shows("Briefing"), timeout=10)
        response = await tablet.post(f"/panels/{panel.id}/agenda/advance")
        await screen.receive_until(shows("Table discussion"), timeout=5)
        await screen.close()


async def test_writes_succeed_while_redis_is_down_and_screens_resync_after(
    tmp_path: Path,
) -> None:
    with private_redis(tmp_path) as (url, process, command):
        await wait_for_redis(url)
        async with two_servers(tmp_path, url) as (on_a, on_b, _):
            panel = await on_a.panel()
            _, screen = await phone_on(on_a, panel)
            tablet = await on_b.staff("facilitator", panel)

            process.kill()
            process.wait(5)
            response = await tablet.post(f"/panels/{panel.id}/agenda/start")
            assert response.status_code == 200, "a write must not fail while Redis is down"
            health = (await tablet.get("/healthz")).json()
            assert health["status"] == "ok" and health["broker"]["state"] == "unavailable"

            restarted = start_process(command)
            try:
                await wait_for_redis(url)
                # When Redis is back the phone is resynced from the database by itself.
                message = await screen.receive_until(
                    shows("Survey before the discussion"), timeout=15
                )
                assert message.get("snapshot") is True
                await tablet.post(f"/panels/{panel.id}/agenda/advance")
                await screen.receive_until(shows("Briefing"), timeout=5)
            finally:
                await screen.close()
                restarted.terminate()
                restarted.wait(10)
