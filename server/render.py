"""Jinja2 rendering: one environment per language, sharing templates and filters."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    select_autoescape,
)
from markupsafe import Markup

from facilitation.codes import format_join_code
from server.i18n import BABEL_LOCALES, LANGUAGE_NAMES, translations

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from facilitation.analysis.common import Note

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"


@cache
def _markdown() -> MarkdownIt:
    """CommonMark with raw HTML switched off: organisers write Markdown, never markup,
    and markdown-it refuses javascript: and data: links by itself.

    Made at the first full screen, not at start-up (~50 ms of CPU): after a restart
    the phones and the projector that come back with a current seq get only the
    volatile parts of their screens, which have no Markdown."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})


def markdown(text: str) -> Markup:
    return Markup(_markdown().render(text or ""))


def clock(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def minutes(seconds: int | None) -> str:
    """Seconds as the minutes an organiser typed: 600 → "10", 90 → "1.5", 0 → ""."""
    if not seconds:
        return ""
    value = seconds / 60
    return str(int(value)) if value == int(value) else f"{value:.1f}"


@cache
def static_url(path: str) -> str:
    """A static file's URL with a digest of its content, so phones may cache it forever."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


class Renderer:
    """Jinja2 environments, one per language, made when first asked for.

    With `cache_dir`, compiled templates are kept there (Jinja2's bytecode cache, keyed
    by each template's source, so an edited template is compiled afresh): a restarted
    server then draws its first screens without compiling their templates, which was
    about a tenth of its work while a room reconnected (py-spy under bench/restart.py).
    """

    def __init__(
        self, extra_globals: dict[str, Any] | None = None, cache_dir: Path | None = None
    ) -> None:
        self._environments: dict[str, Environment] = {}
        self._globals = extra_globals or {}
        self._bytecode = _bytecode_cache(cache_dir) if cache_dir is not None else None

    def environment(self, language: str) -> Environment:
        env = self._environments.get(language)
        if env is None:
            env = _make_environment(language, self._globals, self._bytecode)
            self._environments[language] = env
        return env

    def render(self, language: str, template: str, **context: Any) -> str:
        return self.environment(language).get_template(template).render(**context)


def _bytecode_cache(folder: Path) -> BytecodeCache | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only data folder: templates are compiled on each start
    return FileSystemBytecodeCache(str(folder))


def _make_environment(
    language: str, extra: dict[str, Any], bytecode: BytecodeCache | None = None
) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        bytecode_cache=bytecode,
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates change only with a new release, which restarts the server: checking
        # each template file's mtime on every render was a few per cent of the CPU of a
        # step change in front of a room of phones.
        auto_reload=False,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    locale = BABEL_LOCALES[language]
    number: Callable[[Any], str] = lambda value: format_decimal(value, locale=locale)  # noqa: E731

    def fixed(value: float | None, digits: int = 1, *, signed: bool = False) -> str:
        """A statistic with a fixed number of decimals in the language's own notation."""
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        shape = f"+{pattern};-{pattern}" if signed else pattern
        text = format_decimal(value, format=shape, locale=locale)
        return text.replace("-", "−")

    def note(item: Note) -> str:
        """An analysis note or "not available" reason, in the page's language."""
        return translations(language).gettext(item.message) % dict(item.params)

    env.filters.update(
        markdown=markdown,
        clock=clock,
        minutes=minutes,
        number=number,
        fixed=fixed,
        note=note,
        join_code=format_join_code,
        datetime=lambda value: (
            format_datetime(value, "short", locale=locale) if isinstance(value, datetime) else ""
        ),
        date=lambda value: (
            format_date(value, "long", locale=locale) if isinstance(value, date) else ""
        ),
    )
    env.globals.update(
        lang=language,
        language_names=LANGUAGE_NAMES,
        static=static_url,
        **extra,
    )
    return env
