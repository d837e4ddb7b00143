"""Settings from environment variables with safe defaults (12-factor).

Nothing needs setting on a laptop: SQLite under ./data, the in-process broker and a
secret key generated once and kept in the data folder. Production refuses to start
without a strong secret, because a guessable key lets anyone forge a facilitator's
session cookie.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

WEAK_SECRETS = {"secret", "changeme", "change-me", "development", "dev", "password", "test"}
MIN_SECRET_LENGTH = 32


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
    session_max_age: int = 14 * 24 * 3600
    staff_session_hours: int = 12
    metrics_token: str | None = None
    json_logs: bool = False

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def https(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

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
        public_url = (env.get("BORGERPANEL_PUBLIC_URL") or "").rstrip("/") or None
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
        )


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
        weak = len(given) < MIN_SECRET_LENGTH or given.lower() in WEAK_SECRETS
        if weak and environment == "production":
            raise SettingsError(
                "BORGERPANEL_SECRET_KEY is too weak: use at least "
                f"{MIN_SECRET_LENGTH} random characters, for example the output of "
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
