"""Reading template files: JSON → schema → :class:`AppTemplate`, with errors naming the field."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from scimitar.gallery.schema import TemplateDocument
from scimitar.gallery.template import AppTemplate, TemplateError, build_template

__all__ = ["BUILTIN_TEMPLATES", "load_template", "load_templates", "parse_template"]

#: Where the shipped templates live.
BUILTIN_TEMPLATES = Path(__file__).parent / "templates"


def parse_template(text: str, file: str) -> AppTemplate:
    """Validate one template file's text.

    Args:
        text: The file content (JSON).
        file: The file's name, for error messages.

    Raises:
        TemplateError: Naming the file, the field at fault and the reason.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(file, f"line {exc.lineno} column {exc.colno}", exc.msg) from exc
    try:
        document = TemplateDocument.model_validate(data)
    except ValidationError as exc:
        raise _first_problem(exc, file) from exc
    if Path(file).stem != document.id:
        raise TemplateError(file, "id", f"{document.id!r} differs from the file name")
    return build_template(document, file)


def _first_problem(exc: ValidationError, file: str) -> TemplateError:
    problem = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in problem["loc"]) or "(document)"
    reason = problem["msg"]
    if problem["type"] == "extra_forbidden":
        reason = "unknown field (check its spelling)"
    return TemplateError(file, field, reason)


def load_template(path: Path) -> AppTemplate:
    """Read and validate one template file (see :func:`parse_template`)."""
    return parse_template(path.read_text(encoding="utf-8"), path.name)


def load_templates(paths: Iterable[Path]) -> dict[str, AppTemplate]:
    """Read every file; ids must be unique.

    Raises:
        TemplateError: For the first invalid file.
    """
    templates: dict[str, AppTemplate] = {}
    for path in sorted(paths):
        template = load_template(path)
        if template.id in templates:
            raise TemplateError(path.name, "id", f"{template.id!r} is already defined")
        templates[template.id] = template
    return templates
