"""Settings from environment variables with safe defaults (12-factor).

Nothing needs setting on a laptop: SQLite under ./data, the in-process broker and a
secret key generated once and kept in the data folder. Production refuses to start
without a strong secret, because a guessable key lets anyone forge a facilitator's
session cookie, and without a public URL, because the join QR and the invitation
letters must never point wherever a request's Host header says.
"""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WEAK_SECRETS = {"secret", "changeme", "change-me", "development", "dev", "password", "test"}
MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 80
"""Estimated from the characters the key uses (a random 32-hex-digit key scores ~100,
32 × "a" scores 0): a floor that catches keys typed by hand, not a proof of strength."""
LOCAL_HOSTS = ("localhost", "127.0.0.1")
STAFF_SESSION_HOURS = range(1, 7 * 24 + 1)
"""A staff session lasts from an hour to a week, however busy its person is."""
STAFF_IDLE_MINUTES = range(5, 24 * 60 + 1)
"""At least 5: a session's last request is written down once a minute, so a shorter
idle limit could log out someone who is at work."""


class SettingsError(Exception):
    """A setting that makes it unsafe or impossible to start; the message says what to do."""


@dataclass(frozen=True)
class Settings:
    environment: str
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    public_url: str | None
    redis_namespace: str = "borgerpanel"
    allowed_hosts: tuple[str, ...] = ("*",)
    """Host headers answered; anything else gets 400 (TrustedHostMiddleware)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses whose X-Forwarded-For/-Proto we believe (uvicorn's forwarded_allow_ips)."""
    session_max_age: int = 14 * 24 * 3600
    staff_session_hours: int = 12
    metrics_token: str | None = None
    json_logs: bool = False
    staff_idle_minutes: int = 120

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def https(self) -> bool:
        """Secure cookies and HSTS: always in production, which runs behind TLS."""
        return self.production or bool(self.public_url and self.public_url.startswith("https://"))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        environment = env.get("BORGERPANEL_ENV", "development").strip().lower()
        if environment not in ("development", "production"):
            raise SettingsError(
                f"BORGERPANEL_ENV must be 'development' or 'production', not {environment!r}."
            )
        data_dir = Path(env.get("BORGERPANEL_DATA_DIR", "data")).resolve()
        database_url = env.get("BORGERPANEL_DATABASE_URL") or (
            f"sqlite+aiosqlite:///{data_dir / 'borgerpanel.sqlite3'}"
        )
        database_url = _async_driver(database_url)
        redis_url = env.get("BORGERPANEL_REDIS_URL") or None
        secret_key = _secret_key(env.get("BORGERPANEL_SECRET_KEY", ""), environment, data_dir)
        public_url = _public_url(env.get("BORGERPANEL_PUBLIC_URL", ""), environment)
        namespace = env.get("BORGERPANEL_REDIS_NAMESPACE", "borgerpanel").strip() or "borgerpanel"
        log_format = env.get("BORGERPANEL_LOG_FORMAT", "text").strip().lower()
        if log_format not in ("text", "json"):
            raise SettingsError(
                f"BORGERPANEL_LOG_FORMAT must be 'text' or 'json', not {log_format!r}."
            )
        return cls(
            environment,
            data_dir,
            database_url,
            redis_url,
            secret_key,
            public_url,
            namespace,
            metrics_token=env.get("BORGERPANEL_METRICS_TOKEN", "").strip() or None,
            json_logs=log_format == "json",
            allowed_hosts=_allowed_hosts(
                env.get("BORGERPANEL_ALLOWED_HOSTS", ""), public_url, environment
            ),
            trusted_proxies=_listed(env.get("BORGERPANEL_TRUSTED_PROXIES", "")),
            staff_session_hours=_whole_number(
                env.get("BORGERPANEL_STAFF_SESSION_HOURS", ""),
                "BORGERPANEL_STAFF_SESSION_HOURS",
                "hours",
                STAFF_SESSION_HOURS,
                cls.staff_session_hours,
            ),
            staff_idle_minutes=_whole_number(
                env.get("BORGERPANEL_STAFF_IDLE_MINUTES", ""),
                "BORGERPANEL_STAFF_IDLE_MINUTES",
                "minutes",
                STAFF_IDLE_MINUTES,
                cls.staff_idle_minutes,
            ),
        )


def _whole_number(given: str, name: str, unit: str, allowed: range, default: int) -> int:
    """The number set, if any; anything but a whole number in its range stops the start,
    so a typo never leaves staff sessions open longer than the organiser meant."""
    given = given.strip()
    if not given:
        return default
    if not (given.isascii() and given.isdigit()) or int(given) not in allowed:
        raise SettingsError(
            f"{name} must be a whole number of {unit} from {allowed.start} to "
            f"{allowed.stop - 1}, not {given!r}."
        )
    return int(given)


def _listed(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _public_url(given: str, environment: str) -> str | None:
    url = given.strip().rstrip("/")
    if not url:
        if environment == "production":
            raise SettingsError(
                "BORGERPANEL_PUBLIC_URL is not set. In production it must be the address "
                "people reach the panel at, for example https://panel.example.org: the join "
                "QR and the invitation letters link there."
            )
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"BORGERPANEL_PUBLIC_URL must be an http(s) address such as "
            f"https://panel.example.org, not {given!r}."
        )
    return url


def _allowed_hosts(given: str, public_url: str | None, environment: str) -> tuple[str, ...]:
    """Listed hosts; by default the public URL's host, plus this machine in development.

    In development without a public URL every host is answered (phones reach a laptop
    by its network address); each request then links to its own host, nothing more.
    """
    listed = _listed(given)
    if listed:
        return listed
    if public_url is None:
        return ("*",)
    hosts = (urlsplit(public_url).hostname or "",)
    return hosts + LOCAL_HOSTS if environment == "development" else hosts


def _async_driver(url: str) -> str:
    """Accept the URLs hosting platforms hand out and pick the async driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def _secret_key(given: str, environment: str, data_dir: Path) -> str:
    given = given.strip()
    if given:
        weak = (
            len(given) < MIN_SECRET_LENGTH
            or given.lower() in WEAK_SECRETS
            or _estimated_bits(given) < MIN_SECRET_BITS
        )
        if weak and environment == "production":
            raise SettingsError(
                "BORGERPANEL_SECRET_KEY is too weak: use at least "
                f"{MIN_SECRET_LENGTH} random characters (not a word, not one character "
                "repeated), for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        return given
    if environment == "production":
        raise SettingsError(
            "BORGERPANEL_SECRET_KEY is not set. In production it must be set to at least "
            f"{MIN_SECRET_LENGTH} random characters, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    # Development: one random key per data folder, so sessions survive a restart.
    key_file = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _estimated_bits(secret: str) -> float:
    """Length × the Shannon entropy of the characters used, a ceiling on what it holds.

    A repeated pattern ("0123456789" four times) uses many characters but few
    distinct runs of three: it counts only as much as its distinct runs.
    """
    counts = Counter(secret)
    per_character = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    runs = {secret[i : i + 3] for i in range(len(secret) - 2)}
    return min(len(secret), len(runs)) * per_character
