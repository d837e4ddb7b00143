"""The per-process hub: one `PanelChannel` per panel with live screens here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.broker import Broker
from server.db.engine import Database
from server.live import audiences as aud
from server.live.ballot_book import HeldBallot
from server.live.change import Change, channel
from server.live.channel import LINGER, PanelChannel
from server.live.opinion import OpinionRoom
from server.live.presence import REFRESH, PresenceBoard
from server.live.socket import LiveSocket
from server.live.view import PanelView
from server.render import Renderer

log = logging.getLogger(__name__)

PRESENCE_DEBOUNCE = 0.3


class Hub:
    def __init__(
        self,
        broker: Broker,
        db: Database,
        renderer: Renderer,
        secret_key: str = "",
    ) -> None:
        self.broker = broker
        self.db = db
        self.renderer = renderer
        self.secret_key = secret_key
        self.process = uuid.uuid4().hex[:12]
        self.channels: dict[int, PanelChannel] = {}
        self.presence = PresenceBoard(self.process, self._presence_dirty)
        self._presence_pending: set[int] = set()
        self._housekeeping: asyncio.Task[None] | None = None
        self.opinion = OpinionRoom(db, self._opinion_updated)

    async def start(self) -> None:
        self._housekeeping = asyncio.create_task(self._keep_house(), name="hub-housekeeping")

    async def stop(self) -> None:
        await self.opinion.stop()
        tasks = [c.task for c in self.channels.values()]
        if self._housekeeping is not None:
            tasks.append(self._housekeeping)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.channels.clear()

    def channel(self, panel_id: int) -> PanelChannel:
        existing = self.channels.get(panel_id)
        if existing is None or existing.task.done():
            existing = PanelChannel(self, panel_id)
            self.channels[panel_id] = existing
        return existing

    def attach(self, socket: LiveSocket, since: int | None) -> PanelChannel:
        panel_channel = self.channel(socket.panel_id)
        panel_channel.attach(socket, since)
        return panel_channel

    def ballots_stored(self, panel_id: int, seq: int, ballots: list[HeldBallot]) -> None:
        """Ballots committed here (announced as `seq`): the panel's channel counts them
        without reading the step again; without a channel here nobody needs them."""
        existing = self.channels.get(panel_id)
        if existing is not None and not existing.task.done():
            existing.ballots.stored(seq, ballots)

    def detach(self, socket: LiveSocket) -> None:
        existing = self.channels.get(socket.panel_id)
        if existing is not None:
            existing.detach(socket)

    @asynccontextmanager
    async def view(self, panel_id: int, base_url: str = "") -> AsyncIterator[PanelView]:
        async with self.db.reading() as session:
            view = PanelView(session, panel_id, self.presence.ids(panel_id))
            view.base_url = base_url
            view.secret_key = self.secret_key
            view.opinion = self.opinion
            yield view

    def settled(self, panel_id: int) -> bool:
        """No presence news waiting to go out and the panel's channel has sent all it
        heard (see `PanelChannel.settled`); a panel without screens here is settled."""
        existing = self.channels.get(panel_id)
        return panel_id not in self._presence_pending and (existing is None or existing.settled)

    def _opinion_updated(self, panel_id: int) -> None:
        """New groups: the panel's screens here that show them render again."""
        existing = self.channels.get(panel_id)
        if existing is None or existing.task.done():
            return
        personal = {a for s in existing.sockets for a in s.personal}
        audiences = (aud.FACILITATORS, aud.DISPLAY, *sorted(personal))
        change = Change(panel_id, existing.watermark, ("opinion",), audiences)
        existing.jobs.put_nowait(change)

    # -- presence --------------------------------------------------------------------

    def _presence_dirty(self, panel_id: int) -> None:
        if panel_id not in self._presence_pending:
            self._presence_pending.add(panel_id)
            asyncio.get_running_loop().call_later(
                PRESENCE_DEBOUNCE, lambda: asyncio.ensure_future(self._publish_presence(panel_id))
            )

    async def _publish_presence(self, panel_id: int) -> None:
        self._presence_pending.discard(panel_id)
        message = self.presence.local_message(panel_id)
        await self.broker.publish(channel(panel_id), message.encode())

    async def _keep_house(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            try:
                for panel_id in self.presence.local_panels():
                    await self._publish_presence(panel_id)
                for panel_id in self.presence.expire():
                    existing = self.channels.get(panel_id)
                    if existing is not None:
                        existing.presence_changed()
                for panel_id, existing in list(self.channels.items()):
                    if existing.idle_for > LINGER:
                        existing.task.cancel()
                        del self.channels[panel_id]
            except Exception:
                log.exception("hub housekeeping failed")
