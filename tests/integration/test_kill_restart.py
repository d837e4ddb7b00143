"""The server killed mid-vote (kill -9, a power cut) and started again: nothing lost.

A hundred phones hold their screens and vote at once; the server process is killed
while ballots are in flight and started again on the same database and port. Every
ballot the server acknowledged is there once; phones whose ballot got no answer send
it again with the same idempotency key, as `static/live.js` does, and it counts
once; every phone that reconnects with the last seq it saw gets a snapshot of the
panel as it now stands.
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import httpx
import websockets
from sqlalchemy import func, select

from server.broker.memory import MemoryBroker
from server.db.engine import Database
from server.db.models import Ballot, BallotReceipt
from server.render import Renderer
from server.services import Services
from tests.support.day import Day, PanelInfo, page_seq
from tests.support.people import Person
from tests.support.servers import ServerProcess, env_for, settings_for
from tests.support.voting import open_vote

PHONES = 100


async def ballots_and_receipts(services: Services, step: int) -> tuple[int, int]:
    async with services.db.reading() as session:
        ballots = await session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.step_id == step)
        )
        receipts = await session.scalar(
            select(func.count()).select_from(BallotReceipt).where(BallotReceipt.step_id == step)
        )
    return int(ballots or 0), int(receipts or 0)


async def snapshot_seq(phone: Person, panel: PanelInfo, since: int) -> int:
    """Reconnect as live.js does after a restart and read the first frame's seq."""
    url = phone.base_url.replace("http", "ws", 1) + f"/ws/p/{panel.id}?seq={since}"
    async with websockets.connect(
        url, additional_headers={"Cookie": phone.cookie_header()}, open_timeout=30
    ) as socket:
        first = json.loads(await asyncio.wait_for(socket.recv(), 30))
    return int(first["seq"])


async def test_kill_9_during_a_vote_storm_loses_no_acknowledged_ballot(tmp_path: Path) -> None:
    env = env_for(tmp_path / "data")
    server = ServerProcess(env, tmp_path / "server.log")
    await asyncio.to_thread(server.wait_ready)
    settings = settings_for(tmp_path / "data")
    services = Services(settings, Database(settings.database_url), MemoryBroker(), Renderer())
    day = Day(services, server.url)
    try:
        panel = await day.panel(tables=10)
        step, options = await open_vote(day, panel, "single", "Buses", "Bikes", "Trams")
        phones = await asyncio.gather(*(day.phone(panel) for _ in range(PHONES)))
        seqs = [page_seq((await phone.get(f"/p/{panel.id}")).text) for phone in phones]
        rng = random.Random(9)
        choices = [rng.choice(options) for _ in phones]
        acknowledged: set[int] = set()
        a_third_counted = asyncio.Event()

        async def vote(i: int) -> None:
            await asyncio.sleep(rng.random() * 1.0)  # spread over a second, like a room
            form = {"choice": choices[i], "idempotency_key": f"storm-{i:03d}"}
            try:
                answer = await phones[i].post(f"/p/{panel.id}/ballot", form)
            except httpx.HTTPError:
                return
            if answer.status_code == 200:
                acknowledged.add(i)
                if len(acknowledged) >= PHONES // 3:
                    a_third_counted.set()

        storm = [asyncio.create_task(vote(i)) for i in range(PHONES)]
        await asyncio.wait_for(a_third_counted.wait(), 60)
        server.kill()
        await asyncio.gather(*storm)
        assert 0 < len(acknowledged) < PHONES, "the kill must land inside the storm"

        # Every acknowledged ballot is on disk, before anybody retries.
        ballots, receipts = await ballots_and_receipts(services, step)
        assert ballots == receipts >= len(acknowledged)

        server = ServerProcess(env, tmp_path / "server.log", port=server.port)
        await asyncio.to_thread(server.wait_ready)
        for i in range(PHONES):  # each phone sends its ballot again with the same key
            form = {"choice": choices[i], "idempotency_key": f"storm-{i:03d}"}
            answer = await phones[i].post(f"/p/{panel.id}/ballot", form)
            assert answer.status_code == 200, answer.text
        assert await ballots_and_receipts(services, step) == (PHONES, PHONES)

        current = await day.seq(panel.id)
        resynced = await asyncio.gather(
            *(snapshot_seq(phone, panel, seq) for phone, seq in zip(phones, seqs, strict=True))
        )
        assert resynced == [current] * PHONES
    finally:
        await day.close()
        server.stop()
        await services.db.dispose()
