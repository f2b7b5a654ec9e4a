"""The scimitar process's garbage-collector settings."""

from __future__ import annotations

import gc
import subprocess
import sys

from scimitar.runtime import GC_THRESHOLDS, tune_gc


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
