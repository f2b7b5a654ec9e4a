"""The provisioning configuration file: Entra's "download / upload schema" (docs/provisioning.md,
"Export and import the configuration").

One JSON document holds an app's settings, object types, target attribute list, mappings (with
their matching precedence) and scoping filters; never its credentials. Reading it checks the
shape with pydantic and reports every problem with its JSON path (``$.mappings.User[3].target``).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.alias_generators import to_camel

from scimitar.apps.model import JobSettings
from scimitar.errors import ConfigError

__all__ = [
    "FORMAT",
    "VERSION",
    "AttributeItem",
    "ConfigDocument",
    "ConfigDocumentError",
    "ConfigProblem",
    "MappingItem",
    "ObjectTypeItem",
    "SettingsDocument",
    "json_path",
    "parse_document",
    "settings_problems",
]

#: What the ``format`` member of every configuration file says.
FORMAT = "scimitar.app-config"
#: The shape's version; a later shape gets a loader for this one.
VERSION = 1
_ObjectType = Literal["User", "Group"]
_TargetType = Literal["String", "Boolean", "Integer", "Reference", "DateTime", "Complex"]
#: Members that would carry credentials: refused by name, never read.
_CREDENTIALS = frozenset({"tenantUrl", "token", "secretToken", "credentials"})


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a configuration file: where (a JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigDocumentError(ConfigError):
    """A configuration file was refused as a whole; nothing was changed.

    Attributes:
        problems: Every problem found, each with its JSON path.
    """

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(
            f"configuration refused, nothing changed: {len(self.problems)} {noun}\n{lines}"
        )


class _Document(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class MappingItem(_Document):
    """One attribute mapping."""

    target: str = Field(min_length=1)
    source_type: Literal["Attribute", "Constant", "Expression"]
    source: str
    target_type: _TargetType = "String"
    flow_type: Literal["Always", "ObjectAddOnly"] = "Always"
    default_value: str | None = None
    matching_precedence: int | None = Field(default=None, ge=1)
    required: bool = False
    case_exact: bool = False


class AttributeItem(_Document):
    """One attribute of the target attribute list."""

    name: str = Field(min_length=1)
    type: _TargetType = "String"
    multi_valued: bool = False
    required: bool = False
    referenced_object: _ObjectType | None = None
    origin: Literal["template", "discovered", "custom"] = "custom"


class ObjectTypeItem(_Document):
    """Whether an object type is provisioned, and its mapping's name."""

    enabled: bool = True
    name: str = ""


def _settings_model() -> type[BaseModel]:
    """The settings' shape, made from :class:`JobSettings` so a new setting is never left out."""
    hints = typing.get_type_hints(JobSettings)
    fields: dict[str, Any] = {
        field.name: (hints[field.name], field.default)
        for field in dataclasses.fields(JobSettings)
        if field.name != "disabled_object_types"  # ``objectTypes.<type>.enabled`` says it
    }
    config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    return create_model("SettingsDocument", __config__=config, **fields)


#: The ``settings`` member: every :class:`JobSettings` field but the object types, camelCase.
SettingsDocument = _settings_model()


class ConfigDocument(_Document):
    """A whole configuration file."""

    format: Literal["scimitar.app-config"]
    version: Literal[1]
    template: str
    settings: dict[str, Any]
    # Keyed by object type; keys the app's template does not provision are reported with the
    # template's name, not pydantic's.
    object_types: dict[str, ObjectTypeItem]
    target_attributes: dict[str, list[AttributeItem]] = Field(default_factory=dict)
    mappings: dict[str, list[MappingItem]]
    scoping: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


def json_path(location: Sequence[int | str]) -> str:
    """``$.mappings.User[3].target`` from pydantic's ``("mappings", "User", 3, "target")``."""
    text = "$"
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _problems(error: ValidationError, prefix: Sequence[int | str] = ()) -> list[ConfigProblem]:
    found: list[ConfigProblem] = []
    for item in error.errors():
        location = (*prefix, *item["loc"])
        message = str(item["msg"])
        if item["type"] == "extra_forbidden" and location[-1] in _CREDENTIALS:
            message = "credentials are never imported; save them with `app credentials`"
        elif item["type"] == "extra_forbidden":
            message = "unknown member; check its spelling"
        found.append(ConfigProblem(json_path(location), message))
    return found


def parse_document(data: Any) -> ConfigDocument:
    """Check the file's shape.

    Raises:
        ConfigDocumentError: Every member at fault, by JSON path.
    """
    if not isinstance(data, dict):
        raise ConfigDocumentError([ConfigProblem("$", "the file must hold a JSON object")])
    try:
        return ConfigDocument.model_validate(data)
    except ValidationError as exc:
        raise ConfigDocumentError(_problems(exc)) from exc


def settings_problems(data: dict[str, Any]) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """The ``settings`` member's values by :class:`JobSettings` field name, or its problems."""
    try:
        parsed = SettingsDocument.model_validate(data)
    except ValidationError as exc:
        return {}, _problems(exc, ("settings",))
    return dict(parsed), []
