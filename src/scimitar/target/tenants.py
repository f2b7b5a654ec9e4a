"""Tenants of the embedded target: creation, tokens (stored hashed) and fault settings."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.errors import ConfigError, NotFoundError
from scimitar.secrets import CHANGED_IN_DOCUMENT, REDACTED_IN_DOCUMENT
from scimitar.store import Database
from scimitar.store.tables.target import TENANT as table
from scimitar.target.imperfections import WELL_BEHAVED, Imperfections

__all__ = ["PROFILES", "QUIRKS", "Faults", "Tenant", "TenantService", "hash_token"]

PROFILES = ("webex", "generic")
QUIRKS = ("vendor", "rfc")
TOKEN_PREFIX = "scimtgt_"  # noqa: S105 - a prefix that makes leaked tokens greppable


def hash_token(token: str) -> str:
    """The SHA-256 of a bearer token; tokens are random, so no salt or stretching is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Faults:
    """Faults a tenant injects into every request; zero turns each off."""

    latency_ms: int = 0
    rate_limit_rps: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0

    @property
    def is_active(self) -> bool:
        """Whether any fault is switched on."""
        return bool(self.latency_ms or self.rate_limit_rps or self.error_rate or self.drop_rate)

    def as_dict(self) -> dict[str, Any]:
        """Plain values, as printed by the CLI."""
        return {
            "latency_ms": self.latency_ms,
            "rate_limit_rps": self.rate_limit_rps,
            "error_rate": self.error_rate,
            "drop_rate": self.drop_rate,
        }


@dataclass(frozen=True, slots=True)
class Tenant:
    """A tenant as the rest of the target sees it (never the token, only its hash)."""

    id: str
    name: str
    profile: str
    token_hash: str
    created_at: datetime
    faults: Faults
    quirks: str = "vendor"
    imperfections: Imperfections = WELL_BEHAVED

    def accepts(self, token: str) -> bool:
        """Constant-time check of a presented bearer token."""
        return hmac.compare_digest(hash_token(token), self.token_hash)

    def as_dict(self) -> dict[str, Any]:
        """Public fields, as printed by the CLI (no token, no hash)."""
        return {
            "id": self.id,
            "name": self.name,
            "profile": self.profile,
            "quirks": self.quirks,
            "created_at": self.created_at.isoformat(),
            "faults": self.faults.as_dict(),
            "quirk_switches": self.imperfections.as_dict(),
        }


_FIND_SQL = (
    "SELECT id, name, profile, token_hash, latency_ms, rate_limit_rps, error_rate, drop_rate, "
    "created_at, quirks, imperfections FROM target_tenant WHERE id = :id"
)


def _tenant_from_tuple(row: Sequence[Any]) -> Tenant:
    faults = Faults(int(row[4]), float(row[5]), float(row[6]), float(row[7]))
    created = row[8] if isinstance(row[8], datetime) else datetime.fromisoformat(row[8])
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    switches = Imperfections.from_json(row[10])
    return Tenant(row[0], row[1], row[2], row[3], created, faults, row[9], switches)


def _tenant_from_row(row: Any) -> Tenant:
    faults = Faults(row.latency_ms, row.rate_limit_rps, row.error_rate, row.drop_rate)
    switches = Imperfections.from_json(row.imperfections)
    return Tenant(
        row.id, row.name, row.profile, row.token_hash, row.created_at, faults, row.quirks, switches
    )


def _check_faults(faults: Faults) -> None:
    if faults.latency_ms < 0 or faults.latency_ms > 600_000:
        raise ConfigError("--latency-ms must be between 0 and 600000 milliseconds")
    if faults.rate_limit_rps < 0:
        raise ConfigError("--rate-limit must be 0 (off) or a positive number of requests/s")
    for name, rate in (("--error-rate", faults.error_rate), ("--drop-rate", faults.drop_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"{name} must be a probability between 0 and 1, got {rate}")


def _check_quirks(quirks: str) -> None:
    if quirks not in QUIRKS:
        raise ConfigError(
            f"quirks {quirks!r} is unknown; use 'vendor' (the profile's own deviations from "
            "the RFC, e.g. Webex's error block) or 'rfc' (plain RFC 7643/7644 behaviour)"
        )


class TenantService:
    """Reads and changes target tenants in the store."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._cache: dict[str, Tenant] = {}
        self._cache_stamp: int | None = None

    async def create(
        self, name: str, profile: str = "webex", quirks: str = "vendor", *, actor: Actor
    ) -> tuple[Tenant, str]:
        """Create a tenant; returns it with its bearer token, which is not stored in clear.

        Every change here is recorded in the audit log as made by ``actor`` (tokens never).
        """
        _check_quirks(quirks)
        name = name.strip()
        if not name or len(name) > 200:
            raise ConfigError("tenant name must be 1 to 200 characters")
        if profile not in PROFILES:
            raise ConfigError(f"profile {profile!r} is unknown; use one of: {', '.join(PROFILES)}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        values = {
            "id": str(uuid.uuid4()),
            "name": name,
            "profile": profile,
            "token_hash": hash_token(token),
            "created_at": utcnow(),
            "quirks": quirks,
        }
        try:
            async with self._db.write() as conn:
                await conn.execute(insert(table).values(**values))
                created = await _tenant_in(conn, str(values["id"]))
                await record(conn, _entry(actor, "tenant.create", None, created))
        except IntegrityError as exc:
            raise ConfigError(
                f"a target tenant named {name!r} already exists; choose another name"
            ) from exc
        return created, token

    async def list(self) -> list[Tenant]:
        """Every tenant, oldest first."""
        async with self._db.read() as conn:
            rows = await conn.execute(select(table).order_by(table.c.created_at))
            return [_tenant_from_row(row) for row in rows]

    async def find(self, tenant_id: str) -> Tenant | None:
        """The tenant with this id, or None (read on every target request, so kept cheap).

        On SQLite, found tenants are cached until another connection commits anything
        (:meth:`Database.change_stamp`), which is how CLI changes reach a running server.
        """
        stamp = self._db.change_stamp()
        if stamp is not None:
            if stamp != self._cache_stamp:
                self._cache.clear()
                self._cache_stamp = stamp
            cached = self._cache.get(tenant_id)
            if cached is not None:
                return cached
        async with self._db.fast_read() as conn:
            row = await conn.fetch_one(_FIND_SQL, {"id": tenant_id})
        if row is None:
            return None
        tenant = _tenant_from_tuple(row)
        if stamp is not None:
            self._cache[tenant_id] = tenant
        return tenant

    async def get(self, ref: str) -> Tenant:
        """The tenant with this id or name; NotFoundError names what was looked for."""
        async with self._db.read() as conn:
            query = select(table).where((table.c.id == ref) | (table.c.name == ref))
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFoundError(
                f"no target tenant has the id or name {ref!r}; see `scimitar target tenant list`"
            )
        return _tenant_from_row(row)

    async def rotate_token(self, ref: str, *, actor: Actor) -> tuple[Tenant, str]:
        """Replace a tenant's token; the old one stops working at once."""
        tenant = await self.get(ref)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self._db.write() as conn:
            await conn.execute(
                update(table).where(table.c.id == tenant.id).values(token_hash=hash_token(token))
            )
            rotated = await _tenant_in(conn, tenant.id)
            await record(conn, _entry(actor, "tenant.token_rotate", tenant, rotated, changed=True))
        return rotated, token

    async def set_faults(self, ref: str, *, actor: Actor, **changes: float | int | None) -> Tenant:
        """Change some fault settings (None leaves one as it is)."""
        tenant = await self.get(ref)
        merged = {**tenant.faults.as_dict(), **{k: v for k, v in changes.items() if v is not None}}
        faults = Faults(
            int(merged["latency_ms"]),
            float(merged["rate_limit_rps"]),
            float(merged["error_rate"]),
            float(merged["drop_rate"]),
        )
        _check_faults(faults)
        async with self._db.write() as conn:
            await conn.execute(
                update(table).where(table.c.id == tenant.id).values(**faults.as_dict())
            )
            changed = await _tenant_in(conn, tenant.id)
            await record(conn, _entry(actor, "tenant.faults", tenant, changed))
        return changed

    async def set_quirks(self, ref: str, quirks: str, *, actor: Actor) -> Tenant:
        """Choose between the profile's vendor quirks and plain RFC 7643/7644 behaviour."""
        _check_quirks(quirks)
        tenant = await self.get(ref)
        async with self._db.write() as conn:
            await conn.execute(update(table).where(table.c.id == tenant.id).values(quirks=quirks))
            changed = await _tenant_in(conn, tenant.id)
            await record(conn, _entry(actor, "tenant.quirks", tenant, changed))
        return changed

    async def set_imperfections(self, ref: str, switches: Imperfections, *, actor: Actor) -> Tenant:
        """Replace a tenant's quirk switches (``WELL_BEHAVED`` turns them all off)."""
        tenant = await self.get(ref)
        async with self._db.write() as conn:
            await conn.execute(
                update(table)
                .where(table.c.id == tenant.id)
                .values(imperfections=switches.to_json())
            )
            changed = await _tenant_in(conn, tenant.id)
            await record(conn, _entry(actor, "tenant.quirk_switches", tenant, changed))
        return changed

    async def delete(self, ref: str, *, actor: Actor) -> Tenant:
        """Delete a tenant and everything it holds."""
        tenant = await self.get(ref)
        async with self._db.write() as conn:
            await conn.execute(delete(table).where(table.c.id == tenant.id))
            await record(conn, _entry(actor, "tenant.delete", tenant, None))
        return tenant


async def _tenant_in(conn: AsyncConnection, tenant_id: str) -> Tenant:
    row = (await conn.execute(select(table).where(table.c.id == tenant_id))).one()
    return _tenant_from_row(row)


def _audited(tenant: Tenant | None, token: str) -> dict[str, Any] | None:
    if tenant is None:
        return None
    return {**tenant.as_dict(), "token": token}


def _entry(
    actor: Actor, action: str, before: Tenant | None, after: Tenant | None, *, changed: bool = False
) -> AuditEntry:
    """The audit entry of a tenant change; the token shows only as redacted or changed."""
    shown = after or before
    token_after = CHANGED_IN_DOCUMENT if changed else REDACTED_IN_DOCUMENT
    return AuditEntry(
        actor,
        action,
        f"target tenant {shown.name if shown else ''}",
        before=_audited(before, REDACTED_IN_DOCUMENT),
        after=_audited(after, token_after),
    )
