"""What a browser does over HTTP: a phone joining with the code, the tablet logging in."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import httpx
import websockets

from bench.prepared import STAFF_EMAIL, STAFF_PASSWORD

TITLE = re.compile(r"<title>([^<]*)</title>")
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
SEQ = re.compile(r'data-seq="(\d+)"')


@dataclass
class Phone:
    server: str  # http://host:port
    cookie: str = ""
    csrf: str = ""
    seq: int | None = None
    socket: websockets.ClientConnection | None = None


def said(response: httpx.Response) -> str:
    """An answer in one line: its page's title, or the start of its text."""
    title = TITLE.search(response.text)
    return " ".join((title.group(1) if title else response.text[:120]).split())


async def join_like_a_browser(client: httpx.AsyncClient, phone: Phone, code: str) -> None:
    """The front page for a session, the code, then the phone's page and its seq."""
    page = await client.get(phone.server + "/")
    found = CSRF.search(page.text)
    if not found:
        raise RuntimeError(f"front page {page.status_code}: {said(page)}")
    phone.csrf = found.group(1)
    response = await client.post(
        phone.server + "/join", data={"code": code, "csrf_token": phone.csrf}
    )
    if response.status_code != 303:
        raise RuntimeError(f"join {response.status_code}: {said(response)}")
    phone.cookie = f"borgerpanel={client.cookies['borgerpanel']}"
    page = await client.get(phone.server + response.headers["location"])
    if page.status_code != 200:
        raise RuntimeError(f"phone page {page.status_code}: {said(page)}")
    seq = SEQ.search(page.text)
    phone.seq = int(seq.group(1)) if seq else None


async def join(
    phones: list[Phone], code: str, transport: httpx.AsyncHTTPTransport, at_once: int = 50
) -> None:
    """Every phone joins like a browser, `at_once` at a time."""
    gate = asyncio.Semaphore(at_once)

    async def one(phone: Phone) -> None:
        # Each phone has its own cookie jar over one shared connection pool; the clients
        # are not closed one by one, as that would close the shared pool.
        client = httpx.AsyncClient(transport=transport, timeout=60)
        async with gate:
            await join_like_a_browser(client, phone, code)

    await asyncio.gather(*(one(p) for p in phones))


async def log_in_staff(client: httpx.AsyncClient, server: str) -> str:
    """Log the tablet in; the CSRF token its htmx requests send."""
    page = await client.get(server + "/login")
    found = CSRF.search(page.text)
    if not found:
        raise RuntimeError(f"login page {page.status_code}")
    response = await client.post(
        server + "/login",
        data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": found.group(1)},
    )
    if response.status_code != 303:
        raise RuntimeError(f"login {response.status_code}: {said(response)}")
    # A fresh session on login comes with a fresh token: read it from a staff page.
    page = await client.get(server + "/panels")
    found = CSRF.search(page.text)
    if not found:
        raise RuntimeError(f"panels page {page.status_code}")
    return found.group(1)
