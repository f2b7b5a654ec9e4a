"""What an expression evaluates against: one user's attributes plus injectable services.

Attribute references are case-insensitive (like Entra's directory), so the context holds the
user's attributes under lower-case keys, already converted to the expression value model.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scimitar.mapping.values import FALSE, TRUE, Value, normalize_source_value

__all__ = ["DEFAULT_REGEX_TIMEOUT", "EvaluationContext", "UniquenessCheck", "source_attributes"]

#: Seconds an admin-written regular expression may run before the evaluation fails.
DEFAULT_REGEX_TIMEOUT = 0.5

#: Asked by ``SelectUniqueValue``: is this value still free in the target?
UniquenessCheck = Callable[[str], bool]


_SYSTEM_RANDOM = random.SystemRandom()


def _utc_now() -> datetime:
    return datetime.now(UTC)


#: Attribute names in lower case, as looked up before: a cycle maps every user, and each
#: carries the same few dozen names. Bounded, in case names keep changing.
_LOWER_NAMES: dict[str, str] = {}
_LOWER_NAMES_LIMIT = 4096


def _lowered(name: str) -> str:
    lowered = name.lower()
    if len(_LOWER_NAMES) < _LOWER_NAMES_LIMIT and lowered:
        _LOWER_NAMES[name] = lowered
    return lowered


def source_attributes(
    user: Mapping[str, Any], *, only: frozenset[str] | None = None
) -> dict[str, Value]:
    """Return the user's attributes under lower-case names, in the expression value model.

    Adds the computed ``IsSoftDeleted``: true when the directory marks the user soft-deleted
    (``isSoftDeleted``, which the engine also sets for unassigned or out-of-scope users) or
    when sign-in is blocked (``accountEnabled`` false) — docs/entra.md §2.4.

    Args:
        user: A directory user keyed by Entra attribute names.
        only: Lower-case names of the attributes wanted (what a mapping set reads); the
            others are left out, as reading a missing attribute gives no value anyway.
            ``IsSoftDeleted`` is always there.

    Returns:
        A new dict; the input is not modified.
    """
    lower = _LOWER_NAMES
    attributes: dict[str, Value]
    if only is None:
        attributes = {
            lower.get(name) or _lowered(name): value
            if value is None or type(value) is str
            else normalize_source_value(value)
            for name, value in user.items()
        }
    else:
        wanted = only if only >= _SOFT_DELETE_INPUTS else only | _SOFT_DELETE_INPUTS
        attributes = {}
        for name, value in user.items():
            key = lower.get(name) or _lowered(name)
            if key in wanted:
                is_plain = value is None or type(value) is str
                attributes[key] = value if is_plain else normalize_source_value(value)
    is_deleted = (
        attributes.get("issoftdeleted") == TRUE or attributes.get("accountenabled") == FALSE
    )
    attributes["issoftdeleted"] = TRUE if is_deleted else FALSE
    return attributes


#: What ``IsSoftDeleted`` is computed from.
_SOFT_DELETE_INPUTS = frozenset(("issoftdeleted", "accountenabled"))


@dataclass(slots=True)
class EvaluationContext:
    """Inputs of one evaluation.

    Attributes:
        attributes: Lower-case attribute name → value (see :func:`source_attributes`).
        clock: Returns the current UTC time (``Now``, ``Guid`` and friends are testable).
        rng: Randomness for ``Guid`` and ``RandomString``.
        is_unique: ``SelectUniqueValue``'s question to the target; ``None`` accepts the first
            candidate (previews and dry runs).
        default_domain: What ``DefaultDomain()`` returns.
        regex_timeout: Seconds an admin regular expression may run.
    """

    attributes: dict[str, Value]
    clock: Callable[[], datetime] = _utc_now
    rng: random.Random = _SYSTEM_RANDOM
    is_unique: UniquenessCheck | None = None
    default_domain: str | None = None
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT

    @classmethod
    def for_user(cls, user: Mapping[str, Any], **options: Any) -> EvaluationContext:
        """Build a context for a directory user; ``options`` set the other fields."""
        return cls(source_attributes(user), **options)
