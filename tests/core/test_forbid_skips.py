"""`make test` (CI) fails when a test is skipped: the QGIS, Desktop and PostGIS tests must really run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, forbid: bool) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_one.py").write_text(
        "import pytest\n\ndef test_runs():\n    pass\n\ndef test_skips():\n    pytest.skip('no QGIS here')\n")
    env = {k: v for k, v in os.environ.items() if k != "WANMI_FORBID_SKIPS"}
    if forbid:
        env["WANMI_FORBID_SKIPS"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest_qgis",
                           str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_skip_fails_the_run_when_skips_are_forbidden(tmp_path):
    proc = _run(tmp_path, forbid=True)
    assert proc.returncode == 1, proc.stdout
    assert "test_one.py::test_skips" in proc.stdout


def test_a_skip_is_only_reported_otherwise(tmp_path):
    assert _run(tmp_path, forbid=False).returncode == 0


def test_make_test_forbids_skips():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_rule = makefile.split("\ntest: ")[1].split("\n\n")[0]
    assert "WANMI_FORBID_SKIPS=1" in test_rule
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
