"""Edge cases of every function of docs/entra.md §4.2, derived from the documented semantics."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping import LIBRARY, evaluate
from scimitar.mapping.values import IGNORE_FLOW

ROLES = [
    {"id": "r1", "value": "Admin", "displayName": "Administrator"},
    {"id": "00000000-0000-0000-0000-000000000000", "value": None, "displayName": "Default Access"},
    {"id": "r2", "value": "Reader", "displayName": "Reader"},
]

# (id, expression, user attributes, expected flowed value)
CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("append-null-source", 'Append([missing], "x")', {}, None),
    ("append-null-suffix", "Append([a], [missing])", {"a": "v"}, "v"),
    ("prepend", 'Prepend("pre-", [a])', {"a": "v"}, "pre-v"),
    ("left-zero", 'Left("John", 0)', {}, ""),
    ("left-negative", 'Left("John", -1)', {}, "John"),
    ("left-null", "Left([missing], 3)", {}, ""),
    ("left-longer", 'Left("Jo", 5)', {}, "Jo"),
    ("mid-truncates", 'Mid("John", 3, 10)', {}, "hn"),
    ("mid-null", "Mid([missing], 1, 2)", {}, None),
    ("mid-past-end", 'Mid("John", 9, 2)', {}, ""),
    ("strip-spaces", 'StripSpaces(" a b  c ")', {}, "abc"),
    ("strip-spaces-keeps-tabs", 'StripSpaces("a\tb")', {}, "a\tb"),
    ("tolower", 'ToLower("ÀBC")', {}, "àbc"),
    ("tolower-turkish", 'ToLower("ISTANBUL", "tr-TR")', {}, "\u0131stanbul"),
    ("toupper", 'ToUpper("straße")', {}, "STRASSE"),
    ("toupper-turkish", 'ToUpper("istanbul", "tr-TR")', {}, "İSTANBUL"),
    ("pcase-apostrophe-default", 'PCase("o\'neil mcdonald")', {}, "O'neil Mcdonald"),
    ("pcase-digits-in-word", 'PCase("hello 2world")', {}, "Hello 2world"),
    ("pcase-accented", 'PCase("élodie ÉCLAIR")', {}, "Élodie Éclair"),
    ("pcase-custom-space-only", 'PCase("jean-luc picard", " ")', {}, "Jean-luc Picard"),
    ("word-zero", 'Word("a b", 0, " ")', {}, ""),
    ("word-too-few", 'Word("a b", 3, " ")', {}, ""),
    ("word-null", 'Word([missing], 1, " ")', {}, ""),
    ("word-consecutive-delimiters", 'Word("a,,b", 2, ",")', {}, "b"),
    ("instr-not-found", 'InStr("abc", "z")', {}, "0"),
    ("instr-text-compare", 'InStr("ABC", "b", 1, vbTextCompare)', {}, "2"),
    ("instr-binary-compare", 'InStr("ABC", "b", 1, vbBinaryCompare)', {}, "0"),
    ("instr-null", 'InStr([missing], "b")', {}, None),
    ("cstr-number", "CStr(42)", {}, "42"),
    ("cstr-bool-attribute", "CStr([accountEnabled])", {"accountEnabled": True}, "True"),
    ("cstr-date", 'CStr(CDate("2020-01-02T03:04:05Z"))', {}, "1/2/2020 3:04:05 AM"),
    ("base64-non-ascii", 'ConvertToBase64("é")', {}, "6QA="),
    ("base64-null", "ConvertToBase64([missing])", {}, None),
    ("utf8hex-non-ascii", 'ConvertToUTF8Hex("é")', {}, "C3A9"),
    ("normalize-uppercase", 'NormalizeDiacritics("ÆSØ ŁÓDŹ")', {}, "AESOE LODZ"),
    ("normalize-eszett", 'NormalizeDiacritics("Straße")', {}, "Strasse"),
    ("normalize-keeps-others", 'NormalizeDiacritics("日本 ñ")', {}, "日本 n"),
    ("normalize-null", "NormalizeDiacritics([missing])", {}, None),
    ("iif-null-attribute-is-false", 'IIF([missing] = "x", "yes", "no")', {}, "no"),
    ("iif-empty-attribute-is-false", 'IIF([a] = "", "yes", "no")', {"a": ""}, "no"),
    ("iif-case-sensitive", 'IIF([c] = "usa", "yes", "no")', {"c": "USA"}, "no"),
    ("iif-numeric-ordering", 'IIF([n] > 9, "big", "small")', {"n": "10"}, "big"),
    ("iif-text-ordering", 'IIF([s] < "b", "before", "after")', {"s": "a"}, "before"),
    ("iif-lazy-branch", 'IIF("True", "ok", Mid([a], 0, 1))', {"a": "x"}, "ok"),
    (
        "iif-boolean-attribute",
        'IIF([accountEnabled], "on", "off")',
        {"accountEnabled": False},
        "off",
    ),
    (
        "iif-nested-and",
        'IIF([a] = "1", IIF([b] = "2", "both", "a-only"), "none")',
        {"a": "1", "b": "2"},
        "both",
    ),
    ("cbool-equal", "CBool([a] = [b])", {"a": "x", "b": "x"}, "True"),
    ("cbool-zero", "CBool(0)", {}, "False"),
    ("cbool-null", "CBool([missing])", {}, "False"),
    ("cbool-ne", 'CBool([a] <> "y")', {"a": "x"}, "True"),
    ("not-true", "Not([IsSoftDeleted])", {}, "True"),
    ("not-null", "Not([missing])", {}, None),
    ("isnull-absent", "IsNull([missing])", {}, "True"),
    ("isnull-empty", "IsNull([a])", {"a": ""}, "False"),
    ("isnothing", "IsNothing([missing])", {}, "True"),
    ("isnullorempty-empty", "IsNullOrEmpty([a])", {"a": ""}, "True"),
    ("ispresent-value", "IsPresent([a])", {"a": "x"}, "True"),
    ("ispresent-empty-list", "IsPresent([p])", {"p": []}, "False"),
    ("isstring-string", "IsString([a])", {"a": "x"}, "True"),
    ("isstring-number", "IsString(5)", {}, "False"),
    ("isstring-list", "IsString([p])", {"p": ["a"]}, "False"),
    ("switch-no-match-default", 'Switch([a], "dflt", "x", "1")', {"a": "y"}, "dflt"),
    ("switch-no-match-empty-default", 'Switch([a], , "x", "1")', {"a": "y"}, None),
    ("switch-null-matches-empty-key", 'Switch([missing], "d", "", "empty")', {}, "empty"),
    ("switch-case-sensitive", 'Switch([a], "d", "X", "upper")', {"a": "x"}, "d"),
    ("switch-expression-keys", 'Switch([a], "d", Left("xy", 1), "hit")', {"a": "x"}, "hit"),
    ("switch-first-key-wins", 'Switch([a], "d", "x", "first", "x", "second")', {"a": "x"}, "first"),
    (
        "switch-soft-deleted-disabled",
        'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
        {"accountEnabled": False},
        "False",
    ),
    ("coalesce-all-null-default", 'Coalesce([a], [b], "dflt")', {}, "dflt"),
    ("coalesce-all-null", "Coalesce([a], [b])", {}, None),
    ("coalesce-empty-string-is-a-value", 'Coalesce([a], "dflt")', {"a": ""}, ""),
    ("ignoreflow-value", "IgnoreFlowIfNullOrEmpty([a])", {"a": "x"}, "x"),
    ("redact-passes-value", 'Redact("secret")', {}, "secret"),
    ("bitand-decimal", "BitAnd(12, 10)", {}, "8"),
    ("bitand-string-numbers", 'BitAnd("514", 2)', {"a": "1"}, "2"),
    (
        "join-multivalued",
        'Join(";", [proxyAddresses], "x")',
        {"proxyAddresses": ["a", "", "b"]},
        "a;b;x",
    ),
    ("join-all-empty", 'Join(",", [a], [b])', {}, ""),
    ("join-number", 'Join("-", 1, 2)', {}, "1-2"),
    ("count-list", "Count([proxyAddresses])", {"proxyAddresses": ["a", "b", "c"]}, "3"),
    ("count-null", "Count([missing])", {}, "0"),
    ("count-single", "Count([a])", {"a": "x"}, "1"),
    ("item-first", "Item([p], 1)", {"p": ["a", "b"]}, "a"),
    ("item-past-end", "Item([p], 3)", {"p": ["a", "b"]}, None),
    ("remove-duplicates", "RemoveDuplicates([p])", {"p": ["a", "b", "a", "A"]}, ["a", "b", "A"]),
    ("split-then-count", 'Count(Split("a;b;c", ";"))', {}, "3"),
    ("split-null", 'Split([missing], ",")', {}, None),
    ("split-then-join", 'Join("+", Split("a,b", ","))', {}, "a+b"),
    ("cdate-us-format", 'CDate("8/25/2021 5:41:18 PM")', {}, "8/25/2021 5:41:18 PM"),
    ("cdate-null", "CDate([missing])", {}, None),
    ("cdate-midnight-prints-12-am", 'CDate("2021-01-01")', {}, "1/1/2021 12:00:00 AM"),
    ("cdate-noon-prints-12-pm", 'CDate("2021-01-01T12:00:00Z")', {}, "1/1/2021 12:00:00 PM"),
    ("dateadd-month-end-clamps", 'DateAdd("m", 1, "2021-01-31")', {}, "2/28/2021 12:00:00 AM"),
    ("dateadd-leap-year", 'DateAdd("yyyy", 1, "2020-02-29")', {}, "2/28/2021 12:00:00 AM"),
    ("dateadd-hours", 'DateAdd("h", 25, "2021-01-01")', {}, "1/2/2021 1:00:00 AM"),
    ("dateadd-minutes-negative", 'DateAdd("n", -1, "2021-01-01")', {}, "12/31/2020 11:59:00 PM"),
    ("dateadd-quarter", 'DateAdd("q", 1, "2021-01-15")', {}, "4/15/2021 12:00:00 AM"),
    ("dateadd-null", 'DateAdd("d", 1, [missing])', {}, None),
    (
        "datediff-d-truncates",
        'DateDiff("d", "2021-01-01T12:00:00Z", "2021-01-02T11:59:59Z")',
        {},
        "0",
    ),
    ("datediff-yyyy-boundary", 'DateDiff("yyyy", "2020-12-31T23:59:59Z", "2021-01-01")', {}, "1"),
    ("datediff-m-boundary", 'DateDiff("m", "2021-01-31", "2021-02-01")', {}, "1"),
    ("datediff-ww-saturday-to-sunday", 'DateDiff("ww", "2021-08-28", "2021-08-29")', {}, "1"),
    ("datediff-ww-sunday-to-saturday", 'DateDiff("ww", "2021-08-22", "2021-08-28")', {}, "0"),
    ("datediff-w-plain-weeks", 'DateDiff("w", "2021-08-22", "2021-08-28")', {}, "0"),
    ("datediff-q", 'DateDiff("q", "2021-03-31", "2021-04-01")', {}, "1"),
    ("datefromnum-epoch", "DateFromNum(0)", {}, "1/1/1601 12:00:00 AM"),
    ("datefromnum-string", 'DateFromNum("129699324000000000")', {}, "1/1/2012 11:00:00 PM"),
    ("numfromdate", 'NumFromDate("2012-01-01T23:00:00Z")', {}, "129699324000000000"),
    (
        "numfromdate-roundtrip",
        "NumFromDate(DateFromNum(132223104000000000))",
        {},
        "132223104000000000",
    ),
    (
        "formatdatetime-names",
        'FormatDateTime("2021-03-05", , "yyyy-MM-dd", "dddd d MMMM yyyy")',
        {},
        "Friday 5 March 2021",
    ),
    (
        "formatdatetime-12h",
        'FormatDateTime("2021-03-05 14:07", , "yyyy-MM-dd HH:mm", "h:mm tt")',
        {},
        "2:07 PM",
    ),
    (
        "formatdatetime-offset",
        'FormatDateTime("2021-03-05T10:00:00+02:00", , "yyyy-MM-ddTHH:mm:sszzz", '
        '"yyyy-MM-ddTHH:mm:ssK")',
        {},
        "2021-03-05T08:00:00Z",
    ),
    (
        "formatdatetime-quoted-literal",
        'FormatDateTime("05.03.2021", , "dd.MM.yyyy", "\'on\' yyyy/MM/dd")',
        {},
        "on 2021/03/05",
    ),
    (
        "formatdatetime-styles",
        'FormatDateTime(" 2021-03-05 ", "AllowLeadingWhite, AllowTrailingWhite", '
        '"yyyy-MM-dd", "yyyyMMdd")',
        {},
        "20210305",
    ),
    ("formatdatetime-null", 'FormatDateTime([missing], , "yyyy", "yyyy")', {}, None),
    ("replace-old-value-all-occurrences", 'Replace("a-b-c", "-", , , ".", , )', {}, "a.b.c"),
    ("replace-case-sensitive", 'Replace("A-a", "a", , , "x", , )', {}, "A-x"),
    ("replace-null-source", 'Replace([missing], "a", , , "x", , )', {}, None),
    (
        "replace-old-with-attribute",
        'Replace("user@old", "old", , , , [d], )',
        {"d": "new.com"},
        "user@new.com",
    ),
    (
        "replace-regex-numbered-group",
        'Replace("John Smith", , "(\\\\w+) (\\\\w+)", , "$2, $1", , )',
        {},
        "Smith, John",
    ),
    ("replace-regex-dollar-escape", 'Replace("5", , "(\\\\d)", , "$$$1", , )', {}, "$5"),
    ("replace-regex-whole-match", 'Replace("ab", , "b", , "[$0]", , )', {}, "a[b]"),
    ("replace-regex-no-match", 'Replace("abc", , "\\\\d+", , "#", , )', {}, "abc"),
    (
        "replace-group-attribute-source-present",
        'Replace([t], , "(?<n>\\\\d+)", "n", , [m], )',
        {"t": "555", "m": "+1 777"},
        "555",
    ),
    (
        "replace-group-attribute-no-match",
        'Replace([t], , "(?<n>\\\\d+)", "n", , [m], )',
        {"t": "", "m": "none"},
        None,
    ),
    ("replace-regex-with-attribute", 'Replace("a1b2", , "\\\\d", , , [r], )', {"r": "#"}, "a#b#"),
    (
        "approles-complex",
        "AppRoleAssignmentsComplex([appRoleAssignments])",
        {"appRoleAssignments": ROLES},
        [
            {
                "primary": False,
                "type": "WindowsAzureActiveDirectoryRole",
                "display": "Administrator",
                "value": "Admin",
            },
            {
                "primary": False,
                "type": "WindowsAzureActiveDirectoryRole",
                "display": "Reader",
                "value": "Reader",
            },
        ],
    ),
    ("approles-complex-none", "AppRoleAssignmentsComplex([appRoleAssignments])", {}, None),
    (
        "approles-single",
        "SingleAppRoleAssignment([appRoleAssignments])",
        {"appRoleAssignments": ROLES},
        "Admin",
    ),
    (
        "approles-single-default-access-only",
        "SingleAppRoleAssignment([appRoleAssignments])",
        {"appRoleAssignments": ROLES[1:2]},
        None,
    ),
    (
        "approles-values",
        "AppRoleAssignments([appRoleAssignments])",
        {"appRoleAssignments": ROLES},
        ["Admin", "Reader"],
    ),
    (
        "attribute-names-case-insensitive",
        "[USERPRINCIPALNAME]",
        {"userPrincipalName": "u@x"},
        "u@x",
    ),
    ("issoftdeleted-computed-default", "[IsSoftDeleted]", {}, "False"),
    ("issoftdeleted-from-flag", "[IsSoftDeleted]", {"isSoftDeleted": True}, "True"),
    ("issoftdeleted-blocked-sign-in", "[IsSoftDeleted]", {"accountEnabled": False}, "True"),
    ("number-attribute-is-text", 'Append([n], "")', {"n": 7}, "7"),
    ("constant-number", "42", {}, "42"),
]


@pytest.mark.parametrize(
    ("expression", "user", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_function_edge_case(expression: str, user: dict[str, Any], expected: Any) -> None:
    assert evaluate(expression, user) == expected


ERRORS: list[tuple[str, str, dict[str, Any], str]] = [
    ("mid-start-zero", 'Mid("abc", 0, 1)', {}, "start must be"),
    ("left-not-a-number", 'Left("abc", "x")', {}, "expected an integer"),
    ("cbool-not-boolean", 'CBool("maybe")', {}, "not a boolean"),
    ("item-zero", "Item([p], 0)", {"p": ["a"]}, "index starts at 1"),
    ("cdate-not-a-date", 'CDate("yesterday")', {}, "not a date"),
    (
        "dateadd-interval-from-attribute",
        "DateAdd([i], 1, Now())",
        {"i": "week"},
        "unknown interval",
    ),
    (
        "formatdatetime-mismatch",
        'FormatDateTime("2021", , "yyyy-MM", "yyyy")',
        {},
        "does not match",
    ),
    (
        "formatdatetime-bad-style",
        'FormatDateTime("2021", "Sideways", "yyyy", "yyyy")',
        {},
        "unknown DateTimeStyles",
    ),
    ("tolower-multivalued", "ToLower([p])", {"p": ["a", "b"]}, "expected a single value"),
    ("split-empty-delimiter", 'Split("a", "")', {}, "must not be empty"),
    ("randomstring-too-long", "RandomString(300, 0, 0, 0, 0)", {}, "length must be"),
    ("randomstring-minimums-too-big", "RandomString(3, 2, 2, 0, 0)", {}, "must fit"),
    (
        "approles-wrong-source",
        "SingleAppRoleAssignment([mail])",
        {"mail": "x"},
        "expects [appRoleAssignments]",
    ),
    (
        "replace-regex-from-attribute-invalid",
        'Replace("a", , [p], , "b", , )',
        {"p": "("},
        "invalid regular",
    ),
    ("replace-unknown-group", 'Replace("a", , "(a)", "nope", "b", , )', {}, "no group named"),
    ("select-unique-all-taken", 'SelectUniqueValue("a", "b")', {}, "already taken"),
]


@pytest.mark.parametrize(
    ("expression", "user", "needle"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_function_error(expression: str, user: dict[str, Any], needle: str) -> None:
    options: dict[str, Any] = (
        {"is_unique": lambda value: False} if "SelectUnique" in expression else {}
    )
    with pytest.raises(ExpressionEvaluationError, match=needle.replace("[", r"\[")) as caught:
        evaluate(expression, user, **options)
    assert caught.value.expression == expression


def test_regex_with_catastrophic_backtracking_stops_at_the_time_limit() -> None:
    expression = 'Replace([a], , "(x+x+)+y", , "", , )'
    with pytest.raises(ExpressionEvaluationError, match="time limit"):
        evaluate(expression, {"a": "x" * 5000}, regex_timeout=0.05)


def test_ignore_flow_if_null_or_empty_marks_the_attribute_dropped() -> None:
    from scimitar.mapping import EvaluationContext, compile_expression

    expression = compile_expression("IgnoreFlowIfNullOrEmpty([department])")
    assert expression.evaluate(EvaluationContext.for_user({"department": ""})) is IGNORE_FLOW
    assert expression.evaluate(EvaluationContext.for_user({})) is IGNORE_FLOW


def test_now_reads_the_injected_clock() -> None:
    fixed = datetime(2024, 2, 29, 18, 30, 5, tzinfo=UTC)
    assert evaluate("Now()", clock=lambda: fixed) == "2/29/2024 6:30:05 PM"
    assert evaluate('DateAdd("d", 1, Now())', clock=lambda: fixed) == "3/1/2024 6:30:05 PM"


def test_guid_is_a_version_4_uuid_from_the_injected_randomness() -> None:
    first = evaluate("Guid()", rng=random.Random(7))
    assert first == evaluate("Guid()", rng=random.Random(7))
    assert len(first) == 36
    assert first[14] == "4"
    assert first != evaluate("Guid()", rng=random.Random(8))


def test_random_string_honours_minimums_and_avoided_characters() -> None:
    value = evaluate('RandomString(20, 4, 4, 4, 4, "0Oo1lI")', rng=random.Random(3))
    assert len(value) == 20
    assert not set(value) & set("0Oo1lI")
    assert sum(c.isdigit() for c in value) >= 4
    assert sum(c.isupper() for c in value) >= 4
    assert sum(c.islower() for c in value) >= 4
    assert sum(not c.isalnum() for c in value) >= 4


def test_default_domain_comes_from_the_context() -> None:
    assert (
        evaluate(
            'Join("@", [mailNickname], DefaultDomain())',
            {"mailNickname": "jo"},
            default_domain="contoso.com",
        )
        == "jo@contoso.com"
    )


def test_every_documented_function_is_in_the_library() -> None:
    documented = {
        *("Append", "AppRoleAssignmentsComplex", "BitAnd", "CBool", "CDate", "Coalesce"),
        *("ConvertToBase64", "ConvertToUTF8Hex", "Count", "CStr", "DateAdd", "DateDiff"),
        *("DateFromNum", "FormatDateTime", "Guid", "IgnoreFlowIfNullOrEmpty", "IIF", "InStr"),
        *("IsNull", "IsNullOrEmpty", "IsPresent", "IsString", "Item", "Join", "Left", "Mid"),
        *("NormalizeDiacritics", "Not", "Now", "NumFromDate", "PCase", "RandomString", "Redact"),
        *("RemoveDuplicates", "Replace", "SelectUniqueValue", "SingleAppRoleAssignment", "Split"),
        *("StripSpaces", "Switch", "ToLower", "ToUpper", "Word"),
        *("AssertiveAppRoleAssignmentsComplex", "DefaultDomain", "AppRoleAssignments"),
        *("IsNothing", "Prepend"),
    }
    assert documented == set(LIBRARY)


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_function_example_evaluates_to_its_documented_result(name: str) -> None:
    for expression, expected in LIBRARY[name].examples:
        result = evaluate(expression)
        assert (str(result).replace("'", '"') if isinstance(result, list) else result) == expected
