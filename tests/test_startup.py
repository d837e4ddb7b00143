"""A restarted server is back for the phones at once: it does not load what only the
report, the export and the draw need, nor Alembic when the database is current.

scipy, pandas, numpy, the sortition library and HiGHS cost seconds of start-up
between them; YAML, rapidfuzz, the QR code maker, PostgreSQL's dialect (on SQLite),
Alembic with Mako, the survey statistics and the Markdown parser (wanted by the first
full screen, not by a phone that comes back current) some hundreds of milliseconds more.
A venue restarting its laptop mid-session must not wait for them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from server.ops.accounts import DUMMY_HASH
from server.render import Renderer
from tests.support.servers import env_for

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "pandas", "numpy", "pyreadstat", "sortition_algorithms", "highspy", "sklearn")
AT_USE = (
    "yaml",
    "rapidfuzz",
    "segno",
    "alembic",
    "mako",
    "sqlalchemy.dialects.postgresql",
    "facilitation.analysis",
    "markdown_it",
)

# Creates the application and runs its start-up (migrations, broker, hub) as `serve` does.
STARTS = f"""
import asyncio, sys
from server.app import create_app

app = create_app()

async def start() -> None:
    async with app.router.lifespan_context(app):
        pass

asyncio.run(start())
print(",".join(m for m in {HEAVY + AT_USE!r} if m in sys.modules))
"""


def loaded_by_a_start(data: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", STARTS],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env_for(data)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [name for name in done.stdout.strip().split(",") if name]


def test_a_restart_on_a_current_database_loads_none_of_what_phones_do_not_need(
    tmp_path: Path,
) -> None:
    first = loaded_by_a_start(tmp_path / "data")
    assert "alembic" in first  # a new database: migrated
    assert loaded_by_a_start(tmp_path / "data") == [], "import them where they are used"


def test_the_timing_hash_for_unknown_logins_costs_what_a_real_one_does() -> None:
    """Written out instead of hashed at start-up, it must keep up with the hasher's
    parameters, or a login for an unknown address would answer faster than a real one."""
    hasher = PasswordHasher()
    assert not hasher.check_needs_rehash(DUMMY_HASH)
    assert hasher.verify(DUMMY_HASH, "not a real password, only for timing")


def test_compiled_templates_are_kept_for_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jinja2 import Environment

    first = Renderer(cache_dir=tmp_path / "templates").render("en", "error.html", message="Hi")
    assert list((tmp_path / "templates").iterdir()), "nothing was kept"

    def compiles(*args: object, **kwargs: object) -> object:
        raise AssertionError("compiled again")

    monkeypatch.setattr(Environment, "compile", compiles)
    again = Renderer(cache_dir=tmp_path / "templates").render("en", "error.html", message="Hi")
    assert again == first


def test_compiled_translations_are_kept_for_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import i18n

    monkeypatch.setattr(i18n, "_compiled", tmp_path / "locale")
    i18n.translations.cache_clear()
    try:
        first = i18n.translate("nb", "This page does not exist.")
        assert first != "This page does not exist."
        assert [p.suffix for p in (tmp_path / "locale").iterdir()] == [".mo"]

        def parses(*args: object, **kwargs: object) -> object:
            raise AssertionError("parsed the .po again")

        monkeypatch.setattr(i18n, "read_po", parses)
        i18n.translations.cache_clear()
        assert i18n.translate("nb", "This page does not exist.") == first
    finally:
        i18n.translations.cache_clear()
