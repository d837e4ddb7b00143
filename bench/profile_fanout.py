"""Where one server process spends its time fanning out to a room of phones.

    .venv/bin/python bench/profile_fanout.py [--phones 2000] [--rate 200] [--rounds 5]
                                             [--py-spy DIR]

One server on SQLite with the memory broker (the configuration of `bench/vote_latency.py`).
N phones join like browsers (the lobby rush, timed), hold their sockets (server memory
per held phone), a facilitator moves the agenda ROUNDS times (step change: from the
request to each phone's frame with the new step), then every phone casts one ballot at
RATE per second (vote storm: from a ballot's scheduled time to the display's tally
counting it). Every phone's chain of messages is checked as live.js checks it; a broken
link counts as an error. With `--py-spy DIR` each phase is recorded by py-spy (if it is
installed) into DIR as collapsed stacks, for `bench/profile_fanout.py --top FILE`.

Not a test: the figures depend on the machine; `bench/room.py` is the full suite.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.browser import CSRF, Phone, join
from bench.load import Run, cast_on_timetable, latencies, watch_display
from bench.prepared import prepare
from bench.servers import SECRET, SERVE, Server, cpu_seconds


@dataclass
class Screen:
    """What the bench sees of one phone's socket: its chain, and when a step arrived."""

    phone: Phone
    chain: int | None = None
    broken: int = 0
    frames: int = 0
    arrived: float | None = None
    last_step: str = ""
    watching: Watch | None = None


@dataclass
class Watch:
    """The phones still waiting for the new step; `done` once none is."""

    waiting: int
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def arrived(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.done.set()


STEP = re.compile(r'<[^>]*id="phone-step".*', re.S)


async def read(screen: Screen, socket: websockets.ClientConnection) -> None:
    try:
        async for raw in socket:
            screen.frames += 1
            data = json.loads(raw)
            if "snapshot" in data:
                screen.chain = data["chain"]
            elif "prev" in data:
                if screen.chain is not None and data["prev"] != screen.chain:
                    screen.broken += 1
                screen.chain = data["seq"]
            content = data.get("content", "")
            if 'id="phone-step"' in content:
                screen.last_step = content
                if screen.watching is not None and screen.arrived is None:
                    screen.arrived = time.monotonic()
                    screen.watching.arrived()
    except websockets.ConnectionClosed:
        pass


async def hold(screens: list[Screen], panel_id: int) -> None:
    gate = asyncio.Semaphore(100)

    async def one(screen: Screen) -> None:
        phone = screen.phone
        async with gate:
            phone.socket = await websockets.connect(
                phone.server.replace("http", "ws") + f"/ws/p/{panel_id}?seq={phone.seq}",
                additional_headers={"Cookie": phone.cookie},
                compression=None,
                open_timeout=120,
                max_queue=None,
            )
            first = await asyncio.wait_for(phone.socket.recv(), 120)
            data = json.loads(first)
            screen.chain = data.get("chain", data.get("seq"))
            asyncio.get_running_loop().create_task(read(screen, phone.socket))

    await asyncio.gather(*(one(s) for s in screens))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def spy(pid: int, out: Path | None, name: str) -> subprocess.Popen[bytes] | None:
    tool = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if out is None or not Path(tool).exists():
        return None
    options = ["--rate", "100", "--format", "raw", "--nonblocking"]
    return subprocess.Popen(
        [tool, "record", "--pid", str(pid), *options, "--output", str(out / f"{name}.txt")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def unspy(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        process.send_signal(2)  # py-spy writes its file on SIGINT
        process.wait(60)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def staff(server: str, panel_id: int) -> httpx.AsyncClient:
    client = httpx.AsyncClient(timeout=120)
    page = await client.get(server + "/login")
    found = CSRF.search(page.text)
    assert found
    token = found.group(1)
    response = await client.post(
        server + "/login",
        data={
            "email": "bench@example.org",
            "password": "bench-password-1",
            "csrf_token": token,
            "next": "/panels",
        },
    )
    assert response.status_code == 303, response.text[:300]
    # Logging in starts a fresh session, with a fresh CSRF token.
    found = CSRF.search((await client.get(f"{server}/panels/{panel_id}/run")).text)
    assert found
    client.headers["X-CSRF-Token"] = found.group(1)
    client.headers["HX-Request"] = "true"
    return client


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--revealed", action="store_true", help="phones see the live tally during the storm"
    )
    parser.add_argument("--py-spy", type=Path, default=None, dest="spy")
    parser.add_argument("--top", type=Path, default=None, help="summarise a py-spy file")
    args = parser.parse_args()
    if args.top:
        top(args.top)
        return
    if args.spy:
        args.spy.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="borgerpanel-profile-") as tmp:
        work = Path(tmp)
        env = {"BORGERPANEL_SECRET_KEY": SECRET, "BORGERPANEL_DATA_DIR": str(work / "data")}
        prepared = await prepare(env, args.phones)
        panel_id, code, token = prepared.panel_id, prepared.code, prepared.display_token
        options = prepared.options
        server = Server(SERVE, env, work / "server.log")
        try:
            await server.ready()
            pid = server.process.pid
            idle = rss_kib(pid)
            phones = [Phone(server.url) for _ in range(args.phones)]
            screens = [Screen(p) for p in phones]
            transport = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_connections=200, keepalive_expiry=3)
            )
            recording = spy(pid, args.spy, "lobby")
            started = time.monotonic()
            cpu = cpu_seconds(pid)
            load_cpu = time.process_time()
            await join(phones, code, transport)
            joined_kib = rss_kib(pid)
            await hold(screens, panel_id)
            load_cpu = time.process_time() - load_cpu
            lobby = time.monotonic() - started
            lobby_cpu = cpu_seconds(pid) - cpu
            unspy(recording)
            await asyncio.sleep(2)
            held_kib = rss_kib(pid)
            print(
                f"lobby rush: {args.phones} phones joined and holding in {lobby:.1f} s "
                f"(server CPU {lobby_cpu:.1f} s, {1000 * lobby_cpu / args.phones:.1f} ms/phone; "
                f"load generator CPU {load_cpu:.1f} s)"
            )
            print(
                f"memory: idle {idle // 1024} MiB, held {held_kib // 1024} MiB, "
                f"{(held_kib - idle) / args.phones:.1f} KiB per held phone "
                f"({(held_kib - joined_kib) / args.phones:.1f} KiB of it the socket alone: "
                f"{joined_kib // 1024} MiB after joining, before the sockets)"
            )

            facilitator = await staff(server.url, panel_id)
            recording = spy(pid, args.spy, "step")
            rounds: list[float] = []
            busy = 0.0  # server CPU from each POST until the last phone has the step
            cpu = cpu_seconds(pid)
            for n in range(args.rounds):
                action = "advance" if n % 2 == 0 else "back"
                before = {s.last_step for s in screens}
                # The new step's fragment differs from the old: watch for any phone-step.
                watch = Watch(len(screens))
                for s in screens:
                    s.arrived = None
                    s.watching = watch
                sent = time.monotonic()
                before_cpu = cpu_seconds(pid)
                response = await facilitator.post(f"{server.url}/panels/{panel_id}/agenda/{action}")
                assert response.status_code in (200, 303), response.text[:300]
                deadline = sent + 30
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(watch.done.wait(), 30)
                busy += cpu_seconds(pid) - before_cpu
                late = [(s.arrived or deadline) - sent for s in screens]
                missing = sum(1 for s in screens if s.arrived is None)
                rounds.extend(late)
                print(
                    f"step change {n + 1} ({action}): p50 {1000 * pct(late, 0.5):.0f} ms, "
                    f"p99 {1000 * pct(late, 0.99):.0f} ms, max {1000 * max(late):.0f} ms, "
                    f"missing {missing}, states before {len(before)}, "
                    f"after {len({s.last_step for s in screens})}"
                )
                await asyncio.sleep(1.0)
            step_cpu = cpu_seconds(pid) - cpu
            unspy(recording)
            print(
                f"step change over {args.rounds} rounds: p50 {1000 * pct(rounds, 0.5):.0f} ms, "
                f"p99 {1000 * pct(rounds, 0.99):.0f} ms; server CPU "
                f"{1000 * step_cpu / args.rounds:.0f} ms per change (incl. 1 s idle each), "
                f"{1000 * busy / args.rounds:.0f} ms from the request to the last phone"
            )
            if args.rounds % 2:
                await facilitator.post(f"{server.url}/panels/{panel_id}/agenda/back")
                await asyncio.sleep(2)

            if args.revealed:
                response = await facilitator.post(
                    f"{server.url}/panels/{panel_id}/vote/reveal", data={"shown": "1"}
                )
                assert response.status_code in (200, 303), response.text[:300]
                await asyncio.sleep(2)
            run = Run()
            display = await watch_display(server.url.replace("http", "ws") + f"/ws/d/{token}", run)
            await asyncio.sleep(1.0)
            client = httpx.AsyncClient(transport=transport, timeout=120)

            async def cast(i: int) -> bool:
                phone = phones[i]
                response = await client.post(
                    f"{phone.server}/p/{panel_id}/ballot",
                    data={"choice": options[i % len(options)], "idempotency_key": f"p-{i:06d}"},
                    headers={
                        "Cookie": phone.cookie,
                        "X-CSRF-Token": phone.csrf,
                        "HX-Request": "true",
                    },
                )
                return response.status_code == 200

            recording = spy(pid, args.spy, "vote")
            frames = sum(s.frames for s in screens)
            cpu = cpu_seconds(pid)
            await cast_on_timetable(args.phones, args.rate, cast, run)
            # A loaded machine may take longer than the timetable's 2 s for the last
            # tally: wait for it (with a deadline) so "never shown" means never.
            for _ in range(300):
                if max((n for _, n in run.tallies), default=0) >= len(run.accepted):
                    break
                await asyncio.sleep(0.1)
            vote_cpu = cpu_seconds(pid) - cpu
            unspy(recording)
            display.cancel()
            got = [1000 * x for x in latencies(run)]
            print(
                f"vote storm at {args.rate:g}/s: {len(run.accepted)} accepted, "
                f"{len(run.accepted) / (max(run.accepted) - min(run.scheduled)):.1f} ballots/s, "
                f"p50 {pct(got, 0.5):.0f} ms, p99 {pct(got, 0.99):.0f} ms, "
                f"max {max(got, default=float('nan')):.0f} ms, errors {len(run.errors)}, "
                f"never shown {args.phones - len(got)}, "
                f"server {1000 * vote_cpu / args.phones:.1f} ms CPU/ballot, "
                f"{(sum(s.frames for s in screens) - frames) / args.phones:.1f} frames/phone"
            )
            print(f"broken chain links seen by phones: {sum(s.broken for s in screens)}")
            for phone in phones:
                if phone.socket is not None:
                    await phone.socket.close()
        finally:
            server.stop()
        if args.spy:
            for name in ("lobby", "step", "vote"):
                if (args.spy / f"{name}.txt").exists():
                    print(f"\n== {name}")
                    top(args.spy / f"{name}.txt")


def top(path: Path, count: int = 25) -> None:
    """The functions with the most samples on the stack (inclusive) and on top (self)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        samples = int(n)
        total += samples
        frames = [f.split(" (")[0] + " " + f.split("/")[-1].rstrip(")") for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    print(f"{total} samples; inclusive:")
    for name, samples in inclusive.most_common(count):
        print(f"  {100 * samples / total:5.1f}%  {name}")
    print("self:")
    for name, samples in own.most_common(count):
        print(f"  {100 * samples / total:5.1f}%  {name}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main())
