"""Provisioning log downloads: a JSON list of records, or one flat CSV row per record.

Entra offers the log as JSON or as CSV (docs/entra.md §6.1). The JSON is the list of Graph-shaped
records
(:meth:`ProvisioningRecord.to_dict`), so :meth:`ProvisioningRecord.from_dict` reads it back. The
CSV is one file, one row per record, with the modified properties folded into one column
(``name: old → new; ...``) instead of Entra's three files joined by change id.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from scimitar.engine.core.records import ModifiedProperty
from scimitar.engine.state.logstore import LogEntry

__all__ = ["CSV_COLUMNS", "csv_row", "describe_changes", "json_document", "write_csv"]

CSV_COLUMNS = (
    "at",
    "cycle_id",
    "change_id",
    "action",
    "status",
    "object_type",
    "source_id",
    "source_name",
    "target_id",
    "error_code",
    "error_message",
    "modified_properties",
)

# A cell starting with one of these runs as a formula in spreadsheet programs (CSV injection);
# directory values reach the CSV, so such cells are prefixed with a quote (OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def json_document(entries: Iterable[LogEntry]) -> list[dict[str, Any]]:
    """The records as a JSON-ready list of Graph-shaped objects."""
    return [entry.record.to_dict() for entry in entries]


def describe_changes(properties: Sequence[ModifiedProperty]) -> str:
    """Modified properties as ``name: old → new; ...`` (a missing value shows as blank)."""
    return "; ".join(_describe(prop) for prop in properties)


def _describe(prop: ModifiedProperty) -> str:
    parts = (f"{prop.display_name}:", prop.old_value, "→", prop.new_value)
    return " ".join(part for part in parts if part)


def csv_row(entry: LogEntry) -> tuple[str, ...]:
    """One record's CSV cells, in :data:`CSV_COLUMNS` order."""
    record = entry.record
    source = record.source_identity
    error = record.error
    cells = (
        record.activity_date_time.isoformat(),
        record.cycle_id,
        record.change_id,
        record.action.value,
        record.status.value,
        entry.object_type,
        source.id or "",
        source.details.get("userPrincipalName") or source.display_name or "",
        record.target_identity.id or "",
        "" if error is None else error.error_code,
        "" if error is None else error.reason,
        describe_changes(record.modified_properties),
    )
    return tuple(_safe_cell(cell) for cell in cells)


def write_csv(entries: Iterable[LogEntry], stream: TextIO) -> int:
    """Write a header and one row per record to ``stream``.

    Returns:
        How many records were written.
    """
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    written = 0
    for entry in entries:
        writer.writerow(csv_row(entry))
        written += 1
    return written


def _safe_cell(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell
