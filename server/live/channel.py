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

Why one module of this size: everything one panel's task does must happen in
order on one task — broker messages, snapshots, coalesced flushes, gap checks —
and that ordering is the guarantee; it is kept in one class so it can be read
whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from server import metrics
from server.broker import MISSED, Broker
from server.live import audiences as aud
from server.live.ballot_book import BallotBook
from server.live.change import Change, Presence, channel, decode
from server.live.opinion import TOPICS as OPINION_TOPICS
from server.live.opinion import OpinionRoom
from server.live.presence import PresenceBoard
from server.live.socket import CLOSE_GONE, LiveSocket
from server.live.view import PanelGone, PanelView
from server.live.wire import Text
from server.render import Renderer
from server.screens.registry import (
    Fragment,
    NotPlain,
    affected,
    fragments_for,
    plain_key,
    render_context,
)

log = logging.getLogger(__name__)

GAP_WAIT = 2.0
"""How long a missing seq may be late (two processes publish out of order) before resync."""
COALESCE = 0.05
"""Topics that change in bursts (votes, joins) reach the display and the facilitators
at most twenty times a second: few sockets, so a render each costs little."""
PHONE_COALESCE = 1.0
"""... and the phones at most once a second, always ending on the latest state: a
room of phones costs one message per phone per flush, and a tally that moves twenty
times a second is not read any better on a phone than one that moves once."""
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
ARRIVALS_AT_ONCE = 50
"""Snapshots made from one read of the database before newer arrivals are looked at."""
LINGER = 60.0
"""Keep a panel's subscription this long after its last screen left (reloads are common)."""
REPAIR_WAIT = 0.5
"""After a job failed (the database out of reach), resync every screen this soon, and
again as long as that fails too: a seq counts as delivered only once it was rendered."""
DEGRADED_POLL = 1.0
"""While the broker is down, read the panel's seq this often to catch other processes'
changes, which no message brings then."""

GroupKey = tuple[tuple[str, ...], str, str]


@dataclass
class Group:
    sockets: set[LiveSocket] = field(default_factory=set)
    chain: int = 0


@dataclass(frozen=True)
class FromBroker:
    """A message on the panel's broker channel: a change, presence, or MISSED."""

    message: bytes


@dataclass(frozen=True)
class Arrivals:
    """New sockets wait for their snapshots (one job for a burst of them)."""


@dataclass(frozen=True)
class Detach:
    socket: LiveSocket


@dataclass(frozen=True)
class Resync:
    """Send a full snapshot to one socket, or to every socket (`None`)."""

    socket: LiveSocket | None


@dataclass(eq=False)
class Cadence:
    """Coalesced topics waiting for their audiences' next flush, at most one per `interval`."""

    interval: float
    pending: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    scheduled: bool = False
    due: float = 0.0
    """The earliest the next flush may start."""

    def flushed(self, started: float, took: float) -> None:
        """A flush that took long (a moderation queue of hundreds of arguments) spaces
        the next one out up to FLUSH_SPACING_MAX, so rendering takes at most about
        1/FLUSH_SHARE of the panel's task and the room's requests are still answered."""
        spacing = min(FLUSH_SHARE * took, FLUSH_SPACING_MAX)
        self.due = started + max(self.interval, spacing)


FLUSH_SHARE = 4.0
FLUSH_SPACING_MAX = 0.2
"""Never further apart than five flushes a second (what every screen had before)."""

PHONE_KINDS = frozenset({aud.PHONES, "table", "participant"})
"""Audience kinds that phones hold: their coalesced topics go at `PHONE_COALESCE`."""


@dataclass(frozen=True)
class Flush:
    """Render one cadence's coalesced topics now."""

    cadence: Cadence


@dataclass(frozen=True)
class CheckGap:
    """See whether the seqs that were missing have arrived."""


@dataclass(frozen=True)
class Repair:
    """A job failed: resync every socket from the database (and again if that fails)."""


@dataclass(frozen=True)
class Poll:
    """The broker is down: see whether another process moved the panel's seq."""


Job = FromBroker | Change | Arrivals | Detach | Resync | Flush | CheckGap | Repair | Poll
"""What the channel's task does next; a `Change` is one made in this process (presence)."""


class Host(Protocol):
    """What a channel uses of the hub that made it (`server.live.hub.Hub`)."""

    @property
    def broker(self) -> Broker: ...

    @property
    def renderer(self) -> Renderer: ...

    @property
    def presence(self) -> PresenceBoard: ...

    @property
    def opinion(self) -> OpinionRoom: ...

    def view(self, panel_id: int) -> AbstractAsyncContextManager[PanelView]: ...


class PanelChannel:
    def __init__(self, hub: Host, panel_id: int) -> None:
        self.hub = hub
        self.panel_id = panel_id
        self.groups: dict[GroupKey, Group] = defaultdict(Group)
        self.jobs: asyncio.Queue[Job] = asyncio.Queue()
        self.watermark = 0
        self.seen: set[int] = set()
        self.screens = Cadence(COALESCE)
        self.phones = Cadence(PHONE_COALESCE)
        self._gap_scheduled = False
        self._repair_scheduled = False
        # Rendered fragments by (audience, language), valid until a change touches one of
        # their topics. Kept per fragment: a change drops a few entries of this dict
        # instead of scanning one entry per phone.
        self._cache: dict[Fragment, dict[Hashable, str]] = {}
        self._idle_since: float | None = None
        self._arrivals: list[tuple[LiveSocket, int | None]] = []
        self._arrivals_pending = False
        self._busy = False
        # The open vote's ballots, kept between draws (see server.live.ballot_book).
        self.ballots = BallotBook()
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
            self.jobs.put_nowait(Arrivals())

    def detach(self, socket: LiveSocket) -> None:
        self.jobs.put_nowait(Detach(socket))

    def resync(self, socket: LiveSocket | None = None) -> None:
        """Owe `socket` (or every socket) a snapshot; a socket is owed at most one at a time."""
        if socket is not None:
            if socket.snapshot_pending:
                return
            socket.snapshot_pending = True
        self.jobs.put_nowait(Resync(socket))

    def presence_changed(self) -> None:
        self.jobs.put_nowait(
            Change(self.panel_id, 0, ("presence",), (aud.FACILITATORS, aud.DISPLAY))
        )

    @property
    def settled(self) -> bool:
        """Everything received has been rendered and handed to the network, and nothing
        is scheduled (a coalesced flush, a gap check): the screens show the panel as
        this process last heard of it."""
        return (
            self.jobs.empty()
            and not self._busy
            and not self.screens.scheduled
            and not self.phones.scheduled
            and not self._gap_scheduled
            and not self._repair_scheduled
            and not self._arrivals
            and all(len(socket.outbox) == 0 for socket in self.sockets)
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
            watcher = asyncio.create_task(self._watch_database())
            try:
                # Subscribed first, then read where the panel stands: nothing in between is lost.
                self.watermark = await self._first_seq()
                self.ready.set()
                while True:
                    job = await self.jobs.get()
                    self._busy = True
                    try:
                        await self._handle(job)
                    except PanelGone:
                        await self._close_all()
                    except Exception:
                        if isinstance(job, Repair):
                            log.warning("panel %s: still cannot resync its screens", self.panel_id)
                        else:
                            log.exception("live update of panel %s failed", self.panel_id)
                        self._repair_later()
                    finally:
                        self._busy = False
            finally:
                for task in (reader, watcher):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _read(self, messages: AsyncIterator[bytes]) -> None:
        async for message in messages:
            self.jobs.put_nowait(FromBroker(message))

    async def _handle(self, job: Job) -> None:
        match job:
            case FromBroker(message):
                await self._on_broker(message)
            case Change():
                await self._on_change(job)
            case Arrivals():
                await self._on_arrivals()
            case Detach(socket):
                self._on_detach(socket)
            case Resync(socket):
                await self._resync(socket)
            case Flush(cadence):
                await self._flush(cadence)
            case CheckGap():
                await self._check_gap()
            case Repair():
                self._repair_scheduled = False
                await self._catch_up("resyncing after a failed update")
            case Poll():
                if await self._current_seq() > self.watermark:
                    await self._catch_up("changed elsewhere while the broker is down")

    async def _on_broker(self, message: bytes) -> None:
        if message == MISSED:
            await self._catch_up("the broker may have lost messages")
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
            self.ballots.heard(decoded)
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
            self._later(GAP_WAIT, CheckGap())

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
        if touched & OPINION_TOPICS:
            self.hub.opinion.poke(self.panel_id)
        for item in [f for f in self._cache if f.topics & touched]:
            del self._cache[item]
        if "seat" in change.topics or "access" in change.topics:
            await self._refresh_audiences(change)
        coalesced = set(change.topics) & COALESCED_TOPICS
        immediate = set(change.topics) - COALESCED_TOPICS
        if coalesced:
            for audience in change.audiences:
                cadence = self.phones if aud.kind(audience) in PHONE_KINDS else self.screens
                cadence.pending[audience] |= coalesced
            for cadence in (self.screens, self.phones):
                if cadence.pending and not cadence.scheduled:
                    # Leading edge: after a quiet spell the first change goes out at once;
                    # changes that follow within the interval wait for one combined render.
                    cadence.scheduled = True
                    wait = max(0.0, cadence.due - time.monotonic())
                    if wait:
                        self._later(wait, Flush(cadence))
                    else:
                        await self._flush(cadence)
        if immediate:
            await self._deliver({a: immediate for a in change.audiences}, change.seq)

    async def _flush(self, cadence: Cadence) -> None:
        cadence.scheduled = False
        started = time.monotonic()
        pending, cadence.pending = dict(cadence.pending), defaultdict(set)
        if pending:
            with metrics.timed(metrics.FLUSH_SECONDS):
                await self._deliver(pending, self.watermark)
        cadence.flushed(started, time.monotonic() - started)

    # -- rendering and sending -------------------------------------------------------

    async def _deliver(self, topics_by_audience: dict[str, set[str]], seq: int) -> None:
        if not self.sockets:
            return
        async with self._view() as view:
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
            if not any(aud.is_personal(a) for a in topics_by_audience):
                return  # a tally for the room: no need to look at each phone
            view.whole_room = len(self.sockets) > 1
            for socket in self.sockets:
                for audience in socket.personal:
                    personal = topics_by_audience.get(audience)
                    if personal:
                        parts = [(f, audience) for f in affected(audience, personal)]
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
            context = await item.context(view, audience)
            try:
                # Audiences whose context is the same plain data share one render:
                # two hundred tables without arguments, two thousand phones without
                # a ballot of their own.
                same: Hashable = ("same", language, view.base_url, plain_key(context))
            except NotPlain:
                same = key
            if same not in rendered:
                with metrics.timed(metrics.RENDER_SECONDS):
                    rendered[same] = render_context(
                        self.hub.renderer, language, item, view.panel_id, context, oob=True
                    )
            rendered[key] = rendered[same]
        return rendered[key]

    # -- snapshots -------------------------------------------------------------------

    async def _on_arrivals(self) -> None:
        """Snapshots for the screens that arrived, ARRIVALS_AT_ONCE at a time: one that
        arrives meanwhile (the projector) waits for one slice, not for the whole room."""
        waiting = shared_screens_first(self._arrivals)
        arrivals, self._arrivals = waiting[:ARRIVALS_AT_ONCE], waiting[ARRIVALS_AT_ONCE:]
        self._arrivals_pending = bool(self._arrivals)
        if self._arrivals_pending:
            self.jobs.put_nowait(Arrivals())
        async with self._view() as view:
            view.whole_room = len(arrivals) > 1
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
        metrics.resynced(whole_panel=only is None)
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
            self.ballots.forget()
        async with self._view() as view:
            view.whole_room = only is None
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
                async with self._view() as view:
                    await self._snapshot(socket, None, view)

    async def _close_all(self) -> None:
        for socket in self.sockets:
            with contextlib.suppress(Exception):
                await socket.websocket.close(CLOSE_GONE)

    # -- helpers ---------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _view(self) -> AsyncIterator[PanelView]:
        """A view for drawing this channel's screens: it counts from the channel's ballots."""
        async with self.hub.view(self.panel_id) as view:
            view.ballots = self.ballots
            yield view

    def _later(self, delay: float, job: Job) -> None:
        asyncio.get_running_loop().call_later(delay, self.jobs.put_nowait, job)

    async def _current_seq(self) -> int:
        async with self.hub.view(self.panel_id) as view:
            try:
                return (await view.panel()).seq
            except PanelGone:
                return 0

    async def _first_seq(self) -> int:
        """Where the panel stands, waiting out a database that is out of reach."""
        delay = REPAIR_WAIT
        while True:
            try:
                return await self._current_seq()
            except Exception:
                log.warning("panel %s: cannot read the database yet", self.panel_id)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _repair_later(self) -> None:
        if not self._repair_scheduled:
            self._repair_scheduled = True
            self._later(REPAIR_WAIT, Repair())

    async def _catch_up(self, why: str) -> None:
        """Resync every socket from the database, whatever was or was not delivered."""
        log.info("panel %s: %s; resyncing", self.panel_id, why)
        self.watermark = await self._current_seq()
        self.seen.clear()
        await self._resync(None)

    async def _watch_database(self) -> None:
        """While the broker is down no process hears another's changes: poll for them."""
        while True:
            await asyncio.sleep(DEGRADED_POLL)
            if not self.hub.broker.healthy and self.sockets:
                self.jobs.put_nowait(Poll())


def shared_screens_first(
    arrivals: list[tuple[LiveSocket, int | None]],
) -> list[tuple[LiveSocket, int | None]]:
    """The projector and facilitators' tablets before the phones, each in arrival order.

    After a restart a whole room arrives at once; the projector, which everyone
    watches, should not wait behind hundreds of phones' snapshots."""
    return sorted(arrivals, key=lambda arrival: arrival[0].participant_id is not None)


def _message(**fields: Any) -> Text:
    """A message as it goes to a group's sockets: framed once for all of them."""
    return Text(json.dumps(fields, separators=(",", ":")))


def _now_ms(view: PanelView) -> int:
    return int(view.now.timestamp() * 1000)
