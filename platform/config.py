"""Settings read from the environment, with safe development defaults.

One frozen dataclass so every part of the app (web, CLI, workers) reads the same values
and tests can build their own without touching ``os.environ``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEV_SECRET = "dev-only-secret-change-me"
DEFAULT_INSTANCE = Path.cwd() / "instance"


class ConfigError(RuntimeError):
    """Raised when the configuration cannot be used; the message says how to fix it."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"expected a boolean (1/0, true/false), got {value!r}")


def legacy_digest(secret_key: str) -> str:
    """What the password salt and TOTP key were derived from before they had settings."""
    return hashlib.sha256(secret_key.encode()).hexdigest()


def _versioned(value: str | None) -> dict[str, str]:
    """Parse ``1=key,2=newer`` into TOTP keys by version."""
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (value or "").split(","))):
        version, sep, key = item.partition("=")
        if not sep or not version.strip().isdigit() or len(key.strip()) < 16:
            raise ConfigError("AIMI_TOTP_SECRETS entries look like <version number>=<key of 16+ "
                              f"characters>, got {item.split('=')[0]!r}=...")
        keys[version.strip()] = key.strip()
    return keys


# Requests per window (seconds) for each throttled kind of request, per tenant and user (or
# client address when signed out): see aimi.web.throttle. Sign-in keeps its own settings.
# Sized by benchmarks/rate_limits.py so no legitimate flow meets a 429 (a class behind one
# campus address, a voice answer uploaded after a lost connection, an integration's sync).
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "upload": (900, 60),     # recording chunks: one a second, a whole 600 s take after an outage
    "scoring": (60, 60),     # try-it scoring, in the portal and through the API (bulk: Retry-After)
    "register": (300, 3600),  # a class of 120 from one campus address, some twice
    "reset": (150, 900),     # reset and confirmation mail, and the reset form, for a class
    "api": (1200, 60),       # a sequential integration at 20 requests/s
}


def parse_rate_limits(value: str | None) -> dict[str, tuple[int, int]]:
    """Parse ``api=300/60,upload=120/60`` over the defaults."""
    limits = dict(DEFAULT_RATE_LIMITS)
    for item in filter(None, (part.strip() for part in (value or "").split(","))):
        name, _, spec = item.partition("=")
        count, _, window = spec.partition("/")
        if name.strip() not in limits or not (count.strip().isdigit() and window.strip().isdigit()):
            raise ConfigError("AIMI_RATE_LIMITS entries look like <kind>=<requests>/<seconds> with "
                              f"kind one of {', '.join(DEFAULT_RATE_LIMITS)}; got {item!r}")
        limits[name.strip()] = (int(count), int(window))
    return limits


def _servers(value: str | None) -> dict[str, str]:
    """Parse ``name=url,name2=url2`` into a mapping of extra tenant database servers."""
    servers: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (value or "").split(","))):
        name, sep, url = item.partition("=")
        if not sep or not name or not url:
            raise ConfigError(f"AIMI_DB_SERVERS entries look like name=url, got {item!r}")
        servers[name.strip()] = url.strip()
    return servers


@dataclass(frozen=True)
class Settings:
    """Everything aimi reads from its environment."""

    env: str = "development"
    secret_key: str = DEV_SECRET
    # Older keys, still accepted when reading sessions while ``secret_key`` signs new ones.
    secret_key_fallbacks: tuple[str, ...] = ()
    # Mixed into every password hash, and the keys that encrypt TOTP secrets ({version:
    # key}, newest used for new enrolments): apart from secret_key, so rotating it after a
    # leak breaks neither passwords nor two-factor enrolments. Empty = derived from
    # secret_key as before these settings existed (see legacy_password_salt).
    password_salt: str = ""
    totp_secrets: dict[str, str] = field(default_factory=dict)
    trusted_proxies: int = 0
    database_url: str = ""
    db_servers: dict[str, str] = field(default_factory=dict)
    redis_url: str = ""
    base_domain: str = "localhost"
    platform_hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    instance_path: Path = DEFAULT_INSTANCE
    export_dir: Path | None = None
    files_root: Path | None = None
    mail_sender: str = "aimi <no-reply@aimi.example.com>"
    # Where people reach aimi: links in mail made outside a request (jobs, reminders) and
    # unsubscribe links; a college's portal is <public_url>/t/<slug>.
    public_url: str = "http://localhost:5000"
    smtp_url: str = ""
    require_2fa: bool | None = None
    login_rate_limit: int = 10
    login_rate_window: int = 300
    rate_limits: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    log_json: bool = True
    testing: bool = False
    # Argon2 at its smallest cost: for tests only, which hash and check passwords thousands
    # of times (at the full cost, a third of a CPU second each, that was most of the suite).
    # No environment variable sets it, and production refuses it.
    fast_password_hashing: bool = False

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def two_factor_required(self) -> bool:
        """Admins must use TOTP in production unless explicitly relaxed."""
        return self.production if self.require_2fa is None else self.require_2fa

    @property
    def effective_password_salt(self) -> str:
        return self.password_salt or legacy_digest(self.secret_key)[:32]

    @property
    def effective_totp_secrets(self) -> dict[str, str]:
        return self.totp_secrets or {"1": legacy_digest(self.secret_key)[32:]}

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_path / 'aimi.db'}"

    @property
    def effective_export_dir(self) -> Path:
        return self.export_dir or self.instance_path / "exports"

    @property
    def effective_files_root(self) -> Path:
        return self.files_root or self.instance_path / "files"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    def validate(self) -> Settings:
        if self.production and self.secret_key == DEV_SECRET:
            raise ConfigError(
                "AIMI_SECRET_KEY is the development default; set a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) "
                "before running with AIMI_ENV=production"
            )
        if self.production and len(self.secret_key) < 32:
            raise ConfigError("AIMI_SECRET_KEY must be at least 32 characters in production")
        if self.production and not (self.password_salt and self.totp_secrets):
            raise ConfigError(
                "set AIMI_PASSWORD_SALT and AIMI_TOTP_SECRETS in production, apart from "
                "AIMI_SECRET_KEY (README, 'Rotating secrets'): an existing deployment sets them to "
                "the values `aimi security legacy-secrets` prints, so no password or "
                "enrolment breaks")
        if self.production and self.fast_password_hashing:
            raise ConfigError("fast_password_hashing is for tests; production hashes passwords at full cost")
        if self.trusted_proxies < 0:
            raise ConfigError("AIMI_TRUSTED_PROXIES must be 0 or more")
        if self.login_rate_limit < 1 or self.login_rate_window < 1:
            raise ConfigError("AIMI_LOGIN_RATE_LIMIT and AIMI_LOGIN_RATE_WINDOW must be >= 1")
        if any(count < 1 or window < 1 for count, window in self.rate_limits.values()):
            raise ConfigError("AIMI_RATE_LIMITS: every limit and window must be >= 1")
        return self


def from_env(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from ``AIMI_*`` variables; unknown values are a clear error."""
    env = os.environ if environ is None else environ
    instance = Path(env.get("AIMI_INSTANCE_PATH") or DEFAULT_INSTANCE)
    hosts = tuple(
        h.strip() for h in env.get("AIMI_PLATFORM_HOSTS", "localhost,127.0.0.1").split(",")
        if h.strip()
    )
    try:
        rate_limit = int(env.get("AIMI_LOGIN_RATE_LIMIT", "10"))
        rate_window = int(env.get("AIMI_LOGIN_RATE_WINDOW", "300"))
        trusted_proxies = int(env.get("AIMI_TRUSTED_PROXIES", "0"))
    except ValueError as exc:
        raise ConfigError(f"AIMI_LOGIN_RATE_LIMIT/WINDOW and AIMI_TRUSTED_PROXIES must be integers: "
                          f"{exc}") from exc
    mode = env.get("AIMI_ENV", "development")
    if mode not in {"development", "production", "testing"}:
        raise ConfigError(f"AIMI_ENV must be development, production or testing, not {mode!r}")
    require_2fa = env.get("AIMI_REQUIRE_2FA")
    return Settings(
        env=mode,
        secret_key=env.get("AIMI_SECRET_KEY", DEV_SECRET),
        secret_key_fallbacks=tuple(k.strip() for k in env.get("AIMI_SECRET_KEY_FALLBACKS", "").split(",")
                                   if k.strip()),
        password_salt=env.get("AIMI_PASSWORD_SALT", ""),
        totp_secrets=_versioned(env.get("AIMI_TOTP_SECRETS")),
        trusted_proxies=trusted_proxies,
        database_url=env.get("AIMI_DATABASE_URL", ""),
        db_servers=_servers(env.get("AIMI_DB_SERVERS")),
        redis_url=env.get("AIMI_REDIS_URL", ""),
        base_domain=env.get("AIMI_BASE_DOMAIN", "localhost").lower(),
        platform_hosts=hosts,
        instance_path=instance,
        export_dir=Path(env["AIMI_EXPORT_DIR"]) if env.get("AIMI_EXPORT_DIR") else None,
        files_root=Path(env["AIMI_FILES_ROOT"]) if env.get("AIMI_FILES_ROOT") else None,
        mail_sender=env.get("AIMI_MAIL_SENDER", "aimi <no-reply@aimi.example.com>"),
        public_url=env.get("AIMI_PUBLIC_URL", "http://localhost:5000").rstrip("/"),
        smtp_url=env.get("AIMI_SMTP_URL", ""),
        require_2fa=None if require_2fa in (None, "") else _bool(require_2fa),
        login_rate_limit=rate_limit,
        login_rate_window=rate_window,
        rate_limits=parse_rate_limits(env.get("AIMI_RATE_LIMITS")),
        log_json=_bool(env.get("AIMI_LOG_JSON"), default=True),
        testing=mode == "testing",
    ).validate()
