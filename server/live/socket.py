"""One live screen: a WebSocket, its audiences and its outbox.

A screen only ever says one thing to the server: "resync" after it saw a link of the
chain missing, and then waits for the snapshot before it can ask again. So what a
socket may send is small and bounded: messages over `MAX_MESSAGE_BYTES` are refused
(uvicorn is configured with the same limit, so a larger frame is never even parsed),
each socket has a message budget, and one that goes over it is closed with 1008. A
socket has at most one snapshot pending in its panel's channel, however often it
asks, so no phone can make the channel that serves the whole room do unbounded work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.websockets import WebSocket, WebSocketDisconnect

from server import metrics
from server.live import audiences as aud
from server.live.outbox import Outbox, OutboxOverflow
from server.live.wire import Wire

log = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 1013  # "try again later": the client reconnects and resyncs
CLOSE_GONE = 1008  # policy: no longer allowed here; the client does not retry
CLOSE_MISBEHAVING = 1008  # policy: sent more than any screen does; the client does not retry
CLOSE_TOO_BIG = 1009  # a message over MAX_MESSAGE_BYTES

MAX_MESSAGE_BYTES = 64 * 1024
"""The largest message a screen may send; it sends `{"type":"resync"}` and nothing else."""
MESSAGE_BURST = 10
"""Messages a socket may send at once; a screen sends one resync per snapshot it awaits."""
MESSAGES_PER_SECOND = 1.0
"""How fast the budget refills: far above what a real screen needs."""


@dataclass
class MessageBudget:
    """A token bucket: `burst` messages at once, refilled at `rate` per second."""

    burst: float = MESSAGE_BURST
    rate: float = MESSAGES_PER_SECOND
    tokens: float = MESSAGE_BURST
    stamp: float = field(default_factory=time.monotonic)

    def spend(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


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
    base_url: str = ""
    """Where this screen reaches us: the join QR it shows points there."""
    refresh_audiences: Callable[[], Awaitable[tuple[str, ...] | None]] | None = None
    outbox: Outbox = field(default_factory=Outbox)
    chain: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    dropping: asyncio.Future[None] | None = None
    snapshot_pending: bool = False
    """Set while the channel owes this socket a snapshot: more asking adds no work."""
    budget: MessageBudget = field(default_factory=MessageBudget)
    wire: Wire | None = None
    """The connection itself, when messages can be written to it directly (see wire.py)."""
    sending: bool = False
    """Set while `pump` waits to hand a message to a paused connection."""

    def __post_init__(self) -> None:
        if self.wire is None:
            self.wire = Wire.of(getattr(self.websocket, "scope", None))

    @property
    def group(self) -> tuple[tuple[str, ...], str, str]:
        """Sockets that receive the very same bytes: shared audiences, language, address."""
        shared = tuple(sorted(a for a in self.audiences if not aud.is_personal(a)))
        return shared, self.language, self.base_url

    @property
    def personal(self) -> tuple[str, ...]:
        return tuple(a for a in self.audiences if aud.is_personal(a))

    def send(self, message: str, key: str | None = None) -> None:
        """Write `message` to the connection now when nothing waits before it and the
        connection takes it (no task switch, no copy per socket); else queue it."""
        if (
            self.wire is not None
            and not self.sending
            and not self.outbox
            and not self.closed.is_set()
            and self.wire.write(message)
        ):
            metrics.message_sent()
            return
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
                if self.wire is None or not self.wire.write(message):
                    # No timeout here: a send waits only once the kernel's buffer is full,
                    # and then so would our close. The kernel lets a stalled screen go
                    # (server/web/stalls.py); the send then fails and this socket ends.
                    self.sending = True
                    try:
                        await self.websocket.send_text(message)
                    finally:
                        self.sending = False
                # Unbound before the next wait: a local would hold the last frame sent,
                # for an idle phone its whole snapshot, while waiting for the next (a few
                # KiB a phone, measured with bench/socket_memory.py --trace).
                del message
                metrics.message_sent()
        except OutboxOverflow:
            await self._drop()
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            self.closed.set()

    async def listen(self, on_resync: Callable[[], None]) -> None:
        """Read what the client says: only requests to resync after a gap, within budget."""
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                size = len(text.encode()) if text is not None else len(message.get("bytes") or b"")
                if size > MAX_MESSAGE_BYTES:
                    await self._close_for(CLOSE_TOO_BIG, "message too big")
                    break
                if not self.budget.spend():
                    await self._close_for(CLOSE_MISBEHAVING, "too many messages")
                    break
                if text is not None and _is_resync(text):
                    on_resync()
        except (WebSocketDisconnect, RuntimeError, OSError, KeyError):
            pass
        finally:
            self.closed.set()

    async def _close_for(self, code: int, reason: str) -> None:
        log.info("closing a live socket of panel %s: %s", self.panel_id, reason)
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)


def _is_resync(text: str) -> bool:
    try:
        said = json.loads(text)
    except ValueError:
        return False
    return isinstance(said, dict) and said.get("type") == "resync"
