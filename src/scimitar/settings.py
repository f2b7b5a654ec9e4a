"""Runtime settings, read from the environment (``SCIMITAR_*``), built once per entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["LogFormat", "LogLevel", "SMTPSecurity", "Settings", "describe_invalid_settings"]

#: How developer logs are written: one JSON object a line, or aligned text for a terminal.
LogFormat = Literal["console", "json"]
#: The least severe developer log lines written.
LogLevel = Literal["debug", "info", "warning", "error"]

#: How the SMTP connection is protected: plain, upgraded with STARTTLS, or TLS from the start.
SMTPSecurity = Literal["none", "starttls", "tls"]


class Settings(BaseSettings):
    """Everything a Scimitar process needs to know about its environment.

    Built at the entry point (``scimitar serve``, each CLI command, ``create_app(settings)``)
    and passed down; never a module-level singleton.
    """

    model_config = SettingsConfigDict(env_prefix="SCIMITAR_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".scimitar"),
        description="Holds the SQLite database and the key file.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; overrides the SQLite database in data_dir. "
        "Examples: sqlite+aiosqlite:///path/db.sqlite3, postgresql+asyncpg://user@host/db",
    )
    max_request_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body the servers accept."
    )
    auth_free_failures: int = Field(
        default=10,
        ge=1,
        description="Failed sign-ins or 401s per client address, and per account, allowed in "
        "auth_failure_window_seconds before each further failure blocks them with a doubling "
        "delay (429 with Retry-After).",
    )
    auth_failure_window_seconds: int = Field(
        default=900, ge=1, description="How long authentication failures are counted."
    )
    auth_max_delay_seconds: int = Field(
        default=900, ge=1, description="The longest block one authentication failure causes."
    )
    target_max_page: int = Field(
        default=1000, ge=1, description="Largest page a SCIM list returns, whatever count asks."
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL clients reach this server at; used in meta.location and printed "
        "tenant URLs. Defaults to http://HOST:PORT of the running server.",
    )

    directory_soft_delete_days: int = Field(
        default=30,
        ge=0,
        description="How long a soft-deleted directory user or group stays restorable before "
        "purge deletes it for good (Entra: 30 days).",
    )
    log_format: LogFormat | None = Field(
        default=None,
        description="Developer logs on stderr: json (one object a line, for a log shipper) or "
        "console (text). Default: console, and json for serve --json.",
    )
    log_level: LogLevel | None = Field(
        default=None,
        description="The least severe developer log lines written: debug, info, warning or "
        "error. Default: info for serve, warning for other commands.",
    )
    access_log: bool | None = Field(
        default=None,
        description="One log line per HTTP request served (method, path without its query "
        "string, status, milliseconds, request id). Default: on for serve, off for target "
        "serve (a benchmark and test tool).",
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Where this machine's Scimitar processes write their Prometheus metrics "
        "(multiprocess mode); GET /metrics adds them up. Default: <data dir>/metrics.",
    )
    metrics_public: bool = Field(
        default=False,
        description="Serve GET /metrics without an API key (for a scraper inside a trusted "
        "network). Off: the scraper sends 'Authorization: Bearer <API key>'.",
    )
    log_retention_days: int = Field(
        default=30,
        ge=1,
        description="How long provisioning log records are kept before purge deletes them "
        "(Entra: 30 days).",
    )
    realtime_window_ms: int = Field(
        default=300,
        ge=0,
        le=60_000,
        description="Real-time runs: how long after a change signal the engine waits for more "
        "changes to apply them together in one run (milliseconds).",
    )
    audit_retention_days: int = Field(
        default=365,
        ge=1,
        description="How long audit records of admin changes are kept before the scheduler's "
        "hourly purge deletes them.",
    )

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that sends notification mails; unset turns email off.",
    )
    smtp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="SMTP port; defaults to 25 (none), 587 (starttls) or 465 (tls).",
    )
    smtp_security: SMTPSecurity = Field(
        default="starttls",
        description="none, starttls (upgrade the connection) or tls (TLS from the start).",
    )
    smtp_username: str | None = Field(
        default=None, description="Login for SMTP AUTH; unset sends without logging in."
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="Password for SMTP AUTH; never printed or logged."
    )
    smtp_sender: str | None = Field(
        default=None,
        description="The From address of notification mails, e.g. scimitar@example.com.",
    )
    smtp_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Limit on connecting and on each SMTP command."
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA that signed the SMTP server's certificate (a private "
        "CA); the system's CAs are used otherwise.",
    )
    smtp_tls_insecure: bool = Field(
        default=False,
        description="Skip verifying the SMTP server's certificate and host name. For tests "
        "only: anyone on the path can then read the mail and the password.",
    )
    notify_failure_interval_minutes: int = Field(
        default=60,
        ge=0,
        description="At most one cycle-failure mail per app within this many minutes.",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the explicit one, or SQLite inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'scimitar.sqlite3').resolve()}"

    @property
    def key_file(self) -> Path:
        """The file holding the key that encrypts secrets at rest."""
        return self.data_dir / "secret.key"


def describe_invalid_settings(error: Exception) -> str | None:
    """A one-line message naming each invalid ``SCIMITAR_*`` variable, for pydantic's error.

    None when ``error`` is not a validation error of :class:`Settings`.
    """
    from pydantic import ValidationError

    if not isinstance(error, ValidationError) or error.title != Settings.__name__:
        return None
    parts = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper()
        given = problem.get("input")
        secret = any(word in name for word in ("PASSWORD", "TOKEN", "SECRET", "KEY"))
        shown = "" if secret or not isinstance(given, str | int | float) else f" (it is {given!r})"
        parts.append(f"SCIMITAR_{name}: {problem['msg']}{shown}")
    return "invalid setting: " + "; ".join(parts) + "; fix or unset the variable"
