"""Running the application for a test: in this process, or as separate uvicorn processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from server.app import create_app
from server.cli import uvicorn_options
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        "BORGERPANEL_DATA_DIR": str(data_dir),
        "BORGERPANEL_SECRET_KEY": TEST_SECRET,
        "BORGERPANEL_ENV": "development",
    }
    env.update(extra)
    return env


def settings_for(data_dir: Path, **extra: str) -> Settings:
    return Settings.from_env(env_for(data_dir, **extra))


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Starlette]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def uvicorn_in_process(app: Starlette, **changed: Any) -> AsyncIterator[str]:
    """Serve `app` (already started) on a free port of this event loop; yield its URL.

    It runs as `borgerpanel serve` runs it, but for the uvicorn options in `changed`.
    """
    options = {**uvicorn_options(app.state.services.settings), **changed}
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done():
            task.result()
        assert time.monotonic() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`borgerpanel serve` as a real separate process, as in production."""

    def __init__(self, env: Mapping[str, str], log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "warning"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        """Wait for `/healthz`. The deadline is generous on purpose: two processes that start
        on one fresh PostgreSQL database migrate one after the other (an advisory lock), and
        on a loaded 2-core machine that took over 30 s. A hang still fails, only later; how
        fast a server starts is measured by bench/restart.py, not here."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early, see {self._log.name}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"server on {self.url} did not start, see {self._log.name}")

    def kill(self) -> None:
        """As a power cut or `kill -9` would: no shutdown, nothing flushed."""
        self.process.kill()
        self.process.wait(10)
        self._log.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self._log.close()
