"""Applying a mapping set to a directory object: the SCIM resource to send (docs/entra.md §2.3).

:class:`CompiledMappingSet` turns every mapping into a precompiled step (read or evaluate the
source, apply the default on create, type the value, write it at the target path). Nulls (and
empty strings or collections) are not sent; ``IgnoreFlowIfNullOrEmpty`` drops the attribute
even when it has a default; ``Redact`` hides the value in logs. The same target paths read
values back from a target resource, and :meth:`diff` compares what would be sent with what
the target holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scimitar.errors import ExpressionEvaluationError, ObjectError
from scimitar.mapping.context import EvaluationContext, source_attributes
from scimitar.mapping.mappings import AttributeMapping, FlowType, MappingSet, SourceType, TargetType
from scimitar.mapping.scoping import ScopeDecision, evaluate_scope
from scimitar.mapping.target_path import TargetPath
from scimitar.mapping.values import IGNORE_FLOW, Value, to_flow
from scimitar.scim.urns import CORE_GROUP, CORE_USER, ENTERPRISE_USER

__all__ = ["REDACTED", "AttributeChange", "CompiledMappingSet", "MappingResult"]

#: What a redacted value looks like in logs (docs/entra.md §4.2 Redact).
REDACTED = "[Redact]"

_Getter = Callable[[EvaluationContext], Value]


@dataclass(frozen=True, slots=True)
class MappingResult:
    """What a mapping set produced for one object.

    Attributes:
        resource: The SCIM resource to send (``schemas`` plus the mapped attributes).
        values: Target path → value sent, for diffs and logs.
        dropped: Paths ``IgnoreFlowIfNullOrEmpty`` removed from the flow.
        redacted: Paths whose values show as ``[Redact]`` in logs.
        references: Target path → source object id(s) the engine must resolve to target ids.
        assertive: Paths whose collection a PATCH replaces rather than adds to.
        missing_required: Required target paths without a value.
    """

    resource: dict[str, Any]
    values: dict[str, Any]
    dropped: tuple[str, ...] = ()
    redacted: frozenset[str] = frozenset()
    references: dict[str, Any] = field(default_factory=dict)
    assertive: frozenset[str] = frozenset()
    missing_required: tuple[str, ...] = ()

    def logged_values(self) -> dict[str, Any]:
        """:attr:`values` with redacted values replaced by ``[Redact]``."""
        return {path: REDACTED if path in self.redacted else v for path, v in self.values.items()}


@dataclass(frozen=True, slots=True)
class AttributeChange:
    """One attribute whose target value differs from the mapped value."""

    path: str
    old_value: Any
    new_value: Any

    @property
    def op(self) -> str:
        """Entra's PATCH op: ``Add`` when the target has no value, else ``Replace`` (docs/entra.md
        §1.6)."""
        return "Add" if self.old_value is None else "Replace"


@dataclass(frozen=True, slots=True)
class _Step:
    mapping: AttributeMapping
    path: TargetPath
    get: _Getter
    write: Callable[[dict[str, Any], Any], None]
    convert: Callable[[Value], Any]
    is_redacted: bool
    is_assertive: bool
    target: str
    default_value: str | None
    is_required: bool
    #: Lower-case names of the source attributes the step reads.
    reads: frozenset[str]


class CompiledMappingSet:
    """A validated mapping set, compiled for fast application to many objects."""

    def __init__(self, mapping_set: MappingSet, *, multi_valued: Iterable[str] = ()) -> None:
        """Validate and compile ``mapping_set``.

        Args:
            mapping_set: The set.
            multi_valued: Targets that hold several values: a single value goes as a list of
                one (RFC 7643 §2.4), each value typed on its own.

        Raises:
            ConfigError: If the set is invalid.
        """
        mapping_set.validate()
        self.mapping_set = mapping_set
        self._core = CORE_GROUP if mapping_set.object_type == "Group" else CORE_USER
        multi = {target.lower() for target in multi_valued}
        self._steps = tuple(
            _compile_step(mapping, is_multi_valued=mapping.target.lower() in multi)
            for mapping in mapping_set.mappings
        )
        self._create_steps = self._steps
        self._update_steps = tuple(
            s for s in self._steps if s.mapping.flow_type is not FlowType.OBJECT_ADD_ONLY
        )
        self._reference_targets = tuple(
            s.target for s in self._steps if s.mapping.target_type is TargetType.REFERENCE
        )
        self._redacted = frozenset(s.mapping.target for s in self._steps if s.is_redacted)
        self._assertive = frozenset(s.mapping.target for s in self._steps if s.is_assertive)
        #: The source attributes any step reads: only these are brought into the expression
        #: value model for each object (a directory user carries a few dozen).
        self._reads = frozenset(("issoftdeleted", "accountenabled")).union(
            *(s.reads for s in self._steps)
        )
        #: The set's matching mappings in precedence order (docs/entra.md §2.2), sorted once.
        self.matching_mappings = mapping_set.matching_mappings

    def apply(
        self, user: Mapping[str, Any], *, is_create: bool = True, **options: Any
    ) -> MappingResult:
        """Map one directory object.

        Args:
            user: Directory attributes keyed by Entra names.
            is_create: Creating the object: create-only mappings and default values apply.
            **options: :class:`EvaluationContext` fields (``is_unique``, ``clock``, ...).

        Returns:
            The resource and what went into it.

        Raises:
            ObjectError: When an expression fails, a value does not fit its target type, or
                (on create) a required attribute has no value (MandatoryFieldsMissing).
        """
        ctx = EvaluationContext(source_attributes(user, only=self._reads), **options)
        resource: dict[str, Any] = {"schemas": [self._core]}
        values: dict[str, Any] = {}
        dropped: list[str] = []
        missing: list[str] = []
        step = self._steps[0] if self._steps else None
        try:
            for step in self._create_steps if is_create else self._update_steps:
                value = step.get(ctx)
                if not value and (value is None or value == "" or value == []):
                    if not is_create or step.default_value is None:
                        if step.is_required:
                            missing.append(step.target)
                        continue
                    value = step.default_value
                elif value is IGNORE_FLOW:
                    dropped.append(step.target)
                    continue
                value = step.convert(value)
                step.write(resource, value)
                values[step.target] = value
        except ExpressionEvaluationError as exc:
            target = step.target if step is not None else ""
            raise ObjectError(f"mapping {target!r}: {exc}") from exc
        if is_create and missing:
            raise ObjectError(f"MandatoryFieldsMissing: no value for {', '.join(missing)}")
        if ENTERPRISE_USER in resource:
            resource["schemas"].append(ENTERPRISE_USER)
        return MappingResult(
            resource,
            values,
            tuple(dropped),
            self._redacted,
            _references(self._reference_targets, values),
            self._assertive,
            tuple(missing),
        )

    def is_in_scope(self, user: Mapping[str, Any], **options: Any) -> ScopeDecision:
        """Evaluate the set's scoping filters for ``user`` (docs/entra.md §5)."""
        return evaluate_scope(self.mapping_set.scoping_filters, user, **options)

    def matching_values(self, user: Mapping[str, Any], **options: Any) -> list[tuple[str, Any]]:
        """``(target path, value)`` for each matching mapping with a value, precedence order."""
        result = self.apply(user, is_create=True, **options)
        return [
            (m.target, result.values[m.target])
            for m in self.matching_mappings
            if m.target in result.values
        ]

    def read(self, resource: Mapping[str, Any]) -> dict[str, Any]:
        """Target path → value currently in ``resource``, for every mapping."""
        return {step.mapping.target: step.path.read(resource) for step in self._steps}

    def diff(self, result: MappingResult, resource: Mapping[str, Any]) -> list[AttributeChange]:
        """The mapped values that differ from what ``resource`` holds (nulls are not sent)."""
        changes: list[AttributeChange] = []
        for step in self._steps:
            target = step.mapping.target
            if target not in result.values:
                continue
            old, new = step.path.read(resource), result.values[target]
            if _comparable(old, step.mapping.is_case_exact) != _comparable(
                new, step.mapping.is_case_exact
            ):
                changes.append(AttributeChange(target, old, new))
        return changes


def _compile_step(mapping: AttributeMapping, *, is_multi_valued: bool = False) -> _Step:
    path = mapping.parsed_target()
    expression = mapping.compiled_expression()
    getter: _Getter
    reads: frozenset[str] = frozenset()
    if expression is not None:
        getter = expression.evaluate
        reads = expression.attributes
    elif mapping.source_type is SourceType.CONSTANT:
        constant = mapping.source
        getter = lambda ctx: constant  # noqa: E731 - a closure is the point
    else:
        key = mapping.source.strip().lower()
        getter = lambda ctx: ctx.attributes.get(key)  # noqa: E731
        reads = frozenset((key,))
    return _Step(
        mapping,
        path,
        getter,
        path.writer(),
        _listed(_converter(mapping)) if is_multi_valued else _converter(mapping),
        is_redacted=expression is not None and expression.is_redacted,
        is_assertive=expression is not None and expression.is_assertive,
        target=mapping.target,
        default_value=mapping.default_value,
        is_required=mapping.is_required,
        reads=reads,
    )


def _converter(mapping: AttributeMapping) -> Callable[[Value], Any]:
    if mapping.target_type is not TargetType.STRING:
        return lambda value: _typed(mapping, value)

    def to_string(value: Value) -> Any:
        return value if type(value) is str else _typed(mapping, value)

    return to_string


def _listed(convert: Callable[[Value], Any]) -> Callable[[Value], Any]:
    def as_list(value: Value) -> Any:
        if isinstance(value, list):
            return [convert(item) for item in value]
        return [convert(value)]

    return as_list


def _typed(mapping: AttributeMapping, value: Value) -> Any:
    kind = mapping.target_type
    try:
        if kind is TargetType.STRING:
            return to_flow(value)
        if kind is TargetType.BOOLEAN:
            return _boolean(value)
        if kind is TargetType.INTEGER:
            return int(to_flow(value))
        if kind is TargetType.REFERENCE:
            return [{"value": v} for v in value] if isinstance(value, list) else {"value": value}
        if kind is TargetType.DATETIME and isinstance(value, datetime):
            return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    except (TypeError, ValueError) as exc:
        raise ObjectError(
            f"mapping {mapping.target!r}: {value!r} is not a valid {kind.value}"
        ) from exc
    return value


def _boolean(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError(text)
    return text == "true"


def _references(targets: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for target in targets:
        if target in values:
            value = values[target]
            found[target] = (
                [v["value"] for v in value] if isinstance(value, list) else value["value"]
            )
    return found


def _comparable(value: Any, is_case_exact: bool) -> Any:
    if isinstance(value, Mapping):
        if set(value) <= {"value", "$ref", "display", "displayName"} and "value" in value:
            return _comparable(value["value"], is_case_exact)
        return tuple(
            sorted((str(k).lower(), _comparable(v, is_case_exact)) for k, v in value.items())
        )
    if isinstance(value, list | tuple):
        return tuple(sorted((_comparable(v, is_case_exact) for v in value), key=repr))
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return None
    text = str(value)
    return text if is_case_exact else text.lower()
