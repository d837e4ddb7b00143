"""One load process of `bench/room.py`: it holds its share of the phones.

On two cores one Python process cannot read 2,000 sockets, post 200 ballots a second
and still be fast enough not to be what is measured, so the parent spreads the phones
over several of these. Each reads one JSON command a line on stdin and answers with
one JSON line on stdout. Times are CLOCK_MONOTONIC (`bench.servers.now`), one clock for
every process on the machine, so the parent subtracts its own times from ours.

    .venv/bin/python -m bench.room_load      (started by bench/room.py, not by hand)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import resource
import sys
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from bench.browser import Phone, join_like_a_browser
from bench.servers import now, until, waited_seconds

BALLOTS = re.compile(r'data-ballots="(\d+)"')
BARS = re.compile(r'data-option="([^"]+)".*?class="bar-value">\s*(\d+)', re.S)
MINE = re.compile(r'data-mine="([^"]*)"')
READ_LIMIT = 64 * 1024 * 1024
TRIES = 5
"""A ballot's tries before the phone gives up (live.js keeps trying; five is plenty here)."""
LINGER = 1.0
"""After every phone has the step, frames of the same change still arriving (timer,
personal fragments) are counted for this long, so the ceiling can mirror them."""

Reply = dict[str, Any]


def step_key(key: str) -> re.Pattern[str]:
    """A frame showing the step whose `data-step-key` starts with `key` (a pattern).

    Frames are JSON, so the attribute's quote may arrive escaped.
    """
    return re.compile(rf'data-step-key=\\?"{key}')


def tally_of(text: str) -> tuple[int, dict[str, int]] | None:
    """The ballots a frame's tally counts, and the count per option if it shows them."""
    if text.startswith("{"):
        text = str(json.loads(text).get("content", ""))
    found = BALLOTS.findall(text)
    if not found:
        return None
    return max(int(n) for n in found), {option: int(n) for option, n in BARS.findall(text)}


@dataclass(eq=False)
class Held:
    """One phone of this process: its session, its socket and what it has seen."""

    index: int
    phone: Phone
    client: httpx.AsyncClient
    step_at: float | None = None
    step_bytes: int = 0
    frames: int = 0
    bytes: int = 0
    tally: str = ""
    """The latest frame carrying a tally: what the phone shows at the end."""
    lost: str = ""


@dataclass
class Load:
    transport: httpx.AsyncHTTPTransport = field(
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so the
        # client never reuses one the server is closing.
        default_factory=lambda: httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=200, keepalive_expiry=3)
        )
    )
    phones: dict[int, Held] = field(default_factory=dict)
    key: re.Pattern[str] | None = None
    readers: set[asyncio.Task[None]] = field(default_factory=set)
    mark: tuple[float, float, float] = (0.0, 0.0, 0.0)

    # -- holding phones --------------------------------------------------------------

    async def join(
        self, phones: list[list[Any]], code: str, socket_path: str | None, at_once: int
    ) -> Reply:
        """Each phone joins as a browser does: front page, code, phone page, socket.

        Without `socket_path` the phones stop before their socket, which `connect`
        opens later: bench/socket_memory.py tells a join's memory from a socket's.
        """
        return await self._arrive(phones, at_once, code=code, socket_path=socket_path)

    async def connect(self, socket_path: str, at_once: int) -> Reply:
        """Open the socket of every phone that joined without one."""
        gate = asyncio.Semaphore(at_once)
        errors: list[str] = []

        async def one(held: Held) -> None:
            async with gate:
                try:
                    await self._connect(held, socket_path)
                except Exception as error:  # a benchmark counts failures, it does not stop
                    errors.append(f"phone {held.index}: {type(error).__name__}: {error}")

        await asyncio.gather(*(one(h) for h in self.phones.values() if h.phone.socket is None))
        return {"errors": errors}

    async def disconnect(self) -> Reply:
        """Close every phone's socket; the phones stay joined (their cookies kept)."""
        for held in self.phones.values():
            if held.phone.socket is not None:
                await held.phone.socket.close()
                held.phone.socket = None
        return {}

    async def hold(self, phones: list[list[Any]], socket_path: str, at_once: int) -> Reply:
        """Each phone only opens its socket (the ceiling has no pages)."""
        return await self._arrive(phones, at_once, code=None, socket_path=socket_path)

    async def _arrive(
        self, phones: list[list[Any]], at_once: int, code: str | None, socket_path: str | None
    ) -> Reply:
        gate = asyncio.Semaphore(at_once)
        times: list[list[float]] = []
        errors: list[str] = []

        async def one(index: int, server: str) -> None:
            async with gate:
                started = now()
                # Each phone has its own cookie jar over this process's connection pool.
                held = Held(
                    index, Phone(server), httpx.AsyncClient(transport=self.transport, timeout=120)
                )
                try:
                    if code is not None:
                        await join_like_a_browser(held.client, held.phone, code)
                    if socket_path is not None:
                        await self._connect(held, socket_path)
                except Exception as error:  # a benchmark counts failures, it does not stop
                    errors.append(f"phone {index}: {type(error).__name__}: {error}")
                    return
                self.phones[index] = held
                times.append([index, started, now()])

        await asyncio.gather(*(one(int(i), str(server)) for i, server in phones))
        return {"times": times, "errors": errors}

    async def _connect(self, held: Held, path: str) -> None:
        url = held.phone.server.replace("http", "ws", 1) + path
        if held.phone.seq is not None:
            url += f"?seq={held.phone.seq}"
        socket = await websockets.connect(
            url,
            additional_headers={"Cookie": held.phone.cookie} if held.phone.cookie else {},
            compression=None,
            open_timeout=120,
            max_queue=None,
        )
        held.phone.socket = socket
        # Held once its first frame (its screen) has arrived, as a phone is synced.
        first = await asyncio.wait_for(socket.recv(), timeout=120)
        self._seen(held, first)
        task = asyncio.get_running_loop().create_task(self._read(held, socket))
        self.readers.add(task)
        task.add_done_callback(self.readers.discard)

    async def _read(self, held: Held, socket: websockets.ClientConnection) -> None:
        try:
            async for raw in socket:
                self._seen(held, raw)
        except websockets.ConnectionClosed as closed:
            held.lost = f"closed: {closed}"
        else:
            held.lost = f"closed: {socket.close_code}"

    def _seen(self, held: Held, raw: str | bytes) -> None:
        text = raw if isinstance(raw, str) else raw.decode()
        held.frames += 1
        held.bytes += len(text)
        if held.step_at is None and self.key is not None and self.key.search(text):
            held.step_at = now()
            held.step_bytes = len(text)
        if "data-ballots" in text:
            held.tally = text

    # -- the step change -------------------------------------------------------------

    def arm(self, key: str | None) -> Reply:
        """Watch for the frame showing step `key`; count frames from now on."""
        self.key = step_key(key) if key else None
        for held in self.phones.values():
            held.step_at = None
            held.step_bytes = 0
            held.frames = held.bytes = 0
        return {}

    async def collect(self, deadline: float) -> Reply:
        """When each phone had the step (None: not by the deadline), and what it got."""
        await until(lambda: all(h.step_at is not None for h in self.phones.values()), deadline)
        await asyncio.sleep(LINGER)
        return {
            "times": [[h.index, h.step_at] for h in self.phones.values()],
            "step_bytes": [h.step_bytes for h in self.phones.values() if h.step_at is not None],
            **self.window(),
        }

    def window(self) -> Reply:
        """Frames and bytes every phone received since the last `arm`."""
        return {
            "phones": len(self.phones),
            "frames": sum(h.frames for h in self.phones.values()),
            "bytes": sum(h.bytes for h in self.phones.values()),
        }

    # -- the vote storm --------------------------------------------------------------

    async def cast(
        self, start: float, rate: float, ballots: list[list[Any]], path: str, check_mine: bool
    ) -> Reply:
        """Ballot i is posted at start + i/rate, answered or not (open loop)."""
        sent: list[list[Any]] = []
        errors: list[str] = []
        answer_bytes: list[int] = []
        retried: list[str] = []

        async def one(i: int, held: Held, choice: str) -> None:
            response = await self._send(i, held, path, choice, retried)
            if response is None:
                errors.append(f"ballot {i}: no answer after {TRIES} tries")
                return
            answer_bytes.append(len(response.content))
            if response.status_code != 200:
                errors.append(f"ballot {i} refused: {response.status_code}")
                return
            if check_mine:
                mine = MINE.search(response.text)
                if mine is None or choice not in mine.group(1):
                    errors.append(f"ballot {i}: the answer does not show {choice} as counted")
                    return
            sent.append([i, now(), choice])

        tasks = []
        for i, index, choice in ballots:
            due = start + int(i) / rate
            await asyncio.sleep(max(0.0, due - now()))
            held = self.phones.get(int(index))
            if held is None:
                errors.append(f"ballot {i}: phone {index} is not held")
                continue
            tasks.append(asyncio.create_task(one(int(i), held, str(choice))))
        await asyncio.gather(*tasks)
        return {
            "answered": sent,
            "errors": errors,
            "answer_bytes": answer_bytes,
            "retried": retried,
        }

    async def _send(
        self, i: int, held: Held, path: str, choice: str, retried: list[str]
    ) -> httpx.Response | None:
        """Post a ballot as the phone's queue (static/live.js) does: a lost answer or a 5xx
        is tried again with the same idempotency key after a backoff with jitter."""
        delay = 0.5
        for attempt in range(TRIES):
            try:
                response = await held.client.post(
                    held.phone.server + path,
                    data={"choice": choice, "idempotency_key": f"bench-ballot-{i:06d}"},
                    headers={"X-CSRF-Token": held.phone.csrf, "HX-Request": "true"},
                    timeout=120,
                )
                if response.status_code < 500:
                    return response
                why = f"{response.status_code}"
            except httpx.HTTPError as error:
                why = f"{type(error).__name__}: {error}"
            retried.append(f"ballot {i}, try {attempt + 1}: {why}")
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 8.0)
        return None

    async def final(self, ballots: int, counts: dict[str, int], deadline: float) -> Reply:
        """Every phone must end showing the closed tally: all ballots, each option's count."""

        def right(held: Held) -> bool:
            seen = tally_of(held.tally) if held.tally else None
            return seen is not None and seen[0] == ballots and seen[1] == counts

        await until(lambda: all(right(h) for h in self.phones.values()), deadline, 0.05)
        wrong = [h for h in self.phones.values() if not right(h)]
        samples = [
            f"phone {h.index}: shows {tally_of(h.tally) if h.tally else 'no tally'}"
            + (f" ({h.lost})" if h.lost else "")
            for h in wrong[:3]
        ]
        return {"wrong": len(wrong), "samples": samples}

    # -- bookkeeping -----------------------------------------------------------------

    def usage(self) -> Reply:
        """CPU seconds, seconds spent waiting for a CPU, and wall time since the last call."""
        use = resource.getrusage(resource.RUSAGE_SELF)
        cpu, at, waited = use.ru_utime + use.ru_stime, now(), waited_seconds(os.getpid())
        before, self.mark = self.mark, (cpu, at, waited)
        return {"cpu": cpu - before[0], "wall": at - before[1], "waited": waited - before[2]}

    def held(self) -> Reply:
        open_ = [h for h in self.phones.values() if h.phone.socket and not h.lost]
        lost = [f"phone {h.index}: {h.lost}" for h in self.phones.values() if h.lost]
        return {
            "held": len(open_),
            "indexes": [h.index for h in open_],
            "lost": lost[:3],
            "lost_count": len(lost),
        }

    async def close(self) -> Reply:
        for held in self.phones.values():
            if held.phone.socket is not None:
                await held.phone.socket.close()
        await self.transport.aclose()
        return {}


async def serve() -> None:
    load = Load()
    load.usage()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=READ_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)
        op = command.pop("op")
        try:
            match op:
                case "join":
                    reply = await load.join(**command)
                case "hold":
                    reply = await load.hold(**command)
                case "connect":
                    reply = await load.connect(**command)
                case "disconnect":
                    reply = await load.disconnect()
                case "arm":
                    reply = load.arm(**command)
                case "collect":
                    reply = await load.collect(**command)
                case "window":
                    reply = load.window()
                case "cast":
                    reply = await load.cast(**command)
                case "final":
                    reply = await load.final(**command)
                case "usage":
                    reply = load.usage()
                case "held":
                    reply = load.held()
                case "close":
                    reply = await load.close()
                case _:
                    reply = {"failed": f"unknown op {op}"}
        except Exception as error:
            reply = {"failed": f"{op}: {type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
        if op == "close":
            return


if __name__ == "__main__":
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(serve())
