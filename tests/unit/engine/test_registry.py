"""The job registry: what one process runs, claimed without an await between check and claim."""

from __future__ import annotations

from scimitar.engine.state.registry import JobRegistry


def test_a_claimed_app_cannot_be_claimed_again_until_released() -> None:
    jobs = JobRegistry()
    assert jobs.claim("app-1")
    assert not jobs.claim("app-1")
    assert jobs.claim("app-2")
    assert jobs.is_running("app-1")
    jobs.release("app-1")
    assert not jobs.is_running("app-1")
    assert jobs.claim("app-1")


def test_a_cycle_is_known_by_its_id_once_started() -> None:
    jobs = JobRegistry()
    jobs.claim("app-1")
    assert not jobs.runs_cycle("c-1")
    assert not jobs.runs_cycle(None)
    jobs.started("app-1", "c-1")
    assert jobs.runs_cycle("c-1")
    jobs.release("app-1")
    assert not jobs.runs_cycle("c-1")


def test_two_registries_share_nothing() -> None:
    here, there = JobRegistry(), JobRegistry()
    here.claim("app-1")
    here.started("app-1", "c-1")
    with here.ondemand("app-2"):
        assert here.holds_ondemand("app-2")
        assert not there.holds_ondemand("app-2")
    assert not here.holds_ondemand("app-2")
    assert not there.is_running("app-1")
    assert not there.runs_cycle("c-1")
