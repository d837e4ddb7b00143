"""People at a panel: phones, facilitators and organisers, each with their own cookies."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
import websockets
from starlette.applications import Starlette

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
SEQ = re.compile(r'data-seq="(\d+)"')


class Person:
    """A browser: its own cookie jar, a CSRF token, and htmx-style posts."""

    def __init__(self, base_url: str, app: Starlette | None = None, language: str = "en") -> None:
        transport = httpx.ASGITransport(app=app) if app is not None else None
        self.base_url = base_url
        self.language = language
        # Tests read English unless they say otherwise; bokmål is the default without it.
        self.http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            follow_redirects=False,
            timeout=30,
            headers={"Accept-Language": language},
            # Idle connections are dropped before uvicorn's keep-alive (5 s) ends them:
            # at the same 5 s, a request could go out on a connection the server was
            # closing and fail with ReadError (seen in the kill -9 test's setup).
            limits=httpx.Limits(keepalive_expiry=2.0),
        )
        self.csrf = ""

    async def close(self) -> None:
        await self.http.aclose()

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.get(path, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def post(
        self, path: str, data: dict[str, Any] | None = None, *, htmx: bool = True, csrf: bool = True
    ) -> httpx.Response:
        if csrf and not self.csrf:
            await self.get("/")
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        headers = {"HX-Request": "true"} if htmx else {}
        return await self.http.post(path, data=form, headers=headers)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)

    async def socket(self, path: str, seq: int | None = None) -> LiveScreen:
        url = self.base_url.replace("http", "ws", 1) + path
        if seq is not None:
            url += f"?seq={seq}"
        connection = await websockets.connect(
            url,
            compression=None,
            additional_headers={"Cookie": self.cookie_header(), "Accept-Language": self.language},
            open_timeout=10,
        )
        return LiveScreen(connection)


@dataclass
class LiveScreen:
    """One WebSocket of a screen, with every message it received kept for inspection."""

    connection: websockets.ClientConnection

    def __post_init__(self) -> None:
        self.frames: list[str] = []

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        text = raw if isinstance(raw, str) else raw.decode()
        self.frames.append(text)
        message: dict[str, Any] = json.loads(text)
        return message

    async def receive_until(self, predicate: Any, timeout: float = 5) -> dict[str, Any]:
        """Read messages until one satisfies `predicate`; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching live message arrived")
            message = await self.receive(left)
            if predicate(message):
                return message

    async def drain(self, quiet: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrives until the socket has been quiet for `quiet` seconds."""
        messages = []
        while True:
            try:
                messages.append(await self.receive(quiet))
            except TimeoutError:
                return messages

    async def close(self) -> None:
        await self.connection.close()


class Recorder:
    """Reads a screen's socket in the background, keeping every frame with its arrival time."""

    def __init__(self, screen: LiveScreen) -> None:
        self.screen = screen
        self.frames: list[tuple[float, str]] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.screen.connection:
                text = raw if isinstance(raw, str) else raw.decode()
                self.frames.append((time.monotonic(), text))
        except websockets.ConnectionClosed:
            pass

    def seen(self, needle: str, after: float = 0.0) -> bool:
        return any(needle in text for at, text in self.frames if at >= after)

    def seen_before(self, needle: str, before: float) -> bool:
        return any(needle in text for at, text in self.frames if at < before)

    async def wait_for(self, needles: list[str], timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            missing = [n for n in needles if not self.seen(n)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(missing)} never arrived, e.g. {missing[:3]}")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        await self.screen.close()
        self._task.cancel()
