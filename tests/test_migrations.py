"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from server.db.engine import Database
from server.db.migrate import upgrade
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
