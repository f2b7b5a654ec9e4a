"""Errors the directory raises, each a kind of the project-wide hierarchy."""

from __future__ import annotations

from scimitar.errors import ConfigError

__all__ = ["AttributeValueError", "DuplicateObjectError", "ImportRejectedError"]


class AttributeValueError(ConfigError):
    """A value does not fit its attribute; names the attribute so the caller can point at it.

    Attributes:
        field: The attribute (Entra name) the value was given for.
        message: What is wrong with it, without the attribute name.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class DuplicateObjectError(ConfigError):
    """An object would take a key another object holds (objectId, userPrincipalName)."""


class ImportRejectedError(ConfigError):
    """An import file had invalid rows, so nothing was written.

    Attributes:
        problems: Every problem found, each with its line and field.
    """

    def __init__(self, problems: tuple[object, ...]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"import rejected, nothing written: {len(problems)} {noun}")
