"""A server restarted mid-session: how soon it is ready, and how soon every phone is back.

    .venv/bin/python bench/restart.py [--phones 500] [--signal term|kill] [--rounds 3]

Starts `borgerpanel serve` on SQLite, joins N phones over HTTP and holds their
WebSockets, then stops the server (SIGTERM, as a deploy or a laptop shutdown does, or
SIGKILL, as a crash does) and starts it again on the same port. Each phone reconnects
as `static/live.js` does: after a close with 1012 ("restarting") it tries again after
0.5 s ±50 %, doubling up to 1.5 s; after any other loss after 0.5 s ±50 %, doubling up
to 8 s; it sends the last seq it saw and counts as resynced at the first frame. The
benchmark prints, per round, the restart-to-ready time (new process spawned → first
`/healthz` 200) and the time from ready until every phone has its first frame again.
Goals (issue 14): ready ≤ 1 s, every phone resynced ≤ 2 s after ready. Not a test:
the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.browser import Phone, join
from bench.prepared import prepare
from bench.servers import SECRET, SERVE, Server

RESTARTING = 1012


class Reconnecting:
    """One phone's socket that reconnects like live.js and notes when it is back."""

    def __init__(self, phone: Phone, url: str) -> None:
        self.phone = phone
        self.url = url
        self.back = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def hold(self) -> None:
        """Connect and wait for the first frame (the screen)."""
        self.socket = await self._connect()
        self.task = asyncio.create_task(self._run())

    async def _connect(self) -> websockets.ClientConnection:
        socket = await websockets.connect(
            f"{self.url}?seq={self.phone.seq}" if self.phone.seq else self.url,
            additional_headers={"Cookie": self.phone.cookie},
            compression=None,
            open_timeout=30,
            max_queue=None,
        )
        await asyncio.wait_for(socket.recv(), 60)
        return socket

    async def _run(self) -> None:
        while True:
            code = 1006
            try:
                async for _ in self.socket:
                    pass
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 1006
            else:
                code = self.socket.close_code or 1006
            self.back.clear()
            start, ceiling = (0.5, 1.5) if code == RESTARTING else (0.5, 8.0)
            delay = start
            while True:
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                try:
                    self.socket = await self._connect()
                    break
                except (OSError, websockets.WebSocketException, TimeoutError):
                    delay = min(delay * 2, ceiling)
            self.back.set()


async def ready_after(server: Server) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(server.url + "/healthz", timeout=1)).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.01)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--signal", choices=("term", "kill"), default="term")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        env = {"BORGERPANEL_SECRET_KEY": SECRET, "BORGERPANEL_DATA_DIR": f"{work}/data"}
        panel = await prepare(env, args.phones)
        panel_id, code = panel.panel_id, panel.code
        server = Server(SERVE, env, Path(work) / "server.log")
        await ready_after(server)
        phones = [Phone(server.url) for _ in range(args.phones)]
        async with httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=50)) as pool:
            await join(phones, code, pool)
        socket_url = server.url.replace("http", "ws", 1) + f"/ws/p/{panel_id}"
        screens = [Reconnecting(phone, socket_url) for phone in phones]
        gate = asyncio.Semaphore(100)

        async def hold(screen: Reconnecting) -> None:
            async with gate:
                await screen.hold()

        await asyncio.gather(*(hold(s) for s in screens))
        rows = []
        for n in range(1, args.rounds + 1):
            if args.signal == "term":
                server.process.send_signal(signal.SIGTERM)
            else:
                server.process.send_signal(signal.SIGKILL)
            stopped = time.monotonic()
            server.process.wait(30)
            exited = time.monotonic() - stopped
            port = server.port
            server = Server(SERVE, env, Path(work) / "server.log", port=port)
            ready = await ready_after(server)
            at_ready = time.monotonic()
            await asyncio.gather(*(s.back.wait() for s in screens))
            resynced = time.monotonic() - at_ready
            rows.append((n, exited, ready, resynced))
            print(
                f"round {n}: exited {exited:.2f} s after the signal, ready {ready:.2f} s "
                f"after start, all {args.phones} phones resynced {resynced:.2f} s after ready",
                flush=True,
            )
        server.stop()
        for screen in screens:
            if screen.task is not None:
                screen.task.cancel()
    print("\n| signal | phones | exit | restart → ready | ready → all resynced |")
    print("| --- | --- | --- | --- | --- |")
    for _n, exited, ready, resynced in rows:
        print(
            f"| {args.signal} | {args.phones} | {exited:.2f} s | {ready:.2f} s | {resynced:.2f} s |"
        )
    if len(rows) > 1:
        print(
            f"median: ready {statistics.median(r[2] for r in rows):.2f} s, "
            f"resynced {statistics.median(r[3] for r in rows):.2f} s after ready"
        )


if __name__ == "__main__":
    asyncio.run(main())
