"""A hostile phone in a process of its own: `python -m tests.support.flooder URL COOKIE`.

It opens the phone's live socket and, without ever reading, sends a thousand resync
requests with malformed and oversized messages among them; when the server closes the
socket it connects again and starts over, until it is stopped. It prints how many
messages it sent on each line, so the test can tell the flood was real.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

import websockets

from server.live.socket import MAX_MESSAGE_BYTES

JUNK = ["{", "null", "[]", '{"type": 7}', "\x00" * 100, json.dumps({"type": "x" * 1000})]


async def flood(url: str, cookie: str) -> None:
    sent = 0
    oversized = "x" * (MAX_MESSAGE_BYTES + 1)
    while True:
        with contextlib.suppress(websockets.ConnectionClosed, OSError):
            async with websockets.connect(
                url, compression=None, max_size=None, additional_headers={"Cookie": cookie}
            ) as connection:
                for n in range(1000):
                    await connection.send('{"type":"resync"}')
                    sent += 1
                    if n % 50 == 0:
                        await connection.send(JUNK[n // 50 % len(JUNK)])
                        await connection.send(oversized)
                        sent += 2
                    if n % 100 == 0:
                        print(sent, flush=True)
        print(sent, flush=True)
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    asyncio.run(flood(sys.argv[1], sys.argv[2]))
