"""Backups while serving, and restoring one into an empty database.

A backup must be one consistent moment of a database that keeps taking votes:
SQLite's online backup API copies the file inside one read transaction (under WAL the
writers carry on), and PostgreSQL's `pg_dump` reads everything from one snapshot.
A restore goes only into an empty database, so it can never mix two panels' days,
and it checks the backup's migration first: a backup made by a newer Borgerpanel is
refused rather than half understood; an older one is brought up to date.

The commands run where the server runs and read the same settings
(`BORGERPANEL_DATABASE_URL` or `BORGERPANEL_DATA_DIR`).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from server.db.engine import Database
from server.db.migrate import alembic_config, upgrade
from server.settings import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupFailed(Exception):
    """The backup or restore could not be made; the message says why and what to do."""


def backup(database_url: str, target: Path) -> str:
    """Write a consistent copy of the database to `target`; say what was written."""
    target = target.resolve()
    if target.is_dir():
        raise BackupFailed(f"{target} is a folder; give the name of the backup file to write.")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed at the end: a backup that failed halfway
    # never takes the place of a good one.
    partial = target.with_name(target.name + ".partial")
    try:
        if _is_sqlite(database_url):
            _sqlite_backup(_sqlite_path(database_url), partial)
            kind = "SQLite"
        else:
            _pg_dump(database_url, partial)
            kind = "PostgreSQL custom-format"
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return f"Wrote a {kind} backup to {target} ({target.stat().st_size:,} bytes)."


def backup_revision(source: Path) -> str | None:
    """The migration a backup file was made at (None if it has no schema at all)."""
    kind = _kind_of(source)
    if kind == "sqlite":
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            return _sqlite_revision(connection)
        finally:
            connection.close()
    listing = _run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(source)]
    )
    found = re.search(r"^COPY [^\n]*alembic_version[^\n]*\n([^\n\\]+)\n", listing, re.M)
    return found.group(1).strip() if found else None


def check_revision(revision: str | None) -> None:
    """Refuse a backup whose schema this version of Borgerpanel does not know."""
    if revision is None:
        raise BackupFailed("The backup holds no Borgerpanel database (no migration recorded).")
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise BackupFailed(
            f"The backup was made at migration {revision}, which this version of Borgerpanel "
            f"does not know (it knows up to {scripts.get_current_head()}). Restore it with the "
            "version that made it, or a newer one."
        )


def restore(database_url: str, source: Path) -> str:
    """Load a backup into the (empty) database; the caller then applies the migrations."""
    source = source.resolve()
    if not source.is_file():
        raise BackupFailed(f"There is no backup file at {source}.")
    kind = _kind_of(source)
    if kind == "sqlite" and not _is_sqlite(database_url):
        raise BackupFailed(
            "This is a SQLite backup, but the server is set up for PostgreSQL "
            "(BORGERPANEL_DATABASE_URL). Restore it where the server runs on SQLite."
        )
    if kind == "pgdump" and _is_sqlite(database_url):
        raise BackupFailed(
            "This is a PostgreSQL backup, but the server is set up for SQLite. Set "
            "BORGERPANEL_DATABASE_URL to an empty PostgreSQL database and try again."
        )
    revision = backup_revision(source)
    check_revision(revision)
    if kind == "sqlite":
        _sqlite_restore(source, _sqlite_path(database_url))
    else:
        _pg_restore(source, database_url)
    return f"Restored {source} (made at migration {revision})."


# -- SQLite --------------------------------------------------------------------------


def _is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupFailed("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database).resolve()


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupFailed(f"There is no database at {source} to back up.")
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(target)
    try:
        # pages=-1 (the default) copies the whole file in one step, inside one read
        # transaction: one consistent moment, while writers go on under WAL.
        reader.backup(writer)
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if writer.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupFailed("The copy did not pass SQLite's integrity check.")
    finally:
        writer.close()
        reader.close()


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _sqlite_tables(path: Path) -> list[str]:
    if not path.exists():
        return []
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        connection.close()
    return [row[0] for row in rows]


def _sqlite_restore(source: Path, target: Path) -> None:
    tables = _sqlite_tables(target)
    if tables:
        raise BackupFailed(
            f"The database at {target} is not empty ({len(tables)} tables). A backup is "
            "restored only into an empty database, so nothing is overwritten: point "
            "BORGERPANEL_DATA_DIR at a new folder and try again."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
        writer.execute("PRAGMA journal_mode=WAL")
    finally:
        writer.close()
        reader.close()


# -- PostgreSQL ----------------------------------------------------------------------


def _libpq_url(database_url: str) -> str:
    """The URL as pg_dump reads it (without SQLAlchemy's driver name)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            f"{name} is not installed or not on the PATH. On Debian or Ubuntu install it "
            "with `apt-get install postgresql-client` (the same major version as the "
            "server, or newer)."
        )
    return found


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        name = Path(command[0]).name
        raise BackupFailed(f"{name} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def _pg_facts(url: str) -> tuple[int, int]:
    """The server's major version and how many tables the database already has."""

    async def ask() -> tuple[int, int]:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            version = int(await connection.fetchval("SHOW server_version_num"))
            tables = await connection.fetchval(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
        finally:
            await connection.close()
        return version // 10000, int(tables)

    try:
        return asyncio.run(ask())
    except (OSError, asyncpg.PostgresError) as error:
        raise BackupFailed(f"Cannot reach the PostgreSQL database: {error}") from error


def _tool_major(name: str) -> int | None:
    found = re.search(r"\) (\d+)", _run([_tool(name), "--version"]))
    return int(found.group(1)) if found else None


def _check_versions(server: int, tool: str) -> None:
    """pg_dump reads servers up to its own major version, never newer ones."""
    client = _tool_major(tool)
    if client is not None and client < server:
        raise BackupFailed(
            f"{tool} is version {client} but the PostgreSQL server is version {server}. "
            f"Install postgresql-client-{server} (or newer) and try again."
        )


def _pg_dump(database_url: str, target: Path) -> None:
    dump = _tool("pg_dump")
    url = _libpq_url(database_url)
    server, _ = _pg_facts(url)
    _check_versions(server, "pg_dump")
    # One snapshot for the whole dump; --no-owner so it restores under any role.
    _run([dump, "--format=custom", "--no-owner", f"--file={target}", "--dbname", url])


def _pg_restore(source: Path, database_url: str) -> None:
    load = _tool("pg_restore")
    url = _libpq_url(database_url)
    server, tables = _pg_facts(url)
    if tables:
        raise BackupFailed(
            f"The database {make_url(database_url).database} is not empty ({tables} "
            "tables). A backup is restored only into an empty database, so nothing is "
            "overwritten: create a new one (`createdb NAME`), point "
            "BORGERPANEL_DATABASE_URL at it and try again."
        )
    _check_versions(server, "pg_restore")
    _run(
        [
            load,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            url,
            str(source),
        ]
    )


def _kind_of(source: Path) -> str:
    with source.open("rb") as file:
        head = file.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pgdump"
    raise BackupFailed(
        f"{source} is not a Borgerpanel backup (neither a SQLite file nor a pg_dump "
        "custom-format archive)."
    )


def command(settings: Settings, name: str, path: Path) -> int:
    """`borgerpanel backup PATH` and `borgerpanel restore PATH`: print, and an exit code."""
    try:
        if name == "backup":
            print(backup(settings.database_url, path))
            print(
                "Keep the server's secret key (BORGERPANEL_SECRET_KEY, or the file secret_key "
                "in the data folder) with your backups: secret ballots are filed under it."
            )
            return 0
        print(restore(settings.database_url, path))
        asyncio.run(_upgrade(settings.database_url))
    except BackupFailed as failure:
        print(f"borgerpanel {name}: {failure}", file=sys.stderr)
        return 1
    print("The migrations are applied: the database is ready to serve.")
    return 0


async def _upgrade(database_url: str) -> None:
    database = Database(database_url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()
