"""A server restarted mid-session: how soon it is ready, and how soon every phone is back.

    .venv/bin/python bench/restart.py [--phones 500] [--signal term|kill] [--rounds 3]

Starts `borgerpanel serve` on SQLite, joins N phones over HTTP and holds their
WebSockets, then stops the server (SIGTERM, as a deploy or a laptop shutdown does, or
SIGKILL, as a crash does) and starts it again on the same port. Each phone reconnects
as `static/live.js` does: for 30 s after a close with 1012 ("restarting") it tries again
after 0.25 s ±50 %, doubling up to 0.5 s; otherwise after 0.5 s ±50 %, doubling up to
8 s; it sends the seq its screen reflects (kept from the frames as live.js keeps it)
and counts as resynced at the first frame. The projector (the display link's screen)
reconnects the same way, but after a 1012 every 0.1 s ±50 %. The benchmark prints,
per round, the restart-to-ready time (new process spawned → first `/healthz` 200), the
time from ready until every phone has its first frame again, and the same for the
projector. Goals (issue 14): ready ≤ 1 s, every phone resynced ≤ 2 s after ready, the
projector ≤ 1 s. It also prints the server's CPU seconds until ready and from ready
until every phone is back: on a shared machine these say more than the wall clock. Not a
test: the figures depend on the machine.

The server runs as on a machine where it has run before: Python writes its bytecode
cache on the first start, so restarts read compiled modules. An environment that sets
PYTHONDONTWRITEBYTECODE (some CI and sandbox shells do) would make every restart
compile the server's ~250 modules from source; `--no-bytecode-cache` measures that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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

from bench.browser import SEQ, Phone, join
from bench.prepared import prepare
from bench.servers import SECRET, SERVE, Server

RESTARTING = 1012
# static/live.js: the extension's delay is min(first * 2 ** (attempt - 1), ceiling), ±50 %.
RESTARTING_STEPS = (0.25, 0.5)
RESTARTING_SHARED_STEPS = (0.1, 0.1)
"""The projector and tablets knock faster while the server restarts."""
RESTART_WINDOW = 30.0
BACKOFF_STEPS = (0.5, 8.0)
STARTED: list[Server] = []


class Reconnecting:
    """One phone's socket that reconnects like live.js and notes when it is back."""

    def __init__(self, phone: Phone, url: str, shared: bool = False) -> None:
        self.phone = phone
        self.url = url
        self.restarting_steps = RESTARTING_SHARED_STEPS if shared else RESTARTING_STEPS
        self.back = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def hold(self) -> None:
        """Connect and wait for the first frame (the screen)."""
        self.socket = await self._connect()
        self.task = asyncio.create_task(self._run())

    async def _connect(self) -> websockets.ClientConnection:
        socket = await websockets.connect(
            f"{self.url}?seq={self.phone.seq}" if self.phone.seq else self.url,
            additional_headers={"Cookie": self.phone.cookie} if self.phone.cookie else {},
            compression=None,
            open_timeout=30,
            max_queue=None,
        )
        self._follow(await asyncio.wait_for(socket.recv(), 60))
        return socket

    def _follow(self, frame: str | bytes) -> None:
        """Keep the seq the screen reflects, as live.js does: a snapshot's, or the newest
        of its chain (volatile parts leave it)."""
        data = json.loads(frame)
        newer = "prev" in data and data["seq"] > (self.phone.seq or 0)
        if "snapshot" in data or newer:
            self.phone.seq = data["seq"]

    async def _run(self) -> None:
        while True:
            code = 1006
            try:
                async for frame in self.socket:
                    self._follow(frame)
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 1006
            else:
                code = self.socket.close_code or 1006
            self.back.clear()
            restarting_since = time.monotonic() if code == RESTARTING else None
            attempt = 0
            while True:
                attempt += 1
                restarting = (
                    restarting_since is not None
                    and time.monotonic() - restarting_since < RESTART_WINDOW
                )
                first, ceiling = self.restarting_steps if restarting else BACKOFF_STEPS
                delay = min(first * 2 ** (attempt - 1), ceiling)
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                try:
                    self.socket = await self._connect()
                    break
                except (OSError, websockets.WebSocketException, TimeoutError):
                    pass
            self.back.set()


async def back(screen: Reconnecting, since: float) -> float:
    """Seconds from `since` until the screen has its first frame again."""
    await screen.back.wait()
    return time.monotonic() - since


def ready_after(server: Server) -> tuple[float, float, float]:
    """Seconds from now until the first `/healthz` 200, that moment (monotonic), and the
    server's CPU seconds then.

    Polled from a thread of its own: the event loop that runs hundreds of reconnecting
    phones can be too busy to notice the answer at once, which would note "ready" late
    and count part of the resync as start-up."""
    started = time.monotonic()
    with httpx.Client() as client:
        while True:
            try:
                if client.get(server.url + "/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started, time.monotonic(), server.cpu()
            except httpx.HTTPError:
                pass
            time.sleep(0.01)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--signal", choices=("term", "kill"), default="term")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE from the environment (compile on every start)",
    )
    args = parser.parse_args()
    if not args.no_bytecode_cache:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    cache = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"bytecode cache {cache}; load average {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory() as work:
        env = {"BORGERPANEL_SECRET_KEY": SECRET, "BORGERPANEL_DATA_DIR": f"{work}/data"}
        panel = await prepare(env, args.phones)
        panel_id, code, display_token = panel.panel_id, panel.code, panel.display_token
        server = Server(SERVE, env, Path(work) / "server.log")
        STARTED.append(server)
        await asyncio.to_thread(ready_after, server)
        phones = [Phone(server.url) for _ in range(args.phones)]
        # Idle connections are dropped well before uvicorn's 5 s keep-alive ends them: on
        # a busy machine a join could otherwise go out on a connection the server closes.
        limits = httpx.Limits(max_connections=50, keepalive_expiry=2.0)
        async with httpx.AsyncHTTPTransport(limits=limits) as pool:
            await join(phones, code, pool)
        sockets = server.url.replace("http", "ws", 1)
        screens = [Reconnecting(phone, f"{sockets}/ws/p/{panel_id}") for phone in phones]
        gate = asyncio.Semaphore(100)

        async def hold(screen: Reconnecting) -> None:
            async with gate:
                await screen.hold()

        await asyncio.gather(*(hold(s) for s in screens))
        projector = Phone(server.url)
        async with httpx.AsyncClient() as client:
            found = SEQ.search((await client.get(f"{server.url}/d/{display_token}")).text)
            projector.seq = int(found.group(1)) if found else None
        display = Reconnecting(projector, f"{sockets}/ws/d/{display_token}", shared=True)
        await display.hold()
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
            STARTED.append(server)
            ready, at_ready, cpu_ready = await asyncio.to_thread(ready_after, server)

            times = await asyncio.gather(*(back(s, at_ready) for s in [*screens, display]))
            resynced, shown = max(times[:-1]), times[-1]
            cpu_resync = server.cpu() - cpu_ready
            rows.append((n, exited, ready, resynced, shown, cpu_ready, cpu_resync))
            print(
                f"round {n}: exited {exited:.2f} s after the signal, ready {ready:.2f} s "
                f"after start, all {args.phones} phones resynced {resynced:.2f} s after "
                f"ready, the projector {shown:.2f} s; the server's CPU {cpu_ready:.2f} s "
                f"until ready, {cpu_resync:.2f} s more until every phone was back "
                f"(load average {os.getloadavg()[0]:.2f})",
                flush=True,
            )
        server.stop()
        for screen in [*screens, display]:
            if screen.task is not None:
                screen.task.cancel()
    print(
        "\n| signal | phones | exit | restart → ready | ready → all phones resynced "
        "| ready → projector resynced | server CPU until ready | server CPU, resync |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for _n, exited, ready, resynced, shown, cpu_ready, cpu_resync in rows:
        print(
            f"| {args.signal} | {args.phones} | {exited:.2f} s | {ready:.2f} s "
            f"| {resynced:.2f} s | {shown:.2f} s | {cpu_ready:.2f} s | {cpu_resync:.2f} s |"
        )
    if len(rows) > 1:
        print(
            f"median: ready {statistics.median(r[2] for r in rows):.2f} s, phones resynced "
            f"{statistics.median(r[3] for r in rows):.2f} s after ready, the projector "
            f"{statistics.median(r[4] for r in rows):.2f} s"
        )


if __name__ == "__main__":
    try:
        asyncio.run(main())
    finally:
        # A run that fails (a join refused on a busy machine) leaves no server behind to
        # take CPU from the next run.
        for started in STARTED:
            if started.process.poll() is None:
                started.process.kill()
