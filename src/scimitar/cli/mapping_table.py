"""A mapping set as a table, every cell exactly as stored.

Mapping text is full of square brackets (``[givenName]``, ``emails[type eq "work"].value``),
which rich would read as markup and drop; every cell is a :class:`~rich.text.Text`, so nothing
is interpreted, and long cells fold onto further lines instead of being cut short.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from scimitar.mapping.mappings import MappingSet

__all__ = ["mapping_table", "plain"]

_COLUMNS = ("target", "type", "source", "default", "matching", "apply")


def plain(text: str) -> Text:
    """``text`` as rich prints it with no markup read."""
    return Text(text)


def mapping_table(mapping_set: MappingSet, title: str | None = None) -> Table:
    """The mappings of a set: target, source type, source, default value, matching, apply."""
    table = Table(title=plain(title if title is not None else mapping_set.name))
    for column in _COLUMNS:
        table.add_column(column, overflow="fold")
    for m in mapping_set.mappings:
        table.add_row(
            plain(m.target),
            plain(m.source_type.value),
            plain(m.source),
            plain(m.default_value or ""),
            plain(str(m.matching_precedence or "")),
            plain(m.flow_type.value),
        )
    return table
