"""Every text on screen is translated: bokmål (default), nynorsk and English."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from server.i18n import LOCALE_DIR, negotiate, translate
from tests.support.day import Day, text_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The message ids in the code and templates today, extracted afresh."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "translate:2",
            "-k",
            "t:2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id and isinstance(m.id, str)}


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_message_has_a_translation(extracted: set[str], language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - translated)
    assert not missing, f"{language} lacks {len(missing)} translations, e.g. {missing[:5]}"


def test_the_english_catalogue_knows_every_message(extracted: set[str]) -> None:
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        known = {m.id for m in read_po(handle) if m.id}
    assert not sorted(extracted - known)


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_translations_keep_their_placeholders(language: str) -> None:
    import re

    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        for message in read_po(handle):
            if message.id and message.string:
                names = set(re.findall(r"%\((\w+)\)s", str(message.id)))
                assert names == set(re.findall(r"%\((\w+)\)s", str(message.string))), message.id


def test_the_language_is_chosen_cookie_first_then_panel_then_browser() -> None:
    assert negotiate("en", "nn", "nb") == "en"
    assert negotiate(None, "en-GB,en;q=0.9", "nn") == "nn"
    assert negotiate(None, "en-GB,en;q=0.9", None) == "en"
    assert negotiate(None, "nn-NO", None) == "nn"
    assert negotiate(None, None, None) == "nb"
    assert translate("nb", "Join code") == "Deltakerkode"
    assert translate("nn", "Join code") == "Deltakarkode"


async def test_bokmal_is_the_default_and_the_language_can_be_switched(day: Day) -> None:
    visitor = day.person(language="")
    visitor.http.headers.pop("Accept-Language", None)
    front = await visitor.get("/")
    assert 'lang="nb"' in front.text and "Bli med i et borgerpanel" in text_of(front.text)
    switched = await visitor.post("/lang", {"language": "nn", "next": "/"}, htmx=False)
    assert switched.headers["location"] == "/"
    front = await visitor.get("/")
    assert 'lang="nn"' in front.text and "Bli med i eit innbyggjarpanel" in text_of(front.text)
    await visitor.post("/lang", {"language": "en", "next": "https://evil.example/"}, htmx=False)
    assert "Join a citizens' panel" in text_of((await visitor.get("/")).text)
