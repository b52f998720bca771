"""Suite-wide settings: headless Qt and a private runtime dir, before QGIS is imported by pytest-qgis."""

from __future__ import annotations

import os
import re
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
    """No secret leaked (below); and ``make test`` (and so CI) sets WANMI_FORBID_SKIPS=1: a skipped test — QGIS,
    Xvfb or PostgreSQL missing — fails the run instead of passing silently, so those tests really run in CI."""
    _check_secrets(session)
    if os.environ.get("WANMI_FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        where = sorted({str(getattr(report, "nodeid", "") or getattr(report, "location", "")) for report in skipped})
        print(f"\nWANMI_FORBID_SKIPS: {len(skipped)} test(s) skipped; every test must run here:", *where[:20],
              sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- the test server's password never leaks (issue 13) -------------------------------------------------------
# tests/layers/conftest.py gives the PostGIS test role a password of this form. Whatever any test captured
# (stdout, stderr, log records, failure reports) and every file the run left under its temporary folder must
# not contain it, except the password files the tests write on purpose (.pgpass, pg_service.conf).
SECRET_RE = re.compile(r"Wm9-[0-9a-f]{16}-pw")
SECRET_FILES = re.compile(r"pgpass|pg_service|pg_hba")
_leaks: list[str] = []


def pytest_runtest_logreport(report):
    texts = [text for _name, text in report.sections] + [report.longreprtext or ""]
    if any(SECRET_RE.search(text) for text in texts):
        _leaks.append(f"{report.nodeid} ({report.when}): captured output or report")


def _leaked_files(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*") if root.is_dir() else []:
        if not path.is_file() or path.is_symlink() or SECRET_FILES.search(path.name):
            continue
        try:
            if path.stat().st_size < 50_000_000 and SECRET_RE.search(path.read_bytes().decode("utf-8", "replace")):
                found.append(str(path))
        except OSError:
            continue
    return found


def _check_secrets(session) -> None:
    factory = getattr(session.config, "_tmp_path_factory", None)
    files = _leaked_files(factory.getbasetemp()) if factory is not None else []
    if _leaks or files:
        print("\nSECRET LEAK: the PostGIS test password appears in", *_leaks, *files, sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
