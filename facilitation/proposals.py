"""The proposals a panel discusses and votes on: what a title and a description may be."""

from __future__ import annotations

from facilitation.errors import N_, Refused
from facilitation.steps import clean_text

TITLE_MAX = 200
DESCRIPTION_MAX = 2_000


def checked_proposal(title: str, description: str) -> tuple[str, str]:
    clean_title, clean_description = clean_text(title), clean_text(description)
    if not clean_title:
        raise Refused(N_("A proposal needs a title."))
    if len(clean_title) > TITLE_MAX:
        raise Refused(N_("A title can be at most %(max)s characters."), max=TITLE_MAX)
    if len(clean_description) > DESCRIPTION_MAX:
        raise Refused(N_("The text can be at most %(max)s characters."), max=DESCRIPTION_MAX)
    return clean_title, clean_description
