"""Import files: rows become checked values, and every problem names its line and field."""

from __future__ import annotations

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

CSV_FILE = """userPrincipalName,givenName,accountEnabled,proxyAddresses
ada@contoso.com,Ada,true,SMTP:ada@contoso.com;smtp:ada@contoso.onmicrosoft.com
bob@contoso.com,"Bob
Builder",nope,
eve@contoso.com,Eve,,
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
