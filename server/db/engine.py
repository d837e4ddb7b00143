"""The database connection: SQLite (WAL) on a laptop, PostgreSQL when scaled out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from server import metrics

CONNECT_TIMEOUT = 5.0
STATEMENT_TIMEOUT = 10.0
POOL_TIMEOUT = 15.0


class Database:
    """Two session factories over one pool: one for reading, one for writing.

    On SQLite a write transaction starts with BEGIN IMMEDIATE, so two writers queue
    for the lock (busy_timeout) instead of both reading, then one failing to upgrade
    with "database is locked". Readers use plain BEGIN and, under WAL, never wait.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        # No statement parameters in error messages: they would carry what people typed
        # into the logs.
        options: dict[str, Any] = {"pool_pre_ping": not self.is_sqlite, "hide_parameters": True}
        if self.is_sqlite:
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": 30}
        else:
            # A stalled connection must not hold a request for minutes: connecting,
            # each statement and waiting for a pooled connection all have a deadline,
            # after which the request is answered 503 (server/web/outage.py). The pool's
            # wait is the longest: a crowd arriving at once queues for connections (200
            # joins on a busy machine waited over 5 s), which is load, not an outage; while
            # the database stalls, every held connection comes free by its statement's
            # deadline anyway, so the pool is never the first to give up.
            options.update(pool_size=10, max_overflow=30, pool_timeout=POOL_TIMEOUT)
            options["connect_args"] = {
                "timeout": CONNECT_TIMEOUT,
                "command_timeout": STATEMENT_TIMEOUT,
            }
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            _sqlite_pragmas(self.engine)
        self.write_engine = self.engine.execution_options(borgerpanel_begin="IMMEDIATE")
        self._reader = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._writer = async_sessionmaker(self.write_engine, expire_on_commit=False)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits when the block ends and rolls back on error.

        On SQLite, writers of this process also queue on an asyncio lock: SQLite lets
        only one writer in at a time anyway, and a writer that meets a locked database
        sleeps in growing steps (up to 100 ms) before trying again, which under a burst
        of votes costs far more than waiting in line.
        """
        with metrics.timed(metrics.DATABASE_WRITE_SECONDS):
            if self._write_lock is None:
                async with self._writer() as session, session.begin():
                    yield session
                return
            async with self._write_lock, self._writer() as session, session.begin():
                yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over BEGIN from the driver so a writer can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("borgerpanel_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())
