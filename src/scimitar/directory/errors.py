"""Errors the directory raises, each a kind of the project-wide hierarchy."""

from __future__ import annotations

from dataclasses import dataclass

from scimitar.errors import ConfigError

__all__ = ["AttributeValueError", "DuplicateObjectError", "ImportProblem", "ImportRejectedError"]


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with an import file.

    Attributes:
        line: 1-based line of the row (or of the file-level problem) in the file.
        field: The column or attribute at fault, when there is one.
        message: What is wrong and, where it helps, what to do.
    """

    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """Plain values, as printed by the CLI."""
        return {"line": self.line, "field": self.field, "message": self.message}


class AttributeValueError(ConfigError):
    """A value does not fit its attribute; names the attribute so the caller can point at it.

    Attributes:
        field: The attribute (Entra name) the value was given for.
        message: What is wrong with it, without the attribute name.
    """

    def __init__(self, field: str, message: str) -> None:
        # A name read from a file may hold what no terminal or JSON answer can carry.
        self.field = field if field.isprintable() else repr(field)[1:-1]
        self.message = message
        super().__init__(f"{self.field}: {message}")


class DuplicateObjectError(ConfigError):
    """An object would take a key another object holds (objectId, userPrincipalName)."""


class ImportRejectedError(ConfigError):
    """An import file had invalid rows, so nothing was written.

    Attributes:
        problems: Every problem found, each with its line and field.
    """

    def __init__(self, problems: tuple[ImportProblem, ...]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"import rejected, nothing written: {len(problems)} {noun}")
