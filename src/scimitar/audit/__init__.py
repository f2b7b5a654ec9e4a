"""The audit log of admin changes: who changed what, when, with before and after.

The faces (CLI, admin API, portal) name their caller as an :class:`Actor` and pass it to the
service that makes a change; that service records an :class:`AuditEntry` in the same
transaction (:func:`record`). :class:`AuditLog` reads records back, prunes them past retention
and records sign-ins and failed sign-ins. See ``docs/audit.md``.
"""

from scimitar.audit.actor import Actor, ActorKind
from scimitar.audit.failures import FailureCoalescer
from scimitar.audit.records import AuditEntry, AuditRecord, record
from scimitar.audit.service import (
    ANONYMOUS_API,
    ANONYMOUS_PORTAL,
    DEFAULT_RETENTION_DAYS,
    AuditLog,
    AuditPage,
    AuditQuery,
)

__all__ = [
    "ANONYMOUS_API",
    "ANONYMOUS_PORTAL",
    "DEFAULT_RETENTION_DAYS",
    "Actor",
    "ActorKind",
    "AuditEntry",
    "AuditLog",
    "AuditPage",
    "AuditQuery",
    "AuditRecord",
    "FailureCoalescer",
    "record",
]
