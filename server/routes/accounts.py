"""Staff accounts: log out everywhere; an organiser unlocks accounts and ends sessions."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.db.models import Account
from server.ops import login_locks, staff_sessions
from server.ops.events import Actor
from server.routes.roles import route
from server.web.access import STAFF_SESSION, require_account, require_organiser, services_of
from server.web.csrf import checked_form
from server.web.respond import done, page, t


async def account_page(request: Request) -> Response:
    account = await require_account(request)
    services = services_of(request)
    accounts: list[Account] = []
    locked = {}
    if account.role == "organiser":
        async with services.db.reading() as session:
            accounts = list(await session.scalars(select(Account).order_by(Account.name)))
        locked = await login_locks.locked_accounts(services.units)
    return page(request, "staff/account.html", account=account, accounts=accounts, locked=locked)


async def log_out_everywhere(request: Request) -> Response:
    """End every session of the person asking, this browser's too."""
    account = await require_account(request)
    await checked_form(request)
    await staff_sessions.end_all(
        services_of(request).units, account.id, Actor.account(account.id), "everywhere"
    )
    request.session.pop(STAFF_SESSION, None)
    return RedirectResponse("/login", status_code=303)


async def end_sessions_of(request: Request) -> Response:
    organiser = await require_organiser(request)
    await checked_form(request)
    account_id = int(request.path_params["account_id"])
    await staff_sessions.end_all(
        services_of(request).units, account_id, Actor.account(organiser.id), "organiser"
    )
    if account_id == organiser.id:
        request.session.pop(STAFF_SESSION, None)
        return RedirectResponse("/login", status_code=303)
    return done(request, t(request, "Logged out on every device."), "/account")


async def unlock(request: Request) -> Response:
    organiser = await require_organiser(request)
    await checked_form(request)
    await login_locks.lift(
        services_of(request).units,
        int(request.path_params["account_id"]),
        Actor.account(organiser.id),
    )
    return done(request, t(request, "The account is unlocked."), "/account")


routes = [
    route("/account", account_page, serves="staff"),
    route("/account/sessions/end", log_out_everywhere, serves="staff", methods=("POST",)),
    route(
        "/accounts/{account_id:id}/sessions/end",
        end_sessions_of,
        serves="organiser",
        methods=("POST",),
    ),
    route("/accounts/{account_id:id}/unlock", unlock, serves="organiser", methods=("POST",)),
]
