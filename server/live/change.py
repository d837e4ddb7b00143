"""The small messages that travel over the broker: what changed, never the data itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def channel(panel_id: int) -> str:
    return f"panel:{panel_id}"


@dataclass(frozen=True)
class Change:
    """Panel `panel_id` reached `seq`; `topics` changed for `audiences`.

    A batch of changes written in one transaction (ballots cast together) is announced
    once, covering every seq from `first` to `seq`.
    """

    panel_id: int
    seq: int
    topics: tuple[str, ...]
    audiences: tuple[str, ...]
    first: int | None = None

    @property
    def seqs(self) -> range:
        return range(self.first if self.first is not None else self.seq, self.seq + 1)

    def encode(self) -> bytes:
        data: dict[str, Any] = {
            "t": "change",
            "panel": self.panel_id,
            "seq": self.seq,
            "topics": self.topics,
            "audiences": self.audiences,
        }
        if self.first is not None:
            data["first"] = self.first
        return json.dumps(data, separators=(",", ":")).encode()


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
            first = data.get("first")
            return Change(
                int(data["panel"]),
                int(data["seq"]),
                tuple(data["topics"]),
                tuple(data["audiences"]),
                int(first) if first is not None else None,
            )
        if data["t"] == "presence":
            return Presence(
                int(data["panel"]), str(data["process"]), tuple(int(i) for i in data["ids"])
            )
    except (ValueError, KeyError, TypeError):
        return None
    return None
