"""A read-only view of one panel, loaded lazily and at most once per render pass.

The hub builds one view per event it handles, so every fragment of that event (for
every audience) reads the same state with one query per kind of data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.timer import Timer
from server.db.models import Panel, PanelTable, Participant, Step
from server.db.types import utcnow

if TYPE_CHECKING:
    from server.live.ballot_book import BallotBook
    from server.live.opinion import OpinionRoom

T = TypeVar("T")


@dataclass(frozen=True)
class Memo(Generic[T]):
    """What a view loads once per render pass, and the type of it: `Memo[Panel]("panel")`.

    The key's type parameter ties each kind of data to its type, so `PanelView.once`
    gives back what was loaded under that key, checked by mypy at every call.
    """

    name: str
    of: int | None = None


class Seat(NamedTuple):
    """Where one participant sits (`PanelView.seats`)."""

    id: int
    number: int
    table_id: int | None


PARTICIPANTS: Memo[list[Participant]] = Memo("participants")
SEATS: Memo[Sequence[Seat]] = Memo("seats")


class PanelGone(LookupError):
    """The panel was deleted while screens were open."""


class PanelView:
    def __init__(
        self, session: AsyncSession, panel_id: int, presence: frozenset[int] = frozenset()
    ) -> None:
        self.session = session
        self.panel_id = panel_id
        self.presence = presence
        self.now: datetime = utcnow()
        self.base_url = ""
        self.whole_room = False
        """Set while one pass renders a fragment for many participants: their own data
        (ballots, votes) is then read for everyone with one query, not one per phone."""
        # Finds a participant's own secret ballot again (see facilitation.ballots.secrecy).
        self.secret_key = ""
        self.memo: dict[Memo[Any], object] = {}
        # The process's opinion groups (server.live.opinion), set by the hub.
        self.opinion: OpinionRoom | None = None
        # The open vote's ballots kept by the panel's channel (server.live.ballot_book),
        # set only on the channel's views: any other view reads the database.
        self.ballots: BallotBook | None = None

    async def once(self, key: Memo[T], load: Callable[[], Awaitable[T]]) -> T:
        if key not in self.memo:
            self.memo[key] = await load()
        return self._held(key)

    def kept(self, key: Memo[T], make: Callable[[], T]) -> T:
        """The same as `once` for something made without a query (a reader object)."""
        if key not in self.memo:
            self.memo[key] = make()
        return self._held(key)

    def loaded(self, key: Memo[T]) -> T | None:
        """What this pass already loaded under `key`, if anything."""
        return self._held(key) if key in self.memo else None

    def _held(self, key: Memo[T]) -> T:
        # Only `once` and `kept` store, and always under a key of the value's type.
        return cast(T, self.memo[key])

    async def panel(self) -> Panel:
        async def load() -> Panel:
            panel = await self.session.get(Panel, self.panel_id)
            if panel is None:
                raise PanelGone(self.panel_id)
            return panel

        return await self.once(Memo[Panel]("panel"), load)

    async def steps(self) -> list[Step]:
        async def load() -> list[Step]:
            rows = await self.session.scalars(
                select(Step).where(Step.panel_id == self.panel_id).order_by(Step.position)
            )
            return list(rows)

        return await self.once(Memo[list[Step]]("steps"), load)

    async def current_step(self) -> Step | None:
        panel = await self.panel()
        if panel.current_step_id is None:
            return None
        return next((s for s in await self.steps() if s.id == panel.current_step_id), None)

    async def current_index(self) -> int | None:
        panel = await self.panel()
        for index, step in enumerate(await self.steps()):
            if step.id == panel.current_step_id:
                return index
        return None

    async def tables(self) -> list[PanelTable]:
        async def load() -> list[PanelTable]:
            rows = await self.session.scalars(
                select(PanelTable)
                .where(PanelTable.panel_id == self.panel_id)
                .order_by(PanelTable.position)
            )
            return list(rows)

        return await self.once(Memo[list[PanelTable]]("tables"), load)

    async def participants(self) -> list[Participant]:
        async def load() -> list[Participant]:
            rows = await self.session.scalars(
                select(Participant)
                .where(Participant.panel_id == self.panel_id)
                .order_by(Participant.number)
            )
            return list(rows)

        return await self.once(PARTICIPANTS, load)

    async def seats(self) -> Sequence[Seat]:
        """Each participant's id, number and table, without loading whole rows: the
        facilitators' list of tables shows them all and is drawn again as a lobby
        fills, so at a thousand people the ORM's objects cost more than the drawing."""

        async def load() -> Sequence[Seat]:
            people = self.loaded(PARTICIPANTS)
            if people is not None:
                return [Seat(p.id, p.number, p.table_id) for p in people]
            rows = await self.session.execute(
                select(Participant.id, Participant.number, Participant.table_id)
                .where(Participant.panel_id == self.panel_id)
                .order_by(Participant.number)
            )
            return [Seat(*row) for row in rows.all()]

        return await self.once(SEATS, load)

    async def joined_count(self) -> int:
        async def load() -> int:
            people = self.loaded(PARTICIPANTS)
            if people is not None:
                return len(people)
            count = await self.session.scalar(
                select(func.count()).where(Participant.panel_id == self.panel_id)
            )
            return int(count or 0)

        return await self.once(Memo[int]("joined_count"), load)

    async def seated(self) -> Counter[int]:
        """People per table; counted by the database unless the rows are loaded anyway,
        because the live tally asks for it several times a second with hundreds seated."""

        async def load() -> Counter[int]:
            people = self.loaded(PARTICIPANTS)
            if people is not None:
                return Counter(p.table_id for p in people if p.table_id is not None)
            rows = await self.session.execute(
                select(Participant.table_id, func.count())
                .where(Participant.panel_id == self.panel_id, Participant.table_id.is_not(None))
                .group_by(Participant.table_id)
            )
            return Counter({table: int(count) for table, count in rows.all() if table is not None})

        return await self.once(Memo[Counter[int]]("seated"), load)

    async def participant(self, participant_id: int) -> Participant | None:
        async def load() -> Participant | None:
            row = await self.session.get(Participant, participant_id)
            return row if row is not None and row.panel_id == self.panel_id else None

        return await self.once(Memo[Participant | None]("participant", participant_id), load)

    async def table(self, table_id: int | None) -> PanelTable | None:
        return next((t for t in await self.tables() if t.id == table_id), None)

    async def timer(self) -> Timer:
        panel = await self.panel()
        return Timer(ends_at=panel.timer_ends_at, remaining=panel.timer_remaining)
