"""Participants and their panels for the phones' sockets, read together for phones that
ask at the same time.

After a restart a whole room reconnects within a second. A read per phone (BEGIN, the
participant, the panel, ROLLBACK: four trips through the database's thread) was a sixth
of what the server did while the room came back (py-spy, bench/restart.py, 500 phones).
Here the phones that ask while a read is under way wait for the next one, which answers
them all with one query: a room costs tens of reads instead of hundreds, and a phone
that asks alone waits for nothing more than its own read.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from sqlalchemy import select

from server.db.engine import Database
from server.db.models import Panel, Participant

AT_ONCE = 500
"""Participants looked up by one query at most (SQLite takes up to 32,766 parameters)."""

Seat = tuple[Participant, Panel]


class SeatReader:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: dict[int, list[asyncio.Future[Seat | None]]] = defaultdict(list)
        self._reader: asyncio.Task[None] | None = None

    async def seat(self, participant_id: int) -> Seat | None:
        """The participant and their panel as the database has them now, or None."""
        future: asyncio.Future[Seat | None] = asyncio.get_running_loop().create_future()
        self._waiting[participant_id].append(future)
        if self._reader is None or self._reader.done():
            # Started on the next turn of the loop, so the phones whose handshakes the
            # loop handles in this turn share the first read too.
            self._reader = asyncio.create_task(self._read_while_asked())
        return await future

    async def _read_while_asked(self) -> None:
        while self._waiting:
            ids = list(self._waiting)[:AT_ONCE]
            asking = {i: self._waiting.pop(i) for i in ids}
            try:
                async with self.db.reading() as session:
                    rows = (
                        await session.execute(
                            select(Participant, Panel)
                            .join(Panel, Panel.id == Participant.panel_id)
                            .where(Participant.id.in_(ids))
                        )
                    ).all()
            except Exception as error:
                for futures in asking.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(error)
                continue
            found: dict[int, Seat] = {row[0].id: (row[0], row[1]) for row in rows}
            for participant_id, futures in asking.items():
                for future in futures:
                    if not future.done():  # its socket may have gone meanwhile
                        future.set_result(found.get(participant_id))
