"""The error hierarchy, grouped by what the engine does next (CONVENTIONS.md § Errors)."""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ExpressionError",
    "ExpressionEvaluationError",
    "ExpressionSyntaxError",
    "JobError",
    "NotFoundError",
    "ObjectError",
    "RetryableError",
    "ScimitarError",
    "SyncError",
    "TargetConflictError",
    "TargetNotFoundError",
]


class ScimitarError(Exception):
    """Root of every error Scimitar raises on purpose."""


class ConfigError(ScimitarError):
    """Bad settings, template, mapping or input: refuse to start or to save."""


class NotFoundError(ScimitarError):
    """A named object (tenant, user, app, ...) does not exist."""


class ExpressionError(ScimitarError):
    """An attribute-mapping expression failed."""


class ExpressionSyntaxError(ExpressionError):
    """An expression does not parse; carries line and column."""


class ExpressionEvaluationError(ExpressionError):
    """An expression parsed but failed while evaluating."""


class SyncError(ScimitarError):
    """A provisioning operation failed."""


class RetryableError(SyncError):
    """429, 503, timeouts, connection resets: back off and retry."""


class ObjectError(SyncError):
    """This object failed (400, unresolved 409, mapping): escrow it and go on."""


class TargetNotFoundError(SyncError):
    """A linked object is gone from the target (404)."""


class TargetConflictError(SyncError):
    """409 on create: look the object up by its matching attribute and adopt it."""


class JobError(SyncError):
    """401/403 or an incompatible target: stop the cycle and quarantine the job."""
