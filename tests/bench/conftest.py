"""reports/bench.md: every benchmark that states a figure adds a section (``report_section``),
and the file is written once at the end of the run, sections in a fixed order, each saying
the command that produced it. A run that measured nothing (``make test`` skips the
benchmarks) leaves the file alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "reports" / "bench.md"
ORDER = ("cost", "processor", "cold imports")
"""Section order in the report (unknown sections go last)."""

_sections: dict[str, str] = {}


@pytest.fixture
def report_section() -> Callable[[str, str], None]:
    """``report_section(name, markdown)``: one section of reports/bench.md."""

    def add(name: str, markdown: str) -> None:
        _sections[name] = markdown.rstrip() + "\n"

    return add


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _sections:
        return
    ranked = sorted(_sections, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
    head = (
        "# Benchmarks and the cost model\n\n"
        "Written by `make bench` (each section names its benchmark; every benchmark's figures: "
        "`reports/bench.json`). Sections of benchmarks not run this time are absent.\n"
    )
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join([head, *(_sections[n] for n in ranked)]))
