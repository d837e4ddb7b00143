"""Printing the report to PDF with Debian's headless Chromium, as a browser prints it.

The report is written as one self-contained HTML file (CSS inlined, no script) to a
temporary folder and printed from there with `--print-to-pdf`; the page size, margins,
page breaks and page numbers come from the print CSS (`static/report.css`).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 120


class PrintFailed(Exception):
    """Chromium is missing or did not make the PDF; the message says what to do."""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise PrintFailed(
            "Chromium is needed to print the report to PDF, and it is not installed. "
            "On Debian or Ubuntu: sudo apt-get install chromium"
        )
    return path


def print_pdf(html: str, out: Path) -> None:
    executable = chromium()
    with tempfile.TemporaryDirectory(prefix="borgerpanel-report-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        target = Path(folder) / "report.pdf"
        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            "--no-pdf-header-footer",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise PrintFailed(f"Chromium did not finish printing within {TIMEOUT} s.") from None
        if not target.exists() or target.stat().st_size == 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise PrintFailed("Chromium did not make the PDF. " + " ".join(detail))
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, out)
