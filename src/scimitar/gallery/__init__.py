"""The app gallery: app templates as validated data files (cisco-webex, scim, slack, ...)."""

from scimitar.gallery.loader import BUILTIN_TEMPLATES, load_template, parse_template
from scimitar.gallery.schema import DEFAULT_ACCESS, Dialect, Quirks, RateLimit, UpdateMethod
from scimitar.gallery.service import GalleryService
from scimitar.gallery.template import AppTemplate, TemplateError

__all__ = [
    "BUILTIN_TEMPLATES",
    "DEFAULT_ACCESS",
    "AppTemplate",
    "Dialect",
    "GalleryService",
    "Quirks",
    "RateLimit",
    "TemplateError",
    "UpdateMethod",
    "load_template",
    "parse_template",
]
