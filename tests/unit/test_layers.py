"""The layers docs/architecture.md describes hold: import-linter's contracts, run for real."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert found is not None, "lint-imports is missing: run `make setup` (import-linter)"
    done = subprocess.run(
        [found, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_every_layer_contract_is_kept() -> None:
    report = _lint_imports()
    assert "Contracts: 3 kept, 0 broken." in report
    for name in (
        "engine layers: run uses state, state uses the pure core",
        "the engine's pure core does no I/O",
        "the admin API and the portal do not import the CLI",
    ):
        assert f"{name} KEPT" in report
