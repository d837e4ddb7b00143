"""Live frames written straight to each screen's connection, each frame encoded once.

A step change sends the same message to every phone of a group. Sent through ASGI,
each socket's copy woke that socket's own task, went down the send wrappers of the
middleware (sessions, exception handling) as a message dict, and was encoded and
framed again by uvicorn's protocol: profiled with 300 phones, that path was a third
of the server's time in a step change. A server's text frames are not masked (RFC
6455, section 5.1) and we use no extensions (per-message deflate is off), so every
socket of a group gets the very same bytes: a `Text` frames itself once, and
`Wire.write` hands those bytes to each connection's transport from the panel's own
task.

It does so only while uvicorn's sans-I/O protocol says the connection is open and
not paused by flow control; otherwise (a screen that reads slowly, a close under way,
another server) the socket's outbox and the ordinary ASGI send take over, in order.
"""

from __future__ import annotations

from functools import cached_property

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

RAW_SEND = "borgerpanel.raw_send"
"""Where `KeepRawSend` puts the server's own `send` in a WebSocket's scope."""


class Text(str):
    """A message for many sockets: its WebSocket frame is made once, on first write."""

    @cached_property
    def frame(self) -> bytes:
        return _encode(self)


def frame_of(message: str) -> bytes:
    return message.frame if isinstance(message, Text) else _encode(message)


def _encode(message: str) -> bytes:
    return Frame(Opcode.TEXT, message.encode()).serialize(mask=False)


class Wire:
    """One connection's transport, when uvicorn's sans-I/O WebSocket protocol serves it."""

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self.protocol = protocol

    @classmethod
    def of(cls, scope: object) -> Wire | None:
        send = scope.get(RAW_SEND) if isinstance(scope, dict) else None
        protocol = getattr(send, "__self__", None)
        return cls(protocol) if isinstance(protocol, WebSocketsSansIOProtocol) else None

    def write(self, message: str) -> bool:
        """Write `message` as one frame now if the connection takes it; False if not."""
        protocol = self.protocol
        if (
            not protocol.handshake_complete
            or protocol.initial_response is not None
            or protocol.close_sent
            or protocol.disconnected
            or not protocol.writable.is_set()
            or protocol.transport.is_closing()
            or protocol.conn.state is not State.OPEN
            or protocol.conn.extensions
        ):
            return False
        protocol.transport.write(frame_of(message))
        return True


class KeepRawSend:
    """Outermost layer: remember the server's own `send` of each WebSocket for `Wire`.

    The layers inside wrap `send` (sessions, exception handling); only the server's
    own tells which connection it is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send
        await self.app(scope, receive, send)
