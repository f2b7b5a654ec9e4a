"""The sync engine's pure core: scope, planning, matching, deletion guard, log records.

Pure in the middle (docs/architecture.md): these modules take values and return values — no
database,
no network, no event loop. The cycle that wires them to the directory, the store and the
connector lives beside them.
"""

from __future__ import annotations

from scimitar.engine.core.actions import (
    Action,
    Adopt,
    Create,
    Delete,
    Disable,
    DisableCause,
    Enable,
    Failure,
    Match,
    Skip,
    SkipReason,
    StagedDelete,
    Update,
)
from scimitar.engine.core.deletions import DeletionCounter, is_deletion
from scimitar.engine.core.matching import MatchAttempt, resolve_match
from scimitar.engine.core.planning import (
    Link,
    ObjectAction,
    PlanInput,
    PlanSettings,
    SoftDeleteMode,
    link_after,
    plan,
)
from scimitar.engine.core.records import (
    ErrorCode,
    ErrorInformation,
    ModifiedProperty,
    ProvisionedIdentity,
    ProvisioningAction,
    ProvisioningRecord,
    ProvisioningStep,
    RecordStatus,
    StepType,
)
from scimitar.engine.core.references import (
    CycleKind,
    MemberDelta,
    is_reference_retried,
    member_delta,
)
from scimitar.engine.core.scope import (
    Assignment,
    ScopeResult,
    ScopeRule,
    ScopeSetting,
    effective_assignments,
    evaluate_group_scope,
    evaluate_user_scope,
    hard_deleted_scope,
)

__all__ = [
    "Action",
    "Adopt",
    "Assignment",
    "Create",
    "CycleKind",
    "Delete",
    "DeletionCounter",
    "Disable",
    "DisableCause",
    "Enable",
    "ErrorCode",
    "ErrorInformation",
    "Failure",
    "Link",
    "Match",
    "MatchAttempt",
    "MemberDelta",
    "ModifiedProperty",
    "ObjectAction",
    "PlanInput",
    "PlanSettings",
    "ProvisionedIdentity",
    "ProvisioningAction",
    "ProvisioningRecord",
    "ProvisioningStep",
    "RecordStatus",
    "ScopeResult",
    "ScopeRule",
    "ScopeSetting",
    "Skip",
    "SkipReason",
    "SoftDeleteMode",
    "StagedDelete",
    "StepType",
    "Update",
    "effective_assignments",
    "evaluate_group_scope",
    "evaluate_user_scope",
    "hard_deleted_scope",
    "is_deletion",
    "is_reference_retried",
    "link_after",
    "member_delta",
    "plan",
    "resolve_match",
]
