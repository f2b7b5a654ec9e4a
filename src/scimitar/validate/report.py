"""The report for people (a summary table and each problem's request and answer) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scimitar.validate.model import Check, Exchange, Outcome, Report

__all__ = ["junit_xml", "render"]

_STYLE = {
    Outcome.PASS: "green",
    Outcome.WARN: "yellow",
    Outcome.FAIL: "bold red",
    Outcome.SKIP: "dim",
}
_BODY_CHARS = 1200


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _BODY_CHARS else text[:_BODY_CHARS] + " …"


def describe(check: Check) -> list[str]:
    """A check's lines: what happened, what is expected and why, the request and the answer."""
    lines = [
        f"{check.outcome.value.upper()}: {check.message}",
        f"  expected: {check.expects}",
        f"  per: {check.reference}",
    ]
    if check.exchange is not None:
        lines += _exchange_lines(check.exchange)
    return lines


def _exchange_lines(exchange: Exchange) -> list[str]:
    lines = [f"  request: {exchange.method} {exchange.url}"]
    if exchange.body is not None:
        lines.append(f"    {_short(exchange.body)}")
    status = "no answer" if exchange.status is None else f"HTTP {exchange.status}"
    lines.append(f"  answer: {status}")
    if exchange.answer is not None:
        lines.append(f"    {_short(exchange.answer)}")
    return lines


def render(report: Report, console: Console) -> None:
    """The summary table, then every failure and warning in full, then the clean-up."""
    console.print(
        f"Validated {escape(report.url)} with the {report.dialect} dialect "
        f"(run {report.run_id}, {report.seconds:.1f} s)"
    )
    table = Table("scenario", "result", "checks", "what it does")
    for scenario in report.scenarios:
        style = _STYLE[scenario.outcome]
        passed = sum(1 for c in scenario.checks if c.outcome is Outcome.PASS)
        table.add_row(
            scenario.name,
            f"[{style}]{scenario.outcome.value}[/]",
            f"{passed}/{len(scenario.checks)}",
            escape(scenario.title),
        )
    console.print(table)
    for scenario in report.scenarios:
        for check in scenario.checks:
            if check.outcome in (Outcome.FAIL, Outcome.WARN):
                console.print(f"[{_STYLE[check.outcome]}]{escape(scenario.name)}[/]")
                for line in describe(check):
                    console.print(escape(line))
    counts = report.counts()
    console.print(", ".join(f"{n} {k}" for k, n in counts.items() if n))
    if report.kept:
        console.print(f"--keep: left {len(report.left)} object(s) named {report.prefix}*")
    else:
        console.print(f"Cleaned up {len(report.cleanup)} object(s) named {report.prefix}*")
        if report.left:
            console.print(f"[bold red]Could not delete:[/] {escape(', '.join(report.left))}")
    if report.interrupted:
        console.print("[bold red]Interrupted[/]: the run did not finish")


def junit_xml(report: Report) -> str:
    """JUnit XML: one test case per scenario (failure, or skipped for a warning's note)."""
    counts = report.counts()
    suite = ET.Element(
        "testsuite",
        {
            "name": f"scimitar-validate {report.dialect}",
            "tests": str(len(report.scenarios)),
            "failures": str(counts[Outcome.FAIL.value]),
            "skipped": str(counts[Outcome.SKIP.value]),
            "errors": "0",
            "time": f"{report.seconds:.3f}",
        },
    )
    for scenario in report.scenarios:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"scimitar.validate.{scenario.group}",
                "name": scenario.name,
                "time": f"{scenario.seconds:.3f}",
            },
        )
        failures = [c for c in scenario.checks if c.outcome is Outcome.FAIL]
        warnings = [c for c in scenario.checks if c.outcome is Outcome.WARN]
        if failures:
            failure = ET.SubElement(case, "failure", {"message": failures[0].message[:500]})
            failure.text = "\n\n".join("\n".join(describe(c)) for c in failures)
        elif scenario.skipped is not None:
            ET.SubElement(case, "skipped", {"message": scenario.skipped})
        if warnings:
            out = ET.SubElement(case, "system-out")
            out.text = "\n\n".join("\n".join(describe(c)) for c in warnings)
    root = ET.Element("testsuites")
    root.append(suite)
    text: str = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return text + "\n"
