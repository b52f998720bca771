"""A missing Python package switches off only the tools that need it, and the log says which, in Chinese.

Each case starts headless QGIS in a subprocess where an import hook refuses some packages (as if they were not
installed), loads the packaged plugin (translations compiled) under zh_CN and calls ``initProcessing``.
"""

from __future__ import annotations

from pathlib import Path

from wanmi.processing_scripts.dependencies import REQUIRES, installed

from .conftest import load_plugin_in_qgis

ALL = set(REQUIRES)


def _load(plugins: Path, tmp_path: Path, blocked: set[str]) -> dict:
    out = load_plugin_in_qgis(plugins, tmp_path, blocked=blocked)
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
