"""Failing commands print one clear line on stderr and exit non-zero, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SCIMITAR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SCIMITAR_DATABASE_URL", raising=False)
    return CliRunner()


def _fails_with_one_line(runner: CliRunner, argv: list[str], *words: str) -> str:
    result = runner.invoke(app, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def _app(runner: CliRunner) -> None:
    result = runner.invoke(app, ["app", "add", "cisco-webex", "--name", "Webex"])
    assert result.exit_code == 0, result.output


def test_import_of_a_file_that_is_not_utf8(runner: CliRunner, tmp_path: Path) -> None:
    latin1 = tmp_path / "people.csv"
    latin1.write_bytes(b"userPrincipalName,displayName\nj@x.com,J\xe9r\xf4me\n")
    _fails_with_one_line(
        runner, ["directory", "import", str(latin1)], "is not UTF-8 text", "byte 40", "0xe9"
    )


def test_import_of_deeply_nested_json(runner: CliRunner, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"users": [' + "[" * 1000 + "]" * 1000 + "]}", encoding="utf-8")
    result = runner.invoke(app, ["directory", "import", str(deep)])
    assert result.exit_code == 1
    assert "nested more than 32 levels" in result.stderr
    assert "Traceback" not in result.output


def test_mappings_file_with_a_set_of_the_wrong_type(runner: CliRunner, tmp_path: Path) -> None:
    _app(runner)
    document = tmp_path / "mappings.json"
    document.write_text('{"User": 5}', encoding="utf-8")
    _fails_with_one_line(
        runner,
        ["app", "mappings", "Webex", "import", str(document)],
        "User mappings: expected a mapping set",
    )


def test_mappings_file_that_is_not_utf8(runner: CliRunner, tmp_path: Path) -> None:
    _app(runner)
    document = tmp_path / "mappings.json"
    document.write_bytes(b'{"User": "\xff"}')
    _fails_with_one_line(
        runner, ["app", "mappings", "Webex", "import", str(document)], "is not UTF-8 text"
    )


@pytest.mark.parametrize("since", ["99999999999d", "9" * 30 + "w"], ids=["days", "weeks"])
def test_logs_since_out_of_range(runner: CliRunner, since: str) -> None:
    _app(runner)
    _fails_with_one_line(runner, ["logs", "Webex", "--since", since], "before year 1")


def test_export_to_a_path_that_cannot_be_written(runner: CliRunner, tmp_path: Path) -> None:
    _fails_with_one_line(
        runner, ["directory", "export", "--output", str(tmp_path)], "cannot write", "Is a directory"
    )


def test_delete_threshold_beyond_the_store(runner: CliRunner) -> None:
    _app(runner)
    _fails_with_one_line(
        runner,
        ["app", "settings", "Webex", "--delete-threshold", "99999999999999999999"],
        "between 1 and 1000000000",
    )


def test_an_unexpected_error_is_one_line_from_the_console_script(tmp_path: Path) -> None:
    """The installed entry point: even a bug (here, a store path that is a file) is one line."""
    data_dir = tmp_path / "data"
    data_dir.write_text("not a directory", encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-c", "from scimitar.cli.main import run; run()", "app", "list"],
        env={"SCIMITAR_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    assert "Traceback" not in completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, completed.stderr


def test_argument_bytes_that_are_not_utf8_are_refused_by_the_console_script(
    tmp_path: Path,
) -> None:
    completed = subprocess.run(
        [
            sys.executable.encode(),
            b"-c",
            b"from scimitar.cli.main import run; run()",
            b"directory",
            b"user",
            b"show",
            b"j\xe9r\xf4me",
        ],
        env={
            "SCIMITAR_DATA_DIR": str(tmp_path / "data"),
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
        },
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    stderr = completed.stderr.decode("utf-8", "replace")
    assert "is not valid UTF-8 text" in stderr
    assert "Traceback" not in stderr
