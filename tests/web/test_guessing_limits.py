"""Guessing codes, display links and passwords is slow: clear 429s with Retry-After."""

from __future__ import annotations

from pathlib import Path

import httpx

from server.ops.login_locks import MAX_FAILURES
from server.web.limits import CODE_GUESSES, DISPLAY_GUESSES, LOGINS, PANEL_JOINS
from tests.support.day import PASSWORD, Day, text_of
from tests.support.servers import running_app, settings_for, uvicorn_in_process


def wrong_codes(n: int) -> list[str]:
    alphabet = "ACEFHJKMNPRTVWXY34679"
    return [f"WW{alphabet[i // 21 % 21]}{alphabet[i % 21]}WW" for i in range(n)]


async def test_a_client_that_guesses_join_codes_is_stopped_and_told_when_to_retry(
    day: Day,
) -> None:
    panel = await day.panel()
    guesser = day.person()
    for code in wrong_codes(CODE_GUESSES.limit):
        assert (await guesser.get(f"/j/{code}")).status_code == 404
    stopped = await guesser.get(f"/j/{panel.code}")  # even the right code: no more answers
    assert stopped.status_code == 429
    assert int(stopped.headers["retry-after"]) > 0
    assert "Too many attempts" in text_of(stopped.text)
    posted = await guesser.post("/join", {"code": panel.code}, htmx=False)
    assert posted.status_code == 429
    # Someone at another address is not slowed by the guesser.
    elsewhere = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=day.app, client=("192.0.2.7", 40000)),
        base_url="http://testserver",
    )
    assert (await elsewhere.get(f"/j/{panel.code}")).status_code == 200
    await elsewhere.aclose()


async def test_many_phones_joining_with_the_right_code_are_never_throttled(day: Day) -> None:
    panel = await day.panel()
    for _ in range(CODE_GUESSES.limit * 2):
        await day.phone(panel)  # all from the same address, like venue Wi-Fi


async def test_a_panel_takes_a_bounded_number_of_joins_a_minute(day: Day) -> None:
    from server.web import throttle

    panel = await day.panel()
    for _ in range(PANEL_JOINS.limit):
        throttle.count(PANEL_JOINS, str(panel.id))
    late = day.person()
    await late.get("/")
    response = await late.post("/join", {"code": panel.code}, htmx=False)
    assert response.status_code == 429
    assert "retry-after" in response.headers


async def test_invite_codes_and_display_links_are_limited_like_join_codes(day: Day) -> None:
    guesser = day.person()
    for n in range(CODE_GUESSES.limit):
        assert (await guesser.get(f"/i/{'K' * 15}{n % 10}")).status_code == 404
    assert (await guesser.get("/i/" + "K" * 16)).status_code == 429
    for n in range(DISPLAY_GUESSES.limit):
        assert (await guesser.get(f"/d/not-a-display-link-{n}")).status_code == 404
    assert (await guesser.get("/d/not-a-display-link")).status_code == 429


async def test_an_account_locks_after_wrong_passwords_until_an_organiser_lifts_it(
    day: Day,
) -> None:
    from server.web import throttle

    account = await day.account("facilitator")
    guesser = day.person()
    await guesser.get("/login")
    for _ in range(MAX_FAILURES):
        throttle.reset()  # from many addresses: the per-client limit does not help here
        wrong = await guesser.post(
            "/login", {"email": account.email, "password": "wrong password"}, htmx=False
        )
        assert wrong.status_code == 422
    owner = day.person()
    await owner.get("/login")
    locked = await owner.post(
        "/login", {"email": account.email, "password": PASSWORD, "next": "/panels"}, htmx=False
    )
    assert locked.status_code == 429
    assert "locked" in text_of(locked.text)
    assert int(locked.headers["retry-after"]) > 0

    organiser = await day.staff("organiser")
    listing = await organiser.get("/account")
    assert "Locked after wrong passwords" in text_of(listing.text)
    lifted = await organiser.post(f"/accounts/{account.id}/unlock")
    assert lifted.status_code == 200
    again = await owner.post(
        "/login", {"email": account.email, "password": PASSWORD, "next": "/panels"}, htmx=False
    )
    assert again.status_code == 303


async def test_a_client_guessing_passwords_is_throttled(day: Day) -> None:
    guesser = day.person()
    await guesser.get("/login")
    statuses = [
        (
            await guesser.post(
                "/login", {"email": f"x{n}@example.org", "password": "guess"}, htmx=False
            )
        ).status_code
        for n in range(LOGINS.limit + 1)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:-1]


async def test_forwarded_headers_from_an_untrusted_client_do_not_pick_its_address(
    live_day: Day,
) -> None:
    """By default no proxy is trusted: a new X-Forwarded-For per guess changes nothing."""
    guesser = httpx.AsyncClient(base_url=live_day.base_url)
    statuses = []
    for n, code in enumerate(wrong_codes(CODE_GUESSES.limit + 1)):
        response = await guesser.get(f"/j/{code}", headers={"X-Forwarded-For": f"10.9.0.{n}"})
        statuses.append(response.status_code)
    await guesser.aclose()
    assert statuses[-1] == 429


async def test_forwarded_headers_from_a_configured_proxy_name_the_client(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path / "data", BORGERPANEL_TRUSTED_PROXIES="127.0.0.1")
    async with running_app(settings) as app, uvicorn_in_process(app) as url:
        proxy = httpx.AsyncClient(base_url=url)
        statuses = []
        for n, code in enumerate(wrong_codes(CODE_GUESSES.limit + 1)):
            response = await proxy.get(f"/j/{code}", headers={"X-Forwarded-For": f"10.9.0.{n}"})
            statuses.append(response.status_code)
        await proxy.aclose()
    assert set(statuses) == {404}  # each a different client behind the proxy
