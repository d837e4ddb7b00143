"""CSRF protection: a per-session token in every form and on every htmx request.

The session cookie is also SameSite=Lax; the token covers older browsers and
same-site attackers. Forms carry it as a hidden field; htmx requests also send it in
a header (added by static/live.js from the page's meta tag).
"""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"
MAX_FORM_FIELDS = 200
MAX_FORM_PART_SIZE = 256 * 1024


class CSRFRefused(Exception):
    """The form is stale or forged; nothing was changed."""


def csrf_token(connection: HTTPConnection) -> str:
    token = connection.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        connection.session["csrf"] = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token; refuse otherwise."""
    form = await request.form(
        max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_SIZE
    )
    expected = request.session.get("csrf")
    given = request.headers.get(HEADER) or form.get(FIELD)
    if not expected or not isinstance(given, str) or not secrets.compare_digest(expected, given):
        raise CSRFRefused
    return form
