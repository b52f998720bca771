"""Real headless QGIS (Debian's 3.22): fixtures for the plugin, Processing and ``qgis_process``.

These tests skip only when PyQGIS is truly absent (a developer machine without Debian's python3-qgis);
``make test`` installs it, so in CI they always run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
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
