"""How fast ``scimitar`` starts: three commands next to ``python -c pass`` and a bare typer app.

Each command runs as a new process, ``--runs`` times (median, and the fastest), in a data dir
whose store is created and migrated first, so ``directory user show`` reads a current store
as every command after the first does. The baselines, measured in the same run: the
interpreter alone, and a typer app of one command printing its ``--help`` (the floor for any
typer CLI). Wall time on a shared machine moves with its load; read the ratios too.

    .venv/bin/python bench/cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_TYPER = """
import typer
app = typer.Typer()
@app.command()
def hello(name: str = "world") -> None:
    print(name)
app()
"""


def _time(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    scimitar = str(Path(sys.executable).with_name("scimitar"))
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "SCIMITAR_DATA_DIR": data}
        env.pop("SCIMITAR_DATABASE_URL", None)
        subprocess.run(
            [scimitar, "directory", "user", "add", "ada@contoso.com", "givenName=Ada"],
            env=env, stdout=subprocess.DEVNULL, check=True,
        )  # fmt: skip
        cases = [
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
            ("bare typer app --help (baseline)", [sys.executable, "-c", BARE_TYPER, "--help"]),
            ("scimitar --help", [scimitar, "--help"]),
            (
                "scimitar expr eval",
                [scimitar, "expr", "eval", 'Join(" ", [a], [b])', "--attr", "a=1", "--attr", "b=2"],
            ),
            (
                "scimitar directory user show",
                [scimitar, "directory", "user", "show", "ada@contoso.com"],
            ),
        ]
        rows = [(name, *_time(argv, env, args.runs)) for name, argv in cases]
    load = os.getloadavg()[0]
    print(f"{args.runs} runs each; load average {load:.1f}; 2-core machine\n")
    print("| command | median wall | fastest | median against bare typer |")
    print("|---|---:|---:|---:|")
    typer_median = rows[1][1]
    for name, median, fastest in rows:
        print(f"| {name} | {median:.3f} s | {fastest:.3f} s | {median / typer_median:.2f}x |")


if __name__ == "__main__":
    main()
