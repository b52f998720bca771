"""A missing Python package switches off only the tools that need it, and the log says which, in Chinese.

Each case starts headless QGIS in a subprocess where an import hook refuses some packages (as if they were not
installed), loads the packaged plugin (translations compiled) under zh_CN and calls ``initProcessing``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from wanmi.processing_scripts.dependencies import REQUIRES, installed

from .conftest import ROOT, qgis_process_env

ALL = set(REQUIRES)

LOAD = """
import importlib.abc, json, sys
BLOCKED = {blocked!r}

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked for this test)", name=name)

sys.meta_path.insert(0, Block())
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QLocale
QLocale.setDefault(QLocale("zh_CN"))
app = QgsApplication([], False)
app.initQgis()
QgsSettings().setValue("locale/userLocale", "zh_CN")
log = []
QgsApplication.messageLog().messageReceived.connect(lambda m, tag, level: log.append((tag, m)))
import wanmi
plugin = wanmi.classFactory(None)
plugin.initProcessing()
app.processEvents()
provider = QgsApplication.processingRegistry().providerById("wanmi")
out = {{"registered": sorted(a.name() for a in provider.algorithms()), "missing": plugin.provider.missing,
       "blocked": plugin.blocked, "file": wanmi.__file__, "log": [m for tag, m in log if tag == "Wanmi"],
       "loaded": sorted(m for m in ("numpy", "pandas", "geopandas", "shapely", "scipy", "matplotlib")
                        if m in sys.modules)}}
plugin.unload()
open({out!r}, "w", encoding="utf-8").write(json.dumps(out, ensure_ascii=False))
app.exitQgis()
"""


@pytest.fixture(scope="module")
def plugins(tmp_path_factory) -> Path:
    """The plugin as users install it: the zip from scripts/package.py, extracted (``.qm`` built)."""
    folder = tmp_path_factory.mktemp("packaged")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--out", str(folder / "wanmi.zip")],
                   check=True, capture_output=True)
    with zipfile.ZipFile(folder / "wanmi.zip") as zf:
        zf.extractall(folder / "plugins")
    return folder / "plugins"


def _load(plugins: Path, tmp_path: Path, blocked: set[str]) -> dict:
    script = tmp_path / "load.py"
    script.write_text(LOAD.format(blocked=blocked, out=str(tmp_path / "out.json")), encoding="utf-8")
    env = qgis_process_env(tmp_path / "profile")
    env["PYTHONPATH"] = f"{plugins}:{env['PYTHONPATH']}"
    env["LANG"] = env["LC_ALL"] = "zh_CN.UTF-8"
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert out["file"].startswith(str(plugins))  # the packaged copy, with its translations
    assert out["blocked"] is None  # the ABI check passed: only the per-algorithm guard is at work
    return out


def test_requirements_are_declared_for_every_algorithm_and_installed_here():
    from wanmi.processing_scripts.provider import ALGORITHMS

    assert set(REQUIRES) == set(ALGORITHMS)
    assert all(installed(p) for packages in REQUIRES.values() for p in packages)
    assert not installed("wanmi_no_such_package")


def test_without_scipy_and_matplotlib_only_their_tools_are_switched_off(plugins, tmp_path):
    out = _load(plugins, tmp_path, {"scipy", "matplotlib"})
    assert set(out["registered"]) == ALL - {"responsibility", "render_map"}
    assert out["missing"] == {"render_map": ["matplotlib"], "responsibility": ["scipy"]}
    assert len(out["log"]) == 2, out["log"]
    by_package = {("matplotlib" if "matplotlib" in m else "scipy"): m for m in out["log"]}
    assert "缺少 Python 包 matplotlib" in by_package["matplotlib"]
    assert "以下工具已停用：绘制评价等级图。" in by_package["matplotlib"]  # the tool's Chinese name
    assert "缺少 Python 包 scipy" in by_package["scipy"] and "python3-scipy" in by_package["scipy"]
    assert "生成责任网格" in by_package["scipy"]
    assert "matplotlib" not in by_package["scipy"]
    # loading the provider loads none of the engine's compiled packages into QGIS
    assert out["loaded"] == [], out["loaded"]


def test_without_geopandas_no_tool_registers_and_the_log_says_why(plugins, tmp_path):
    out = _load(plugins, tmp_path, {"geopandas"})
    assert out["registered"] == []
    assert set(out["missing"]) == ALL and all(v == ["geopandas"] for v in out["missing"].values())
    assert len(out["log"]) == 1, out["log"]
    message = out["log"][0]
    assert message.startswith("Wanmi：缺少 Python 包 geopandas，以下工具已停用：")
    assert "pip install geopandas" in message and "OSGeo4W" in message
    assert "Traceback" not in message
