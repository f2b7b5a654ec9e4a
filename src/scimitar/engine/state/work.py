"""The values one object carries through a cycle, and the port it is sent through."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from scimitar.connector.bulk import BulkOperation, BulkResult
from scimitar.directory.source import ChangeKind
from scimitar.engine.core.actions import Action
from scimitar.engine.core.planning import Link
from scimitar.engine.core.records import ProvisioningRecord, ProvisioningStep
from scimitar.engine.core.scope import ScopeResult
from scimitar.engine.state.linkstore import LinkChange
from scimitar.mapping.flow import AttributeChange, MappingResult

__all__ = ["INDEXED", "MEMBERS_KEY", "Outcome", "Prepared", "TargetPort"]

#: Marks a hit from a listing index: only its id is known, so read the object before adopting.
INDEXED = "__indexed"
#: Where a group link remembers the member target ids last sent.
MEMBERS_KEY = "members"


class TargetPort(Protocol):
    """The SCIM operations the engine needs (``connector.operations.TargetOperations``)."""

    async def find(self, object_type: str, attribute: str, value: str) -> list[dict[str, Any]]:
        """Objects whose ``attribute`` equals ``value``."""
        ...

    async def get(self, object_type: str, target_id: str) -> dict[str, Any] | None:
        """One object, or None when it is gone."""
        ...

    async def create(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create an object; returns it with its ``id``."""
        ...

    async def patch(
        self, object_type: str, target_id: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Apply a PatchOp; returns the resource when the app answered with it."""
        ...

    async def put(
        self,
        object_type: str,
        target_id: str,
        body: dict[str, Any],
        *,
        if_match: str | None = None,
    ) -> dict[str, Any] | None:
        """Replace an object (``If-Match`` when given); returns the resource when answered."""
        ...

    async def delete(self, object_type: str, target_id: str) -> None:
        """Delete an object."""
        ...

    async def bulk(self, operations: Sequence[BulkOperation]) -> list[BulkResult]:
        """Send operations in Bulk requests; one result per operation, in order."""
        ...


@dataclass
class Prepared:
    """One object after the pure part of the pipeline: what was decided and why."""

    object_type: str
    source_id: str
    display: str
    change: ChangeKind | None
    change_id: str
    scope: ScopeResult
    link: Link | None
    action: Action
    result: MappingResult | None = None
    changes: tuple[AttributeChange, ...] = ()
    steps: list[ProvisioningStep] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    attributes: Mapping[str, Any] | None = None
    #: A user's displayName, when ``display`` is its userPrincipalName.
    display_name: str | None = None
    #: A group to create: the member target ids its ``POST`` carries (template quirk
    #: ``groupMembersOnCreate``); the others follow in member PATCHes.
    members: tuple[str, ...] = ()
    #: The manager's target id, when known before the user is created: the create carries it.
    manager_target: str | None = None
    #: Target paths sent that the app does not keep (its answer lacked them): the record's
    #: modified properties say so (:mod:`scimitar.engine.run.writes`).
    not_kept: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Outcome:
    """What executing one object produced."""

    object_type: str
    source_id: str
    count: str
    link_change: LinkChange | None
    record: ProvisioningRecord
    references: Mapping[str, Any] = field(default_factory=dict)
    #: The object was in scope and mapped, so :attr:`references` are what it should point at.
    #: An object out of scope (deprovisioned, or left alone by ``SkipOutOfScopeDeletions``)
    #: gets no reference updates: nothing may be sent to an account left untouched.
    is_mapped: bool = False
