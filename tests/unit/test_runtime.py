"""The scimitar process's event loop and garbage-collector settings."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys

import pytest

from scimitar.runtime import GC_THRESHOLDS, run, tune_gc


def test_tune_gc_freezes_what_is_alive_and_raises_the_thresholds() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_scimitar_command_runs_with_the_tuned_collector() -> None:
    probe = (
        "import gc, sys\n"
        "import scimitar.cli.main as main\n"
        "main.app = lambda: print(gc.get_threshold(), gc.get_freeze_count() > 0)\n"
        "main.run()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"{GC_THRESHOLDS} True"


def test_run_runs_the_coroutine_on_uvloop_and_returns_its_value() -> None:
    import uvloop

    async def which_loop() -> str:
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop()).__module__

    assert run(which_loop()) == uvloop.Loop.__module__


def test_run_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed: import fails

    async def which_loop() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert run(which_loop()).startswith("asyncio")


def test_the_scimitar_command_runs_its_event_loop_on_uvloop() -> None:
    probe = (
        "import asyncio\n"
        "from scimitar.cli.output import run\n"
        "async def body():\n"
        "    print(type(asyncio.get_running_loop()).__module__)\n"
        "run(body)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().startswith("uvloop")
