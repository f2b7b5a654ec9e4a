"""Functions that generate values (docs/entra.md §4.2): Guid, RandomString, DefaultDomain.

Randomness comes from the evaluation context, so tests can seed it.
"""

from __future__ import annotations

import string
import uuid

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions.registry import FunctionSpec, Param
from scimitar.mapping.values import MISSING, Value, to_int, to_text

__all__ = ["FUNCTIONS", "SPECIAL_CHARACTERS"]

#: The special characters of the Windows password-complexity rules.
SPECIAL_CHARACTERS = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/"
_MAX_LENGTH = 256


def _guid(ctx: EvaluationContext) -> Value:
    return str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


def _random_string(
    ctx: EvaluationContext,
    length: Value,
    min_numbers: Value,
    min_special: Value,
    min_capital: Value,
    min_lower: Value,
    avoid: Value = MISSING,
) -> Value:
    size = to_int(length, "RandomString", "length")
    minimums = [
        to_int(v, "RandomString") for v in (min_numbers, min_special, min_capital, min_lower)
    ]
    if not 0 < size <= _MAX_LENGTH or min(minimums) < 0 or sum(minimums) > size:
        raise ExpressionEvaluationError(
            f"length must be 1..{_MAX_LENGTH} and the minimums must fit in it",
            function="RandomString",
        )
    excluded = set(to_text(avoid, "RandomString") or "") if avoid is not MISSING else set()
    pools = [
        [c for c in pool if c not in excluded]
        for pool in (
            string.digits,
            SPECIAL_CHARACTERS,
            string.ascii_uppercase,
            string.ascii_lowercase,
        )
    ]
    chars = [
        ctx.rng.choice(pool)
        for pool, count in zip(pools, minimums, strict=True)
        for _ in range(count)
        if pool
    ]
    everything = [c for pool in pools for c in pool]
    chars += [ctx.rng.choice(everything) for _ in range(size - len(chars))]
    ctx.rng.shuffle(chars)
    return "".join(chars)


def _default_domain(ctx: EvaluationContext) -> Value:
    return ctx.default_domain


FUNCTIONS = (
    FunctionSpec("Guid", (), "A new random GUID.", _guid),
    FunctionSpec(
        "RandomString",
        (
            Param("length"),
            Param("minNumbers"),
            Param("minSpecialCharacters"),
            Param("minCapital"),
            Param("minLowerCase"),
            Param("charactersToAvoid", required=False),
        ),
        "A random string (at most 256 characters) with the given minimum counts of "
        "digits, special, upper- and lower-case characters.",
        _random_string,
    ),
    FunctionSpec(
        "DefaultDomain", (), "The tenant's default verified domain, if configured.", _default_domain
    ),
)
