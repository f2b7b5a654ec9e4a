"""PATCH paths (RFC 7644 §3.5.2): ``PATH = attrPath / valuePath [subAttr]``.

Accepts URN-qualified paths with a colon (RFC 7644 §3.10) and Webex's dotted form
``urn:...:2.0:Group.inheritances``; keywords inside value filters are case-insensitive.
"""

from __future__ import annotations

from dataclasses import dataclass

from scimitar.scim.errors import InvalidPathError
from scimitar.scim.expressions import AttrPath, Filter
from scimitar.scim.filter import render_filter
from scimitar.scim.parser import Parser

__all__ = ["Path", "parse_path", "render_path"]


@dataclass(frozen=True)
class Path:
    """A parsed PATCH path.

    Attributes:
        attr: The attribute, optionally URN-qualified; ``attr.sub`` is set for plain
            ``name.givenName`` paths.
        value_filter: The ``[...]`` filter of a value path, or None.
        sub: The sub-attribute after a value filter (``emails[type eq "work"].value``).
    """

    attr: AttrPath
    value_filter: Filter | None = None
    sub: str | None = None

    @property
    def sub_attribute(self) -> str | None:
        """The sub-attribute the path ends in, with or without a value filter."""
        return self.sub if self.value_filter is not None else self.attr.sub

    def __str__(self) -> str:
        return render_path(self)


def parse_path(text: str) -> Path:
    """Parse a PATCH ``path`` (RFC 7644 §3.5.2).

    Args:
        text: e.g. ``members[value eq "2819c223"]``, ``name.familyName`` or
            ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager``.

    Returns:
        The parsed path.

    Raises:
        InvalidPathError: The text is not a path; the message gives the position.
    """
    parser = Parser(text, InvalidPathError, "path")
    token = parser.current
    if token.kind != "word":
        parser.fail("an attribute name")
    attr = parser.parse_attr_path(parser.advance())
    value_filter: Filter | None = None
    sub: str | None = None
    if parser.current.kind == "[":
        bracket = parser.advance()
        if attr.sub is not None:
            parser.fail(f'"[" directly after an attribute name, not after {attr}', bracket)
        value_filter = parser.parse_bracket_filter()
        sub = parser.parse_trailing_sub()
    if parser.current.kind != "end":
        parser.fail("the end of the path")
    return Path(attr, value_filter, sub)


def render_path(path: Path) -> str:
    """Render a path as text; ``parse_path(render_path(p)) == p``.

    Args:
        path: The path.

    Returns:
        RFC 7644 text, URN and attribute joined with a colon.
    """
    if path.value_filter is None:
        return str(path.attr)
    text = f"{path.attr}[{render_filter(path.value_filter)}]"
    return text if path.sub is None else f"{text}.{path.sub}"
