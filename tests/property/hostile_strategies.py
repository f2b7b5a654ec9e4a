"""Hypothesis strategies for hostile text: deep nesting, long chains, odd characters.

Shared by the fuzz tests of every parser that reads text from outside (SCIM filters and paths,
the expression language, import files, request bodies): each must answer any input with a
value or its typed error, never another exception, and quickly.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["FUZZ", "depths", "odd_characters", "repeated", "wrapped"]

# A time bound per example: generous on a loaded machine, yet far below what a recursion or a
# quadratic blow-up on these sizes would take.
FUZZ = settings(
    deadline=timedelta(seconds=2),
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

depths = st.one_of(st.integers(0, 40), st.sampled_from([100, 400, 1000, 3000]))

odd_characters = st.sampled_from(
    [
        "\x00",
        "\x1b",
        "\n",
        "\r",
        "\t",
        "\u00a0",
        "\u200b",
        "\ufeff",
        "\ud800",
        "\udfff",
        "\U0001f600",
        "\\ud800",
        "\\u0000",
        '\\"',
        "\\",
        '"',
        "'",
        "9" * 5000,
        "1e999999",
        "-0",
        "NaN",
        "Infinity",
    ]
)


def wrapped(
    openers: list[str], closers: list[str], inner: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """``inner`` inside ``depth`` openers and (maybe fewer) closers."""
    return st.builds(
        lambda o, c, depth, missing, text: o * depth + text + c * max(depth - missing, 0),
        st.sampled_from(openers),
        st.sampled_from(closers),
        depths,
        st.sampled_from([0, 0, 0, 1]),
        inner,
    )


def repeated(parts: st.SearchStrategy[str], separators: list[str]) -> st.SearchStrategy[str]:
    """A part repeated up to a few thousand times, joined by a separator."""
    return st.builds(
        lambda part, separator, count: separator.join([part] * count),
        parts,
        st.sampled_from(separators),
        depths,
    )
