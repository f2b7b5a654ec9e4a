"""Every command, given hostile arguments, fails with a clear message and never a traceback.

The command tree is walked from ``scimitar.cli.main.app``, so a command added later is covered
without touching this file. Each command runs in process (typer's runner) against a store in a
temporary data directory holding one app, one user and one group, so hostile values also reach
code past the lookups: once with every argument hostile, and once per option with that option
hostile and the arguments naming objects that exist.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from scimitar.cli.main import app

# Commands that serve until stopped: they are tested by the e2e suite on a real process.
_EXCLUDED = {
    ("serve",): "starts the server and blocks until stopped",
    ("demo",): "starts the server with the scheduler and blocks until stopped",
    ("target", "serve"): "starts the embedded target and blocks until stopped",
}
_EVERY = [
    "",
    "x" * 10_000,
    "\ud800",
    "a\x00b",
    "../../etc/passwd",
    "@not-utf8",
    "@deep-json",
    "-1",
    "99999999999999999999",
]
# Lone surrogates and NUL are refused before any command runs, wherever they stand (tested once
# per command with arguments above, and for options by test_root_refuses_unusable_text).
_PER_OPTION = ["", "x" * 10_000, "-1", "99999999999999999999"]
# Arguments naming what the store holds, so an option's value is what gets checked.
_EXISTING = {
    "key": "Webex",
    "app_key": "Webex",
    "template": "cisco-webex",
    "template_id": "cisco-webex",
    "user": "ada@contoso.com",
    "upn": "new@contoso.com",
    "group": "Sales",
    "name": "fresh",
    "members": "ada@contoso.com",
    "path": "@users-csv",
    "expression": "[givenName]",
    "target": "displayName",
    "attribute": "department",
    "operator": "IS_NOT_NULL",
    "state": "off",
    "tenant": "acme",
}


@dataclass(frozen=True)
class Command:
    """A leaf command: its words, and the group arguments that come before it."""

    words: tuple[str, ...]
    params: tuple[Any, ...]
    group_arguments: tuple[tuple[int, str], ...]  # (position in words, argument name)

    @property
    def id(self) -> str:
        return " ".join(self.words)


def _walk(command: Any, words: tuple[str, ...], groups: tuple[Any, ...]) -> Iterator[Command]:
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        arguments = tuple(
            (len(words), p.name) for p in command.params if p.param_type_name == "argument"
        )
        for name, subcommand in sorted(subcommands.items()):
            yield from _walk(subcommand, (*words, name), (*groups, *arguments))
        return
    yield Command(words, tuple(command.params), groups)


def _commands() -> list[Command]:
    root = typer.main.get_command(app)
    root.load_all()  # type: ignore[attr-defined]  # sub-commands are imported on use
    return [c for c in _walk(root, (), ()) if c.words not in _EXCLUDED]


def _value(token: str, files: dict[str, str]) -> str:
    return files.get(token, token)


def _arguments(command: Command) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "argument"]


def _options(command: Command) -> list[Any]:
    return [
        p
        for p in command.params
        if p.param_type_name == "option" and not p.is_flag and p.name != "help"
    ]


def _argv(command: Command, hostile: str | None, option: Any, files: dict[str, str]) -> list[str]:
    """Words, group arguments and arguments; hostile ones everywhere or only in ``option``."""

    def filler(name: str) -> str:
        if hostile is not None and option is None:
            return _value(hostile, files)
        return _value(_EXISTING.get(name, "x"), files)

    words = list(command.words)
    for position, name in sorted(command.group_arguments, reverse=True):
        words.insert(position, filler(name))
    args = [filler(p.name) for p in _arguments(command) if p.required or option is None]
    for other in _options(command):
        if other is option and hostile is not None:
            args += [other.opts[0], _value(hostile, files)]
        elif other.required:
            args += [other.opts[0], filler(other.name)]
    return [*words, *args]


def _cases() -> list[Any]:
    cases = []
    for command in _commands():
        takes_values = command.group_arguments or _arguments(command)
        if not takes_values and not any(o.required for o in _options(command)):
            cases.append(pytest.param(command, None, None, id=f"{command.id}[no-arguments]"))
        for hostile in _EVERY if takes_values else []:
            shown = hostile if len(hostile) < 30 else f"{len(hostile)}-chars"
            cases.append(pytest.param(command, hostile, None, id=f"{command.id}[{shown!a}]"))
        for option in _options(command):
            for hostile in _PER_OPTION:
                shown = hostile if len(hostile) < 30 else f"{len(hostile)}-chars"
                case_id = f"{command.id} {option.opts[0]}[{shown!a}]"
                cases.append(pytest.param(command, hostile, option, id=case_id))
    return cases


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A data directory with an app, a user and a group; hostile files; a nested work dir."""
    root = tmp_path_factory.mktemp("hostile")
    files = {
        "@not-utf8": str(root / "latin1.csv"),
        "@deep-json": str(root / "deep.json"),
        "@users-csv": str(root / "users.csv"),
    }
    Path(files["@not-utf8"]).write_bytes(b"userPrincipalName,displayName\nj@x.com,J\xe9r\xf4me\n")
    Path(files["@deep-json"]).write_text("[" * 1000 + "]" * 1000, encoding="utf-8")
    Path(files["@users-csv"]).write_text("userPrincipalName\nnew@contoso.com\n", encoding="utf-8")
    work = root / "a" / "b" / "c"  # ../../etc/passwd stays inside the temp dir
    work.mkdir(parents=True)
    for argv in (
        ["directory", "user", "add", "ada@contoso.com", "givenName=Ada"],
        ["directory", "group", "add", "Sales"],
        ["app", "add", "cisco-webex", "--name", "Webex"],
        ["app", "assign", "Webex", "--user", "ada@contoso.com"],
        ["target", "tenant", "create", "acme"],
    ):
        result = _invoke(root / "data", argv)
        assert result.exit_code == 0, result.stderr
    previous = Path.cwd()
    os.chdir(work)
    try:
        yield root / "data", files
    finally:
        os.chdir(previous)


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


_ROOT = typer.main.get_command(app)  # built once: typer's runner rebuilds it on every call
_ROOT.load_all()  # type: ignore[attr-defined]


def _invoke(data_dir: Path, argv: list[str]) -> Outcome:
    """Run the command as typer's runner does, on the root command built once."""
    runner = CliRunner()
    environment = {"SCIMITAR_DATA_DIR": str(data_dir), "SCIMITAR_DATABASE_URL": None}
    exception: BaseException | None = None
    with runner.isolation(input="", env=environment) as (out, err, _mixed):
        try:
            _ROOT.main(args=argv, prog_name="scimitar", standalone_mode=True)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except Exception as exc:  # noqa: BLE001 - reported by the test with the command
            exception, code = exc, 1
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    return Outcome(code, stdout, stderr, exception)


def _check(data_dir: Path, argv: list[str]) -> Outcome:
    result = _invoke(data_dir, argv)
    shown = f"scimitar {' '.join(a[:40] for a in argv)!a}"
    output = result.stdout + result.stderr
    assert "Traceback" not in output, f"{shown}:\n{output[-3000:]}"
    if result.exception is not None:
        pytest.fail(f"{shown} raised {type(result.exception).__name__}: {result.exception!a}")
    if result.exit_code != 0:
        assert result.stderr.strip(), f"{shown} failed (exit {result.exit_code}) saying nothing"
    return result


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("command", "hostile", "option"), _cases())
def test_no_command_prints_a_traceback(
    store: tuple[Path, dict[str, str]], command: Command, hostile: str | None, option: Any
) -> None:
    data_dir, files = store
    _check(data_dir, _argv(command, hostile, option, files))


@pytest.mark.parametrize(
    "argv",
    [
        ["directory", "user", "show", "\ud800"],
        ["directory", "user", "show", "a\x00b"],
        ["logs", "Webex", "--user", "\udcff"],
        ["app", "settings", "Webex", "--notify", "a\x00@x.com"],
    ],
    ids=["argument-surrogate", "argument-nul", "option-surrogate", "option-nul"],
)
def test_root_refuses_unusable_text(store: tuple[Path, dict[str, str]], argv: list[str]) -> None:
    result = _check(store[0], argv)
    assert result.exit_code == 2
    assert "pass text in UTF-8" in result.stderr


def test_the_walk_finds_every_command_group() -> None:
    words = {c.words[0] for c in _commands()}
    assert {"directory", "app", "target", "expr", "gallery", "admin", "logs", "notify"} <= words
    assert len(_commands()) > 60
