"""Where a redirect may go: only a path on this site, whatever a form or Referer says.

Browsers treat `/\\evil.example` like `//evil.example`, and a Referer can name any
site; so every redirect built from something a client sent goes through `local_path`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request


def local_path(value: str) -> str | None:
    """`value` if it is a path on this site (with its query), else None."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def came_from(request: Request) -> str | None:
    """The page of ours the request came from, if the browser said so."""
    referer = request.headers.get("referer", "")
    base = str(request.base_url)
    if not referer.startswith(base):
        return None
    return local_path("/" + referer[len(base) :])
