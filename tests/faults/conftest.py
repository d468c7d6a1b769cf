"""The fault report: filled by the fault tests, written as fault-report.json, shown after the run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from .harness import REPORT


@pytest.fixture(scope="session")
def fault_report():
    return REPORT


def report_path() -> Path:
    directory = Path(os.environ.get("NEWSBOT_FAULT_REPORT_DIR") or tempfile.gettempdir())
    return directory / "fault-report.json"


def pytest_terminal_summary(terminalreporter):
    if not REPORT.rows:
        return
    path = report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write(path)
    terminalreporter.section("fault report")
    terminalreporter.write_line(REPORT.table())
    terminalreporter.write_line(f"written to {path}")
