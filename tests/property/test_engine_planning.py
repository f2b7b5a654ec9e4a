"""Properties of planning (docs/entra.md §2.4): total, and idempotent once its action is applied."""

from __future__ import annotations

import typing
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scimitar.directory.source import ChangeKind
from scimitar.engine.core.actions import (
    Action,
    Adopt,
    Create,
    Delete,
    Disable,
    DisableCause,
    Enable,
    Match,
    Skip,
    SkipReason,
    Update,
)
from scimitar.engine.core.matching import MatchAttempt, resolve_match
from scimitar.engine.core.planning import (
    Link,
    ObjectAction,
    PlanInput,
    PlanSettings,
    SoftDeleteMode,
    link_after,
    plan,
)
from scimitar.engine.core.scope import ScopeResult, ScopeRule
from scimitar.mapping.defaults import SCIM_USER_MAPPINGS
from scimitar.mapping.flow import AttributeChange, CompiledMappingSet

ACTION_TYPES = typing.get_args(Action)
CHANGE = AttributeChange("displayName", "a", "b")

scopes = st.sampled_from(ScopeRule).map(
    lambda rule: ScopeResult(rule is ScopeRule.IN_SCOPE, rule, "r.")
)
links = st.one_of(
    st.none(),
    st.builds(
        Link,
        st.just("t-1"),
        st.just({"displayName": "a", "active": True}),
        st.one_of(st.none(), st.sampled_from(DisableCause)),
    ),
)
inputs = st.builds(
    PlanInput,
    scopes,
    links,
    st.sampled_from([(), (CHANGE,)]),
    st.one_of(st.none(), st.sampled_from(ChangeKind)),
    st.booleans(),
)
plan_settings = st.builds(
    PlanSettings,
    st.frozensets(st.sampled_from(ObjectAction)),
    st.booleans(),
    st.sampled_from(SoftDeleteMode),
)


@given(inputs, plan_settings)
def test_planning_is_total(subject: PlanInput, options: PlanSettings) -> None:
    action = plan(subject, options)
    assert sum(isinstance(action, kind) for kind in ACTION_TYPES) == 1
    if isinstance(action, Skip):
        assert action.detail


def _apply(action: Action, subject: PlanInput) -> PlanInput:
    """The state after ``action`` succeeded: the link moves on, nothing is pending."""
    if isinstance(action, Match):
        action = resolve_match([MatchAttempt("userName", "ada")])
    if isinstance(action, Skip):
        return subject
    link = link_after(action, subject.link, target_id="t-new", exported={"displayName": "b"})
    return PlanInput(subject.scope, link, (), subject.change, subject.has_matching_value)


@given(inputs, plan_settings)
def test_planning_again_after_the_action_skips(subject: PlanInput, options: PlanSettings) -> None:
    first = plan(subject, options)
    second = plan(_apply(first, subject), options)
    assert isinstance(second, Skip)
    if isinstance(first, Match | Update | Enable):
        assert second.reason is SkipReason.REDUNDANT_EXPORT
    if isinstance(first, Skip):
        assert second == first


@given(inputs, plan_settings)
def test_exports_happen_only_for_enabled_object_actions(
    subject: PlanInput, options: PlanSettings
) -> None:
    action = plan(subject, options)
    needed = {
        Match: ObjectAction.ADD,
        Update: ObjectAction.UPDATE,
        Enable: ObjectAction.UPDATE,
        Disable: ObjectAction.UPDATE,
        Delete: ObjectAction.DELETE,
    }.get(type(action))
    assert needed is None or needed in options.object_actions


COMPILED = CompiledMappingSet(SCIM_USER_MAPPINGS)
IN_SCOPE = ScopeResult(True, ScopeRule.IN_SCOPE, "In scope.")
texts = st.text(alphabet="abcXYZ019", min_size=1, max_size=5)
users = st.fixed_dictionaries(
    {"userPrincipalName": texts.map(lambda t: f"{t}@contoso.com"), "isSoftDeleted": st.just(False)},
    optional=dict.fromkeys(
        ["displayName", "givenName", "surname", "mail", "mobile", "city", "department"],
        st.one_of(st.none(), texts),
    ),
)


@given(users, users)
@settings(deadline=None)
def test_create_then_update_with_real_mappings_converges(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    created = COMPILED.apply(first)
    assert plan(PlanInput(IN_SCOPE)) == Match()
    assert resolve_match([]) == Create()
    link = link_after(Create(), None, target_id="t-1", exported=created.resource)
    assert link is not None
    assert plan(
        PlanInput(IN_SCOPE, link, tuple(COMPILED.diff(created, link.last_exported)))
    ) == Skip(
        SkipReason.REDUNDANT_EXPORT,
        "The state of the object in both the source and target systems already match.",
    )
    updated = COMPILED.apply(second, is_create=False)
    action = plan(PlanInput(IN_SCOPE, link, tuple(COMPILED.diff(updated, link.last_exported))))
    if isinstance(action, Update):
        moved = link_after(action, link)
        assert moved is not None
        link = moved
    assert COMPILED.diff(updated, link.last_exported) == []
    assert isinstance(plan(PlanInput(IN_SCOPE, link, ())), Skip)


@given(st.lists(st.lists(st.sampled_from(["t-1", "t-2", "t-3"]), max_size=3), max_size=4))
def test_resolve_match_is_decided_by_the_first_attempt_with_hits(hits: list[list[str]]) -> None:
    attempts = [MatchAttempt("a", i, tuple(ids)) for i, ids in enumerate(hits)]
    outcome = resolve_match(attempts)
    decisive = next((set(ids) for ids in hits if ids), set())
    expected = {0: Create, 1: Adopt}.get(len(decisive))
    assert type(outcome).__name__ == (expected.__name__ if expected else "Failure")
