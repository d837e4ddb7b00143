"""Writes a phone may retry: the first result is kept and replayed, never stored twice.

A phone that loses its answer on a weak network sends the same request again with the
same key. The key is stored in the same transaction as the write, so a retry either
finds it (and gets the first answer back) or, if both arrive at once on PostgreSQL,
the second fails on the key's primary key and is replayed from the first.

A key names one write, not a slot: the stored result keeps a fingerprint of what was
sent (an HMAC with the server's secret, so a ballot's content cannot be read back from
it), and the same key with other content is refused with `KeyReused` instead of being
answered as if the new content had been stored.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import IdempotencyKey
from server.db.types import utcnow
from server.live.change import Change
from server.ops.fingerprints import FINGERPRINT, fingerprint, replay
from server.services import Services

_KEY = re.compile(r"[A-Za-z0-9_-]{8,80}")

Work = Callable[[AsyncSession], Awaitable[tuple[dict[str, Any], list[Change]]]]


def checked_key(value: object) -> str | None:
    """A usable key, or None: without one the write simply is not deduplicated."""
    return value if isinstance(value, str) and _KEY.fullmatch(value) else None


async def once(
    services: Services, scope: str, key: str | None, work: Work, content: Any = None
) -> dict[str, Any]:
    """Run `work` in a write transaction unless `key` was already used in `scope`.

    Returns the stored result (with `"replayed": True` when it is a retry of the same
    `content`); raises KeyReused when the key was used for other content.
    """
    sent = fingerprint(services.settings.secret_key, scope, content) if key else None
    for attempt in (1, 2):
        try:
            async with services.db.writing() as session:
                if key is not None:
                    seen = await session.scalar(
                        select(IdempotencyKey.result).where(
                            IdempotencyKey.scope == scope, IdempotencyKey.key == key
                        )
                    )
                    if seen is not None:
                        return {**replay(seen, sent), "replayed": True}
                result, changes = await work(session)
                if key is not None:
                    await session.execute(
                        insert(IdempotencyKey).values(
                            scope=scope,
                            key=key,
                            result={**result, FINGERPRINT: sent},
                            created_at=utcnow(),
                        )
                    )
            await services.announce(*changes)
            return result
        except IntegrityError:
            if key is None or attempt == 2:
                raise
    raise AssertionError("unreachable")
