"""What a retried write sent, so that a key reused for other content is refused.

An idempotency key names one write. The stored result keeps a fingerprint of what was
sent: an HMAC with the server's secret, so that a stored ballot key says nothing about
the ballot to someone without the secret. The same key with the same content is a
retry and gets the first answer; with other content it is refused (409), because
answering "counted" would make the phone show what was never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from facilitation.errors import N_, Refused

FINGERPRINT = "content"
"""The field of a stored result that holds the fingerprint of what was sent."""


class KeyReused(Refused):
    """The same key came back with other content: nothing of the second was stored."""

    def __init__(self) -> None:
        super().__init__(
            N_(
                "This was already sent with other content, and only the first was kept. "
                "Reload the page to see what is stored, then send it again."
            )
        )


def fingerprint(secret: str, scope: str, content: Any) -> str:
    """What a write sent, as a keyed digest: equal content, equal fingerprint."""
    canonical = json.dumps([scope, content], sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def replay(stored: dict[str, Any], sent: str | None) -> dict[str, Any]:
    """The first answer again, if this is the same write; refuse other content."""
    kept = stored.get(FINGERPRINT)
    if sent is not None and kept is not None and kept != sent:
        raise KeyReused
    return {k: v for k, v in stored.items() if k != FINGERPRINT}
