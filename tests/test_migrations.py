"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL;
a database behind the scripts is migrated, one at their heads is left alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from server.db.engine import Database
from server.db.migrate import alembic_config, heads, is_current, script_heads, upgrade
from server.db.models import Base
from tests.support.externals import postgres_database


async def schema_drift(database: Database) -> list[Any]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )


async def test_sqlite_migrations_match_the_models_and_use_wal(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        await upgrade(database)
        await upgrade(database)  # applying twice is harmless
        assert await schema_drift(database) == []
        async with database.engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            tables = await connection.run_sync(lambda s: inspect(s).get_table_names())
        assert mode == "wal"
        assert {
            "panels",
            "steps",
            "panel_tables",
            "participants",
            "accounts",
            "audit_events",
        } <= set(tables)
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_postgres_migrations_match_the_models() -> None:
    async with postgres_database() as url:
        database = Database(url)
        try:
            await upgrade(database)
            assert await schema_drift(database) == []
        finally:
            await database.dispose()


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    alembic_heads = frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert script_heads() == alembic_heads
    assert heads() == alembic_heads


def revision_file(folder: Path, name: str, body: str) -> None:
    (folder / f"{name}.py").write_text(f'"""{name}"""\n{body}\n', encoding="utf-8")


def test_the_heads_of_branches_and_merges_and_when_the_scripts_are_not_understood(
    tmp_path: Path,
) -> None:
    branches, merged = tmp_path / "branches", tmp_path / "merged"
    for folder in (branches, merged):
        folder.mkdir()
        revision_file(folder, "a", 'revision = "a"\ndown_revision = None')
        revision_file(folder, "b", 'revision: str = "b"\ndown_revision: str | None = "a"')
        revision_file(folder, "c", 'revision = "c"\ndown_revision = "a"')
    revision_file(merged, "d", 'revision = "d"\ndown_revision = ("b", "c")')
    assert script_heads(branches) == {"b", "c"}
    assert script_heads(merged) == {"d"}

    computed = tmp_path / "computed"
    computed.mkdir()
    revision_file(computed, "a", 'revision = "a"\ndown_revision = None')
    revision_file(computed, "b", 'revision = "b"\ndown_revision = "a".upper()')
    assert script_heads(computed) is None  # not understood: Alembic is asked

    depends = tmp_path / "depends"
    depends.mkdir()
    revision_file(depends, "a", 'revision = "a"\ndown_revision = None\ndepends_on = "x"')
    assert script_heads(depends) is None


async def test_an_old_database_is_migrated_and_a_current_one_is_left_alone(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        assert not await is_current(database)  # empty
        await upgrade(database, "0004")  # as an older Borgerpanel left it
        assert not await is_current(database)
        await upgrade(database)
        assert await is_current(database)
        assert await schema_drift(database) == []
        async with database.engine.connect() as connection:
            before = (await connection.execute(text("PRAGMA schema_version"))).scalar()
        await upgrade(database)
        async with database.engine.connect() as connection:
            after = (await connection.execute(text("PRAGMA schema_version"))).scalar()
        assert after == before
    finally:
        await database.dispose()
