"""The SCIM 2.0 protocol core: schemas, filters, PATCH, validation (RFC 7643, RFC 7644).

Pure functions over JSON-like values: no I/O. The embedded target, the outbound connector and
the mapping package build on it.
"""

from __future__ import annotations

from scimitar.scim.errors import (
    InvalidFilterError,
    InvalidPathError,
    InvalidSyntaxError,
    InvalidValueError,
    InvalidVersionError,
    MutabilityError,
    NoTargetError,
    SCIMError,
    SensitiveError,
    TooManyError,
    UniquenessError,
)
from scimitar.scim.filter import (
    And,
    AttrPath,
    Comparison,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    evaluate,
    parse_filter,
    render_filter,
    simple_equality,
)
from scimitar.scim.patch import apply_patch
from scimitar.scim.path import Path, parse_path, render_path
from scimitar.scim.resource import project, sort_key, validate_resource
from scimitar.scim.schema import (
    Attribute,
    AttributeRef,
    ResourceSchema,
    Schema,
    SchemaExtension,
    group_schema,
    schema_to_rfc,
    schema_to_webex,
    user_schema,
)

__all__ = [
    "And",
    "AttrPath",
    "Attribute",
    "AttributeRef",
    "Comparison",
    "Filter",
    "InvalidFilterError",
    "InvalidPathError",
    "InvalidSyntaxError",
    "InvalidValueError",
    "InvalidVersionError",
    "MutabilityError",
    "NoTargetError",
    "Not",
    "Or",
    "Path",
    "Present",
    "ResourceSchema",
    "SCIMError",
    "Schema",
    "SchemaExtension",
    "SensitiveError",
    "TooManyError",
    "UniquenessError",
    "ValuePath",
    "apply_patch",
    "evaluate",
    "group_schema",
    "parse_filter",
    "parse_path",
    "project",
    "render_filter",
    "render_path",
    "schema_to_rfc",
    "schema_to_webex",
    "simple_equality",
    "sort_key",
    "user_schema",
    "validate_resource",
]
