"""A private Redis server that a test may kill and restart without disturbing the shared one."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.support.externals import CI
from tests.support.servers import free_port


@contextmanager
def private_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], list[str]]]:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed; needed to restart a private Redis"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        yield f"redis://127.0.0.1:{port}/0", process, command
    finally:
        process.terminate()
        process.wait(10)


def start_process(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


async def wait_for_redis(url: str) -> None:
    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        for _ in range(100):
            try:
                await client.ping()
                return
            except Exception:
                await asyncio.sleep(0.05)
        raise TimeoutError(url)
    finally:
        await client.aclose()
