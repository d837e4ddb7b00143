"""Two wordings side by side: which words an amendment removes and which it adds.

The projector shows the text being amended next to the amendment; marking the changed
words lets the back of the room see at once what the vote is about. Words are compared
as the reader sees them (split at spaces), so a changed comma marks its word.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Literal

Mark = Literal["same", "removed", "added"]


def word_changes(before: str, after: str) -> tuple[list[tuple[Mark, str]], list[tuple[Mark, str]]]:
    """The old text and the new, each as runs of words marked same, removed or added."""
    old, new = before.split(), after.split()
    left: list[tuple[Mark, str]] = []
    right: list[tuple[Mark, str]] = []
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(("same", " ".join(old[i1:i2])))
            right.append(("same", " ".join(new[j1:j2])))
            continue
        if i2 > i1:
            left.append(("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            right.append(("added", " ".join(new[j1:j2])))
    return left, right
