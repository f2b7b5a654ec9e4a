"""Fuzz: import files and request bodies give a value or their typed error, never another one.

Any text given to the directory importer yields an :class:`ImportBatch` (problems included), and
any bytes given to the JSON body readers (:func:`scimitar.jsonlimits.loads`, the target's
:func:`read_body`) yield a value or ``JSONLimitError`` / a 400 ``SCIMError``, within the time
bound of :data:`FUZZ`.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scimitar import jsonlimits
from scimitar.directory.importer import ImportBatch, parse_import
from scimitar.scim.errors import SCIMError
from scimitar.target.http import read_body
from tests.property.hostile_strategies import FUZZ, odd_characters, repeated, wrapped

ATTRIBUTES = ["userPrincipalName", "displayName", "givenName", "manager", "members", "group"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    odd_characters,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(ATTRIBUTES), st.text(max_size=8)), children),
    ),
    max_leaves=20,
)
json_soup = st.lists(
    st.sampled_from(['{"users": [', "[", "]", "{", "}", ",", ":", '"a"', "1", "null", '"\\ud800"']),
    max_size=40,
).map("".join)
deep_json = wrapped(["[", '{"a":', '{"users": [{"displayName": '], ["]", "}", "}]}"], st.just("1"))
documents = st.one_of(
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False, allow_nan=True)),
    json_values.map(lambda v: json.dumps({"users": v, "groups": v}, ensure_ascii=True)),
    json_soup,
    deep_json,
)

CELLS = ['"', '""', ",", "\n", "\r\n", "a@x.com", "Ada", '"Ada', 'Ada"', "\x00", ";", "true"]
rows = st.lists(st.sampled_from(CELLS), max_size=12).map("".join)
csv_files = st.one_of(
    st.builds(
        lambda header, body: header + "\n" + body,
        st.sampled_from(
            ["userPrincipalName,displayName", "displayName,members", "group,member", "x"]
        ),
        rows,
    ),
    repeated(rows, ["\n", "\r\n", ","]).map(lambda body: "userPrincipalName,displayName\n" + body),
    st.text(max_size=200),
)


def _is_batch(batch: Any) -> None:
    assert isinstance(batch, ImportBatch)
    for problem in [*batch.problems, *batch.file_problems]:
        assert problem.line >= 1
        str(problem).encode("utf-8")  # printed by the CLI, sent by the API


@given(documents)
@FUZZ
def test_json_import_gives_rows_or_problems(text: str) -> None:
    _is_batch(parse_import(text, "json"))


@given(csv_files)
@FUZZ
def test_csv_import_gives_rows_or_problems(text: str) -> None:
    batch = parse_import(text, "csv")
    _is_batch(batch)
    if batch.file_problems:
        return
    for row in batch.users:  # nothing a quote swallowed: every value is one line
        assert "\n" not in str(row.attributes.get("displayName", ""))


bodies = st.one_of(
    documents.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    deep_json.map(str.encode),
    repeated(st.sampled_from(['"\\u0000"', '"\\ud800"', "1e999", "NaN", '"\\\\u0000"']), [","]).map(
        lambda inner: f"[{inner}]".encode()
    ),
)


def _read(raw: bytes) -> Any:
    try:
        return jsonlimits.loads(raw)
    except jsonlimits.JSONLimitError as error:
        return error


def _read_body(raw: bytes) -> Any:
    try:
        return read_body(raw)
    except SCIMError as error:
        return error


@given(bodies)
@FUZZ
def test_json_reader_gives_a_value_or_a_limit_error(raw: bytes) -> None:
    outcome = _read(raw)
    if isinstance(outcome, jsonlimits.JSONLimitError):
        assert outcome.problem in ("syntax", "depth", "text")
        outcome.message.encode("utf-8")
        return
    jsonlimits.check_depth(outcome)
    json.dumps(outcome, allow_nan=False).encode("utf-8")  # storable and sendable as it is


@given(bodies)
@FUZZ
def test_target_body_reader_gives_a_value_or_a_400(raw: bytes) -> None:
    outcome = _read_body(raw)
    if isinstance(outcome, SCIMError):
        assert outcome.status == 400
        assert outcome.scim_type in ("invalidSyntax", "invalidValue")
        outcome.detail.encode("utf-8")
