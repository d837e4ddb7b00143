"""CSRF protection: a per-session token in every form and on every htmx request.

The session cookie is also SameSite=Lax; the token covers older browsers and
same-site attackers. Forms carry it as a hidden field; htmx requests also send it in
a header (added by static/live.js from the page's meta tag).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile
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


def _verify(request: Request, form: FormData) -> None:
    expected = request.session.get("csrf")
    given = request.headers.get(HEADER) or form.get(FIELD)
    if not expected or not isinstance(given, str) or not secrets.compare_digest(expected, given):
        raise CSRFRefused


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token; refuse otherwise."""
    form = await request.form(
        max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_SIZE
    )
    _verify(request, form)
    return form


@dataclass(frozen=True)
class Upload:
    """A form with one file: its text fields, and the file if one was chosen."""

    fields: dict[str, str]
    data: bytes | None
    filename: str


async def checked_upload(request: Request, name: str, limit: int) -> Upload:
    """A form with one file, after the same CSRF check as every other form.

    The file is read into memory, at most `limit` + 1 bytes (one more than allowed tells
    the caller it is too large), and the form's temporary files are closed at once.
    """
    async with request.form(
        max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=64 * 1024
    ) as form:
        _verify(request, form)
        fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        upload = form.get(name)
        if isinstance(upload, UploadFile) and (upload.filename or "").strip():
            return Upload(fields, await upload.read(limit + 1), upload.filename or "")
        return Upload(fields, None, "")
