"""Attribute mappings, scoping filters and expressions as the admin API shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ExpressionCheck",
    "ExpressionCheckResult",
    "ExpressionEvaluate",
    "ExpressionResult",
    "ExpressionTest",
    "FunctionDocument",
    "MappingEditBody",
    "MappingSetDocument",
    "MappingSetEdited",
    "ScopingClauseBody",
    "ScopingFilterDocument",
]


class MappingSource(BaseModel):
    """Where a mapping's value comes from."""

    type: Literal["Attribute", "Constant", "Expression"]
    value: str


class AttributeMappingDocument(BaseModel):
    """One attribute mapping (Graph attributeMapping shape)."""

    targetAttributeName: str
    source: MappingSource
    flowType: Literal["Always", "ObjectAddOnly"]
    targetType: str
    defaultValue: str | None = None
    matchingPriority: int | None = None
    required: bool | None = None
    caseExact: bool | None = None


class TargetOperand(BaseModel):
    """A clause's values."""

    values: list[str]


class ScopingClauseDocument(BaseModel):
    """One clause of a scoping filter."""

    sourceOperandName: str
    operatorName: str
    targetOperand: TargetOperand


class ScopingFilterDocument(BaseModel):
    """A scoping filter: its clauses all hold (AND); filters combine with OR."""

    name: str
    clauses: list[ScopingClauseDocument]


class ScopingGroups(BaseModel):
    """The scoping filters of a mapping set."""

    groups: list[ScopingFilterDocument]


class MappingSetDocument(BaseModel):
    """The mappings and scoping filters of one object type."""

    name: str
    objectType: str
    attributeMappings: list[AttributeMappingDocument]
    scope: ScopingGroups


class MappingSetEdited(MappingSetDocument):
    """A mapping set after an edit, with what the admin should know about it."""

    warnings: list[str] = Field(
        default_factory=list,
        description="E.g. a manager typed String: it sends the directory's objectId.",
    )


class MappingEditBody(BaseModel):
    """A change to the mapping of one target attribute; fields left out stay as they are.

    Give at most one of source, constant and expression (a new mapping needs one).
    """

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(default=None, max_length=400, description="A source attribute.")
    constant: str | None = Field(default=None, max_length=4000, description="A constant.")
    expression: str | None = Field(default=None, max_length=10_000, description="An expression.")
    matching: int | None = Field(
        default=None, ge=0, le=1000, description="Matching precedence N; 0 stops matching on it."
    )
    default: str | None = Field(
        default=None, max_length=4000, description="Default if null; '' removes it."
    )
    apply: Literal["always", "create"] | None = Field(
        default=None, description="always, or create (only when the object is created)."
    )
    type: str | None = Field(
        default=None,
        max_length=20,
        description="How the value is sent: String, Boolean, Integer, DateTime or Reference "
        "(any case); default: as the target attribute list types the target. A reference "
        "(manager, members) typed Reference sends the referenced object's id in the app.",
    )


class ScopingClauseBody(BaseModel):
    """A clause to add to a scoping filter (created if new)."""

    model_config = ConfigDict(extra="forbid")

    filter: str = Field(default="Filter 1", min_length=1, max_length=200)
    attribute: str = Field(min_length=1, max_length=400, description="A source attribute.")
    operator: str = Field(
        min_length=1, max_length=40, description="EQUALS, NOT EQUALS, IS TRUE, REGEX MATCH ..."
    )
    value: str | None = Field(default=None, max_length=4000, description="For binary operators.")


class ExpressionCheck(BaseModel):
    """An expression to check."""

    model_config = ConfigDict(extra="forbid")

    expression: str = Field(max_length=10_000)


class ExpressionErrorDocument(BaseModel):
    """Where an expression fails to parse."""

    message: str
    line: int
    column: int
    expected: list[str]


class ExpressionCheckResult(BaseModel):
    """Whether an expression parses; if not, where and why."""

    valid: bool
    error: ExpressionErrorDocument | None = None
    attributes: list[str] = Field(description="Source attributes the expression reads.")


class ExpressionEvaluate(BaseModel):
    """An expression and the attributes to evaluate it with."""

    model_config = ConfigDict(extra="forbid")

    expression: str = Field(max_length=10_000)
    attributes: dict[str, str | list[str] | bool | None] = Field(
        default_factory=dict, description="Source attributes (Entra names)."
    )


class ExpressionTest(BaseModel):
    """Test an expression, or the mapping of a target attribute, on one directory object.

    Give exactly one of expression and target, and a user (or, for group mappings, a group).
    """

    model_config = ConfigDict(extra="forbid")

    expression: str | None = Field(default=None, max_length=10_000)
    target: str | None = Field(default=None, max_length=400, description="A mapped target.")
    user: str | None = Field(default=None, max_length=400, description="A UPN or objectId.")
    group: str | None = Field(default=None, max_length=400, description="A name or objectId.")


class ExpressionResult(BaseModel):
    """The value an expression or mapping gives."""

    result: Any = Field(description="null, a text, a list, or app role objects.")
    isFlowIgnored: bool = Field(
        default=False, description="IgnoreFlowIfNullOrEmpty left the attribute out of the flow."
    )
    objectId: str | None = Field(default=None, description="The object it was evaluated on.")


class FunctionParameter(BaseModel):
    """A function's parameter."""

    name: str
    required: bool
    allowMultipleOccurrences: bool


class FunctionDocument(BaseModel):
    """A function of the expression language."""

    name: str
    signature: str
    summary: str
    parameters: list[FunctionParameter]
