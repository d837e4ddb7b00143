"""One live screen: a WebSocket, its audiences and its outbox."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.websockets import WebSocket, WebSocketDisconnect

from server import metrics
from server.live import audiences as aud
from server.live.outbox import Outbox, OutboxOverflow

log = logging.getLogger(__name__)

SEND_TIMEOUT = 10.0
CLOSE_TOO_SLOW = 1013  # "try again later": the client reconnects and resyncs
CLOSE_GONE = 1008  # policy: no longer allowed here; the client does not retry


@dataclass(eq=False)
class LiveSocket:
    """A connected screen. `audiences` decide which fragments it receives.

    `refresh_audiences` re-reads them from the database when something about the
    person changed (moved to another table), so the socket follows them.
    """

    websocket: WebSocket
    panel_id: int
    audiences: tuple[str, ...]
    language: str
    participant_id: int | None = None
    refresh_audiences: Callable[[], Awaitable[tuple[str, ...] | None]] | None = None
    outbox: Outbox = field(default_factory=Outbox)
    chain: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    dropping: asyncio.Future[None] | None = None

    @property
    def group(self) -> tuple[tuple[str, ...], str]:
        """Sockets that receive the very same bytes: shared audiences and language."""
        shared = tuple(sorted(a for a in self.audiences if not aud.is_personal(a)))
        return shared, self.language

    @property
    def personal(self) -> tuple[str, ...]:
        return tuple(a for a in self.audiences if aud.is_personal(a))

    def send(self, message: str, key: str | None = None) -> None:
        self.outbox.put(message, key)
        if self.outbox.overflowed and not self.closed.is_set():
            # Fallen too far behind: drop now, even while a send is stuck on the network.
            self.closed.set()
            self.dropping = asyncio.ensure_future(self._drop())

    async def _drop(self) -> None:
        log.info("dropping a live socket of panel %s that stopped reading", self.panel_id)
        with contextlib.suppress(Exception):
            await self.websocket.close(CLOSE_TOO_SLOW)

    async def pump(self) -> None:
        """Write the outbox to the network until the socket closes or falls behind."""
        try:
            while True:
                message = await self.outbox.get()
                await asyncio.wait_for(self.websocket.send_text(message), SEND_TIMEOUT)
                metrics.message_sent()
        except (OutboxOverflow, TimeoutError):
            await self._drop()
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            self.closed.set()

    async def listen(self, on_resync: Callable[[], None]) -> None:
        """Read what the client says: only requests to resync after a gap."""
        try:
            while True:
                text = await self.websocket.receive_text()
                with contextlib.suppress(ValueError, AttributeError):
                    if json.loads(text).get("type") == "resync":
                        on_resync()
        except (WebSocketDisconnect, RuntimeError, OSError, KeyError):
            pass
        finally:
            self.closed.set()
