"""The small messages that travel over the broker: what changed, never the data itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def channel(panel_id: int) -> str:
    return f"panel:{panel_id}"


@dataclass(frozen=True)
class Change:
    """Panel `panel_id` reached `seq`; `topics` changed for `audiences`."""

    panel_id: int
    seq: int
    topics: tuple[str, ...]
    audiences: tuple[str, ...]

    def encode(self) -> bytes:
        return json.dumps(
            {
                "t": "change",
                "panel": self.panel_id,
                "seq": self.seq,
                "topics": self.topics,
                "audiences": self.audiences,
            },
            separators=(",", ":"),
        ).encode()


@dataclass(frozen=True)
class Presence:
    """Which participants of a panel have a live socket on one server process."""

    panel_id: int
    process: str
    participant_ids: tuple[int, ...]

    def encode(self) -> bytes:
        return json.dumps(
            {
                "t": "presence",
                "panel": self.panel_id,
                "process": self.process,
                "ids": self.participant_ids,
            },
            separators=(",", ":"),
        ).encode()


def decode(message: bytes) -> Change | Presence | None:
    """Parse a broker message; anything unreadable is ignored (it is only a hint)."""
    try:
        data: dict[str, Any] = json.loads(message)
        if data["t"] == "change":
            return Change(
                int(data["panel"]),
                int(data["seq"]),
                tuple(data["topics"]),
                tuple(data["audiences"]),
            )
        if data["t"] == "presence":
            return Presence(
                int(data["panel"]), str(data["process"]), tuple(int(i) for i in data["ids"])
            )
    except (ValueError, KeyError, TypeError):
        return None
    return None
