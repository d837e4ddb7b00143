"""Apply Alembic migrations from inside the running program.

The server applies them on start and `borgerpanel db upgrade` applies them as a
release step. On PostgreSQL an advisory lock keeps two processes that start at once
from migrating twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from server.db.engine import Database

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_LOCK_ID = 0x626F7267  # "borg"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    config = alembic_config()

    def run(sync_connection: Any) -> None:
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    async with database.write_engine.connect() as connection:
        if not database.is_sqlite:
            await connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
            await connection.commit()
        try:
            await connection.run_sync(run)
            await connection.commit()
        finally:
            if not database.is_sqlite:
                await connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
                await connection.commit()
