"""``scimitar`` starts fast: sub-commands are imported when run, and their help lines agree.

The wall-clock figures are in ``bench/cli.py``; these tests check what makes them, which a
timer on a shared machine cannot: which modules a start-up imports.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
import typer.testing
from alembic.script import ScriptDirectory

from scimitar.cli.main import LAZY, app, load
from scimitar.store.database import alembic_config, migrations_head

HEAVY = ("fastapi", "alembic", "scimitar.portal", "scimitar.api", "uvicorn", "scimitar.app")

_PROBE = """
import json, sys
sys.argv = ["scimitar", *json.loads(sys.argv[1])]
from scimitar.cli.main import run
try:
    run()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_after(*words: str, env: dict[str, str] | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(words))],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_importing_the_root_command_pulls_in_no_heavy_module() -> None:
    probe = "import json, sys, scimitar.cli.main; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(json.loads(done.stdout))
    assert not [name for name in HEAVY if name in loaded]
    assert not [name for name in loaded if name.startswith("sqlalchemy")]


@pytest.mark.parametrize(
    ("words", "allowed"),
    [
        (("--help",), ()),
        (("expr", "eval", 'Join(" ", [a], [b])', "--attr", "a=1", "--attr", "b=2"), ()),
    ],
)
def test_short_commands_import_only_what_they_use(
    words: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    loaded = _modules_after(*words)
    assert [name for name in HEAVY if name in loaded and name not in allowed] == []
    assert not [name for name in loaded if name.startswith("sqlalchemy")]


def test_a_store_command_on_a_current_store_does_not_import_alembic(tmp_path: object) -> None:
    import os

    env = {**os.environ, "SCIMITAR_DATA_DIR": str(tmp_path)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    first = _modules_after("directory", "user", "list", env=env)
    assert "alembic" in first  # a new store is migrated
    again = _modules_after("directory", "user", "show", "nobody@contoso.com", env=env)
    assert "sqlalchemy" in again
    assert [name for name in HEAVY if name in again] == []


def test_every_lazy_command_loads_and_its_help_line_is_its_own() -> None:
    for name, entry in LAZY.items():
        command = load(name)
        assert command.name == name
        assert command.get_short_help_str(limit=1000) == entry.help, name


def test_the_root_lists_every_command_and_runs_lazy_ones() -> None:
    root = typer.main.get_command(app)
    assert set(LAZY) | {"version"} == set(root.list_commands(typer.Context(root)))
    result = typer.testing.CliRunner().invoke(
        app, ["expr", "eval", "ToUpper([a])", "--attr", "a=x"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "X"


def test_the_migrations_head_read_without_alembic_is_alembic_s() -> None:
    assert migrations_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()
