"""Resume points: every shape ever stored still loads, and a loaded one is saved as version 2.

``tests/samples/resume/`` holds one fixture per stored shape, named by the commit whose code
first wrote it (found in the history of the code that writes ``engine_job_state.resume``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scimitar.engine.core.resume import (
    RESUME_VERSION,
    CycleKind,
    Owner,
    Phase,
    ResumeState,
    ResumeStateError,
    UserOrder,
)

SAMPLES = Path(__file__).parents[2] / "samples" / "resume"
FIXTURES = sorted(SAMPLES.glob("*.json"))


def _fixture(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_there_is_a_fixture_for_each_shape_and_kind() -> None:
    kinds = {_fixture(p)["stored"]["kind"] for p in FIXTURES}
    phases = {_fixture(p)["stored"].get("phase") for p in FIXTURES}
    assert kinds == {k.value for k in CycleKind}
    assert phases - {None} == {p.value for p in Phase}
    assert len(FIXTURES) >= 16


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_every_older_stored_shape_loads(path: Path) -> None:
    sample = _fixture(path)
    loaded = ResumeState.from_json(json.dumps(sample["stored"]))

    assert loaded is not None
    assert loaded.version == 1
    written = loaded.to_dict()
    assert written.pop("version") == RESUME_VERSION
    assert written == sample["reads_as"]


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_a_loaded_shape_saves_and_loads_as_itself(path: Path) -> None:
    loaded = ResumeState.from_dict(_fixture(path)["stored"])
    again = ResumeState.from_json(loaded.to_json())

    assert again is not None
    assert again.version == RESUME_VERSION
    assert again.moved(version=1) == loaded


def test_the_current_shape_is_typed() -> None:
    state = ResumeState(
        CycleKind.INITIAL,
        Phase.USERS,
        watermark="17",
        order=UserOrder.MANAGERS,
        owner=Owner("worker-1", 7),
    )
    moved = state.moved(phase=Phase.GROUPS, cursor="g-1")
    stored = json.loads(moved.to_json())

    assert stored["version"] == RESUME_VERSION
    assert (stored["phase"], stored["cursor"], stored["order"]) == ("groups", "g-1", "managers")
    assert state.phase is Phase.USERS  # frozen: moving makes a new one
    assert ResumeState.from_json(moved.to_json()) == moved


def test_nothing_stored_is_no_resume_point() -> None:
    assert ResumeState.from_json(None) is None
    assert ResumeState.from_json("") is None
    assert ResumeState.from_json("{}") is None


@pytest.mark.parametrize(
    ("stored", "words"),
    [
        ({"version": 3, "kind": "initial"}, "version 3.*versions 1 to 2"),
        ({"kind": "sideways"}, "kind is 'sideways'; expected one of initial"),
        ({"kind": "initial", "phase": "elsewhere"}, "phase is 'elsewhere'"),
        ({"kind": "initial", "order": "random"}, "order is 'random'"),
    ],
)
def test_an_unreadable_shape_is_named(stored: dict[str, Any], words: str) -> None:
    with pytest.raises(ResumeStateError, match=words):
        ResumeState.from_dict(stored)


def test_text_that_is_no_object_is_refused() -> None:
    with pytest.raises(ResumeStateError, match="not JSON"):
        ResumeState.from_json("{")
    with pytest.raises(ResumeStateError, match="not a JSON object"):
        ResumeState.from_json("[1]")
