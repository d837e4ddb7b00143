"""Two server processes through a venue's bad day: Redis gone, one process cut off
from the database. Screens on every process stay live or catch up by themselves.

As in production: two `borgerpanel serve` processes on one PostgreSQL and one Redis.
Redis is a private server the test kills and restarts; one process reaches the
database through a TCP proxy the test can cut.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from server.broker.redis import RedisBroker
from server.db.engine import Database
from server.render import Renderer
from server.services import Services
from tests.support.day import Day, PanelInfo, page_seq, text_of
from tests.support.externals import REDIS_URL, postgres_database, require_redis
from tests.support.people import LiveScreen, Recorder
from tests.support.redis_server import private_redis, start_process, wait_for_redis
from tests.support.servers import ServerProcess, env_for, settings_for
from tests.support.tcp_proxy import TcpProxy
from tests.support.voting import open_vote

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BALLOTS = re.compile(r'data-ballots="(\d+)"')


@dataclass
class Venue:
    a: Day  # the process whose screens we watch
    b: Day  # the process that takes the writes
    proxy: TcpProxy  # between process A and the database
    redis_url: str


@asynccontextmanager
async def venue(tmp_path: Path, redis_url: str) -> AsyncIterator[Venue]:
    async with postgres_database() as database_url:
        parsed = make_url(database_url)
        proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        await proxy.start()
        through_proxy = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        namespace = f"test-{secrets.token_hex(4)}"
        shared = {"BORGERPANEL_REDIS_URL": redis_url, "BORGERPANEL_REDIS_NAMESPACE": namespace}
        a = ServerProcess(
            env_for(tmp_path / "a", BORGERPANEL_DATABASE_URL=through_proxy, **shared),
            tmp_path / "a.log",
        )
        b = ServerProcess(
            env_for(tmp_path / "b", BORGERPANEL_DATABASE_URL=database_url, **shared),
            tmp_path / "b.log",
        )
        broker = RedisBroker(redis_url, namespace)
        services = Services(
            settings_for(tmp_path / "setup", BORGERPANEL_DATABASE_URL=database_url, **shared),
            Database(database_url),
            broker,
            Renderer(),
        )
        try:
            await asyncio.to_thread(a.wait_ready)
            await asyncio.to_thread(b.wait_ready)
            await broker.start()
            on_a, on_b = Day(services, a.url), Day(services, b.url)
            try:
                yield Venue(on_a, on_b, proxy, redis_url)
            finally:
                await on_a.close()
                await on_b.close()
        finally:
            proxy.set("up")
            a.stop()
            b.stop()
            await broker.stop()
            await services.db.dispose()
            await proxy.stop()


async def watch(day: Day, path: str, socket_path: str) -> Recorder:
    person = day.person()
    seq = page_seq((await person.get(path)).text)
    screen: LiveScreen = await person.socket(socket_path, seq)
    await screen.receive()
    return Recorder(screen)


async def projector_on(day: Day, panel: PanelInfo) -> Recorder:
    return await watch(day, f"/d/{panel.display_token}", f"/ws/d/{panel.display_token}")


async def phone_on(day: Day, panel: PanelInfo) -> Recorder:
    phone = await day.phone(panel)
    seq = page_seq((await phone.get(f"/p/{panel.id}")).text)
    screen = await phone.socket(f"/ws/p/{panel.id}", seq)
    await screen.receive()
    return Recorder(screen)


def content(text: str) -> str:
    return str(json.loads(text).get("content", ""))


def ballots_shown(recorder: Recorder) -> int:
    counts = [int(n) for _, text in recorder.frames for n in BALLOTS.findall(content(text))]
    return counts[-1] if counts else 0


async def until(condition, what: str, timeout: float) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        await asyncio.sleep(0.05)


async def healthy(url: str) -> bool:
    async with httpx.AsyncClient() as client:
        body = (await client.get(url + "/healthz")).json()
    return bool(body["broker"]["state"] == "ok")


async def test_while_redis_is_down_the_projector_on_the_other_process_still_shows_ballots(
    tmp_path: Path,
) -> None:
    with private_redis(tmp_path) as (url, process, command):
        await wait_for_redis(url)
        restarted: list[subprocess.Popen[bytes]] = []
        try:
            async with venue(tmp_path, url) as day:
                await redis_outage(day, process, command, restarted)
        finally:
            for redis in restarted:
                redis.terminate()
                redis.wait(10)


async def redis_outage(
    day: Venue,
    process: subprocess.Popen[bytes],
    command: list[str],
    restarted: list[subprocess.Popen[bytes]],
) -> None:
    panel = await day.a.panel()
    _, options = await open_vote(day.a, panel, "single", "Buses", "Bikes")
    projector = await projector_on(day.a, panel)
    phones = [await day.b.phone(panel) for _ in range(3)]
    try:
        process.kill()
        process.wait(5)
        for n, phone in enumerate(phones[:2], start=1):
            answer = await phone.post(f"/p/{panel.id}/ballot", {"choice": options[0]})
            assert answer.status_code == 200, "a write must not fail while Redis is down"

            async def shown(n: int = n) -> bool:
                return ballots_shown(projector) >= n

            await until(shown, f"the projector on A shows ballot {n} taken by B", 2.5)

        restarted.append(start_process(command))
        await wait_for_redis(day.redis_url)
        for server in (day.a, day.b):
            await until(lambda s=server: healthy(s.base_url), "/healthz ok again", 10)
        answer = await phones[2].post(f"/p/{panel.id}/ballot", {"choice": options[1]})
        assert answer.status_code == 200

        async def third() -> bool:
            return ballots_shown(projector) >= 3

        await until(third, "the first ballot after Redis returned reaches A", 2.5)
    finally:
        await projector.close()


async def test_a_process_cut_off_from_the_database_shows_the_new_step_once_it_is_back(
    tmp_path: Path,
) -> None:
    await require_redis()
    async with venue(tmp_path, REDIS_URL) as day:
        panel = await day.a.panel()
        phone = await phone_on(day.a, panel)
        projector = await projector_on(day.a, panel)
        tablet = await day.b.staff("facilitator", panel)
        try:
            day.proxy.set("refuse")
            answer = await tablet.post(f"/panels/{panel.id}/agenda/start")
            assert answer.status_code == 200  # B reaches the database; A cannot render
            # A deliberate outage of 1.5 s: A hears of the change and cannot read it.
            await asyncio.sleep(1.5)
            day.proxy.set("up")
            title = "Survey before the discussion"

            async def both_show() -> bool:
                return all(
                    any(title in text_of(content(text)) for _, text in screen.frames)
                    for screen in (phone, projector)
                )

            await until(both_show, "phone and projector on A show the new step", 2.0)
        finally:
            await phone.close()
            await projector.close()
