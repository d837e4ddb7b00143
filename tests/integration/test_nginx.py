"""The shipped nginx configuration in front of two server processes, over HTTPS.

`deploy/nginx/borgerpanel.conf` is the file a municipality installs. The test changes
only what differs on this machine (ports, certificate, the static folder, the name),
runs Debian's nginx with it in front of two `borgerpanel serve` processes on
PostgreSQL and Redis, and drives a phone and the projector through it in Chromium:
TLS, the WebSocket upgrade, forwarded headers and static files served by nginx itself.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright

from server.broker.redis import RedisBroker
from server.db.engine import Database
from server.ops import agenda
from server.ops.events import SYSTEM
from server.render import Renderer
from server.services import Services
from tests.support.browser import CHROMIUM_FLAGS, PHONE, PROJECTOR, chromium_path, connected
from tests.support.day import Day
from tests.support.externals import CI, REDIS_URL, postgres_database, require_redis
from tests.support.servers import ROOT, ServerProcess, env_for, free_port, settings_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.browser]

SHIPPED = ROOT / "deploy" / "nginx" / "borgerpanel.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        message = "Debian's nginx is not installed (`make test` installs it)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def templated(shipped: str, upstreams: list[int], https_port: int, folder: Path) -> str:
    """The shipped file with this machine's ports and paths; each must be found once."""
    changes = [
        ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{upstreams[0]} "),
        ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{upstreams[1]} "),
        ("    listen 80;\n", f"    listen 127.0.0.1:{free_port()};\n"),
        ("    listen [::]:80;\n", ""),
        ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("/etc/letsencrypt/live/panel.example.org/fullchain.pem", str(folder / "cert.pem")),
        ("/etc/letsencrypt/live/panel.example.org/privkey.pem", str(folder / "key.pem")),
        ("alias /opt/borgerpanel/static/;", f"alias {ROOT / 'static'}/;"),
    ]
    text = shipped
    for old, new in changes:
        assert text.count(old) == 1, f"the shipped config no longer has {old!r}"
        text = text.replace(old, new)
    return text.replace("server_name panel.example.org;", "server_name localhost;")


def self_signed_certificate(folder: Path) -> None:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


@contextmanager
def nginx(site: str, folder: Path, port: int) -> Iterator[None]:
    """Debian's nginx in the foreground with a main config that includes `site`."""
    binary = nginx_binary()
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    (folder / "site.conf").write_text(site)
    main = f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""
    (folder / "nginx.conf").write_text(main)
    command = [binary, "-p", str(folder), "-e", str(folder / "error.log"), "-c"]
    checked = subprocess.run(
        [*command, str(folder / "nginx.conf"), "-t"], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([*command, str(folder / "nginx.conf")])
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, (folder / "error.log").read_text()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@asynccontextmanager
async def behind_nginx(tmp_path: Path) -> AsyncIterator[tuple[str, Day, list[ServerProcess]]]:
    """Two processes on PostgreSQL and Redis behind the shipped nginx; (https URL, day)."""
    await require_redis()
    https_port = free_port()
    url = f"https://localhost:{https_port}"
    async with postgres_database() as database_url:
        extra = {
            "BORGERPANEL_DATABASE_URL": database_url,
            "BORGERPANEL_REDIS_URL": REDIS_URL,
            "BORGERPANEL_REDIS_NAMESPACE": f"test-{secrets.token_hex(4)}",
            "BORGERPANEL_PUBLIC_URL": url,
        }
        servers = [
            ServerProcess(env_for(tmp_path / name, **extra), tmp_path / f"{name}.log")
            for name in ("a", "b")
        ]
        try:
            for server in servers:
                # Generous: on a busy CI machine two cold starts can take a while.
                await asyncio.to_thread(server.wait_ready, 120)
            folder = tmp_path / "nginx"
            folder.mkdir()
            self_signed_certificate(folder)
            site = templated(SHIPPED.read_text(), [s.port for s in servers], https_port, folder)
            broker = RedisBroker(REDIS_URL, extra["BORGERPANEL_REDIS_NAMESPACE"])
            await broker.start()
            services = Services(
                settings_for(tmp_path / "setup", **extra),
                Database(database_url),
                broker,
                Renderer(),
            )
            day = Day(services, url)
            try:
                with nginx(site, folder, https_port):
                    yield url, day, servers
            finally:
                await day.close()
                await broker.stop()
                await services.db.dispose()
        finally:
            for server in servers:
                server.stop()


def sockets_by_screen(servers: list[ServerProcess]) -> dict[str, float]:
    """Live sockets of both processes together, read from each one's /metrics."""
    total: dict[str, float] = {}
    for server in servers:
        for line in httpx.get(server.url + "/metrics", timeout=5).text.splitlines():
            if line.startswith("borgerpanel_live_sockets{"):
                screen = line.split('"')[1]
                total[screen] = total.get(screen, 0) + float(line.rsplit(" ", 1)[1])
    return total


async def test_a_phone_and_the_projector_work_through_the_shipped_nginx(tmp_path: Path) -> None:
    async with behind_nginx(tmp_path) as (url, day, servers):
        panel = await day.panel(title="Nginx panel")
        async with httpx.AsyncClient(base_url=url, verify=False, timeout=10) as client:
            # Static files come from nginx itself: cached for long, without the app's headers.
            css = await client.get("/static/app.css?v=abc")
            assert css.status_code == 200 and css.headers["server"].startswith("nginx")
            assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert "content-security-policy" not in css.headers
            # Pages come from a process, which got nginx's request id and forwarded headers.
            home = await client.get("/")
            assert home.status_code == 200 and "content-security-policy" in home.headers
            assert len(home.headers["x-request-id"]) == 32
            assert (await client.get("/metrics")).status_code == 404
            assert (await client.get("/readyz")).json()["status"] == "ready"
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium_path(),
                args=[*CHROMIUM_FLAGS, "--ignore-certificate-errors"],
                headless=True,
            )
            try:
                projector_context = await browser.new_context(
                    base_url=url, locale="en", ignore_https_errors=True, **PROJECTOR
                )
                projector = await projector_context.new_page()
                await projector.goto(f"/d/{panel.display_token}")
                await connected(projector)

                phone_context = await browser.new_context(
                    base_url=url, locale="en", ignore_https_errors=True, **PHONE
                )
                phone = await phone_context.new_page()
                await phone.goto(f"/j/{panel.code}")
                await phone.get_by_role("button", name="Join the panel").click()
                await phone.wait_for_url(f"**/p/{panel.id}")
                await connected(phone)
                cookies = await phone_context.cookies()
                assert all(c["secure"] for c in cookies if c["name"] == "borgerpanel")

                # The projector counts the phone that joined, live through nginx.
                count = projector.locator("#display-count strong")
                await count.filter(has_text="1").wait_for(timeout=10_000)
                assert sockets_by_screen(servers) == {
                    "phone": 1.0,
                    "facilitator": 0.0,
                    "display": 1.0,
                }

                # The facilitator moves on: both screens follow over their WebSockets.
                await agenda.transition(day.services.units, panel.id, SYSTEM, "start")
                for page in (phone, projector):
                    await page.get_by_text("Survey before the discussion").first.wait_for(
                        timeout=10_000
                    )
            finally:
                await browser.close()
