"""Property tests for SCIM filters and paths (RFC 7644 §3.4.2.2, §3.5.2)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scimitar.scim.errors import InvalidFilterError, SCIMError
from scimitar.scim.expressions import COMPARE_OPERATORS
from scimitar.scim.filter import (
    And,
    AttrPath,
    Comparison,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    evaluate,
    parse_filter,
    render_filter,
)
from scimitar.scim.path import Path as PatchPath
from scimitar.scim.path import parse_path, render_path
from scimitar.scim.schema import user_schema
from tests.property.hostile_strategies import FUZZ, odd_characters, repeated, wrapped

USER = json.loads(
    (Path(__file__).resolve().parents[1] / "samples" / "rfc7643-8.2-full-user.json").read_text()
)
URNS = [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:scim:schemas:extension:cisco:webexidentity:2.0:User",
]
KNOWN_NAMES = ["userName", "name", "emails", "active", "title", "meta", "manager", "type", "value"]

names = st.one_of(
    st.sampled_from(KNOWN_NAMES),
    st.from_regex(r"\$ref|[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True).filter(
        lambda n: n.lower() not in {"and", "or", "not"}
    ),
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)


def attr_paths(*, with_urn: bool) -> st.SearchStrategy[AttrPath]:
    urns = st.one_of(st.none(), st.sampled_from(URNS)) if with_urn else st.none()
    return st.builds(AttrPath, names, st.one_of(st.none(), names), urns)


def leaves(*, with_urn: bool) -> st.SearchStrategy[Filter]:
    paths = attr_paths(with_urn=with_urn)
    ops = st.sampled_from(sorted(COMPARE_OPERATORS))
    return st.one_of(st.builds(Comparison, paths, ops, values), st.builds(Present, paths))


def combine(children: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
    return st.one_of(
        st.builds(And, children, children),
        st.builds(Or, children, children),
        st.builds(Not, children),
    )


inner_filters = st.recursive(leaves(with_urn=False), combine, max_leaves=6)
value_paths = st.builds(ValuePath, st.builds(AttrPath, names, st.none(), st.none()), inner_filters)
filters = st.recursive(st.one_of(leaves(with_urn=True), value_paths), combine, max_leaves=10)


@given(filters)
def test_render_then_parse_is_identity(f: Filter) -> None:
    assert parse_filter(render_filter(f)) == f


@given(filters)
@settings(deadline=None)
def test_evaluation_gives_a_bool_or_an_invalid_filter(f: Filter) -> None:
    try:
        result = evaluate(f, USER, user_schema("webex"))
    except InvalidFilterError:
        return
    assert isinstance(result, bool)


filterish = st.text(alphabet=' ()[]"\\.:-_eqnotandrpswcgl01TrueFalsNu\u00e9$', max_size=40)


def _filter_or_error(text: str) -> Filter | SCIMError:
    try:
        return parse_filter(text)
    except SCIMError as error:
        return error


def _path_or_error(text: str) -> PatchPath | SCIMError:
    try:
        return parse_path(text)
    except SCIMError as error:
        return error


@given(st.one_of(st.text(max_size=40), filterish))
def test_any_text_parses_or_raises_invalid_filter(text: str) -> None:
    outcome = _filter_or_error(text)
    if isinstance(outcome, SCIMError):
        assert (outcome.status, outcome.scim_type) == (400, "invalidFilter")
    else:
        assert parse_filter(render_filter(outcome)) == outcome


@given(st.one_of(st.text(max_size=40), filterish))
def test_any_text_parses_as_path_or_raises_invalid_path(text: str) -> None:
    outcome = _path_or_error(text)
    if isinstance(outcome, SCIMError):
        assert (outcome.status, outcome.scim_type) == (400, "invalidPath")
    else:
        assert parse_path(render_path(outcome)) == outcome


@given(
    st.builds(
        PatchPath,
        st.builds(AttrPath, names, st.none(), st.one_of(st.none(), st.sampled_from(URNS))),
        st.one_of(st.none(), inner_filters),
        st.none(),
    ).flatmap(
        lambda p: (
            st.just(p)
            if p.value_filter is None
            else st.builds(
                PatchPath, st.just(p.attr), st.just(p.value_filter), st.one_of(st.none(), names)
            )
        )
    )
)
def test_path_render_then_parse_is_identity(path: PatchPath) -> None:
    assert parse_path(render_path(path)) == path


# Hostile structure: what made the target answer 500 (recursion, huge numbers, surrogates).
comparisons = st.sampled_from(
    ['userName eq "a"', "a pr", "emails[type eq 1]", 'x co "\\ud800"', "n gt 1" + "0" * 5000]
)
hostile_filters = st.one_of(
    wrapped(["(", "not (", "not ", "emails["], [")", "]"], comparisons),
    repeated(comparisons, [" or ", " and ", " and not "]),
    st.builds(lambda a, odd, b: a + odd + b, filterish, odd_characters, filterish),
)


def _bounded(outcome: Filter | SCIMError, scim_type: str) -> None:
    if isinstance(outcome, SCIMError):
        assert (outcome.status, outcome.scim_type) == (400, scim_type)
        outcome.detail.encode("utf-8")  # the detail goes into a JSON answer
        return
    rendered = render_filter(outcome)
    assert parse_filter(rendered) == outcome
    with contextlib.suppress(InvalidFilterError):
        assert isinstance(evaluate(outcome, USER, user_schema("webex")), bool)


@given(hostile_filters)
@FUZZ
def test_hostile_filter_parses_or_raises_invalid_filter_quickly(text: str) -> None:
    _bounded(_filter_or_error(text), "invalidFilter")


@given(hostile_filters.map(lambda text: f"emails[{text}].value"))
@FUZZ
def test_hostile_path_parses_or_raises_invalid_path_quickly(text: str) -> None:
    outcome = _path_or_error(text)
    if isinstance(outcome, SCIMError):
        assert (outcome.status, outcome.scim_type) == (400, "invalidPath")
        outcome.detail.encode("utf-8")
    else:
        assert parse_path(render_path(outcome)) == outcome
