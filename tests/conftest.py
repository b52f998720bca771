"""Suite-wide settings: headless Qt and a private runtime dir, before QGIS is imported by pytest-qgis."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
_runtime.mkdir(mode=0o700, exist_ok=True)
os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime))

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "layers" / "sample"


def pytest_sessionfinish(session, exitstatus):
    """``make test`` (and so CI) sets WANMI_FORBID_SKIPS=1: a skipped test — QGIS, Xvfb or PostgreSQL missing —
    fails the run instead of passing silently, so the QGIS, Desktop and PostGIS tests really run in CI."""
    if os.environ.get("WANMI_FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        where = sorted({str(getattr(report, "nodeid", "") or getattr(report, "location", "")) for report in skipped})
        print(f"\nWANMI_FORBID_SKIPS: {len(skipped)} test(s) skipped; every test must run here:", *where[:20],
              sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
