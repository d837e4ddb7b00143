"""Who a rendered fragment is for, in the server's own words.

The server renders each fragment once per audience string (`phones`, `display`,
`facilitators`, `table:<id>`, `participant:<id>`); this module reads those strings
strictly, and anything it does not recognise becomes `NOBODY`, which may read nothing.
A typo in an audience therefore hides text rather than leaking it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_WITH_ID = re.compile(r"(table|participant):(0|[1-9][0-9]{0,17})", re.ASCII)


class AudienceKind(StrEnum):
    FACILITATORS = "facilitators"
    DISPLAY = "display"
    PHONES = "phones"
    TABLE = "table"
    PARTICIPANT = "participant"
    NOBODY = "nobody"


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    ident: int | None = None

    @property
    def table_id(self) -> int | None:
        return self.ident if self.kind is AudienceKind.TABLE else None


FACILITATORS = Audience(AudienceKind.FACILITATORS)
DISPLAY = Audience(AudienceKind.DISPLAY)
PHONES = Audience(AudienceKind.PHONES)
NOBODY = Audience(AudienceKind.NOBODY)


def table(table_id: int) -> Audience:
    return Audience(AudienceKind.TABLE, table_id)


def participant(participant_id: int) -> Audience:
    """One phone. It sees what all phones see: a personal fragment is rendered without
    knowing the person's table, so it must not carry their table's unpublished text."""
    return Audience(AudienceKind.PARTICIPANT, participant_id)


def parse_audience(value: str | Audience) -> Audience:
    if isinstance(value, Audience):
        return value
    if value == "facilitators":
        return FACILITATORS
    if value == "display":
        return DISPLAY
    if value == "phones":
        return PHONES
    match = _WITH_ID.fullmatch(value)
    if match is None:
        return NOBODY
    return Audience(AudienceKind(match.group(1)), int(match.group(2)))
