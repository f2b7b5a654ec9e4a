"""File feeds: a CSV or JSON export (an HR system's, say) read as a source.

- CSV: a header row, then one user per row; the column named by the source's ``anchor``
  setting (default ``employeeId``) is each row's stable key.
- JSON: ``{"users": [...], "groups": [...]}`` or a bare list of users; each user an object of
  the export's attributes; a group carries its anchor (``groupAnchor``, default
  ``displayName``) and ``members``, a list of user or group anchors.

The whole file is checked before anything is written: a bad file (not UTF-8, malformed CSV or
JSON, a row without its anchor, an anchor repeated, a row of the wrong width) is rejected
whole, naming the line. Every read is complete, so rows that vanished from the file meet the
source's deletion rule; a file whose content has not changed since the last read is not read
again (its SHA-256 is the watermark).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scimitar import jsonlimits
from scimitar.errors import ConfigError
from scimitar.sources.config import SourceDefinition, SourceKind
from scimitar.sources.reader import ReadResult, SourceRecord, TestReport, register_reader

__all__ = ["FileReader", "parse_feed"]

#: Largest feed read, so a wrong path (a disk image, a log) cannot take the process down.
MAX_FILE_BYTES = 512 * 1024 * 1024
_DECODER = json.JSONDecoder()


class _Lines:
    """Line numbers of offsets in a text, found by bisecting the line starts once."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def at(self, offset: int) -> int:
        import bisect

        return bisect.bisect_right(self._starts, offset)


def _fail(path: str, line: int | None, message: str) -> ConfigError:
    where = f"{path} line {line}" if line is not None else path
    return ConfigError(f"{where}: {message}; nothing was written, fix the file and sync again")


class _Feed:
    def __init__(self, path: str, anchor: str, group_anchor: str) -> None:
        self.path, self.anchor, self.group_anchor = path, anchor, group_anchor
        self.records: list[SourceRecord] = []
        self._seen: dict[tuple[str, str], int] = {}

    def add(self, line: int, kind: str, attributes: Mapping[str, Any], members: Any = None) -> None:
        key_name = self.anchor if kind == "user" else self.group_anchor
        raw = attributes.get(key_name)
        if raw is None or isinstance(raw, bool | list | dict) or not str(raw).strip():
            raise _fail(self.path, line, f"the {kind} has no value for {key_name!r}, its anchor")
        anchor = str(raw).strip()
        earlier = self._seen.get((kind, anchor))
        if earlier is not None:
            raise _fail(self.path, line, f"{kind} anchor {anchor!r} repeats line {earlier}")
        self._seen[(kind, anchor)] = line
        listed: tuple[str, ...] | None = None
        if kind == "group" and members is not None:
            if not isinstance(members, list) or not all(isinstance(m, str | int) for m in members):
                raise _fail(self.path, line, "members must be a list of anchors (text)")
            listed = tuple(str(m) for m in members)
        values = {k: v for k, v in attributes.items() if k != "members"}
        self.records.append(
            SourceRecord(anchor, "user" if kind == "user" else "group", values, listed)
        )


def _parse_csv(feed: _Feed, text: str) -> None:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        header = [name.strip() for name in header]
        if feed.anchor not in header:
            raise _fail(
                feed.path,
                1,
                f"no column {feed.anchor!r}, the source's anchor; the columns "
                f"are {', '.join(header)} (scimitar source add ... --anchor COLUMN)",
            )
        start = 2
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not cells or cells == [""]:
                continue
            if len(cells) != len(header):
                raise _fail(
                    feed.path, line, f"{len(cells)} cells where the header has {len(header)}"
                )
            feed.add(
                line,
                "user",
                {name: cell for name, cell in zip(header, cells, strict=True) if cell != ""},
            )
    except csv.Error as exc:
        raise _fail(feed.path, reader.line_num, f"not valid CSV ({exc})") from exc


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _array(feed: _Feed, text: str, index: int, lines: _Lines, kind: str) -> int:
    """Read the JSON array at ``index`` item by item (each item's line known); the end."""
    if text[index] != "[":
        raise _fail(feed.path, lines.at(index), f"{kind}s must be a JSON array")
    index = _skip(text, index + 1)
    if text[index : index + 1] == "]":
        return index + 1
    while True:
        line = lines.at(index)
        try:
            item, index = _DECODER.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise _fail(feed.path, exc.lineno, f"not valid JSON ({exc.msg})") from exc
        if not isinstance(item, dict):
            raise _fail(feed.path, line, f"a {kind} must be a JSON object")
        feed.add(line, kind, item, item.get("members") if kind == "group" else None)
        index = _skip(text, index)
        if text[index : index + 1] == "]":
            return index + 1
        if text[index : index + 1] != ",":
            raise _fail(feed.path, lines.at(index), "expected ',' or ']' between records")
        index = _skip(text, index + 1)


def _parse_json(feed: _Feed, text: str) -> None:
    try:
        jsonlimits.loads(text)  # the whole document first: syntax, depth, unstorable text
    except jsonlimits.JSONLimitError as exc:
        raise _fail(feed.path, None, str(exc)) from exc
    lines = _Lines(text)
    index = _skip(text, 0)
    if text[index : index + 1] == "[":
        _array(feed, text, index, lines, "user")
        return
    if text[index : index + 1] != "{":
        raise _fail(
            feed.path,
            lines.at(index),
            'expected {"users": [...], "groups": [...]} or a list of users',
        )
    index = _skip(text, index + 1)
    while text[index : index + 1] not in ("}", ""):
        key, index = _DECODER.raw_decode(text, index)
        index = _skip(text, _skip(text, index) + 1)  # past ':'
        if key in ("users", "groups"):
            index = _array(feed, text, index, lines, key[:-1])
        else:
            raise _fail(feed.path, lines.at(index), f"unknown key {key!r}; use users and groups")
        index = _skip(text, index)
        if text[index : index + 1] == ",":
            index = _skip(text, index + 1)


def parse_feed(
    text: str, kind: SourceKind, *, path: str, anchor: str, group_anchor: str
) -> list[SourceRecord]:
    """The records of a feed's text, or :class:`ConfigError` naming the first bad line."""
    feed = _Feed(path, anchor, group_anchor)
    (_parse_csv if kind is SourceKind.CSV else _parse_json)(feed, text)
    return feed.records


def _read_text(path: Path) -> tuple[str, str]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: {size} bytes, more than a feed may hold ({MAX_FILE_BYTES})")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file; check the source's --path") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: a directory, not a file; check the source's --path") from exc
    except PermissionError as exc:
        raise ConfigError(f"{path}: not readable by this process; check its permissions") from exc
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(str(path), line, "not UTF-8 text; save the export as UTF-8") from exc
    return text, digest


class FileReader:
    """Reads a CSV or JSON feed (see the module's docstring)."""

    def __init__(
        self, source: SourceDefinition, read: Callable[[Path], tuple[str, str]] = _read_text
    ) -> None:
        self._source = source
        self._path = Path(str(source.settings.get("path", "")))
        self._read = read

    def _parse(self, text: str) -> list[SourceRecord]:
        settings = self._source.settings
        return parse_feed(
            text,
            self._source.kind,
            path=str(self._path),
            anchor=str(settings.get("anchor") or "employeeId"),
            group_anchor=str(settings.get("groupAnchor") or "displayName"),
        )

    async def read(self, *, since: dict[str, object] | None) -> ReadResult:
        """The whole file (or nothing when it has not changed since ``since``)."""
        text, digest = await asyncio.to_thread(self._read, self._path)
        if since is not None and since.get("sha256") == digest:
            return ReadResult((), complete=False, watermark=dict(since))
        records = await asyncio.to_thread(self._parse, text)
        return ReadResult(records, complete=True, watermark={"sha256": digest})

    async def test(self) -> TestReport:
        """Read and check the file; count its users and groups."""
        try:
            result = await self.read(since=None)
        except ConfigError as exc:
            return TestReport(False, str(exc))
        records = list(result.records)  # type: ignore[arg-type]
        users = sum(1 for r in records if r.kind == "user")
        details = {"path": str(self._path), "users": users, "groups": len(records) - users}
        return TestReport(
            True, f"{self._path} reads: {users} users, {len(records) - users} groups", details
        )


register_reader("csv", FileReader)
register_reader("json", FileReader)
