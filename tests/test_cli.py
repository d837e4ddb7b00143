"""The `borgerpanel` command: the demo prints links that open the three screens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.people import CSRF
from tests.support.servers import ROOT, env_for, free_port


def run_cli(
    tmp_path: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_for(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_db_upgrade_and_create_user(tmp_path: Path) -> None:
    upgraded = run_cli(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0 and "up to date" in upgraded.stdout
    created = run_cli(
        tmp_path,
        "create-user",
        "--email",
        "Lead@Example.org",
        "--name",
        "Lead",
        "--role",
        "organiser",
        "--password",
        "a long enough password",
    )
    assert created.returncode == 0, created.stderr
    assert "Created organiser lead@example.org" in created.stdout
    again = run_cli(
        tmp_path,
        "create-user",
        "--email",
        "lead@example.org",
        "--password",
        "a long enough password",
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = run_cli(tmp_path, "create-user", "--email", "x@example.org", "--password", "short")
    assert weak.returncode == 1 and "at least 10 characters" in weak.stderr


def test_the_demo_prints_links_that_open_the_three_screens(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, **env_for(tmp_path), "PYTHONUNBUFFERED": "1"}
    demo = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = ""
        assert demo.stdout is not None
        while "Display" not in printed:
            line = demo.stdout.readline()
            assert line, f"the demo stopped early:\n{printed}"
            printed += line
        links = dict(
            re.findall(
                r"^\s+(Organiser login|Participant phone|Facilitator|Display)"
                r"\s+(\S+)",
                printed,
                re.M,
            )
        )
        password = re.search(r"password (\S+)", printed)
        assert password and len(links) == 4, printed
        _wait_until_serving(f"http://localhost:{port}/healthz")
        with httpx.Client(follow_redirects=True) as phone:
            joined = phone.get(links["Participant phone"])
            assert joined.status_code == 200 and "Demo" in joined.text
        assert httpx.get(links["Display"]).status_code == 200
        with httpx.Client() as tablet:
            login = tablet.get(links["Organiser login"])
            token = CSRF.search(login.text)
            assert token
            tablet.post(
                links["Organiser login"],
                data={
                    "email": "demo@borgerpanel.invalid",
                    "password": password.group(1),
                    "csrf_token": token.group(1),
                    "next": "/panels",
                },
            )
            run = tablet.get(links["Facilitator"])
            assert run.status_code == 200 and 'id="fac-agenda"' in run.text
            # A ready panel: proposals, survey questions before and again after, a vote.
            setup = tablet.get(links["Facilitator"].removesuffix("/run")).text
            assert "Gratis buss i sentrum" in setup and "bilfritt_t2" in setup
            assert '<option value="dots" selected' in setup
    finally:
        demo.terminate()
        demo.wait(10)
        if demo.stdout is not None:
            demo.stdout.close()


def _wait_until_serving(url: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)
