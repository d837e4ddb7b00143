"""Who is connected right now, across every server process.

Each process knows its own sockets. It tells the others by publishing the set of
participants it holds for a panel on the panel's channel (debounced, and again every
`REFRESH` seconds so a process that starts later learns it too); entries that are
not refreshed within `EXPIRE` seconds are forgotten, so a crashed process does not
leave people "connected" forever. Presence is a hint for facilitators, not a record:
it lives in memory, never in the database.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable

from server.live.change import Presence
from server.live.socket import LiveSocket

REFRESH = 20.0
EXPIRE = 3 * REFRESH


class PresenceBoard:
    def __init__(self, process: str, on_local_change: Callable[[int], None]) -> None:
        self.process = process
        self._on_local_change = on_local_change
        self._local: dict[int, Counter[int]] = defaultdict(Counter)
        self._remote: dict[int, dict[str, tuple[frozenset[int], float]]] = defaultdict(dict)

    def connected(self, panel_id: int, socket: LiveSocket) -> None:
        if socket.participant_id is None:
            return
        counts = self._local[panel_id]
        counts[socket.participant_id] += 1
        if counts[socket.participant_id] == 1:
            self._on_local_change(panel_id)

    def disconnected(self, panel_id: int, socket: LiveSocket) -> None:
        if socket.participant_id is None:
            return
        counts = self._local[panel_id]
        counts[socket.participant_id] -= 1
        if counts[socket.participant_id] <= 0:
            del counts[socket.participant_id]
            self._on_local_change(panel_id)

    def local_message(self, panel_id: int) -> Presence:
        return Presence(panel_id, self.process, tuple(sorted(self._local[panel_id])))

    def local_panels(self) -> list[int]:
        return [panel for panel, counts in self._local.items() if counts]

    def update(self, message: Presence) -> bool:
        """Record another process's set (or our own echo); True when it changed."""
        remote = self._remote[message.panel_id]
        ids = frozenset(message.participant_ids)
        before = remote.get(message.process)
        remote[message.process] = (ids, time.monotonic())
        return before is None or before[0] != ids

    def expire(self) -> list[int]:
        """Forget processes that went quiet; the panels whose presence changed."""
        now = time.monotonic()
        changed = []
        for panel_id, remote in self._remote.items():
            stale = [p for p, (_, at) in remote.items() if p != self.process and now - at > EXPIRE]
            for process in stale:
                del remote[process]
            if stale:
                changed.append(panel_id)
        return changed

    def ids(self, panel_id: int) -> frozenset[int]:
        everyone = set(self._local[panel_id])
        for process, (ids, _) in self._remote[panel_id].items():
            if process != self.process:
                everyone |= ids
        return frozenset(everyone)
