"""What a source reader gives the sync, and the registry of readers by source kind.

A reader knows one kind of source (LDAP, a CSV file...) and nothing of the directory: it turns
what it reads into :class:`SourceRecord` values keyed by the source's own attribute names. The
sync does the rest (mappings, scoping, matching, precedence, deletion rule, logs).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from scimitar.errors import ConfigError

if TYPE_CHECKING:
    from scimitar.sources.config import SourceDefinition

__all__ = [
    "ReadResult",
    "ReaderFactory",
    "SourceReader",
    "SourceRecord",
    "TestReport",
    "check_settings",
    "reader_for",
    "register_reader",
    "register_settings_check",
]

RecordKind = Literal["user", "group"]


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One object as the source holds it.

    Attributes:
        anchor: The source's stable id for it (objectGUID, entryUUID, a file's row key, an
            inbound record's externalId); unique per kind within the source.
        kind: ``user`` or ``group``.
        attributes: The source's attribute names and values (raw: the mappings turn them into
            the directory's attributes).
        members: For groups, the anchors of the member records (users or groups); ``None``
            when the source does not say (the group's membership is then left alone).
        deleted: The source says the object is gone (a tombstone, an explicit delete).
    """

    anchor: str
    kind: RecordKind
    attributes: Mapping[str, object]
    members: tuple[str, ...] | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What one read of a source gave.

    Attributes:
        records: The records, as a plain or an async iterable (read once).
        complete: A full read: objects the source fed before and that are absent now are gone
            (the source's deletion rule applies to them).
        watermark: Where the next incremental read starts (kept in the source's state and
            passed back as ``since``).
    """

    records: Iterable[SourceRecord] | AsyncIterable[SourceRecord]
    complete: bool
    watermark: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TestReport:
    """The outcome of ``scimitar source test``.

    Attributes:
        is_ok: Whether the source answered as expected.
        message: One sentence for the admin (what failed and what to do, when it failed).
        details: Facts found on the way (server, entries counted, TLS...).
    """

    __test__ = False  # not a pytest class, whatever its name says

    is_ok: bool
    message: str
    details: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Plain values, as printed by the CLI and the API."""
        return {"ok": self.is_ok, "message": self.message, "details": dict(self.details)}


class SourceReader(Protocol):
    """Reads one source. Made per run by the factory registered for the source's kind."""

    async def read(self, *, since: dict[str, object] | None) -> ReadResult:
        """Read the source.

        Args:
            since: The watermark the previous successful read returned, for an incremental
                read; ``None`` for a full read.

        Returns:
            The records, whether the read was complete, and the next watermark.

        Raises:
            ConfigError: The source's settings or its data are unusable (the whole read is
                refused: nothing is written).
            RetryableError: The source could not be reached; try again later.
        """
        ...

    async def test(self) -> TestReport:
        """Check that the source can be read (connect, authenticate, find the bases)."""
        ...


ReaderFactory = Callable[["SourceDefinition"], SourceReader]
_FACTORIES: dict[str, ReaderFactory] = {}


def register_reader(kind: str, factory: ReaderFactory) -> None:
    """Make ``factory`` build the readers of sources of ``kind`` (``ldap``, ``csv``...)."""
    _FACTORIES[kind] = factory


def reader_for(source: SourceDefinition) -> SourceReader:
    """The reader of ``source``, by its kind.

    Raises:
        ConfigError: No reader is registered for the kind.
    """
    load_builtin_reader(source.kind.value)
    factory = _FACTORIES.get(source.kind.value)
    if factory is None:
        raise ConfigError(f"source {source.name!r}: no reader for sources of kind {source.kind}")
    return factory(source)


SettingsCheck = Callable[[Mapping[str, Any]], None]
_CHECKS: dict[str, SettingsCheck] = {}


def register_settings_check(kind: str, check: SettingsCheck) -> None:
    """Make ``check`` vet the settings of sources of ``kind`` before they are saved."""
    _CHECKS[kind] = check


def check_settings(kind: str, settings: Mapping[str, Any]) -> None:
    """Vet a source's kind-specific settings (a no-op for kinds that register no check).

    Raises:
        ConfigError: Naming the setting and the fix.
    """
    load_builtin_reader(kind)
    check = _CHECKS.get(kind)
    if check is not None:
        check(settings)


_BUILTIN = {
    "csv": "scimitar.sources.files",
    "json": "scimitar.sources.files",
    "api": "scimitar.sources.inbound",
    "ldap": "scimitar.sources.ldap",
}


def load_builtin_reader(kind: str) -> None:
    """Import the module that registers the reader shipped for ``kind``, if not done yet."""
    module = _BUILTIN.get(kind)
    if kind in _FACTORIES or module is None:
        return
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:  # the module is there, something it imports is not
            raise
