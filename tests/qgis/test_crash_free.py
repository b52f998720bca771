"""QGIS never crashes: every wanmi algorithm, run the ways users run it, many times in one QGIS process.

* as background ``QgsProcessingAlgRunnerTask``s (what a dialog's Run does), each algorithm 10 times in one
  headless ``QgsApplication``, which has QGIS's own GEOS/PROJ/GDAL loaded before the engine runs;
* through ``qgis_process.bin run``, each algorithm once, which must exit 0 (it used to abort at exit with
  "double free or corruption" when pyproj's wheel brought a second PROJ).
The Desktop walk-through (dialogs, Run, twice) is in ``test_desktop_xvfb.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wanmi.processing_scripts.provider import ALGORITHMS

from .algorithm_runs import runs
from .conftest import ROOT, plugin_dir_in, qgis_process_env, run_qgis_process

pytestmark = pytest.mark.slow
ROUNDS = 10


def test_the_runs_cover_every_algorithm(demo_outputs, tmp_path):
    assert sorted(runs(demo_outputs, tmp_path)) == sorted(ALGORITHMS)


def test_every_algorithm_ten_times_as_background_tasks_in_one_qgis(demo_outputs, tmp_path):
    plan = [[f"wanmi:{name}", params] for name, params in runs(demo_outputs, tmp_path, tag="_{round}").items()]
    (tmp_path / "runs.json").write_text(json.dumps(plan), encoding="utf-8")
    report = tmp_path / "report.jsonl"
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("run_tasks.py")), str(tmp_path / "runs.json"),
                           str(ROUNDS), str(report)], env=qgis_process_env(tmp_path / "profile"),
                          capture_output=True, text=True, timeout=1800)
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()] if report.exists() else []
    assert proc.returncode == 0, f"QGIS died after {len(lines)} runs (status {proc.returncode}):\n{proc.stderr[-4000:]}"
    assert len(lines) == ROUNDS * len(plan)
    failed = [(line["round"], line["alg"], line["errors"][-2:]) for line in lines if not line["ok"]]
    assert failed == []
    per_alg = {name: sum(line["alg"] == f"wanmi:{name}" for line in lines) for name in ALGORITHMS}
    assert set(per_alg.values()) == {ROUNDS}
    for r in range(ROUNDS):  # file outputs really written, one per round
        assert (tmp_path / f"census_{r}.gpkg").stat().st_size > 0
        assert (tmp_path / f"grades_{r}.png").stat().st_size > 10_000


def _qgis_process_args(params: dict[str, str]) -> list[str]:
    return [f"--{key}={value}" for key, value in params.items()]


def test_qgis_process_runs_every_algorithm_and_exits_0(demo_outputs, tmp_path):
    (plugin_dir_in(tmp_path) / "wanmi").symlink_to(ROOT, target_is_directory=True)
    assert run_qgis_process(tmp_path, "plugins", "enable", "wanmi").returncode == 0
    results = {}
    for name, params in runs(demo_outputs, tmp_path, tag="_qp").items():
        proc = run_qgis_process(tmp_path, "run", f"wanmi:{name}", *_qgis_process_args(params), timeout=300)
        results[name] = (proc.returncode, (proc.stdout + proc.stderr)[-1500:])
    assert {name: rc for name, (rc, _out) in results.items() if rc != 0} == {}, \
        {name: out for name, (rc, out) in results.items() if rc != 0}
    assert (tmp_path / "census_qp.gpkg").exists() and (tmp_path / "grades_qp.png").exists()


def test_readme_qgis_process_command_works_as_pasted(tmp_path):
    """The README's qgis_process lines, pasted into bash as written (the | of the layer URI is quoted)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    script = next(block.split("```")[0] for block in readme.split("```sh\n") if "qgis_process.bin run" in block)
    (plugin_dir_in(tmp_path) / "wanmi").symlink_to(ROOT, target_is_directory=True)
    for name in ("layers", ".venv"):  # the README's commands run in the Wanmi folder
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    env = qgis_process_env(tmp_path)
    env.pop("QT_QPA_PLATFORM")  # the README sets it
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (tmp_path / "cells.gpkg").stat().st_size > 100_000
