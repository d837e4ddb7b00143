"""The `borgerpanel` command: serve, demo, db upgrade, create-user, report, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.settings import Settings, SettingsError
from server.web.stalls import PING_INTERVAL, PING_TIMEOUT, StallLimitedWebSocket

# The server itself is imported by the command that needs it, not here: `serve` turns
# the cyclic garbage collector off before loading it (see `_run_uvicorn`).
if TYPE_CHECKING:
    from starlette.applications import Starlette

    from server.services import Services

SERVING = ("serve", "demo", "rehearse")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="borgerpanel", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    _server_options(serve)

    demo = commands.add_parser("demo", help="serve a ready demo panel and print its links")
    _server_options(demo)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations")

    user = commands.add_parser("create-user", help="create an organiser or facilitator")
    user.add_argument("--email", required=True)
    user.add_argument("--name", default="")
    user.add_argument("--role", choices=("organiser", "facilitator"), default="organiser")
    user.add_argument("--password", help="omit to be asked (safer than the shell history)")

    report = commands.add_parser("report", help="the report for the council, as PDF or HTML")
    report.add_argument("panel", type=int, help="the panel's number (as in /panels/NUMBER)")
    report.add_argument("--pdf", type=Path, help="write the report as PDF (needs Chromium)")
    report.add_argument("--html", type=Path, help="write the report as one HTML file")

    rehearse = commands.add_parser(
        "rehearse", help="serve a copy of a panel filled with simulated phones"
    )
    rehearse.add_argument("panel", type=int, help="the panel's number (as in /panels/NUMBER)")
    rehearse.add_argument("--phones", type=int, default=30, help="how many simulated phones")
    rehearse.add_argument(
        "--pace", type=float, default=1.0, help="1 is a calm room; 0.2 five times faster"
    )
    _server_options(rehearse)

    backup = commands.add_parser("backup", help="write a consistent copy while serving")
    backup.add_argument("path", type=Path, help="the backup file to write")
    restore = commands.add_parser("restore", help="load a backup into an empty database")
    restore.add_argument("path", type=Path, help="a file written by `borgerpanel backup`")

    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"borgerpanel: {error}", file=sys.stderr)
        return 2
    if args.command in SERVING:
        # Loading the server makes some 200,000 objects that live as long as the
        # process; the collector would walk them some 250 times while they are being
        # made (0.1-0.3 s of a restart). It stays off until they are frozen.
        gc.disable()
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "demo":
        return _demo(settings, args)
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("The database is up to date.")
        return 0
    if args.command == "create-user":
        return _create_user(settings, args)
    if args.command == "report":
        return _report(settings, args)
    if args.command == "rehearse":
        return _rehearse(settings, args)
    if args.command in ("backup", "restore"):
        from server import backup as backups

        return backups.command(settings, args.command, args.path)
    return 1


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=os.environ.get("HOST", "127.0.0.1"),
        help="0.0.0.0 lets phones on the same network connect",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))


async def _upgrade(settings: Settings) -> None:
    from server.db.engine import Database
    from server.db.migrate import upgrade

    database = Database(settings.database_url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    # The application migrates the database as it starts (server/app.py).
    _run_uvicorn(settings, args.host, args.port)
    return 0


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves us, here and in the tests that run a real server.

    Forwarded headers (X-Forwarded-For/-Proto) are believed only from the proxies
    listed in BORGERPANEL_TRUSTED_PROXIES: from anyone else, a client could pick the
    address the rate limits count it by.
    """
    from server.live.socket import MAX_MESSAGE_BYTES

    return {
        # Compression costs tens of KiB per socket; fragments are small anyway.
        "ws_per_message_deflate": False,
        # A screen only ever sends a short resync request: larger frames are not parsed.
        "ws_max_size": MAX_MESSAGE_BYTES,
        # A screen that stops reading is let go within a bound (see server/web/stalls.py).
        "ws": StallLimitedWebSocket,
        "ws_ping_interval": PING_INTERVAL,
        "ws_ping_timeout": PING_TIMEOUT,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies),
    }


def _run_uvicorn(
    settings: Settings, host: str, port: int, prepare: Callable[[Starlette], None] | None = None
) -> None:
    import uvicorn

    from server import logs
    from server.app import create_app

    level = os.environ.get("LOG_LEVEL", "info")
    logs.configure(settings.json_logs, level)

    app = create_app()
    if prepare is not None:
        prepare(app)
    # Everything loaded so far (modules, the app; some 200,000 objects) lives as long as
    # the process. Frozen, the cyclic collector stops walking it on each full collection,
    # which otherwise paused a busy server for ~80 ms every few seconds, in the middle of
    # a vote (measured with bench/vote_latency.py). The collector was off while loading
    # (see `main`); a collection before freezing would free a few hundred objects and
    # cost a restart 0.15-0.3 s, so the little garbage there is stays frozen with the rest.
    gc.freeze()
    gc.enable()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=level,
        log_config=None,  # server.logs has set up logging
        access_log=False,  # server.logs writes one line per request instead
        **uvicorn_options(settings),
    )


def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    from facilitation.errors import Refused
    from server.db.migrate import upgrade
    from server.i18n import refusal_text
    from server.ops.accounts import create_account

    password = args.password
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("The passwords differ.", file=sys.stderr)
            return 1

    async def create() -> None:
        services = _offline_services(settings)
        try:
            await upgrade(services.db)
            await create_account(services.units, args.email, args.name, password, args.role)
        finally:
            await services.db.dispose()

    try:
        asyncio.run(create())
    except Refused as refusal:
        print(refusal_text("en", refusal), file=sys.stderr)
        return 1
    print(f"Created {args.role} {args.email.strip().lower()}.")
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from server.db.migrate import upgrade
    from server.db.rows import NotFound
    from server.ops.follow_up import report_address
    from server.reporting.page import load_report, render_standalone
    from server.reporting.pdf import PrintFailed, print_pdf

    if args.pdf is None and args.html is None:
        print(
            "borgerpanel report: say where to write it: --pdf FILE or --html FILE", file=sys.stderr
        )
        return 2

    async def render() -> str:
        services = _offline_services(settings)
        try:
            await upgrade(services.db)
            token = await report_address(services.units, args.panel)
            report = await load_report(services, args.panel, follow_up_token=token)
            return render_standalone(services, report)
        finally:
            await services.db.dispose()

    try:
        html = asyncio.run(render())
    except NotFound:
        print(f"borgerpanel report: there is no panel {args.panel}.", file=sys.stderr)
        return 1
    if args.html is not None:
        args.html.write_text(html, encoding="utf-8")
        print(f"Wrote {args.html}.")
    if args.pdf is not None:
        try:
            print_pdf(html, args.pdf)
        except PrintFailed as failure:
            print(f"borgerpanel report: {failure}", file=sys.stderr)
            return 1
        print(f"Wrote {args.pdf}.")
    return 0


def _offline_services(settings: Settings) -> Services:
    """Services for a command that writes without serving (nothing listens live)."""
    from server.broker.memory import MemoryBroker
    from server.db.engine import Database
    from server.render import Renderer
    from server.services import Services

    return Services(settings, Database(settings.database_url), MemoryBroker(), Renderer())


def _rehearse(settings: Settings, args: argparse.Namespace) -> int:
    from server import rehearsal
    from server.db.migrate import upgrade
    from server.db.models import Panel

    if not 1 <= args.phones <= 2000 or args.pace < 0:
        print("borgerpanel rehearse: give 1 to 2000 --phones and a --pace of 0 or more.")
        return 2

    async def exists() -> bool:
        services = _offline_services(settings)
        try:
            await upgrade(services.db)
            async with services.db.reading() as session:
                return await session.get(Panel, args.panel) is not None
        finally:
            await services.db.dispose()

    if not asyncio.run(exists()):
        print(f"borgerpanel rehearse: there is no panel {args.panel}.", file=sys.stderr)
        return 1
    base = _base_url(settings, args)

    def ready(copy: Panel) -> None:
        print(
            f"\nRehearsal of panel {args.panel} with {args.phones} simulated phones, on a copy:\n\n"
            f"  Display           {base}/d/{copy.display_token}\n"
            f"  Facilitator       {base}/panels/{copy.id}/run\n"
            f"  Phones join with  {base}/j/{copy.join_code}   (join code {copy.join_code})\n",
            flush=True,
        )

    _run_uvicorn(
        settings,
        args.host,
        args.port,
        lambda app: rehearsal.on_start(app, args.panel, args.phones, args.pace, ready),
    )
    return 0


def _base_url(settings: Settings, args: argparse.Namespace) -> str:
    host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    return settings.public_url or f"http://{host}:{args.port}"


DEMO_PHONES = 24


DEMO_EMAIL = "demo@borgerpanel.invalid"
DEMO_TITLE = "Demo: Bergen sentrum uten biler?"


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from server.db.migrate import upgrade
    from server.db.models import Panel
    from server.ops import agenda, demo
    from server.ops.accounts import create_account, set_password
    from server.ops.events import SYSTEM, Actor
    from server.ops.panels import create_panel

    password = secrets.token_urlsafe(12)

    async def prepare() -> Panel:
        services = _offline_services(settings)
        try:
            await upgrade(services.db)
            # A new password on every start, printed below: the demo has no secrets to keep.
            account = await set_password(services.units, DEMO_EMAIL, password)
            if account is None:
                account = await create_account(
                    services.units, DEMO_EMAIL, "Demo organiser", password, "organiser"
                )
            async with services.db.reading() as session:
                panel = await session.scalar(select(Panel).where(Panel.title == DEMO_TITLE))
            if panel is None:
                panel_id = await create_panel(
                    services.units,
                    account,
                    DEMO_TITLE,
                    "Bør Bergen stenge sentrum for privatbiler innen 2030?",
                    "nb",
                    4,
                )
                await demo.seed(services.units, panel_id, Actor.account(account.id))
                await agenda.transition(services.units, panel_id, SYSTEM, "open")
                async with services.db.reading() as session:
                    panel = await session.get(Panel, panel_id)
            assert panel is not None
            return panel
        finally:
            await services.db.dispose()

    panel = asyncio.run(prepare())
    base = _base_url(settings, args)
    print(
        "\nBorgerpanel demo is ready.\n\n"
        f"  Organiser login   {base}/login\n"
        f"                    e-mail {DEMO_EMAIL}   password {password}\n"
        f"  Participant phone {base}/j/{panel.join_code}   (join code {panel.join_code})\n"
        f"  Facilitator       {base}/panels/{panel.id}/run   (log in as the organiser)\n"
        f"  Display           {base}/d/{panel.display_token}\n\n"
        "Phones on your network can join when you start with HOST=0.0.0.0.\n",
        flush=True,
    )

    def ready(copy: Panel) -> None:
        print(
            f"A rehearsal with {DEMO_PHONES} simulated phones is running on a copy, so every "
            "screen has life in it:\n\n"
            f"  Display           {base}/d/{copy.display_token}\n"
            f"  Facilitator       {base}/panels/{copy.id}/run\n",
            flush=True,
        )

    from server import rehearsal

    _run_uvicorn(
        settings,
        args.host,
        args.port,
        lambda app: rehearsal.on_start(app, panel.id, DEMO_PHONES, 1.0, ready),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
