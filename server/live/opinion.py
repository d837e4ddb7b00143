"""Opinion groups recomputed in the background as statement votes arrive.

One `OpinionRoom` per server process keeps, per panel, the latest groups of the
discussion on show. A statement vote (or a moderation change) pokes it; the first poke
after a quiet spell computes at once, pokes during a computation or within `INTERVAL`
of its start are coalesced into one more computation. The arithmetic (PCA, k-means on
hundreds of points) runs in a worker thread, never on the event loop, and the result
is handed to the panel's channel as an `opinion` change for the screens that show it.

Every process with screens of the panel computes from the same votes in the database,
and from the same history: what one update hands the next (`Memory`: letters, number
of groups) is stored in the database by whichever process computed it (`keep`, the
`keep_groups` command) and read by the others before they compute, so group A is the
same people on every process (see `facilitation.opinion.state`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from facilitation.opinion.groups import (
    Memory,
    OpinionGroups,
    TooFewVotes,
    compute_opinion_groups,
)
from server.db.engine import Database
from server.db.models import Panel, Step
from server.read.opinion import discussion_votes, stored_groups

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


Keep = Callable[[int, int, str, dict[str, Any] | None, dict[str, Any]], Awaitable[None]]
"""Stores a computed state: panel, step, votes' fingerprint, the state it started from, it."""


class OpinionRoom:
    def __init__(self, db: Database, updated: Callable[[int], None]) -> None:
        self.db = db
        self.updated = updated
        self.keep: Keep | None = None
        """Set by `Services` (a command: this module reads only)."""
        self._latest: dict[int, Latest] = {}
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
            stored = await stored_groups(session, step.id)

        def work() -> tuple[OpinionGroups | TooFewVotes, float, Computed | None]:
            from facilitation.opinion.state import (
                memory_from_json,
                memory_to_json,
                votes_fingerprint,
            )

            began = time.perf_counter()
            votes = votes_fingerprint(data.votes, data.hidden)
            # The stored groups of these very votes: recompute them from where their
            # process started, which gives the same groups; else build on them.
            start = (stored.started if stored.votes == votes else stored.memory) if stored else None
            earlier: Memory | None = memory_from_json(start) if start is not None else None
            result = compute_opinion_groups(data.votes, data.hidden, earlier)
            kept = (
                Computed(votes, start, memory_to_json(result.memory))
                if isinstance(result, OpinionGroups) and (stored is None or stored.votes != votes)
                else None
            )
            return result, time.perf_counter() - began, kept

        result, seconds, computed = await asyncio.to_thread(work)
        self._latest[panel_id] = Latest(step.id, result, data.texts, seconds)
        if computed is not None and self.keep is not None:
            try:
                await self.keep(
                    panel_id, step.id, computed.votes, computed.started, computed.memory
                )
            except Exception:
                # The screens still get these groups; the next computation stores again.
                log.exception("storing the opinion groups of panel %s failed", panel_id)
        return True


@dataclass(frozen=True)
class Computed:
    """A new state to store for the other processes."""

    votes: str
    started: dict[str, Any] | None
    memory: dict[str, Any]
