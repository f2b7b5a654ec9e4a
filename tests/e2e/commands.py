"""The ``scimitar`` command, run in the test's process against a running server's store.

A ``scimitar`` process costs over a second of start-up; tests that make hundreds of commands
to arrange a scenario run them through typer's runner instead. What is under test runs as a
real process where it matters (``scimitar serve``, and ``scimitar app sync`` when killed).
"""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from scimitar.cli.main import app as scimitar_cli
from tests.e2e.conftest import Server

__all__ = ["Scimitar"]


class Scimitar:
    """The ``scimitar`` command against ``server``'s store, in this process."""

    def __init__(self, server: Server) -> None:
        self._env: dict[str, str | None] = {
            "SCIMITAR_DATA_DIR": server.env["SCIMITAR_DATA_DIR"],
            "SCIMITAR_DATABASE_URL": None,
        }
        self._runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        """Run ``scimitar ARGS --json``; fails the test unless it exits 0."""
        result = self._runner.invoke(scimitar_cli, [*args, "--json"], env=self._env)
        failure = f"{result.stderr}{result.exception or ''}"
        assert result.exit_code == 0, f"scimitar {' '.join(args)}: {failure}"
        return json.loads(result.stdout)
