"""Whose ballot is whose, without anything stored saying so.

A secret ballot is stored under a voter key: a keyed hash (HMAC-SHA-256 with the
server's secret) of the step and the participant. The server can find a
participant's ballot again to replace it or show it back to them; nothing stored,
exported or shown leads from a ballot to a person.
"""

from __future__ import annotations

import hashlib
import hmac


def voter_key(secret: str, step_id: int, participant_id: int) -> str:
    message = f"ballot:{step_id}:{participant_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
