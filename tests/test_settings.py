"""Settings come from the environment with safe defaults; production refuses unsafe ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings, SettingsError


def test_a_laptop_needs_no_settings_at_all(tmp_path: Path) -> None:
    settings = Settings.from_env({"BORGERPANEL_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'borgerpanel.sqlite3'}"
    assert settings.redis_url is None
    assert len(settings.secret_key) >= 32
    # The generated key is kept, so sessions survive a restart.
    again = Settings.from_env({"BORGERPANEL_DATA_DIR": str(tmp_path)})
    assert again.secret_key == settings.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


STRONG = "q4Zr8Lw2Xe7Tn0Vb5Kc9Hm3Ja6Pd1Ys-Gu_Fi4Ot8Re2Wq7Ez0Ax5Sc9Dv3Bn6Mk1Lj"
PUBLIC = {"BORGERPANEL_PUBLIC_URL": "https://panel.example.org"}


@pytest.mark.parametrize(
    "secret",
    ["", "secret", "short-but-not-empty", "a" * 32, "ab" * 24, "0123456789" * 4],
)
def test_production_refuses_a_missing_or_weak_secret_with_advice(
    tmp_path: Path, secret: str
) -> None:
    env = {
        "BORGERPANEL_ENV": "production",
        "BORGERPANEL_DATA_DIR": str(tmp_path),
        "BORGERPANEL_SECRET_KEY": secret,
        **PUBLIC,
    }
    with pytest.raises(SettingsError, match=r"BORGERPANEL_SECRET_KEY.*token_urlsafe"):
        Settings.from_env(env)


def test_production_accepts_a_strong_secret(tmp_path: Path) -> None:
    env = {
        "BORGERPANEL_ENV": "production",
        "BORGERPANEL_DATA_DIR": str(tmp_path),
        "BORGERPANEL_SECRET_KEY": STRONG,
        **PUBLIC,
    }
    settings = Settings.from_env(env)
    assert settings.production
    # Behind TLS whatever the URL says: Secure cookies and HSTS.
    assert settings.https
    assert settings.allowed_hosts == ("panel.example.org",)
    assert settings.trusted_proxies == ()


def test_production_refuses_to_start_without_a_public_url(tmp_path: Path) -> None:
    env = {
        "BORGERPANEL_ENV": "production",
        "BORGERPANEL_DATA_DIR": str(tmp_path),
        "BORGERPANEL_SECRET_KEY": STRONG,
    }
    with pytest.raises(SettingsError, match="BORGERPANEL_PUBLIC_URL is not set"):
        Settings.from_env(env)
    with pytest.raises(SettingsError, match="must be an http"):
        Settings.from_env({**env, "BORGERPANEL_PUBLIC_URL": "panel.example.org"})


def test_allowed_hosts_default_to_the_public_url_and_this_machine_in_development(
    tmp_path: Path,
) -> None:
    laptop = Settings.from_env({"BORGERPANEL_DATA_DIR": str(tmp_path), **PUBLIC})
    assert laptop.allowed_hosts == ("panel.example.org", "localhost", "127.0.0.1")
    listed = Settings.from_env(
        {
            "BORGERPANEL_DATA_DIR": str(tmp_path),
            "BORGERPANEL_ALLOWED_HOSTS": "a.example, b.example",
            "BORGERPANEL_TRUSTED_PROXIES": "10.0.0.1",
        }
    )
    assert listed.allowed_hosts == ("a.example", "b.example")
    assert listed.trusted_proxies == ("10.0.0.1",)


def test_hosting_style_database_urls_get_the_async_driver(tmp_path: Path) -> None:
    env = {
        "BORGERPANEL_DATA_DIR": str(tmp_path),
        "BORGERPANEL_DATABASE_URL": "postgres://u:p@db:5432/panel",
        "BORGERPANEL_REDIS_URL": "redis://cache:6379/0",
    }
    settings = Settings.from_env(env)
    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/panel"
    assert settings.redis_url == "redis://cache:6379/0"


def test_an_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="development' or 'production"):
        Settings.from_env({"BORGERPANEL_ENV": "staging", "BORGERPANEL_DATA_DIR": str(tmp_path)})


def test_the_cli_refuses_to_start_in_production_without_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.cli import main

    monkeypatch.setenv("BORGERPANEL_ENV", "production")
    monkeypatch.setenv("BORGERPANEL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BORGERPANEL_SECRET_KEY", raising=False)
    assert main(["db", "upgrade"]) == 2
    assert "BORGERPANEL_SECRET_KEY is not set" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("BORGERPANEL_STAFF_IDLE_MINUTES", "abc", "whole number of minutes from 5 to 1440"),
        ("BORGERPANEL_STAFF_IDLE_MINUTES", "4", "whole number of minutes from 5 to 1440"),
        ("BORGERPANEL_STAFF_IDLE_MINUTES", "30.5", "whole number of minutes from 5 to 1440"),
        ("BORGERPANEL_STAFF_IDLE_MINUTES", "-10", "whole number of minutes from 5 to 1440"),
        ("BORGERPANEL_STAFF_SESSION_HOURS", "0", "whole number of hours from 1 to 168"),
        ("BORGERPANEL_STAFF_SESSION_HOURS", "12h", "whole number of hours from 1 to 168"),
    ],
)
def test_staff_session_limits_that_are_not_whole_numbers_in_range_are_refused(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    with pytest.raises(SettingsError, match=f"{name} must be a {says}, not '{value}'"):
        Settings.from_env({"BORGERPANEL_DATA_DIR": str(tmp_path), name: value})


def test_staff_session_limits_are_read_from_the_environment(tmp_path: Path) -> None:
    defaults = Settings.from_env({"BORGERPANEL_DATA_DIR": str(tmp_path)})
    assert (defaults.staff_session_hours, defaults.staff_idle_minutes) == (12, 120)
    settings = Settings.from_env(
        {
            "BORGERPANEL_DATA_DIR": str(tmp_path),
            "BORGERPANEL_STAFF_SESSION_HOURS": " 8 ",
            "BORGERPANEL_STAFF_IDLE_MINUTES": "30",
        }
    )
    assert (settings.staff_session_hours, settings.staff_idle_minutes) == (8, 30)


def test_the_cli_refuses_to_start_with_a_bad_idle_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.cli import main

    monkeypatch.setenv("BORGERPANEL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BORGERPANEL_STAFF_IDLE_MINUTES", "two hours")
    assert main(["db", "upgrade"]) == 2
    assert "BORGERPANEL_STAFF_IDLE_MINUTES must be a whole number" in capsys.readouterr().err
