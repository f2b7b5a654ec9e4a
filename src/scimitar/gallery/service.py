"""The app gallery as the CLI, API and portal use it: list, search and show templates."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scimitar.errors import NotFoundError
from scimitar.gallery.loader import BUILTIN_TEMPLATES, load_templates
from scimitar.gallery.template import AppTemplate

__all__ = ["GalleryService"]


class GalleryService:
    """The templates of one gallery, loaded and validated once.

    Args:
        templates: The templates by id (see :meth:`builtin` and :meth:`from_directories`).
    """

    def __init__(self, templates: dict[str, AppTemplate]) -> None:
        self._templates = templates

    @classmethod
    def from_directories(cls, directories: Iterable[Path]) -> GalleryService:
        """Load every ``*.json`` file of the directories.

        Raises:
            TemplateError: A file is invalid.
        """
        paths = [path for directory in directories for path in directory.glob("*.json")]
        return cls(load_templates(paths))

    @classmethod
    def builtin(cls) -> GalleryService:
        """The templates shipped with Scimitar."""
        return cls.from_directories([BUILTIN_TEMPLATES])

    def list(self, search: str | None = None) -> list[AppTemplate]:
        """Templates by display name; ``search`` matches id, name, publisher, categories, text."""
        found = sorted(self._templates.values(), key=lambda t: t.display_name.lower())
        if not search:
            return found
        needle = search.strip().lower()
        return [template for template in found if needle in _haystack(template)]

    def get(self, template_id: str) -> AppTemplate:
        """One template by id (case-insensitive).

        Raises:
            NotFoundError: No such template.
        """
        template = self._templates.get(template_id.strip().lower())
        if template is None:
            raise NotFoundError(
                f"no gallery template {template_id!r}; `scimitar gallery list` shows them"
            )
        return template


def _haystack(template: AppTemplate) -> str:
    doc = template.document
    parts = [doc.id, doc.display_name, doc.publisher, doc.description, *doc.categories]
    return " ".join(parts).lower()
