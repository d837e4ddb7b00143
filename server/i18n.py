"""Translations: Babel catalogues for bokmål (default), nynorsk and English.

The `.po` files are the only source; they are compiled in memory at their first use,
so a translator's edit needs no build step and a stale `.mo` can never be served. The
compiled catalogue is kept under the name of its `.po` file's digest
(`keep_compiled`): parsing a `.po` costs 55-70 ms of CPU per language, paid by the first
screens after every restart (the projector's among them), while reading a kept one
costs about a millisecond.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from facilitation.errors import Refused
from facilitation.panel import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "nb"
LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
# Babel knows nynorsk and bokmål by these locale names.
BABEL_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}


_compiled: Path | None = None


def keep_compiled(directory: Path | None) -> None:
    """Keep compiled catalogues in `directory` (the server's cache) for the next start."""
    global _compiled
    _compiled = directory


@cache
def translations(language: str) -> Translations:
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_file.exists():
        return Translations()
    source = po_file.read_bytes()
    kept = None
    if _compiled is not None:
        kept = _compiled / f"{language}-{hashlib.sha256(source).hexdigest()[:32]}.mo"
        with contextlib.suppress(OSError):
            return Translations(io.BytesIO(kept.read_bytes()))
    catalog = read_po(io.BytesIO(source), locale=BABEL_LOCALES[language])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    if kept is not None:
        with contextlib.suppress(OSError):
            kept.parent.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: a process starting meanwhile never reads half.
            partial = kept.with_name(f"{kept.name}.{os.getpid()}")
            partial.write_bytes(buffer.getvalue())
            partial.replace(kept)
    buffer.seek(0)
    return Translations(buffer)


def translate(language: str, message: str) -> str:
    return translations(language).gettext(message)


def refusal_text(language: str, refusal: Refused) -> str:
    """A domain refusal in the reader's language (a refusal may quote another one)."""
    text = translate(language, refusal.message)
    if not refusal.params:
        return text
    params = {
        name: refusal_text(language, value) if isinstance(value, Refused) else value
        for name, value in refusal.params.items()
    }
    return text % params


def negotiate(cookie: str | None, accept_language: str | None, fallback: str | None) -> str:
    """Cookie first, then the panel's language, then the browser's, then bokmål."""
    if cookie in LANGUAGES:
        return cookie
    if fallback in LANGUAGES:
        return fallback
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag in ("nb", "no", "nb-no", "no-no"):
            return "nb"
        if tag in ("nn", "nn-no"):
            return "nn"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE


def language_choices() -> Mapping[str, str]:
    return LANGUAGE_NAMES
