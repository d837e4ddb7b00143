"""The rules for text that participants type: arguments and questions alike.

Text is stored as typed, markup included: templates always escape it, so `<script>`
shows as those eight characters and stripping would only mangle honest text such as
"fares < 30 kr". What is removed is what no reader can see but that can still do harm:
control characters, lone surrogates (they cannot be stored as UTF-8), byte-order marks,
and the bidirectional overrides that can make text on the projector read backwards.
Joiners and variation selectors stay, because emoji need them. The organiser's text
goes through the same `clean_text`.
"""

from __future__ import annotations

import re

from facilitation.errors import Refused
from facilitation.steps import clean_text, says_something

_LINE_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def cleaned(text: str) -> str:
    """Typed text in the form it is stored and compared in.

    Length limits are counted on this form, in code points after NFC, so what the
    participant sees as "é" costs one character however the keyboard sent it. More
    than one blank line in a row is folded into one, so that a card on the argument
    wall cannot be stretched into a column of emptiness.
    """
    text = clean_text(text.translate(_LINE_SEPARATORS))
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text)


def checked_text(text: str, max_chars: int, *, empty: str, too_long: str) -> str:
    """Clean the text and refuse it when it is blank or longer than `max_chars`.

    The messages are passed in so that each kind of text gets its own wording; the
    `too_long` message receives `max` and `over` (how many characters to cut).
    """
    clean = cleaned(text)
    if not says_something(clean):
        raise Refused(empty)
    if len(clean) > max_chars:
        raise Refused(too_long, max=max_chars, over=len(clean) - max_chars)
    return clean
