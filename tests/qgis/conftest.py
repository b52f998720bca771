"""Real headless QGIS (Debian's 3.22): fixtures for the plugin, Processing and ``qgis_process``.

These tests skip only when PyQGIS is truly absent (a developer machine without Debian's python3-qgis);
``make test`` installs it, so in CI they always run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytest.importorskip("qgis.core", reason="PyQGIS (Debian python3-qgis) is not installed")

from pytest_qgis.qgis_interface import QgisInterface

ROOT = Path(__file__).resolve().parents[2]
QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"


class RecordingIface(QgisInterface):
    """pytest-qgis' iface stub that also remembers menu entries, toolbar icons and docks."""

    def __init__(self, base: QgisInterface) -> None:
        self.__dict__.update(base.__dict__)
        self.menu_actions: list = []
        self.toolbar_actions: list = []
        self.docks: list = []

    def addPluginToMenu(self, name, action):  # noqa: N802
        self.menu_actions.append((name, action))

    def removePluginMenu(self, name, action):  # noqa: N802
        self.menu_actions.remove((name, action))

    def addToolBarIcon(self, action):  # noqa: N802
        self.toolbar_actions.append(action)

    def removeToolBarIcon(self, action):  # noqa: N802
        if action in self.toolbar_actions:
            self.toolbar_actions.remove(action)

    def addDockWidget(self, area, dock):  # noqa: N802
        self.docks.append(dock)

    def removeDockWidget(self, dock):  # noqa: N802
        self.docks.remove(dock)


@pytest.fixture
def provider(qgis_processing):
    """The ``wanmi`` Processing provider registered (as ``qgis_process`` does: initProcessing only)."""
    import wanmi

    plugin = wanmi.classFactory(None)
    plugin.initProcessing()
    yield
    plugin.unload()


@pytest.fixture
def recording_iface(qgis_iface):
    return RecordingIface(qgis_iface)


def qgis_process_env(profile_root: Path) -> dict[str, str]:
    """Environment for ``qgis_process``: a private profile and the venv's pip packages on the path."""
    env = dict(os.environ)
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(profile_root)
    env["QT_QPA_PLATFORM"] = "offscreen"
    paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*paths, env.get("PYTHONPATH", "")])).strip(os.pathsep)
    return env


def run_qgis_process(profile_root: Path, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    """Run Debian's ``qgis_process.bin`` (the wrapper script is broken in bookworm: QGIS issue 57683)."""
    return subprocess.run(
        [QGIS_PROCESS, *args],
        env=qgis_process_env(profile_root),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def plugin_dir_in(profile_root: Path) -> Path:
    """The python/plugins folder of the ``default`` profile under ``profile_root``."""
    path = profile_root / "profiles" / "default" / "python" / "plugins"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory) -> Path:
    """What ``wanmi demo`` writes, plus a census CSV: real inputs for every algorithm (algorithm_runs.py)."""
    from .algorithm_runs import make_demo, write_census_csv

    reuse = os.environ.get("WANMI_DEMO_OUTPUTS")  # a developer's existing `wanmi demo --out` folder
    if reuse:
        out = tmp_path_factory.mktemp("demo")
        for name in Path(reuse).iterdir():
            shutil.copy(name, out / name.name)
        write_census_csv(out / "helsinki_census.gpkg", out / "census_wgs84.csv")
        return out
    return make_demo(tmp_path_factory.mktemp("demo"))



#: headless QGIS in zh_CN loading the plugin (``initProcessing``), with an import hook refusing ``blocked``
PLUGIN_LOADER = """
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
    import zipfile

    folder = tmp_path_factory.mktemp("packaged")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--out", str(folder / "wanmi.zip")],
                   check=True, capture_output=True)
    with zipfile.ZipFile(folder / "wanmi.zip") as zf:
        zf.extractall(folder / "plugins")
    return folder / "plugins"


def load_plugin_in_qgis(plugins: Path, tmp_path: Path, blocked: set[str] = frozenset(),
                        first_on_path: tuple[Path, ...] = ()) -> dict:
    """Load the packaged plugin in a headless zh_CN QGIS subprocess; what it registered, logged and imported."""
    import json

    script = tmp_path / "load.py"
    script.write_text(PLUGIN_LOADER.format(blocked=set(blocked), out=str(tmp_path / "out.json")), encoding="utf-8")
    env = qgis_process_env(tmp_path / "profile")
    env["PYTHONPATH"] = os.pathsep.join([*map(str, first_on_path), str(plugins), env["PYTHONPATH"]])
    env["LANG"] = env["LC_ALL"] = "zh_CN.UTF-8"
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert out["file"].startswith(str(plugins))  # the packaged copy, with its translations
    return out
