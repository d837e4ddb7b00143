"""Opinion groups recomputed in the background as statement votes arrive.

One `OpinionRoom` per server process keeps, per panel, the latest groups of the
discussion on show. A statement vote (or a moderation change) pokes it; the first poke
after a quiet spell computes at once, pokes during a computation or within `INTERVAL`
of its start are coalesced into one more computation. The arithmetic (PCA, k-means on
hundreds of points) runs in a worker thread, never on the event loop, and the result
is handed to the panel's channel as an `opinion` change for the screens that show it.

Every process with screens of the panel computes from the same votes in the database;
what one update hands the next (`Memory`: letters, number of groups) stays in the
process, like the channel's rendered fragments.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from facilitation.opinion.groups import (
    Memory,
    OpinionGroups,
    TooFewVotes,
    compute_opinion_groups,
)
from server.db.engine import Database
from server.db.models import Panel, Step
from server.read.opinion import discussion_votes

log = logging.getLogger(__name__)

INTERVAL = 2.0
"""Seconds between two computations of one panel's groups, at most one in flight."""
TOPICS = frozenset({"statement_counts", "arguments", "opinion_settings"})
"""Changes that may move the groups (a statement vote, an argument approved or hidden) or
who sees them (the facilitator's choices reach each phone's own fragment with the next
computation)."""


@dataclass(frozen=True)
class Latest:
    step_id: int
    result: OpinionGroups | TooFewVotes
    texts: dict[int, str]
    seconds: float
    """How long the computation took (in its thread)."""


class OpinionRoom:
    def __init__(self, db: Database, updated: Callable[[int], None]) -> None:
        self.db = db
        self.updated = updated
        self._latest: dict[int, Latest] = {}
        self._memory: dict[tuple[int, int], Memory] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()

    def latest(self, panel_id: int, step_id: int) -> Latest | None:
        """The newest groups of this discussion, or None (then a computation is started)."""
        found = self._latest.get(panel_id)
        if found is not None and found.step_id == step_id:
            return found
        self.poke(panel_id)
        return None

    def poke(self, panel_id: int) -> None:
        running = self._tasks.get(panel_id)
        if running is not None and not running.done():
            self._dirty.add(panel_id)
            return
        self._tasks[panel_id] = asyncio.create_task(self._run(panel_id), name=f"opinion-{panel_id}")

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, panel_id: int) -> None:
        while True:
            self._dirty.discard(panel_id)
            started = time.monotonic()
            try:
                if await self._compute(panel_id):
                    self.updated(panel_id)
            except Exception:
                log.exception("opinion groups of panel %s failed", panel_id)
            await asyncio.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))
            if panel_id not in self._dirty:
                return

    async def _compute(self, panel_id: int) -> bool:
        async with self.db.reading() as session:
            panel = await session.get(Panel, panel_id)
            step = (
                await session.get(Step, panel.current_step_id)
                if panel and panel.current_step_id
                else None
            )
            if step is None or step.kind != "discussion":
                return False
            data = await discussion_votes(session, step.id)
        key = (panel_id, step.id)
        earlier = self._memory.get(key)

        def work() -> tuple[OpinionGroups | TooFewVotes, float]:
            began = time.perf_counter()
            result = compute_opinion_groups(data.votes, data.hidden, earlier)
            return result, time.perf_counter() - began

        result, seconds = await asyncio.to_thread(work)
        if isinstance(result, OpinionGroups):
            self._memory[key] = result.memory
        self._latest[panel_id] = Latest(step.id, result, data.texts, seconds)
        return True
