"""Failed sign-ins are coalesced: one record per source and window, counting the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scimitar.audit import Actor, ActorKind, FailureCoalescer

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_the_first_failure_of_a_source_is_written_and_the_rest_of_its_window_counted() -> None:
    coalescer = FailureCoalescer(timedelta(minutes=1))
    assert coalescer.admit("signin.failed", "10.0.0.1", T0) == 1
    for second in range(1, 50):
        assert coalescer.admit("signin.failed", "10.0.0.1", T0 + timedelta(seconds=second)) is None
    assert coalescer.admit("signin.failed", "10.0.0.1", T0 + timedelta(seconds=61)) == 50


def test_sources_and_actions_are_counted_apart() -> None:
    coalescer = FailureCoalescer()
    assert coalescer.admit("signin.failed", "10.0.0.1", T0) == 1
    assert coalescer.admit("signin.failed", "10.0.0.2", T0) == 1
    assert coalescer.admit("api.auth_failed", "10.0.0.1", T0) == 1


def test_many_sources_share_one_overflow_entry_past_the_bound() -> None:
    coalescer = FailureCoalescer(timedelta(minutes=1), max_sources=3)
    written = [coalescer.admit("signin.failed", f"10.0.0.{n}", T0) for n in range(100)]
    # Three sources told apart, then one overflow record: 4 writes for 100 addresses.
    assert sum(1 for attempts in written if attempts is not None) == 4


def test_an_expired_source_makes_room_without_losing_its_count() -> None:
    coalescer = FailureCoalescer(timedelta(minutes=1), max_sources=1)
    assert coalescer.admit("signin.failed", "a", T0) == 1
    assert coalescer.admit("signin.failed", "a", T0 + timedelta(seconds=1)) is None
    later = T0 + timedelta(minutes=2)
    # "a" expired with one failure unreported: it goes to the overflow entry's next record.
    assert coalescer.admit("signin.failed", "b", later) == 2


def test_actors_print_as_the_audit_log_names_them() -> None:
    assert str(Actor.cli("alice")) == "cli:alice"
    assert str(Actor.api("ci-pipeline")) == "api:ci-pipeline"
    password = Actor.portal("admin", "csrf-token-one")
    assert str(password) == "portal:password"
    assert password.kind is ActorKind.PORTAL
    assert password.session is not None
    assert len(password.session) == 8
    assert "csrf" not in password.session
    assert Actor.portal("admin", "csrf-token-two").session != password.session
    assert str(Actor.portal("key:ci", "x")) == "portal:key:ci"
    assert Actor.cli().name
