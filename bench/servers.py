"""Servers under test as subprocesses, their databases, and what /proc says they cost.

Shared by the benchmarks that drive a real `borgerpanel serve` (vote_latency, restart,
room): each starts its processes the same way and reads CPU and memory the same way.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
SECRET = secrets.token_urlsafe(48)
POSTGRES_ADMIN = os.environ.get(
    "BORGERPANEL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS = os.environ.get("BORGERPANEL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SERVE = [sys.executable, "-m", "server.cli", "serve"]
CEILING = [
    sys.executable,
    "-m",
    "uvicorn",
    "bench.ceiling_app:app",
    "--ws-per-message-deflate",
    "false",
    "--log-level",
    "warning",
]


def now() -> float:
    """CLOCK_MONOTONIC, named explicitly: on Linux it is one clock for the whole machine,
    so times taken in the load processes and in the parent can be subtracted."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def until(condition: Callable[[], bool], deadline: float, every: float = 0.02) -> bool:
    """Wait until `condition` holds or the CLOCK_MONOTONIC `deadline` passes; did it hold?

    Polling rather than an event: the moments measured are stamped when each frame
    arrives, this only decides when to stop waiting, and the conditions span
    thousands of sockets.
    """
    while not condition():
        if now() >= deadline:
            return False
        await asyncio.sleep(every)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(
        self, command: list[str], env: dict[str, str], log: Path, port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env, "LOG_LEVEL": "warning"},
        )

    @property
    def ws(self) -> str:
        return self.url.replace("http", "ws", 1)

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited, see {self.log.name}")
                try:
                    await client.get(self.url + "/healthz", timeout=1)
                    return
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        raise TimeoutError(self.url)

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def waited(self) -> float:
        return waited_seconds(self.process.pid)

    def rss_kib(self) -> int:
        return _status_kib(self.process.pid, "VmRSS:")

    def stop(self) -> int:
        """Stop the server; its peak resident memory in KiB."""
        peak = peak_memory_kib(self.process.pid)
        self.process.terminate()
        self.process.wait(20)
        self.log.close()
        return peak


@asynccontextmanager
async def postgres() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one run, dropped after it."""
    name = f"borgerpanel_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def database(config: str) -> AsyncIterator[dict[str, str]]:
    """The environment of a configuration: `sqlite` (the memory broker) or
    `postgres-redis` / `postgres-redis-1` (a fresh database, a Redis namespace of its own,
    served by two processes or one)."""
    if config == "sqlite":
        yield {}
        return
    async with postgres() as url:
        yield {
            "BORGERPANEL_DATABASE_URL": url,
            "BORGERPANEL_REDIS_URL": REDIS,
            "BORGERPANEL_REDIS_NAMESPACE": f"bench-{secrets.token_hex(3)}",
        }


def processes_of(config: str) -> int:
    return 2 if config == "postgres-redis" else 1


def label_of(config: str) -> str:
    if config == "sqlite":
        return "1 process, SQLite, memory broker"
    if config == "postgres-redis-1":
        return "1 process, PostgreSQL, Redis"
    return "2 processes, PostgreSQL, Redis"


SERVICES = ("postgres", "redis-server")
"""The machine's database and broker: on a benchmark machine they share the cores with
the servers and the load, so what they use is printed beside the servers' figures."""


def services_cpu() -> dict[str, float]:
    """CPU seconds so far of every PostgreSQL and Redis process on the machine, by name
    (their backends come and go; a process gone between two readings is not counted)."""
    used = dict.fromkeys(SERVICES, 0.0)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as comm:
                name = comm.read().strip()
            if name in used:
                used[name] += cpu_seconds(int(pid))
        except OSError:  # ended meanwhile
            continue
    return used


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def peak_memory_kib(pid: int) -> int:
    return _status_kib(pid, "VmHWM:")


def waited_seconds(pid: int) -> float:
    """Time the process's threads were ready to run but waited for a CPU (schedstat).

    On a machine shared with other work this, not the server's code, can be what
    bounds a figure; the benchmark reports it beside each figure.
    """
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                total += int(stat.read().split()[1])
        except OSError:  # the thread ended meanwhile
            continue
    return total / 1e9


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
