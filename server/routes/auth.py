"""Staff login and logout."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.ops.accounts import authenticate
from server.routes.roles import route
from server.web.access import services_of
from server.web.csrf import checked_form
from server.web.respond import page, t
from server.web.throttle import throttled


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/panels"


async def login_form(request: Request) -> Response:
    return page(
        request,
        "staff/login.html",
        next=_safe_next(request.query_params.get("next", "")),
        error=None,
        email="",
    )


async def login(request: Request) -> Response:
    form = await checked_form(request)
    email = str(form.get("email", ""))[:254]
    password = str(form.get("password", ""))[:1024]
    back = _safe_next(str(form.get("next", "")))
    throttled(request, "login", limit=20, per_seconds=300)
    account = await authenticate(services_of(request).units, email, password)
    if account is None:
        return page(
            request,
            "staff/login.html",
            status=422,
            next=back,
            email=email,
            error=t(request, "Wrong e-mail address or password."),
        )
    # A fresh session on login: nothing from before the login carries over.
    request.session.clear()
    request.session.update({"account": account.id, "login_at": time.time()})
    return RedirectResponse(back, status_code=303)


async def logout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


routes = [
    route("/login", login_form, serves="public"),
    route("/login", login, serves="public", methods=("POST",)),
    route("/logout", logout, serves="public", methods=("POST",)),
]
