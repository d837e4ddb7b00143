"""Apply Alembic migrations from inside the running program.

The server applies them on start and `borgerpanel db upgrade` applies them as a
release step. On PostgreSQL an advisory lock keeps two processes that start at once
from migrating twice.

A restart on a database that is already current (every restart but the first after an
upgrade) must not wait for Alembic: loading it with Mako and every revision script costs
a few hundred milliseconds, a third of the time a venue's phones wait for a restarted
server. So the stored revision is first compared with the heads read from the revision
files' text, and Alembic is loaded only when they differ.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text

from server.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_LOCK_ID = 0x626F7267  # "borg"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def script_heads(versions: Path = MIGRATIONS / "versions") -> frozenset[str] | None:
    """The head revisions of the scripts in migrations/versions, or None if unsure.

    Alembic's `ScriptDirectory.get_heads()` answers the same (tests/test_migrations.py
    holds them equal) but imports every script; this reads only the literal `revision`
    and `down_revision` assignments. A script that names its revisions any other way,
    or uses `depends_on` (which changes what Alembic stores as heads), makes the answer
    None, and the caller asks Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        names = _literal_assignments(path)
        revision, down, depends = (
            names.get("revision"),
            names.get("down_revision"),
            names.get("depends_on"),
        )
        if not isinstance(revision, str) or depends is not None:
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple) and all(isinstance(d, str) for d in down):
            parents.update(down)
        elif down is not None:
            return None
    return frozenset(revisions - parents)


@cache
def heads() -> frozenset[str]:
    """The scripts' heads: read from their text, or by Alembic when that is unsure."""
    quick = script_heads()
    if quick is not None:
        return quick
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _literal_assignments(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(value)
            except (ValueError, TypeError):
                found[target.id] = value  # not a literal: not understood
    return found


def stored_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database says it is at (none for an empty database)."""
    if not inspect(connection).has_table("alembic_version"):
        return frozenset()
    return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


async def is_current(database: Database) -> bool:
    """Whether the database is at the scripts' heads."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(stored_revisions) == heads()


async def upgrade(database: Database, revision: str = "head") -> None:
    if revision == "head" and await is_current(database):
        return

    from alembic import command

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
