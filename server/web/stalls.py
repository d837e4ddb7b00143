"""A screen that stops taking what we send is let go within a bound, not minutes later.

A timeout around our own send cannot do it: a send returns as soon as its bytes are in
the kernel's socket buffer, which autotunes to megabytes, so a phone that stopped
reading absorbed minutes of updates before any send of ours waited at all; and once one
does wait, the close frame we would send waits behind the same full buffer (uvicorn
closes a connection only after its buffer is written). Only the kernel knows how long
our data has been waiting for the screen, so the limit is set there: `TCP_USER_TIMEOUT`
makes it drop a connection whose data has gone unacknowledged, or whose receive window
has stayed shut (Linux 5.11 and later), for `STALL_LIMIT`. uvicorn then reports the
socket gone and its channel lets it go. A slow phone on a weak network is not cut off:
every segment it acknowledges and every window it opens starts the clock again.

Behind a reverse proxy our peer is the proxy, which keeps taking data while its own
buffers have room, so the ping bounds the rest: a pong comes back only once the screen
has read everything sent before the ping. A screen is closed when a ping sent
`PING_INTERVAL` after the last answered one is not answered within `PING_TIMEOUT`.
"""

from __future__ import annotations

import socket
from asyncio import BaseTransport

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

STALL_LIMIT = 15.0
"""Seconds our data may wait for a screen that acknowledges or reads none of it."""
PING_INTERVAL = 10.0
PING_TIMEOUT = 10.0
"""A pong waits behind all that was sent before its ping: time for a weak network."""


class StallLimitedWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol (the one it picks by itself), with the stall limit."""

    def connection_made(self, transport: BaseTransport) -> None:
        super().connection_made(transport)
        limit_stalls(transport)


def limit_stalls(transport: BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    option = getattr(socket, "TCP_USER_TIMEOUT", None)
    if sock is None or option is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # a Unix socket from a proxy, or not Linux: the ping alone bounds it
    sock.setsockopt(socket.IPPROTO_TCP, option, int(STALL_LIMIT * 1000))
