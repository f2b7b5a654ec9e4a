"""``scimitar expr`` through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app
from scimitar.mapping import LIBRARY

runner = CliRunner()


def test_eval_prints_the_result() -> None:
    result = runner.invoke(
        app,
        [
            "expr",
            "eval",
            'Join(" ", [givenName], [surname])',
            "--attr",
            "givenName=Zoë",
            "--attr",
            "surname=Dupont",
        ],
    )
    assert result.exit_code == 0
    assert result.stdout.strip() == "Zoë Dupont"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        pytest.param(
            ['Replace([preferredLanguage], "-", , , "_", , )', "-a", "preferredLanguage=EN-US"],
            {"result": "EN_US"},
            id="replace",
        ),
        pytest.param(
            ["Count([proxyAddresses])", "-a", "proxyAddresses=a", "-a", "proxyAddresses=b"],
            {"result": "2"},
            id="repeated-attr-is-multivalued",
        ),
        pytest.param(["[missing]"], {"result": None}, id="null"),
        pytest.param(['Split("a,b", ",")'], {"result": ["a", "b"]}, id="list"),
        pytest.param(
            ["IgnoreFlowIfNullOrEmpty([x])"], {"result": None, "isFlowIgnored": True}, id="ignored"
        ),
        pytest.param(
            [
                'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
                "-a",
                "accountEnabled=False",
            ],
            {"result": "False"},
            id="soft-deleted",
        ),
    ],
)
def test_eval_json_prints_one_document(arguments: list[str], expected: dict[str, object]) -> None:
    result = runner.invoke(app, ["expr", "eval", *arguments, "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected
    assert result.stderr == ""


def test_syntax_error_shows_a_caret_under_the_column() -> None:
    result = runner.invoke(app, ["expr", "eval", 'Join(" ", [givenName] [surname])', "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == 'Join(" ", [givenName] [surname])'
    assert lines[1] == " " * 22 + "^"
    assert "line 1, column 23" in lines[2]
    assert "expected ',', ')'" in result.stderr


def test_caret_points_into_the_right_line_of_a_multiline_expression() -> None:
    result = runner.invoke(app, ["expr", "eval", 'Join(" ",\n   [a],\n   Foo([b]))'])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == ["   Foo([b]))", "   ^"]
    assert "unknown function 'Foo'" in result.stderr


def test_evaluation_error_goes_to_stderr() -> None:
    result = runner.invoke(app, ["expr", "eval", "CDate([d])", "-a", "d=soon", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "'soon' is not a date" in result.stderr


def test_attribute_without_equals_is_a_usage_error() -> None:
    result = runner.invoke(app, ["expr", "eval", "[a]", "--attr", "a"])
    assert result.exit_code == 2
    assert "is not NAME=VALUE" in result.stderr


def test_functions_lists_the_library() -> None:
    result = runner.invoke(app, ["expr", "functions", "--json"])
    assert result.exit_code == 0
    functions = json.loads(result.stdout)["functions"]
    assert {f["name"] for f in functions} == set(LIBRARY)
    join = next(f for f in functions if f["name"] == "Join")
    assert join["parameters"] == [
        {"name": "separator", "required": True, "allowMultipleOccurrences": False},
        {"name": "source", "required": True, "allowMultipleOccurrences": True},
    ]


def test_functions_table_for_people() -> None:
    result = runner.invoke(app, ["expr", "functions"], terminal_width=200)
    assert result.exit_code == 0
    assert "Replace(source, [oldValue]" in result.stdout
    assert f"{len(LIBRARY)} functions" in result.stdout
