"""Reading import files (CSV or JSON) into checked rows, each problem with its line and field.

Pure: no database. Checks that need the directory (references, keys held by other objects)
happen when the rows are applied (``bulk.py``). Formats, with examples, are in docs/directory.md.

- JSON: ``{"users": [...], "groups": [...], "memberships": [...]}``, or a bare list of users.
  A user is an object of Entra attributes plus an optional ``objectId``; a group may carry
  ``members`` (objectIds, userPrincipalNames or group names); a membership is
  ``{"group": ..., "member": ...}``.
- CSV: one kind per file, told by its header: a column only users have (``userPrincipalName``,
  ``jobTitle``, ``extension_...``) makes a users file, ``group`` and ``member`` columns a
  memberships file, a ``displayName`` column otherwise a groups file. A group's ``members``
  cell lists keys separated by ``;``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scimitar import jsonlimits
from scimitar.directory.errors import AttributeValueError, ImportProblem
from scimitar.directory.model import (
    GROUP_ATTRIBUTES,
    USER_ATTRIBUTES,
    ObjectType,
    coercer,
)

__all__ = ["GroupRow", "ImportBatch", "MembershipRow", "UserRow", "parse_import"]

_KINDS = ("users", "groups", "memberships")
_JSON = json.JSONDecoder()
_WHITESPACE = " \t\n\r"
_RECORD_DEPTH = jsonlimits.MAX_DEPTH - 2  # a record sits in {"users": [ ... ]}


@dataclass(frozen=True, slots=True)
class UserRow:
    """A user to create or update; ``attributes`` are checked (``None`` clears a value)."""

    line: int
    object_id: str | None
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A group to create or update, with members to add (``None``: leave members alone)."""

    line: int
    object_id: str | None
    attributes: dict[str, Any]
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MembershipRow:
    """One member (by objectId, userPrincipalName or group name) to add to one group."""

    line: int
    group: str
    member: str


@dataclass(slots=True)
class ImportBatch:
    """Everything read from a file: valid rows, and the problems of the rest.

    Attributes:
        users: Valid user rows, in file order.
        groups: Valid group rows.
        memberships: Valid membership rows.
        problems: Problems of single rows; ``--partial`` writes the valid rows anyway.
        file_problems: Problems of the whole file (syntax, header); nothing is written.
    """

    users: list[UserRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    memberships: list[MembershipRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    file_problems: list[ImportProblem] = field(default_factory=list)


def parse_import(text: str, file_format: str) -> ImportBatch:
    """Read an import file.

    Args:
        text: The file's content.
        file_format: ``"csv"`` or ``"json"``.

    Returns:
        The checked rows and every problem found, each with its line and field.
    """
    batch = ImportBatch()
    if file_format == "json":
        _read_json(text, batch)
    else:
        _read_csv(text, batch)
    _check_duplicates(batch)
    batch.problems.sort(key=lambda problem: problem.line)
    return batch


def _record(
    batch: ImportBatch, kind: str, line: int, record: Any, *, members_text: bool = False
) -> None:
    """Check one record and add it to the batch as a row, or as problems."""
    if not isinstance(record, Mapping):
        batch.problems.append(ImportProblem(line, None, f"expected an object, got {record!r}"))
        return
    if kind == "memberships":
        _membership(batch, line, record)
        return
    values = dict(record)
    object_id = _text(values.pop("objectId", None))
    members = values.pop("members", None) if kind == "groups" else None
    object_type = ObjectType.USER if kind == "users" else ObjectType.GROUP
    attributes, problems = _coerce_each(object_type, values, line)
    if kind == "users" and object_id is None and "userPrincipalName" not in values:
        problems.append(ImportProblem(line, "userPrincipalName", "a value is required"))
    member_keys, member_problem = _member_keys(members, line, is_text=members_text)
    problems.extend(member_problem)
    if problems:
        batch.problems.extend(problems)
    elif kind == "users":
        batch.users.append(UserRow(line, object_id, attributes))
    else:
        batch.groups.append(GroupRow(line, object_id, attributes, member_keys))


def _text(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _coerce_each(
    object_type: ObjectType, values: Mapping[str, Any], line: int
) -> tuple[dict[str, Any], list[ImportProblem]]:
    """Check every attribute, so one row reports all its bad fields at once."""
    attributes: dict[str, Any] = {}
    problems: list[ImportProblem] = []
    for name, raw in values.items():
        try:
            attributes[name] = coercer(object_type, name)(raw)
        except AttributeValueError as exc:
            problems.append(ImportProblem(line, exc.field, exc.message))
    return attributes, problems


def _member_keys(
    members: Any, line: int, *, is_text: bool
) -> tuple[tuple[str, ...], list[ImportProblem]]:
    if members is None or members == "":
        return (), []
    if is_text and isinstance(members, str):
        return tuple(key.strip() for key in members.split(";") if key.strip()), []
    if isinstance(members, list) and all(isinstance(key, str) and key.strip() for key in members):
        return tuple(key.strip() for key in members), []
    return (), [ImportProblem(line, "members", "expected a list of objectIds or names")]


def _membership(batch: ImportBatch, line: int, record: Mapping[str, Any]) -> None:
    group, member = _text(record.get("group")), _text(record.get("member"))
    unknown = sorted(set(record) - {"group", "member", "memberType"})
    problems = [ImportProblem(line, name, "unknown field") for name in unknown]
    problems += [
        ImportProblem(line, name, "a value is required")
        for name, value in (("group", group), ("member", member))
        if value is None
    ]
    if problems or group is None or member is None:
        batch.problems.extend(problems)
        return
    batch.memberships.append(MembershipRow(line, group, member))


def _csv_kind(header: list[str]) -> str | None:
    user_only = set(USER_ATTRIBUTES) - set(GROUP_ATTRIBUTES)
    if any(name in user_only or name.startswith("extension_") for name in header):
        return "users"
    if "group" in header and "member" in header:
        return "memberships"
    if "displayName" in header:
        return "groups"
    return None


def _read_csv(text: str, batch: ImportBatch) -> None:
    """Read a CSV file strictly (RFC 4180): a quote left open or stray rejects the whole file.

    A lenient reader lets an unclosed quote run on into the next rows and imports them as one
    cell; here the file is refused, naming the line where the row with the quote began.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), strict=True)
    start = 1
    try:
        header = [name.strip() for name in next(reader, [])]
        kind = _csv_kind(header)
        if kind is None:
            message = "header names no userPrincipalName, displayName, or group and member"
            batch.file_problems.append(ImportProblem(1, None, message))
            return
        _check_header(header, kind, batch)
        if batch.file_problems:
            return
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                _csv_row(batch, kind, header, cells, start)
            start = reader.line_num + 1
    except csv.Error as exc:
        batch.file_problems.append(_csv_problem(exc, start, reader.line_num))


def _csv_problem(exc: csv.Error, start: int, end: int) -> ImportProblem:
    """A file problem for malformed CSV, at the line where the bad row began."""
    reason = str(exc)
    if "unexpected end of data" in reason:
        message = (
            "a quoted cell opened on this row is never closed (the file ends inside it); "
            'close the quote, or double a quote that is part of the text ("")'
        )
    elif "expected after" in reason:
        message = (
            f"a quote closes a cell but the cell goes on (line {end}); an earlier quote may "
            'be unclosed: close it, or double a quote that is part of the text ("")'
        )
    else:
        message = f"malformed CSV ({reason}); save the file as UTF-8 CSV and import it again"
    return ImportProblem(start, None, message)


def _is_known_column(name: str, kind: str) -> bool:
    if kind == "memberships":
        return name in {"group", "member", "memberType"}
    if kind == "users":
        return name in USER_ATTRIBUTES or name == "objectId" or name.startswith("extension_")
    return name in GROUP_ATTRIBUTES or name in {"objectId", "members"}


def _check_header(header: list[str], kind: str, batch: ImportBatch) -> None:
    for name in header:
        if not _is_known_column(name, kind):
            batch.file_problems.append(ImportProblem(1, name, "unknown column"))
    if len(set(header)) != len(header):
        batch.file_problems.append(ImportProblem(1, None, "a column appears twice"))


def _csv_row(batch: ImportBatch, kind: str, header: list[str], cells: list[str], line: int) -> None:
    if len(cells) != len(header):
        # A row of another width is a broken file (a lost quote or delimiter), not a bad row.
        message = f"has {len(cells)} cells, the header names {len(header)} columns"
        batch.file_problems.append(ImportProblem(line, None, message))
        return
    record = dict(zip(header, cells, strict=True))
    _record(batch, kind, line, record, members_text=True)


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


class _Lines:
    """Turns offsets into line numbers, moving forward only (so a whole file costs O(n))."""

    def __init__(self, text: str) -> None:
        self._text, self._offset, self._line = text, 0, 1

    def at(self, offset: int) -> int:
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line


def _array(text: str, index: int, lines: _Lines, on_item: Callable[[int, Any], None]) -> int:
    """Call ``on_item(line, value)`` for each element of the array at ``index``.

    Returns:
        The offset just after the closing bracket.
    """
    index = _skip(text, index + 1)
    if text.startswith("]", index):
        return index + 1
    while True:
        line = lines.at(index)
        value, end = _decode(text, index, line)
        on_item(line, value)
        index = _skip(text, end)
        if text.startswith("]", index):
            return index + 1
        if not text.startswith(",", index):
            raise json.JSONDecodeError("expected ',' or ']'", text, index)
        index = _skip(text, index + 1)


def _read_json(text: str, batch: ImportBatch) -> None:
    lines = _Lines(text)
    try:
        index = _skip(text, 0)
        if text.startswith("[", index):
            index = _json_array(text, index, "users", batch, lines)
        elif text.startswith("{", index):
            index = _json_object(text, index, batch, lines)
        else:
            raise json.JSONDecodeError("expected an object or a list of users", text, index)
        if _skip(text, index) != len(text):
            raise json.JSONDecodeError("extra data after the document", text, _skip(text, index))
    except json.JSONDecodeError as exc:
        batch.file_problems.append(ImportProblem(exc.lineno, None, f"invalid JSON: {exc.msg}"))
    except _TooDeepError as exc:
        batch.file_problems.append(ImportProblem(exc.line, None, exc.message))


class _TooDeepError(Exception):
    def __init__(self, line: int, max_depth: int) -> None:
        self.line = line
        self.message = (
            f"invalid JSON: the record starting here is nested more than {max_depth} levels "
            "deep (arrays and objects); an import record needs three at most"
        )
        super().__init__(self.message)


def _decode(text: str, index: int, line: int) -> tuple[Any, int]:
    """The JSON value at ``index`` and the offset after it, refused when nested too deep.

    A record nests a few levels at most; one nested deeper than any import needs is a broken
    (or hostile) file, refused before anything walks it.
    """
    try:
        value, end = _JSON.raw_decode(text, index)
        jsonlimits.check_depth(value, _RECORD_DEPTH)
    except RecursionError as exc:
        raise _TooDeepError(line, jsonlimits.MAX_DEPTH) from exc
    except jsonlimits.JSONLimitError as exc:
        raise _TooDeepError(line, jsonlimits.MAX_DEPTH) from exc
    return value, end


def _json_array(text: str, index: int, kind: str, batch: ImportBatch, lines: _Lines) -> int:
    return _array(text, index, lines, lambda line, value: _record(batch, kind, line, value))


def _json_object(text: str, index: int, batch: ImportBatch, lines: _Lines) -> int:
    index = _skip(text, index + 1)
    while not text.startswith("}", index):
        key, index = _JSON.raw_decode(text, index)
        index = _skip(text, index)
        if not text.startswith(":", index):
            raise json.JSONDecodeError("expected ':'", text, index)
        index = _skip(text, index + 1)
        if key in _KINDS and text.startswith("[", index):
            index = _json_array(text, index, key, batch, lines)
        else:
            _value, index = _decode(text, index, lines.at(index))
            message = f"expected a list under {key!r}" if key in _KINDS else "unknown section"
            batch.file_problems.append(ImportProblem(lines.at(index), str(key), message))
        index = _skip(text, index)
        if text.startswith(",", index):
            index = _skip(text, index + 1)
        elif not text.startswith("}", index):
            raise json.JSONDecodeError("expected ',' or '}'", text, index)
    return index + 1


def _check_duplicates(batch: ImportBatch) -> None:
    """Two rows of one file may not claim the same objectId or userPrincipalName."""
    seen: dict[str, int] = {}
    kept: list[UserRow] = []
    for row in batch.users:
        keys = [("objectId", row.object_id.lower() if row.object_id else None)]
        keys.append(
            ("userPrincipalName", str(row.attributes.get("userPrincipalName", "")).lower() or None)
        )
        clash = next(((name, key) for name, key in keys if key and key in seen), None)
        if clash is not None:
            message = f"{clash[1]!r} already appears on line {seen[clash[1]]}"
            batch.problems.append(ImportProblem(row.line, clash[0], message))
            continue
        seen.update((key, row.line) for _name, key in keys if key)
        kept.append(row)
    batch.users = kept
