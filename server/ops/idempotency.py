"""Idempotency keys from phones: what a usable one looks like.

The write that uses one is `Units.once` (`server/ops/unit.py`); a key reused for other
content is refused there (`server/ops/fingerprints.py`).
"""

from __future__ import annotations

import re

_KEY = re.compile(r"[A-Za-z0-9_-]{8,80}")


def checked_key(value: object) -> str | None:
    """A usable key, or None: without one the write simply is not deduplicated."""
    return value if isinstance(value, str) and _KEY.fullmatch(value) else None
