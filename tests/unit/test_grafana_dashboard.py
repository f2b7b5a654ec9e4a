"""The Grafana dashboard in docs/ reads only metrics that ``GET /metrics`` exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import scimitar.metrics

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = ("_total", "_bucket", "_count", "_sum")


def test_the_dashboard_names_only_exported_metrics() -> None:
    dashboard = json.loads((ROOT / "docs/grafana/scimitar-dashboard.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    expressions += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    named = {name for e in expressions for name in re.findall(r"\bscimitar_[a-z_]+", e)}
    source = Path(scimitar.metrics.__file__).read_text()
    exported = set(re.findall(r'"(scimitar_[a-z_]+)"', source))
    assert named
    for name in named:
        base = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
        assert base in exported, name
