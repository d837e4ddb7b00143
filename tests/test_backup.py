"""A backup taken while phones vote restores to exactly the panel as it stood at that moment.

The drill: a whole panel day (surveys, arguments, questions, closed votes), then a vote
storm; `borgerpanel backup` runs in its own process in the middle of it, as an operator's
cron job would; `borgerpanel restore` loads the copy into a new, empty database. The
original keeps its append-only audit log, so "the original at the backup point" is
every event up to the copy's `seq`: the copy must hold exactly those, the same report,
and the ballots of exactly the voters whose votes those events record.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from facilitation.ballots import ballot_from_dict, tally
from facilitation.ballots.secrecy import voter_key
from facilitation.votes import VoteSettings
from server import backup
from server.db.engine import Database
from server.db.migrate import upgrade
from server.db.models import AuditEvent, Ballot, Panel, Participant, Proposal, Step
from server.ops import agenda, voting
from server.ops.events import SYSTEM
from server.ops.steps import add_step, edit_step_settings
from server.reporting.page import load_report
from server.reporting.record import load_record, portable_settings, rename_options
from server.routes.operations import head_revision
from server.services import Services
from server.settings import Settings
from tests.support.day import Day
from tests.support.externals import CI, postgres_database
from tests.support.reporting import council_panel
from tests.support.servers import ROOT, env_for, running_app, settings_for

PHONES = 150
BEFORE = 40  # ballots acknowledged before the backup starts
RESERVE = 30  # phones that vote only after it has finished
TODAY = date(2026, 6, 1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_day(request: pytest.FixtureRequest) -> Day:
    day: Day = request.getfixturevalue("day" if request.param == "sqlite" else "pg_day")
    return day


async def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    """`borgerpanel ARGS` in its own process, on the database of `settings`."""
    env = {
        **os.environ,
        **env_for(settings.data_dir),
        "BORGERPANEL_DATABASE_URL": settings.database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@asynccontextmanager
async def empty_database_like(original: Settings, data_dir: Path) -> AsyncIterator[Settings]:
    """A new data folder and, on PostgreSQL, a new empty database."""
    if original.database_url.startswith("sqlite"):
        yield settings_for(data_dir)
        return
    async with postgres_database() as url:
        yield settings_for(data_dir, BORGERPANEL_DATABASE_URL=url)


async def open_storm_vote(day: Day, panel_id: int) -> tuple[int, list[str]]:
    """A third vote step (a ranking of the panel's proposals), opened."""
    await add_step(day.services.units, panel_id, SYSTEM, "vote", "Final ranking", "", "")
    async with day.services.db.reading() as session:
        steps = list(
            await session.scalars(
                select(Step).where(Step.panel_id == panel_id).order_by(Step.position)
            )
        )
        proposals = list(
            await session.scalars(select(Proposal.id).where(Proposal.panel_id == panel_id))
        )
    values = {"method": "borda", "scope": "individual", "results": "reveal"}
    await edit_step_settings(
        day.services.units, panel_id, SYSTEM, steps[-1].id, [str(p) for p in proposals], values
    )
    await agenda.transition(day.services.units, panel_id, SYSTEM, "go_to", len(steps) - 1)
    return steps[-1].id, [f"p{p}" for p in proposals]


async def events(services: Services, panel_id: int) -> list[tuple[object, ...]]:
    async with services.db.reading() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.panel_id == panel_id).order_by(AuditEvent.seq)
        )
        return [(e.seq, e.action, e.actor_kind, e.actor_id, e.data) for e in rows]


async def ballots_of(services: Services, step_id: int) -> dict[str, dict[str, object]]:
    async with services.db.reading() as session:
        rows = await session.scalars(select(Ballot).where(Ballot.step_id == step_id))
        return {row.voter: row.content for row in rows}


async def test_a_backup_during_a_vote_storm_restores_the_panel_as_it_stood(
    any_day: Day, tmp_path: Path
) -> None:
    day = any_day
    original = day.services.settings
    facts = await council_panel(day)
    panel_id = facts.info.id
    step_id, options = await open_storm_vote(day, panel_id)
    phones = [await day.phone(facts.info) for _ in range(PHONES)]
    async with day.services.db.reading() as session:
        joined = list(
            await session.scalars(
                select(Participant.id)
                .where(Participant.panel_id == panel_id)
                .where(Participant.id.not_in(facts.participant_ids))
                .order_by(Participant.id)
            )
        )
    assert len(joined) == PHONES  # one after the other, so phone i is joined[i]
    rng = random.Random(14)
    orders = [rng.sample(options, len(options)) for _ in phones]
    sent: dict[int, float] = {}
    acked: dict[int, float] = {}

    async def cast(i: int) -> None:
        form = {f"rank:{n}": o for n, o in enumerate(orders[i], start=1)}
        form["idempotency_key"] = f"storm-{i:04d}"
        sent.setdefault(i, time.monotonic())
        response = await phones[i].post(f"/p/{panel_id}/ballot", form)
        assert response.status_code == 200, response.text
        acked.setdefault(i, time.monotonic())

    await asyncio.gather(*(cast(i) for i in range(BEFORE)))
    backup_file = tmp_path / "backups" / "panel-day.backup"
    started = time.monotonic()
    backing_up = asyncio.create_task(cli(original, "backup", str(backup_file)))
    storm: list[asyncio.Task[None]] = []
    next_phone = BEFORE
    while not backing_up.done():
        if next_phone < PHONES - RESERVE:
            # Three ballots every 30 ms, and every fifth one retried by its phone.
            for i in range(next_phone, min(next_phone + 3, PHONES - RESERVE)):
                storm.append(asyncio.create_task(cast(i)))
                if i % 5 == 0:
                    storm.append(asyncio.create_task(cast(i)))
            next_phone += 3
        await asyncio.sleep(0.03)
    code, out, err = await backing_up
    finished = time.monotonic()
    assert code == 0, err
    assert "Wrote a" in out and backup_file.stat().st_size > 0
    sent_before_end = {i for i, at in sent.items() if at <= finished}
    await asyncio.gather(*storm)
    await asyncio.gather(*(cast(i) for i in range(next_phone, PHONES)))
    assert any(started < at < finished for at in acked.values()), "no ballot during the backup"

    async with empty_database_like(original, tmp_path / "restored") as fresh:
        code, out, err = await cli(fresh, "restore", str(backup_file))
        assert code == 0, err
        assert "Restored" in out and "ready to serve" in out
        async with running_app(fresh) as app:
            restored: Services = app.state.services
            async with restored.db.reading() as session:
                point = (await session.get(Panel, panel_id)).seq  # type: ignore[union-attr]

            # The copy holds the original's history up to the backup point, no more, no less.
            history = await events(day.services, panel_id)
            assert await events(restored, panel_id) == [e for e in history if e[0] <= point]
            voted = {
                e[3]
                for e in history
                if e[0] <= point and e[1] == "ballot.cast" and e[4] == {"step": step_id}
            }
            acked_before_start = {joined[i] for i, at in acked.items() if at < started}
            assert acked_before_start <= voted <= {joined[i] for i in sent_before_end}
            assert len(voted) < PHONES, "the backup point must lie inside the storm"

            # Their ballots, and only theirs, with the same content.
            secret = original.secret_key
            everything = await ballots_of(day.services, step_id)
            expected = {v: everything[v] for v in (voter_key(secret, step_id, p) for p in voted)}
            assert await ballots_of(restored, step_id) == expected

            # The record and the report read the same as the original's for all else.
            async with day.services.db.reading() as session:
                before = await load_record(session, panel_id)
                step = await session.get(Step, step_id)
                numbers = {
                    p: n
                    for n, p in enumerate(
                        await session.scalars(
                            select(Proposal.id)
                            .where(Proposal.panel_id == panel_id)
                            .order_by(Proposal.position, Proposal.id)
                        ),
                        start=1,
                    )
                }
            async with restored.db.reading() as session:
                after = await load_record(session, panel_id)
            assert after == before
            assert await load_report(restored, panel_id, TODAY) == await load_report(
                day.services, panel_id, TODAY
            )
            assert step is not None
            vote = VoteSettings.from_dict(step.settings["vote"])
            result = tally(
                vote.config, vote.options, [ballot_from_dict(b) for b in expected.values()]
            )
            _, renamed = portable_settings("vote", step.settings, numbers)
            assert after.votes[-1].running == rename_options(result.to_dict(), renamed)

            # Closed in the copy, the vote's frozen result is the tally at the backup point.
            await voting.close(restored.units, panel_id, SYSTEM)
            async with restored.db.reading() as session:
                closed = await load_record(session, panel_id)
            frozen = closed.votes[-1].frozen
            assert frozen is not None and frozen.ballots == len(voted)
            assert frozen.result == rename_options(result.to_dict(), renamed)


async def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    async with running_app(settings):
        pass  # the migrations make the tables
    code, _, err = await cli(settings, "backup", str(tmp_path / "copy.backup"))
    assert code == 0, err
    code, _, err = await cli(settings, "restore", str(tmp_path / "copy.backup"))
    assert code == 1
    assert "is not empty" in err and "BORGERPANEL_DATA_DIR" in err


async def test_restore_refuses_a_backup_from_a_newer_version(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    async with running_app(settings):
        pass
    backup_file = tmp_path / "copy.backup"
    code, _, err = await cli(settings, "backup", str(backup_file))
    assert code == 0, err
    with sqlite3.connect(backup_file) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'future_0001'")
    connection.close()
    fresh = settings_for(tmp_path / "fresh")
    code, _, err = await cli(fresh, "restore", str(backup_file))
    assert code == 1
    assert "future_0001" in err and "does not know" in err
    assert not (tmp_path / "fresh" / "borgerpanel.sqlite3").exists()


async def test_a_postgresql_backup_without_pg_dump_says_what_to_install(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, BORGERPANEL_DATABASE_URL="postgresql://nobody@127.0.0.1/x")
    env = {**os.environ, **env_for(tmp_path), "BORGERPANEL_DATABASE_URL": settings.database_url}
    env["PATH"] = str(Path(sys.executable).parent)  # python, but no PostgreSQL tools
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        "backup",
        str(tmp_path / "x.backup"),
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert "pg_dump is not installed" in err.decode()
    assert "postgresql-client" in err.decode()


async def test_a_backup_from_an_older_version_is_brought_up_to_date(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    database = Database(settings.database_url)
    try:
        await upgrade(database, "0004")  # as an older Borgerpanel left it
    finally:
        await database.dispose()
    backup_file = tmp_path / "old.backup"
    code, _, err = await cli(settings, "backup", str(backup_file))
    assert code == 0, err
    fresh = settings_for(tmp_path / "fresh")
    code, out, err = await cli(fresh, "restore", str(backup_file))
    assert code == 0, err
    assert "made at migration 0004" in out
    with sqlite3.connect(tmp_path / "fresh" / "borgerpanel.sqlite3") as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert revision == head_revision() != "0004"
    assert "recruits" in tables  # made by migration 0005


def test_a_pg_dump_older_than_the_server_is_refused_with_what_to_install() -> None:
    if shutil.which("pg_dump") is None:
        message = "pg_dump is not installed (`make test` installs it)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    backup._check_versions(10, "pg_dump")  # an older server is fine
    with pytest.raises(backup.BackupFailed, match="Install postgresql-client-99"):
        backup._check_versions(99, "pg_dump")
