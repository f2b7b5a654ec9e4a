"""The error hierarchy, grouped by what the engine does next."""

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
    """An expression does not parse; carries line and column.

    Attributes:
        message: What went wrong, without the position.
        expression: The full expression text.
        offset: 0-based character offset of the error.
        line: 1-based line of the error.
        column: 1-based column of the error.
        expected: What the parser expected at that point (may be empty).
    """

    def __init__(
        self,
        message: str,
        *,
        expression: str = "",
        offset: int = 0,
        line: int = 1,
        column: int = 1,
        expected: tuple[str, ...] = (),
    ) -> None:
        self.message = message
        self.expression = expression
        self.offset = offset
        self.line = line
        self.column = column
        self.expected = expected
        detail = f" (expected {', '.join(expected)})" if expected else ""
        super().__init__(f"line {line}, column {column}: {message}{detail}")


class ExpressionEvaluationError(ExpressionError):
    """An expression parsed but failed while evaluating.

    Attributes:
        message: What went wrong.
        expression: The expression text, when known.
        function: The function that failed, when known.
    """

    def __init__(self, message: str, *, expression: str = "", function: str = "") -> None:
        self.message = message
        self.expression = expression
        self.function = function
        prefix = f"{function}: " if function else ""
        super().__init__(f"{prefix}{message}")


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
