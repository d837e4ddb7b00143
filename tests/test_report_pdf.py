"""`borgerpanel report PANEL --pdf out.pdf`: the council report printed by headless Chromium."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.support.browser import chromium_path
from tests.support.day import Day
from tests.support.reporting import council_panel
from tests.support.servers import ROOT, env_for
from tests.web.test_report import opinion_numbers


async def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command as an organiser runs it, on the test's database (the `app` fixture's)."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env_for(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.browser
async def test_the_pdf_holds_the_title_and_the_numbers_of_the_opinion_table(
    day: Day, tmp_path: Path, artifacts: Path
) -> None:
    chromium_path()
    facts = await council_panel(day, title="Bergen sentrum uten biler")
    out = tmp_path / "report.pdf"
    done = await run_cli(tmp_path, "report", str(facts.info.id), "--pdf", str(out))
    assert done.returncode == 0, done.stderr
    assert f"Wrote {out}." in done.stdout
    shutil.copyfile(out, artifacts / "council-report.pdf")
    reader = PdfReader(str(out))
    assert len(reader.pages) >= 5
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Bergen sentrum uten biler" in text
    assert "Change among the participants" in text
    for number in await opinion_numbers(day, facts.info.id):
        for part in number.split(" "):  # an interval may wrap inside its cell
            assert part in text, number
    assert f"1 / {len(reader.pages)}" in text  # page numbers from the print CSS


async def test_the_report_command_writes_html_and_says_what_is_missing(
    day: Day, tmp_path: Path
) -> None:
    panel = await day.panel()
    page = tmp_path / "report.html"
    done = await run_cli(tmp_path, "report", str(panel.id), "--html", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    assert "<style>" in html and "@page" in html and "<script" not in html
    assert "Bypanel" in html
    nowhere = await run_cli(tmp_path, "report", str(panel.id))
    assert nowhere.returncode == 2 and "--pdf FILE or --html FILE" in nowhere.stderr
    missing = await run_cli(tmp_path, "report", "999999", "--html", str(page))
    assert missing.returncode == 1 and "there is no panel 999999" in missing.stderr
    no_browser = await run_cli(
        tmp_path,
        "report",
        str(panel.id),
        "--pdf",
        str(tmp_path / "x.pdf"),
        PATH=str(Path(sys.executable).parent),
    )
    assert no_browser.returncode == 1
    assert "Chromium is needed to print the report to PDF" in no_browser.stderr
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.browser
async def test_a_section_with_nothing_in_it_takes_no_page_of_its_own(
    day: Day, tmp_path: Path
) -> None:
    chromium_path()
    panel = await day.panel(open=False)
    out = tmp_path / "empty.pdf"
    done = await run_cli(tmp_path, "report", str(panel.id), "--pdf", str(out))
    assert done.returncode == 0, done.stderr
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(str(out)).pages]
    empty = {  # what an empty section says → the section before it, on the same page
        "This panel had no votes.": "No questions were sent to the expert panel.",
        "The surveys had no opinion questions": "This panel had no votes.",
    }
    for nothing, neighbour in empty.items():
        (page,) = [text for text in pages if nothing in text]
        assert neighbour in page, (nothing, pages.index(page) + 1, len(pages))
