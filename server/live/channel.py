"""One panel's live screens on this server process.

A single task per panel and process does all the work in order: it reads the panel's
broker channel, renders each affected fragment once per audience and language, and
hands the same bytes to every socket of that audience. Because snapshots for new
sockets are made by the same task, a snapshot can never overtake an update or be
overtaken by an older one.

Every message carries the panel's `seq`. Messages that make up the screen's state
form a chain per group of sockets (`prev` → `seq`); a client that sees a link
missing asks for a snapshot. Counts, timers and presence are "volatile": the newest
replaces the older in the outbox and they stay out of the chain. The task notices
when the broker skipped a `seq` (a lost message, a crashed writer) and, if the gap is
not filled within a moment, resyncs every socket of the panel from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from server.broker import MISSED
from server.live import audiences as aud
from server.live.change import Change, Presence, channel, decode
from server.live.socket import CLOSE_GONE, LiveSocket
from server.live.view import PanelGone, PanelView
from server.screens.registry import Fragment, affected, fragments_for, render

if TYPE_CHECKING:
    from server.live.hub import Hub

log = logging.getLogger(__name__)

GAP_WAIT = 2.0
"""How long a missing seq may be late (two processes publish out of order) before resync."""
COALESCE = 0.2
"""At most five renders a second of topics that change in bursts (votes, joins)."""
COALESCED_TOPICS = frozenset(
    {
        "tables",
        "presence",
        "tally",
        "counts",
        "arguments",
        "questions",
        "statement_counts",
        "question_counts",
        "survey_counts",
    }
)
LINGER = 60.0
"""Keep a panel's subscription this long after its last screen left (reloads are common)."""

GroupKey = tuple[tuple[str, ...], str, str]


@dataclass
class Group:
    sockets: set[LiveSocket] = field(default_factory=set)
    chain: int = 0


class PanelChannel:
    def __init__(self, hub: Hub, panel_id: int) -> None:
        self.hub = hub
        self.panel_id = panel_id
        self.groups: dict[GroupKey, Group] = defaultdict(Group)
        self.jobs: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self.watermark = 0
        self.seen: set[int] = set()
        self.pending: dict[str, set[str]] = defaultdict(set)
        self._flush_scheduled = False
        self._last_flush = 0.0
        self._gap_scheduled = False
        # Rendered fragments by (audience, language), valid until a change touches one of
        # their topics. Kept per fragment: a change drops a few entries of this dict
        # instead of scanning one entry per phone.
        self._cache: dict[Fragment, dict[tuple[str, str, str], str]] = {}
        self._idle_since: float | None = None
        self._arrivals: list[tuple[LiveSocket, int | None]] = []
        self._arrivals_pending = False
        self.task = asyncio.create_task(self._run(), name=f"panel-channel-{panel_id}")
        self.ready = asyncio.Event()

    # -- the socket side -------------------------------------------------------------

    @property
    def sockets(self) -> list[LiveSocket]:
        return [s for g in self.groups.values() for s in g.sockets]

    def attach(self, socket: LiveSocket, since: int | None) -> None:
        """Queue a new screen for its snapshot; a burst of arrivals shares one job.

        After a restart a whole room reconnects at once: their snapshots are made
        together from one read of the database instead of one read each.
        """
        self._idle_since = None
        self._arrivals.append((socket, since))
        if not self._arrivals_pending:
            self._arrivals_pending = True
            self.jobs.put_nowait(("arrivals",))

    def detach(self, socket: LiveSocket) -> None:
        self.jobs.put_nowait(("detach", socket))

    def resync(self, socket: LiveSocket | None = None) -> None:
        """Owe `socket` (or every socket) a snapshot; a socket is owed at most one at a time."""
        if socket is not None:
            if socket.snapshot_pending:
                return
            socket.snapshot_pending = True
        self.jobs.put_nowait(("resync", socket))

    def presence_changed(self) -> None:
        self.jobs.put_nowait(
            ("change", Change(self.panel_id, 0, ("presence",), (aud.FACILITATORS, aud.DISPLAY)))
        )

    @property
    def idle_for(self) -> float:
        if self.sockets or self._idle_since is None:
            return 0.0
        return time.monotonic() - self._idle_since

    # -- the task --------------------------------------------------------------------

    async def _run(self) -> None:
        async with self.hub.broker.subscribe(channel(self.panel_id)) as messages:
            reader = asyncio.create_task(self._read(messages))
            try:
                # Subscribed first, then read where the panel stands: nothing in between is lost.
                self.watermark = await self._current_seq()
                self.ready.set()
                while True:
                    job = await self.jobs.get()
                    try:
                        await self._handle(job)
                    except PanelGone:
                        await self._close_all()
                    except Exception:
                        log.exception("live update of panel %s failed", self.panel_id)
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader

    async def _read(self, messages: AsyncIterator[bytes]) -> None:
        async for message in messages:
            self.jobs.put_nowait(("broker", message))

    async def _handle(self, job: tuple[Any, ...]) -> None:
        kind = job[0]
        if kind == "broker":
            await self._on_broker(job[1])
        elif kind == "change":
            await self._on_change(job[1])
        elif kind == "arrivals":
            await self._on_arrivals()
        elif kind == "detach":
            self._on_detach(job[1])
        elif kind == "resync":
            await self._resync(job[1])
        elif kind == "flush":
            await self._flush()
        elif kind == "gap":
            await self._check_gap()

    async def _on_broker(self, message: bytes) -> None:
        if message == MISSED:
            log.info("panel %s: broker may have lost messages; resyncing", self.panel_id)
            self.watermark = await self._current_seq()
            self.seen.clear()
            await self._resync(None)
            return
        decoded = decode(message)
        if isinstance(decoded, Presence):
            if self.hub.presence.update(decoded):
                await self._on_change(
                    Change(self.panel_id, 0, ("presence",), (aud.FACILITATORS, aud.DISPLAY))
                )
        elif isinstance(decoded, Change) and decoded.panel_id == self.panel_id:
            for seq in decoded.seqs:
                self._track(seq)
            await self._on_change(decoded)

    def _track(self, seq: int) -> None:
        if seq <= self.watermark:
            return
        self.seen.add(seq)
        while self.watermark + 1 in self.seen:
            self.watermark += 1
            self.seen.discard(self.watermark)
        if self.seen and not self._gap_scheduled:
            self._gap_scheduled = True
            self._later(GAP_WAIT, ("gap",))

    async def _check_gap(self) -> None:
        self._gap_scheduled = False
        if not self.seen:
            return
        log.info(
            "panel %s: events %s..%s never arrived; resyncing",
            self.panel_id,
            self.watermark + 1,
            min(self.seen) - 1,
        )
        self.watermark = max(await self._current_seq(), max(self.seen))
        self.seen.clear()
        await self._resync(None)

    async def _on_change(self, change: Change) -> None:
        touched = set(change.topics)
        for item in [f for f in self._cache if f.topics & touched]:
            del self._cache[item]
        if "seat" in change.topics or "access" in change.topics:
            await self._refresh_audiences(change)
        coalesced = set(change.topics) & COALESCED_TOPICS
        immediate = set(change.topics) - COALESCED_TOPICS
        if coalesced:
            for audience in change.audiences:
                self.pending[audience] |= coalesced
            if not self._flush_scheduled:
                # Leading edge: after a quiet spell the first change goes out at once;
                # changes that follow within COALESCE wait for one combined render.
                self._flush_scheduled = True
                wait = max(0.0, self._last_flush + COALESCE - time.monotonic())
                if wait:
                    self._later(wait, ("flush",))
                else:
                    await self._flush()
        if immediate:
            await self._deliver({a: immediate for a in change.audiences}, change.seq)

    async def _flush(self) -> None:
        self._flush_scheduled = False
        self._last_flush = time.monotonic()
        pending, self.pending = dict(self.pending), defaultdict(set)
        if pending:
            await self._deliver(pending, self.watermark)

    # -- rendering and sending -------------------------------------------------------

    async def _deliver(self, topics_by_audience: dict[str, set[str]], seq: int) -> None:
        if not self.sockets:
            return
        async with self.hub.view(self.panel_id) as view:
            now = _now_ms(view)
            for key, group in list(self.groups.items()):
                if not group.sockets:
                    continue
                shared, language, view.base_url = key
                parts: list[tuple[Fragment, str]] = []
                # "phones" means every phone, so every table's fragments too.
                everyone = topics_by_audience.get(aud.PHONES, set())
                for audience in shared:
                    topics = set(topics_by_audience.get(audience, ()))
                    if aud.kind(audience) == "table":
                        topics |= everyone
                    if topics:
                        parts += [(f, audience) for f in affected(audience, topics)]
                if parts:
                    await self._send_group(group, language, view, parts, seq, now)
            for socket in self.sockets:
                for audience in socket.personal:
                    topics = topics_by_audience.get(audience)
                    if topics:
                        parts = [(f, audience) for f in affected(audience, topics)]
                        await self._send_personal(socket, view, parts, seq, now)

    async def _send_group(
        self,
        group: Group,
        language: str,
        view: PanelView,
        parts: list[tuple[Fragment, str]],
        seq: int,
        now: int,
    ) -> None:
        lasting = [p for p in parts if not p[0].volatile]
        if lasting:
            content = "".join([await self._render(language, view, f, a) for f, a in lasting])
            text = _message(seq=seq, prev=group.chain, now=now, content=content)
            group.chain = seq
            for socket in group.sockets:
                socket.send(text)
        for item, audience in parts:
            if item.volatile:
                text = _message(
                    seq=seq, now=now, content=await self._render(language, view, item, audience)
                )
                for socket in group.sockets:
                    socket.send(text, key=item.name)

    async def _send_personal(
        self,
        socket: LiveSocket,
        view: PanelView,
        parts: list[tuple[Fragment, str]],
        seq: int,
        now: int,
    ) -> None:
        view.base_url = socket.base_url
        for item, audience in parts:
            content = await self._render(socket.language, view, item, audience)
            socket.send(
                _message(seq=seq, now=now, content=content),
                key=item.name if item.volatile else None,
            )

    async def _render(self, language: str, view: PanelView, item: Fragment, audience: str) -> str:
        rendered = self._cache.setdefault(item, {})
        key = (audience, language, view.base_url)
        if key not in rendered:
            rendered[key] = await render(
                self.hub.renderer, language, item, view, audience, oob=True
            )
        return rendered[key]

    # -- snapshots -------------------------------------------------------------------

    async def _on_arrivals(self) -> None:
        self._arrivals_pending = False
        arrivals, self._arrivals = self._arrivals, []
        async with self.hub.view(self.panel_id) as view:
            for socket, since in arrivals:
                self.groups[socket.group].sockets.add(socket)
                self.hub.presence.connected(self.panel_id, socket)
                await self._snapshot(socket, since, view)

    def _on_detach(self, socket: LiveSocket) -> None:
        group = self.groups.get(socket.group)
        if group is not None:
            group.sockets.discard(socket)
            if not group.sockets:
                del self.groups[socket.group]
        self.hub.presence.disconnected(self.panel_id, socket)
        if not self.sockets:
            self._idle_since = time.monotonic()

    async def _resync(self, only: LiveSocket | None) -> None:
        """Snapshots for one screen that asked, or for all when the panel lost track.

        One screen asking does not empty the render cache: the cache follows every
        change the channel saw, so the snapshot costs no render the room would not share.
        """
        if only is not None:
            only.snapshot_pending = False
            if only.closed.is_set() or only not in self.groups.get(only.group, Group()).sockets:
                return
        else:
            self._cache.clear()
        async with self.hub.view(self.panel_id) as view:
            for socket in [only] if only is not None else self.sockets:
                await self._snapshot(socket, None, view)

    async def _snapshot(self, socket: LiveSocket, since: int | None, view: PanelView) -> None:
        """Everything the screen shows; only the volatile parts when `since` is current."""
        group = self.groups[socket.group]
        view.base_url = socket.base_url
        panel = await view.panel()
        full = since is None or since != panel.seq
        content = []
        for audience in socket.audiences:
            for item in fragments_for(audience):
                if full or item.volatile:
                    content.append(await self._render(socket.language, view, item, audience))
        socket.send(
            json.dumps(
                {
                    "snapshot": full,
                    "seq": panel.seq,
                    "chain": group.chain,
                    "now": _now_ms(view),
                    "content": "".join(content),
                }
            )
        )

    async def _refresh_audiences(self, change: Change) -> None:
        """Someone moved table or lost access: regroup their sockets and resend the screen."""
        for socket in list(self.sockets):
            personal = set(socket.personal)
            if "access" not in change.topics and not personal & set(change.audiences):
                continue
            if socket.refresh_audiences is None:
                continue
            audiences = await socket.refresh_audiences()
            if audiences is None:
                self._on_detach(socket)
                with contextlib.suppress(Exception):
                    await socket.websocket.close(CLOSE_GONE)
                continue
            if audiences != socket.audiences:
                self._on_detach(socket)
                socket.audiences = audiences
                self.groups[socket.group].sockets.add(socket)
                async with self.hub.view(self.panel_id) as view:
                    await self._snapshot(socket, None, view)

    async def _close_all(self) -> None:
        for socket in self.sockets:
            with contextlib.suppress(Exception):
                await socket.websocket.close(CLOSE_GONE)

    # -- helpers ---------------------------------------------------------------------

    def _later(self, delay: float, job: tuple[Any, ...]) -> None:
        asyncio.get_running_loop().call_later(delay, self.jobs.put_nowait, job)

    async def _current_seq(self) -> int:
        async with self.hub.view(self.panel_id) as view:
            try:
                return (await view.panel()).seq
            except PanelGone:
                return 0


def _message(**fields: Any) -> str:
    return json.dumps(fields, separators=(",", ":"))


def _now_ms(view: PanelView) -> int:
    return int(view.now.timestamp() * 1000)
