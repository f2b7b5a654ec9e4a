"""Sources as the CLI, API and scheduler use them: add, list, show, settings, mappings, remove."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.apps.mapping_edits import (
    MappingEdit,
    add_scoping_clause,
    apply_edit,
    clear_scoping,
    remove_mapping,
    remove_scoping,
)
from scimitar.apps.mappings import object_type_named
from scimitar.audit import Actor
from scimitar.audit.records import AuditEntry, record
from scimitar.clock import utcnow
from scimitar.errors import ConfigError, NotFoundError
from scimitar.mapping.mappings import MappingSet
from scimitar.mapping.scoping import ScopingClause
from scimitar.mapping.scoping_operators import operator_named
from scimitar.secrets import Secret, SecretBox
from scimitar.sources.config import (
    DeletionRule,
    SourceDefinition,
    SourceKind,
    check_inbound_set,
    dump_mapping_sets,
    load_mapping_sets,
)
from scimitar.sources.defaults import default_mappings
from scimitar.sources.model import SOURCE
from scimitar.sources.reader import check_settings, reader_for
from scimitar.store import Database

__all__ = ["API_KEY_PREFIX", "RUNNING", "SettingsChange", "SourceBusyError", "SourceService"]

API_KEY_PREFIX = "scimsrc"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
_UNKNOWN_KEY_HASH = hashlib.sha256(b"no such key").hexdigest()
_RUN_LEASE = timedelta(hours=1)
#: The state's mark of a sync in progress.
RUNNING = "runningSince"


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not _NAME.match(cleaned):
        raise ConfigError(
            f"source name {name!r}: use 1 to 100 letters, digits, spaces, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return cleaned


class SourceBusyError(ConfigError):
    """A sync of the source is running already."""


class SettingsChange(dict[str, Any]):
    """Settings to change (``interval_minutes``, ``delete_threshold``, ``deletion_rule``,
    ``precedence``, ``attribute_precedence``, ``is_enabled``); absent keys stay as they are."""


class SourceService:
    """The sources in one store.

    Args:
        database: The store.
        box: Encrypts and decrypts the sources' secrets.
        clock: The current UTC time.
    """

    def __init__(
        self, database: Database, box: SecretBox, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.database = database
        self._database = database
        self._box = box
        self._clock = clock

    # -- reading --------------------------------------------------------------------------

    def _definition(self, row: Any) -> SourceDefinition:
        settings = json.loads(row.settings)
        attribute_precedence = settings.pop("attributePrecedence", {})
        secret = self._box.decrypt(row.secret_ciphertext) if row.secret_ciphertext else None
        return SourceDefinition(
            id=row.id,
            name=row.name,
            kind=SourceKind(row.kind),
            settings=settings,
            secret=secret,
            interval_minutes=row.interval_minutes,
            delete_threshold=row.delete_threshold,
            deletion_rule=DeletionRule(row.deletion_rule),
            precedence=row.precedence,
            attribute_precedence=attribute_precedence,
            is_enabled=row.is_enabled,
            mappings=load_mapping_sets(row.mappings),
            state=json.loads(row.state),
            has_api_key=row.key_hash is not None,
            created_at=row.created_at,
            next_run_at=row.next_run_at,
        )

    async def list(self) -> list[SourceDefinition]:
        """Every source, by name."""
        async with self._database.read() as conn:
            rows = (await conn.execute(select(SOURCE).order_by(SOURCE.c.name_key))).all()
        return [self._definition(row) for row in rows]

    async def get(self, key: str) -> SourceDefinition:
        """The source with this name (any case) or id.

        Raises:
            NotFoundError: No such source.
        """
        async with self._database.read() as conn:
            return self._definition(await _row(conn, key))

    # -- adding and removing --------------------------------------------------------------

    async def add(
        self,
        kind: SourceKind,
        name: str,
        settings: Mapping[str, Any],
        *,
        secret: Secret | None = None,
        actor: Actor,
        mappings: Mapping[str, MappingSet] | None = None,
    ) -> tuple[SourceDefinition, str | None]:
        """Add a source; an api source gets an API key, returned here once and stored hashed.

        Raises:
            ConfigError: A bad name, a name in use, or settings the kind cannot use.
        """
        cleaned = _check_name(name)
        check_settings(kind.value, settings)
        source_id = str(uuid.uuid4())
        key = None
        if kind is SourceKind.API:
            key = f"{API_KEY_PREFIX}_{source_id.split('-')[0]}_{secrets.token_urlsafe(32)}"
        if kind is not SourceKind.API:
            # Building the reader checks the settings (an LDAP URL, a filter...), offline.
            reader_for(SourceDefinition(source_id, cleaned, kind, dict(settings), secret))
        sets = dict(mappings) if mappings is not None else default_mappings(kind.value, settings)
        for mapping_set in sets.values():
            check_inbound_set(mapping_set)
        now = self._clock()
        values = {
            "id": source_id,
            "name": cleaned,
            "name_key": cleaned.casefold(),
            "kind": kind.value,
            "settings": json.dumps(dict(settings), ensure_ascii=False),
            "secret_ciphertext": self._box.encrypt(secret) if secret else None,
            "key_hash": _hash_key(key) if key else None,
            "interval_minutes": 0 if kind is SourceKind.API else 40,
            "delete_threshold": 500,
            "deletion_rule": DeletionRule.SOFT_DELETE.value,
            "precedence": 100,
            "is_enabled": True,
            "mappings": dump_mapping_sets(sets),
            "state": "{}",
            "next_run_at": None,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self._database.write() as conn:
                await conn.execute(insert(SOURCE).values(values))
                made = self._definition(await _row(conn, source_id))
                await record(conn, _audit(actor, "source.add", made, after=made))
        except IntegrityError as exc:
            raise ConfigError(
                f"a source named {cleaned!r} already exists; choose another name or remove "
                "that one first (scimitar source remove NAME)"
            ) from exc
        return made, key

    async def remove(self, key: str, *, actor: Actor) -> SourceDefinition:
        """Remove a source; the objects it fed stay in the directory, editable by hand."""
        async with self._database.write() as conn:
            found = self._definition(await _row(conn, key))
            await conn.execute(delete(SOURCE).where(SOURCE.c.id == found.id))
            await record(conn, _audit(actor, "source.remove", found, before=found))
        return found

    async def rotate_key(self, key: str, *, actor: Actor) -> str:
        """Give an api source a new API key (the old one stops working); returned once."""
        found = await self.get(key)
        if found.kind is not SourceKind.API:
            raise ConfigError(f"source {found.name!r} is an {found.kind} source; only api ones")
        new_key = f"{API_KEY_PREFIX}_{found.id.split('-')[0]}_{secrets.token_urlsafe(32)}"
        async with self._database.write() as conn:
            await conn.execute(
                update(SOURCE).where(SOURCE.c.id == found.id).values(key_hash=_hash_key(new_key))
            )
            await record(conn, _audit(actor, "source.key", found))
        return new_key

    async def verify_key(self, key: str, presented: str) -> SourceDefinition | None:
        """The api source ``key`` names, if ``presented`` is its API key; else ``None``.

        The comparison takes the same time whether the source exists or not.
        """
        async with self._database.read() as conn:
            try:
                row = await _row(conn, key)
            except NotFoundError:
                row = None
        is_api = row is not None and row.kind == SourceKind.API.value
        stored = (row.key_hash if is_api else None) or _UNKNOWN_KEY_HASH
        is_valid = hmac.compare_digest(_hash_key(presented), stored)
        return self._definition(row) if is_valid and row is not None else None

    # -- settings -------------------------------------------------------------------------

    async def update_settings(
        self, key: str, change: Mapping[str, Any], *, actor: Actor
    ) -> SourceDefinition:
        """Change schedule, delete threshold, deletion rule, precedence or enabled state.

        Raises:
            ConfigError: A value out of range.
        """
        _check_settings(change)
        async with self._database.write() as conn:
            before = self._definition(await _row(conn, key))
            values = _setting_columns(before, change)
            if "interval_minutes" in change:
                values["next_run_at"] = None
            values["updated_at"] = self._clock()
            await conn.execute(update(SOURCE).where(SOURCE.c.id == before.id).values(values))
            after = self._definition(await _row(conn, before.id))
            await record(conn, _audit(actor, "source.settings", after, before=before, after=after))
        return after

    async def save_state(
        self, source_id: str, state: Mapping[str, Any], next_run_at: datetime | None
    ) -> None:
        """Keep the reader's watermark and the last run's outcome, and when to run next."""
        async with self._database.write() as conn:
            await conn.execute(
                update(SOURCE)
                .where(SOURCE.c.id == source_id)
                .values(state=json.dumps(dict(state), default=str), next_run_at=next_run_at)
            )

    async def start_run(self, source: SourceDefinition, now: datetime) -> None:
        """Mark a sync of ``source`` as running, unless one is (started within the hour).

        The mark lives in the source's state; the run's end (:meth:`save_state` with the
        state read before the mark) takes it away. A process killed mid-sync leaves it for an
        hour at most.

        Raises:
            SourceBusyError: Another sync of the source is running.
        """
        async with self._database.write() as conn:
            query = select(SOURCE.c.state).where(SOURCE.c.id == source.id).with_for_update()
            state = json.loads((await conn.execute(query)).scalar_one())
            running = state.get(RUNNING)
            if running and now - datetime.fromisoformat(running) < _RUN_LEASE:
                raise SourceBusyError(
                    f"source {source.name!r} is being synced since {running}; wait for that "
                    "sync to end (scimitar source show shows its outcome)"
                )
            state[RUNNING] = now.isoformat()
            await conn.execute(
                update(SOURCE).where(SOURCE.c.id == source.id).values(state=json.dumps(state))
            )

    # -- mappings and scoping -------------------------------------------------------------

    async def mapping_set(self, key: str, object_type: str) -> MappingSet:
        """The inbound mapping set of ``object_type`` (user or group).

        Raises:
            ConfigError: The source has no mapping set of that type.
        """
        return _set_of(await self.get(key), object_type)

    async def _edit(
        self,
        key: str,
        object_type: str,
        change: Callable[[MappingSet], MappingSet],
        *,
        actor: Actor,
    ) -> MappingSet:
        name = object_type_named(object_type)
        async with self._database.write() as conn:
            found = self._definition(await _row(conn, key))
            current = found.mappings.get(name) or MappingSet(f"Source {name}s", name, ())
            edited = change(current)
            check_inbound_set(edited)
            sets = {**found.mappings, name: edited}
            await conn.execute(
                update(SOURCE)
                .where(SOURCE.c.id == found.id)
                .values(mappings=dump_mapping_sets(sets), state="{}", updated_at=self._clock())
            )
            entry = AuditEntry(
                actor,
                "source.mappings",
                f"source {found.name}: {name} mappings",
                before=current.to_dict(),
                after=edited.to_dict(),
            )
            await record(conn, entry)
        return edited

    async def set_mapping(
        self, key: str, object_type: str, edit: MappingEdit, *, actor: Actor
    ) -> MappingSet:
        """Add or change one inbound mapping; the next sync reads the source in full."""
        return await self._edit(key, object_type, lambda s: apply_edit(s, edit), actor=actor)

    async def remove_mapping(
        self, key: str, object_type: str, target: str, *, actor: Actor
    ) -> MappingSet:
        """Remove the mapping of ``target``."""
        return await self._edit(key, object_type, lambda s: remove_mapping(s, target), actor=actor)

    async def replace_mappings(
        self, key: str, sets: Mapping[str, MappingSet], *, actor: Actor
    ) -> SourceDefinition:
        """Replace mapping sets (an import); the next sync reads the source in full."""
        for name, mapping_set in sets.items():
            await self._edit(key, name, _replacing(mapping_set), actor=actor)
        return await self.get(key)

    async def restore_defaults(self, key: str, *, actor: Actor) -> SourceDefinition:
        """Put back the kind's default mappings and no scoping filters."""
        found = await self.get(key)
        return await self.replace_mappings(
            key, default_mappings(found.kind.value, found.settings), actor=actor
        )

    async def add_scoping_clause(
        self,
        key: str,
        object_type: str,
        filter_name: str,
        clause: tuple[str, str, str | None],
        *,
        actor: Actor,
    ) -> MappingSet:
        """Add ``attribute OPERATOR value`` to a scoping filter (source attribute names)."""
        attribute, operator, value = clause
        made = ScopingClause(attribute.strip(), operator_named(operator), value)
        return await self._edit(
            key, object_type, lambda s: add_scoping_clause(s, filter_name, made), actor=actor
        )

    async def remove_scoping(
        self,
        key: str,
        object_type: str,
        filter_name: str,
        clause: int | None,
        *,
        actor: Actor,
    ) -> MappingSet:
        """Remove a scoping filter or one of its clauses."""
        return await self._edit(
            key, object_type, lambda s: remove_scoping(s, filter_name, clause), actor=actor
        )

    async def clear_scoping(self, key: str, object_type: str, *, actor: Actor) -> MappingSet:
        """Remove every scoping filter of ``object_type``."""
        return await self._edit(key, object_type, clear_scoping, actor=actor)


async def _row(conn: AsyncConnection, key: str) -> Any:
    query = select(SOURCE).where(
        (SOURCE.c.name_key == key.strip().casefold()) | (SOURCE.c.id == key.strip())
    )
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFoundError(f"no source {key!r}; `scimitar source list` shows the sources")
    return row


def _replacing(new: MappingSet) -> Callable[[MappingSet], MappingSet]:
    return lambda _current: new


def _set_of(found: SourceDefinition, object_type: str) -> MappingSet:
    name = object_type_named(object_type)
    mapping_set = found.mappings.get(name)
    if mapping_set is None:
        raise ConfigError(f"source {found.name!r} has no {name} mappings")
    return mapping_set


def _audit(
    actor: Actor,
    action: str,
    found: SourceDefinition,
    *,
    before: SourceDefinition | None = None,
    after: SourceDefinition | None = None,
) -> AuditEntry:
    def shown(value: SourceDefinition | None) -> dict[str, Any] | None:
        if value is None:
            return None
        shape = value.to_dict()
        shape.pop("state", None)
        return shape

    return AuditEntry(
        actor, action, f"source {found.name}", before=shown(before), after=shown(after)
    )


def _check_settings(change: Mapping[str, Any]) -> None:
    interval = change.get("interval_minutes")
    if interval is not None and not 0 <= interval <= 7 * 24 * 60:
        raise ConfigError("--interval: give minutes from 0 (only on demand) to 10080 (a week)")
    threshold = change.get("delete_threshold")
    if threshold is not None and threshold < 0:
        raise ConfigError("--delete-threshold: give 0 or more (0 turns the limit off)")
    precedence = change.get("precedence")
    if precedence is not None and not 1 <= precedence <= 1000:
        raise ConfigError("--precedence: give 1 (wins over every other) to 1000")
    for name, value in (change.get("attribute_precedence") or {}).items():
        if value is not None and not 1 <= value <= 1000:
            raise ConfigError(f"--attribute-precedence {name}={value}: give 1 to 1000")


def _setting_columns(before: SourceDefinition, change: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if change.get("interval_minutes") is not None:
        values["interval_minutes"] = change["interval_minutes"]
    if "delete_threshold" in change:
        threshold = change["delete_threshold"]
        values["delete_threshold"] = None if threshold == 0 else threshold
    if change.get("deletion_rule") is not None:
        values["deletion_rule"] = DeletionRule(change["deletion_rule"]).value
    if change.get("precedence") is not None:
        values["precedence"] = change["precedence"]
    if change.get("is_enabled") is not None:
        values["is_enabled"] = bool(change["is_enabled"])
    if change.get("attribute_precedence"):
        merged = dict(before.attribute_precedence)
        for name, value in change["attribute_precedence"].items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        settings = {**before.settings, "attributePrecedence": merged}
        values["settings"] = json.dumps(settings, ensure_ascii=False)
    return values
