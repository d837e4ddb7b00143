"""Static files as phones on a weak network need them: compressed once, cached for good.

Every page links static files with a digest of their content (`render.static_url`),
so a URL with `?v=` never changes meaning and may be cached as immutable; without it
the browser revalidates. Compressible files are gzipped once per content and kept in
memory: a lobby rush of thousands of phones must not compress the same 40 KB of
JavaScript thousands of times (Starlette's GZipMiddleware compresses every response).
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml", "application/json")


class StaticAssets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["cache-control"] = IMMUTABLE if versioned else REVALIDATE
        if isinstance(response, FileResponse) and _accepts_gzip(scope):
            media_type = response.media_type or ""
            if media_type.startswith(COMPRESSIBLE):
                stat = os.stat(response.path)
                body = _gzipped(str(response.path), stat.st_mtime_ns, stat.st_size)
                headers = {
                    key: value
                    for key, value in response.headers.items()
                    if key not in ("content-length", "content-type")
                }
                headers["content-encoding"] = "gzip"
                headers["vary"] = "Accept-Encoding"
                return Response(body, headers=headers, media_type=media_type)
        return response


def _accepts_gzip(scope: Scope) -> bool:
    return "gzip" in Headers(scope=scope).get("accept-encoding", "")


@lru_cache(maxsize=64)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """The file compressed; mtime and size in the key so an edited file is compressed anew."""
    with open(path, "rb") as file:
        return gzip.compress(file.read(), compresslevel=9, mtime=0)
