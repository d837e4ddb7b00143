"""Staff login and logout."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.i18n import refusal_text
from server.ops import login_locks, staff_sessions
from server.ops.login_locks import AccountLocked
from server.routes.roles import route
from server.web.access import STAFF_SESSION, services_of
from server.web.csrf import checked_form
from server.web.limits import LOGINS
from server.web.redirects import local_path
from server.web.respond import language_of, page, t
from server.web.throttle import client_of, count


def _safe_next(value: str) -> str:
    return local_path(value) or "/panels"


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
    count(LOGINS, client_of(request))
    try:
        account = await login_locks.log_in(services_of(request).units, email, password)
    except AccountLocked as locked:
        response = page(
            request,
            "staff/login.html",
            status=429,
            next=back,
            email=email,
            error=refusal_text(language_of(request), locked),
        )
        response.headers["Retry-After"] = str(locked.retry_after)
        return response
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
    request.session[STAFF_SESSION] = await staff_sessions.start(
        services_of(request).units, account.id
    )
    return RedirectResponse(back, status_code=303)


async def logout(request: Request) -> Response:
    """End this browser's session on the server too: a copied cookie stops working."""
    await checked_form(request)
    token = request.session.get(STAFF_SESSION)
    if isinstance(token, str):
        await staff_sessions.end(services_of(request).units, token, "logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


routes = [
    route("/login", login_form, serves="public"),
    route("/login", login, serves="public", methods=("POST",)),
    route("/logout", logout, serves="public", methods=("POST",)),
]
