"""Loading request samples from tests/samples, with ``{name}`` placeholders filled in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def sample(name: str, **values: str) -> Any:
    """The JSON sample ``name``.json, with each ``{key}`` replaced by its value."""
    text = (SAMPLES / f"{name}.json").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)
