"""Files a command reads or writes, their failures as one line on stderr (never a traceback)."""

from __future__ import annotations

from pathlib import Path

from scimitar.cli.output import fail

__all__ = ["read_text", "write_text"]


def read_text(path: Path, what: str) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped); exits with a message otherwise.

    Args:
        path: The file.
        what: What the file is, for the message (``"the import file"``).
    """
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(
            f"{what} {_shown(path)} is not UTF-8 text (byte {exc.start + 1} is "
            f"0x{exc.object[exc.start]:02x}); save it as UTF-8 and try again"
        )
    except OSError as exc:
        fail(f"cannot read {what} {_shown(path)}: {exc.strerror or exc}")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path``; exits with a message when the file cannot be written."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {_shown(path)}: {exc.strerror or exc}; choose another file")


def _shown(path: Path) -> str:
    text = str(path)
    return repr(text if len(text) <= 120 else f"{text[:117]}...")
