"""A draw whose server stops is never left "running": it is marked interrupted.

When the server stops cleanly it stops its workers and marks their draws at once;
when it crashed, the next start (or a page that sees a stale heartbeat) does it.
A draw watched by another live server process is left alone.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from facilitation.recruitment.synthetic import synthetic_people_csv
from server.db.models_recruitment import Draw
from server.db.types import utcnow
from server.services import Services
from tests.support.day import Day, text_of
from tests.support.recruitment import draw_row, start_draw, upload_synthetic
from tests.support.servers import running_app, settings_for


async def _drawing_day(services: Services, app: object) -> tuple[Day, int, int]:
    day = Day(services, "http://testserver", app)  # type: ignore[arg-type]
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, size=120, people=synthetic_people_csv(2000, seed=7))
    draw_id = await start_draw(organiser, panel)
    deadline = time.monotonic() + 60
    while (await draw_row(day, draw_id)).phase in (None, "starting"):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    return day, panel.id, draw_id


async def test_stopping_the_server_stops_the_worker_and_marks_the_draw_interrupted(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path / "data")
    async with running_app(settings) as app:
        services: Services = app.state.services
        day, panel_id, draw_id = await _drawing_day(services, app)
        worker = services.draws.worker(draw_id)
        assert worker is not None and worker.is_alive()
        await day.close()
    assert not worker.is_alive()
    async with running_app(settings) as app:
        day = _another_day(app)
        draw = await draw_row(day, draw_id)
        assert draw.state == "interrupted" and draw.finished_at is not None
        organiser = await day.staff("organiser")
        page = text_of((await organiser.get(f"/panels/{panel_id}/recruitment")).text)
        assert "Interrupted" in page
        assert "The server stopped while the draw was running. Nobody was selected" in page
        await day.close()


def _another_day(app: object) -> Day:
    """The same database after a restart: new accounts must not reuse the first day's names."""
    day = Day(app.state.services, "http://testserver", app)  # type: ignore[attr-defined]
    day._accounts = 100
    return day


def _dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(finished.stdout)


async def test_draws_left_running_by_a_crashed_server_are_marked_on_the_next_start(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path / "data")
    here = socket.gethostname()
    runners = {
        "crashed here": (f"{here}:{_dead_pid()}:a1b2c3d4", timedelta(0)),
        "silent elsewhere": ("db-host-2:4242:a1b2c3d4", timedelta(minutes=5)),
        "alive elsewhere": ("db-host-3:4242:a1b2c3d4", timedelta(seconds=1)),
    }
    ids: dict[str, int] = {}
    async with running_app(settings) as app:
        day = Day(app.state.services, "http://testserver", app)
        panel = await day.panel()
        async with day.services.db.writing() as session:
            for name, (runner, age) in runners.items():
                draw = Draw(
                    panel_id=panel.id,
                    kind="draw",
                    test=True,
                    state="running",
                    seed=1,
                    algorithm="maximin",
                    panel_size=10,
                    seats=10,
                    pool_size=100,
                    effort={},
                    inputs_digest="0" * 64,
                    inputs="{}",
                    pool_version=1,
                    phase="searching",
                    runner=runner,
                    heartbeat_at=utcnow() - age,
                )
                session.add(draw)
                await session.flush()
                ids[name] = draw.id
        await day.close()
    async with running_app(settings) as app:
        day = _another_day(app)
        states = {name: (await draw_row(day, draw_id)).state for name, draw_id in ids.items()}
        assert states == {
            "crashed here": "interrupted",
            "silent elsewhere": "interrupted",
            "alive elsewhere": "running",  # another server still watches it
        }
        # Once that server's heartbeat goes stale too, the next look marks it.
        async with day.services.db.writing() as session:
            draw = await session.get(Draw, ids["alive elsewhere"])
            assert draw is not None
            draw.heartbeat_at = utcnow() - timedelta(minutes=1)
        organiser = await day.staff("organiser")
        await organiser.get(f"/panels/{panel.id}/recruitment")
        assert (await draw_row(day, ids["alive elsewhere"])).state == "interrupted"
        await day.close()
