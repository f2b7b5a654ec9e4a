"""Reading posted forms (``application/x-www-form-urlencoded``) without extra dependencies."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

from scimitar.errors import ConfigError

__all__ = ["MAX_FORM_BYTES", "Form", "read_form"]

#: Portal forms are small; a bigger body is refused before it is parsed.
MAX_FORM_BYTES = 256 * 1024


class Form:
    """A posted form's fields (a field posted twice keeps every value)."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def get(self, name: str, default: str = "") -> str:
        """The field's first value, or ``default``."""
        values = self._fields.get(name)
        return values[0] if values else default

    def text(self, name: str) -> str:
        """The field, stripped."""
        return self.get(name).strip()

    def optional(self, name: str) -> str | None:
        """The field stripped, or ``None`` when it is missing or blank."""
        value = self.text(name)
        return value or None

    def flag(self, name: str) -> bool:
        """Whether a checkbox was ticked."""
        return name in self._fields

    def integer(self, name: str, label: str, *, minimum: int = 0) -> int | None:
        """The field as an integer, ``None`` when blank.

        Raises:
            ConfigError: Not a whole number, or below ``minimum``; naming the field.
        """
        text = self.text(name)
        if not text:
            return None
        try:
            value = int(text)
        except ValueError as exc:
            raise ConfigError(f"{label}: {text!r} is not a whole number") from exc
        if value < minimum:
            raise ConfigError(f"{label}: give a number from {minimum}")
        return value


async def read_form(request: Request) -> Form:
    """The request's urlencoded form.

    Raises:
        ConfigError: The body is too big or not a form.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ConfigError("the form is too big")
    if body and kind != "application/x-www-form-urlencoded":
        raise ConfigError("the portal accepts forms posted as application/x-www-form-urlencoded")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError("the form is not UTF-8") from exc
    return Form(parse_qs(text, keep_blank_values=True))
