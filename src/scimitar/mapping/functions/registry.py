"""How a library function is described, and the parse-time checks on a call (docs/entra.md §4.2).

Each function is a :class:`FunctionSpec`: its parameters (Graph ``schema/functions`` shape:
name, required, allowMultipleOccurrences), a one-line summary for the docs, and its
implementation. An *eager* implementation receives evaluated argument values (``MISSING`` for
an empty slot); a *lazy* one receives callables and decides what to evaluate (``IIF``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scimitar.mapping.ast import Call, Node, Number, String

__all__ = ["ENUMS", "CallCheck", "FunctionSpec", "Param", "check_call", "literal"]

#: Bare identifiers the language knows (VB compare modes), and their values.
ENUMS: dict[str, int] = {"vbBinaryCompare": 0, "vbTextCompare": 1, "vbDatabaseCompare": 2}

#: A function's extra parse-time check: ``(offset, message)`` of the problem, or ``None``.
CallCheck = Callable[[Call], "tuple[int, str] | None"]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter; ``repeats`` marks the trailing group that may occur many times."""

    name: str
    required: bool = True
    repeats: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A library function: signature, documentation and implementation."""

    name: str
    params: tuple[Param, ...]
    summary: str
    impl: Callable[..., Any]
    is_lazy: bool = False
    min_repeats: int = 0
    is_top_level_only: bool = False
    check: CallCheck | None = None
    examples: tuple[tuple[str, str], ...] = field(default=())
    notes: str = ""

    @property
    def fixed(self) -> tuple[Param, ...]:
        """The parameters before the repeating group."""
        return tuple(p for p in self.params if not p.repeats)

    @property
    def group(self) -> tuple[Param, ...]:
        """The repeating group (empty if the function takes a fixed number of arguments)."""
        return tuple(p for p in self.params if p.repeats)

    def param_at(self, index: int) -> Param:
        """The parameter that argument slot ``index`` binds to."""
        fixed = self.fixed
        if index < len(fixed):
            return fixed[index]
        group = self.group
        return group[(index - len(fixed)) % len(group)]

    def signature(self) -> str:
        """Human-readable signature, e.g. ``Left(string, numChars)``."""
        names = [p.name if p.required else f"[{p.name}]" for p in self.fixed]
        group = self.group
        if group:
            names.append(", ".join(p.name + "1" for p in group) + ", …")
        return f"{self.name}({', '.join(names)})"


def literal(node: Node | None) -> str | int | None:
    """The value of a constant argument, or ``None`` if the argument is not a constant."""
    if isinstance(node, String | Number):
        return node.value
    return None


def check_call(spec: FunctionSpec, call: Call) -> tuple[int, str] | None:
    """Check a parsed call against its spec: argument count, empty required slots, extras.

    Args:
        spec: The function's description.
        call: The parsed call.

    Returns:
        ``(offset, message)`` for the first problem, or ``None`` when the call is valid.
    """
    problem = _check_count(spec, call)
    if problem is not None:
        return call.offset, problem
    for index, arg in enumerate(call.args):
        param = spec.param_at(index)
        if arg is None and (param.required or param.repeats):
            return call.offset, f"{spec.name}: argument {index + 1} ({param.name}) is required"
    return spec.check(call) if spec.check is not None else None


def _check_count(spec: FunctionSpec, call: Call) -> str | None:
    count = len(call.args)
    fixed, group = spec.fixed, spec.group
    required = max((i + 1 for i, p in enumerate(fixed) if p.required), default=0)
    if not group:
        if required <= count <= len(fixed):
            return None
        bounds = str(len(fixed)) if required == len(fixed) else f"{required} to {len(fixed)}"
        return f"{spec.name} takes {bounds} arguments, got {count}; usage: {spec.signature()}"
    extra = count - len(fixed)
    is_whole_groups = extra >= 0 and extra % len(group) == 0
    if count >= required and is_whole_groups and extra // len(group) >= spec.min_repeats:
        return None
    return (
        f"{spec.name} got {count} arguments; usage: {spec.signature()}"
        + (f" with at least {spec.min_repeats} {group[0].name}" if spec.min_repeats else "")
        + (" (keys and values in pairs)" if len(group) > 1 else "")
    )
