"""The whole test run is scanned for the PostGIS test password (tests/conftest.py): a leak fails the run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Wm9-0123456789abcdef-pw"  # the form tests/layers/conftest.py gives the test role's password


SPELLED = "'Wm9-' + '0123456789abcdef' + '-pw'"  # the inner test's source must not hold the password itself


def _run(body: str) -> subprocess.CompletedProcess:
    """An inner pytest run in a folder outside this run's temporary folder (which is scanned too)."""
    folder = Path(tempfile.mkdtemp(prefix="wanmi-secret-scan-"))
    try:
        shutil.copy(ROOT / "tests" / "conftest.py", folder / "conftest.py")
        (folder / "test_one.py").write_text(f"PASSWORD = {SPELLED}\n\n{body}")
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                               "no:pytest_qgis", "--basetemp", str(folder / "base"), str(folder / "test_one.py")],
                              cwd=folder, capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("body", [
    "def test_prints():\n    print('connecting with password=' + PASSWORD)\n",
    "def test_writes(tmp_path):\n    (tmp_path / 'report.md').write_text('dsn: ' + PASSWORD)\n",
])
def test_a_leaked_password_fails_the_run(body):
    proc = _run(body)
    assert proc.returncode == 1, proc.stdout[-2000:].replace(PASSWORD, "***")
    assert "SECRET LEAK" in proc.stdout and PASSWORD not in proc.stdout  # named where, never shown


def test_password_files_written_on_purpose_and_clean_runs_pass():
    body = ("def test_pgpass(tmp_path):\n    (tmp_path / 'pgpass').write_text('h:5432:db:u:' + PASSWORD)\n"
            "    print('connected as u')\n")
    assert _run(body).returncode == 0
