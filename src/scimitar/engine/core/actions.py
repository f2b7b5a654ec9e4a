"""What the engine does with one object: the planner's answers, as values (docs/entra.md §2.2,
§2.4).

Each action is a frozen dataclass; :data:`Action` is their union, so a ``match`` statement over
it is checked for exhaustiveness by mypy. Bodies are not built here: the connector's dialect
turns an action into a request (:mod:`scimitar.scim.dialects`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scimitar.mapping.flow import AttributeChange

__all__ = [
    "ACTIVE_PATH",
    "Action",
    "Adopt",
    "Create",
    "Delete",
    "Disable",
    "DisableCause",
    "Enable",
    "Failure",
    "Match",
    "Skip",
    "SkipReason",
    "StagedDelete",
    "Update",
]

#: The target attribute a soft delete sets (docs/entra.md §2.4: ``IsSoftDeleted`` → ``active``).
ACTIVE_PATH = "active"


class DisableCause(StrEnum):
    """Why a target object was disabled (docs/entra.md §2.4).

    ``OUT_OF_SCOPE`` (unassigned, scoping filter, role): the object is *no longer managed*, so a
    later hard delete in the source sends nothing. ``SOURCE_INACTIVE`` (blocked sign-in or
    soft-deleted): still managed; a hard delete follows with DELETE.
    """

    OUT_OF_SCOPE = "OutOfScope"
    SOURCE_INACTIVE = "SourceInactive"


class SkipReason(StrEnum):
    """Why nothing is sent (the log's ``SkipReason``; Entra's names where Entra has one)."""

    REDUNDANT_EXPORT = "RedundantExport"
    NOT_EFFECTIVELY_ENTITLED = "NotEffectivelyEntitled"
    IMPORT_SKIPPED = "ImportSkipped"
    OUT_OF_SCOPE_DELETIONS_SKIPPED = "SkipOutOfScopeDeletions"
    NO_SOFT_DELETE = "SoftDeleteNotMapped"
    NOT_MANAGED = "NotManaged"
    ACTION_NOT_ENABLED = "ObjectActionNotEnabled"


@dataclass(frozen=True, slots=True)
class Match:
    """Look the object up in the target by its matching attributes before creating it."""


@dataclass(frozen=True, slots=True)
class Create:
    """POST the mapped object; references follow in a later PATCH (docs/entra.md §2.7)."""


@dataclass(frozen=True, slots=True)
class Adopt:
    """Exactly one target object matched: link it (remember its id), then update it (§2.2)."""

    target_id: str


@dataclass(frozen=True, slots=True)
class Update:
    """PATCH the attributes that changed (docs/entra.md §1.6 "Update")."""

    changes: tuple[AttributeChange, ...]


@dataclass(frozen=True, slots=True)
class Disable:
    """PATCH ``active`` false (docs/entra.md §2.4: unassign, scoping, block sign-in, soft
    delete)."""

    target_id: str
    cause: DisableCause


@dataclass(frozen=True, slots=True)
class Enable:
    """PATCH ``active`` true with any other changes (restored, re-enabled, re-assigned)."""

    target_id: str
    changes: tuple[AttributeChange, ...] = ()

    @property
    def body_changes(self) -> tuple[AttributeChange, ...]:
        """:attr:`changes`, with ``active`` false → true added when they lack it."""
        if any(change.path.lower() == ACTIVE_PATH for change in self.changes):
            return self.changes
        return (*self.changes, AttributeChange(ACTIVE_PATH, False, True))


@dataclass(frozen=True, slots=True)
class Delete:
    """DELETE the target object (docs/entra.md §2.4: hard delete; groups leaving scope)."""

    target_id: str


@dataclass(frozen=True, slots=True)
class Skip:
    """Send nothing; the log says why (``EntrySynchronizationSkip``)."""

    reason: SkipReason
    detail: str


@dataclass(frozen=True, slots=True)
class StagedDelete:
    """A disable or delete held back by accidental-deletion prevention (docs/entra.md §2.6)."""

    held: Disable | Delete


@dataclass(frozen=True, slots=True)
class Failure:
    """The object cannot be processed; ``code`` is Entra's error code (docs/entra.md §1.8)."""

    code: str
    message: str


Action = Match | Create | Adopt | Update | Disable | Enable | Delete | Skip | StagedDelete | Failure
