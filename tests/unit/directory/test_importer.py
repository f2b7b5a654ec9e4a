"""Import files: rows become checked values, and every problem names its line and field."""

from __future__ import annotations

import pytest

from scimitar.directory.errors import ImportProblem
from scimitar.directory.importer import parse_import

JSON_FILE = """{
  "users": [
    {"userPrincipalName": "ada@contoso.com", "givenName": "Ada"},
    {"userPrincipalName": "bad", "accountEnabled": "maybe"},
    {"userPrincipalName": "ADA@contoso.com"}
  ],
  "groups": [
    {"displayName": "Sales", "members": ["ada@contoso.com"]}
  ],
  "memberships": [
    {"group": "Sales"}
  ]
}
"""

CSV_FILE = """userPrincipalName,givenName,accountEnabled,proxyAddresses,streetAddress
ada@contoso.com,Ada,true,SMTP:ada@contoso.com;smtp:ada@contoso.onmicrosoft.com,
bob@contoso.com,Bob,nope,,"1 Main Street
Springfield"
eve@contoso.com,Eve,,,
"""


def test_json_rows_carry_their_lines() -> None:
    batch = parse_import(JSON_FILE, "json")
    assert [(row.line, row.attributes["userPrincipalName"]) for row in batch.users] == [
        (3, "ada@contoso.com")
    ]
    assert batch.groups[0].line == 8
    assert batch.groups[0].members == ("ada@contoso.com",)


def test_json_problems_name_line_and_field() -> None:
    batch = parse_import(JSON_FILE, "json")
    assert batch.problems == [
        ImportProblem(4, "userPrincipalName", "'bad' is not of the form alias@domain"),
        ImportProblem(4, "accountEnabled", "expected true or false, got 'maybe'"),
        ImportProblem(5, "userPrincipalName", "'ada@contoso.com' already appears on line 3"),
        ImportProblem(11, "member", "a value is required"),
    ]


def test_csv_lines_count_multi_line_cells() -> None:
    batch = parse_import(CSV_FILE, "csv")
    assert [row.line for row in batch.users] == [2, 5]
    assert batch.users[0].attributes["proxyAddresses"] == [
        "SMTP:ada@contoso.com",
        "smtp:ada@contoso.onmicrosoft.com",
    ]
    assert batch.problems == [
        ImportProblem(3, "accountEnabled", "expected true or false, got 'nope'")
    ]


def test_blank_csv_cell_clears_the_attribute() -> None:
    batch = parse_import(CSV_FILE, "csv")
    assert batch.users[1].attributes["accountEnabled"] is None


def test_unknown_csv_column_rejects_the_file() -> None:
    batch = parse_import("userPrincipalName,shoeSize\na@x.com,42\n", "csv")
    assert batch.file_problems == [ImportProblem(1, "shoeSize", "unknown column")]
    assert batch.users == []


def test_csv_kind_follows_the_header() -> None:
    groups = parse_import("displayName,description,members\nSales,Sellers,a@x.com;b@x.com\n", "csv")
    memberships = parse_import("group,member\nSales,a@x.com\n", "csv")
    assert groups.groups[0].members == ("a@x.com", "b@x.com")
    assert memberships.memberships[0].member == "a@x.com"


def test_broken_json_reports_its_line() -> None:
    batch = parse_import('{"users": [\n  {"userPrincipalName": "a@x.com",}\n]}', "json")
    assert batch.file_problems[0].line == 2
    assert "invalid JSON" in batch.file_problems[0].message


def test_bare_list_is_a_list_of_users() -> None:
    batch = parse_import(
        '[{"userPrincipalName": "a@x.com", "objectId": "0b7e4a4c-1111-4222-8333-944455556666"}]',
        "json",
    )
    assert batch.users[0].object_id == "0b7e4a4c-1111-4222-8333-944455556666"


def test_unknown_section_rejects_the_file() -> None:
    batch = parse_import('{"people": []}', "json")
    assert batch.file_problems == [ImportProblem(1, "people", "unknown section")]


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        pytest.param(
            'userPrincipalName,displayName\na@x.com,Ada\nb@x.com,"Bob\nc@x.com,Cee\n',
            3,
            "never closed",
            id="unterminated-quote-swallows-the-next-row",
        ),
        pytest.param(
            'userPrincipalName,displayName\na@x.com,"Ada\nb@x.com,Bob\nc@x.com,"Cee"\n',
            2,
            "an earlier quote may be unclosed",
            id="unclosed-quote-paired-with-a-later-one",
        ),
        pytest.param(
            'userPrincipalName,displayName\na@x.com,"Ad"a\n',
            2,
            "the cell goes on",
            id="stray-quote",
        ),
        pytest.param(
            "userPrincipalName,displayName\na@x.com,Ada\nb@x.com,Bob,extra\n",
            3,
            "has 3 cells, the header names 2 columns",
            id="row-too-wide",
        ),
    ],
)
def test_malformed_csv_rejects_the_whole_file_naming_the_line(
    text: str, line: int, says: str
) -> None:
    batch = parse_import(text, "csv")
    assert len(batch.file_problems) == 1
    assert batch.file_problems[0].line == line
    assert says in batch.file_problems[0].message


def test_quoted_multi_line_address_is_still_one_cell() -> None:
    text = 'userPrincipalName,streetAddress\na@x.com,"1 Main St\nSpringfield"\nb@x.com,2 Side St\n'
    batch = parse_import(text, "csv")
    assert batch.file_problems == []
    assert [row.attributes["streetAddress"] for row in batch.users] == [
        "1 Main St\nSpringfield",
        "2 Side St",
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"users": [' + "[" * 1000 + "]" * 1000 + "]}",
        '[{"userPrincipalName": "a@x.com", "displayName": ' + "[" * 40 + "]" * 40 + "}]",
        '{"users": [], "groups": ' + "[" * 1000,
    ],
    ids=["record-1000", "value-40", "unterminated-1000"],
)
def test_deeply_nested_json_rejects_the_whole_file(text: str) -> None:
    batch = parse_import(text, "json")
    assert [p.line for p in batch.file_problems] == [1]
    assert "nested more than 32 levels" in batch.file_problems[0].message
    assert batch.users == []


@pytest.mark.parametrize(
    ("record", "field", "says"),
    [
        ('{"userPrincipalName": "a\\u0000b@x.com"}', "userPrincipalName", "U+0000"),
        ('{"userPrincipalName": "a@x.com", "surname": "L\\u001bx"}', "surname", "U+001B"),
        ('{"userPrincipalName": "a@x.com", "displayName": "A\\nB"}', "displayName", "U+000A"),
        ('{"userPrincipalName": "a@x.com", "city": "\\udc00"}', "city", "lone surrogate"),
    ],
    ids=["nul-upn", "escape", "newline", "surrogate"],
)
def test_unstorable_text_is_a_problem_of_its_row(record: str, field: str, says: str) -> None:
    batch = parse_import(f"[\n{record}\n]", "json")
    assert [(p.line, p.field) for p in batch.problems] == [(2, field)]
    assert says in batch.problems[0].message
    assert batch.users == []


def test_unknown_attribute_with_unprintable_name_is_shown_escaped() -> None:
    batch = parse_import('[{"userPrincipalName": "a@x.com", "\\ud800x\\u0000": 1}]', "json")
    assert [p.field for p in batch.problems] == ["\\ud800x\\x00"]
    str(batch.problems[0]).encode("utf-8")
