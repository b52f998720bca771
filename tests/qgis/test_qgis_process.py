"""``qgis_process`` in a temporary profile: the plugin is listed once enabled, and the packaged zip loads."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT, plugin_dir_in, run_qgis_process


def _enable_and_list(profile):
    enabled = run_qgis_process(profile, "plugins", "enable", "wanmi")
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    listed = run_qgis_process(profile, "list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    return listed.stdout


def test_qgis_process_lists_provider_from_source_checkout(tmp_path):
    (plugin_dir_in(tmp_path) / "wanmi").symlink_to(ROOT, target_is_directory=True)
    out = _enable_and_list(tmp_path)
    assert "wanmi:partition" in out, out[-3000:]


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "wanmi.zip"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--out", str(out)], check=True)
    return out


def test_zip_layout(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as zf:
        names = zf.namelist()
    assert {n.split("/")[0] for n in names} == {"wanmi"}, "one top folder named wanmi/"
    for required in ("wanmi/metadata.txt", "wanmi/__init__.py", "wanmi/plugin/main.py",
                     "wanmi/processing_scripts/provider.py", "wanmi/core/__init__.py",
                     "wanmi/i18n/wanmi_zh_CN.qm", "wanmi/icons/wanmi.svg", "wanmi/LICENSE"):
        assert required in names
    assert not [n for n in names if n.startswith(("wanmi/tests/", "wanmi/.venv/", "wanmi/benchmarks/"))]
    assert not [n for n in names if "__pycache__" in n]


def test_packaged_zip_installs_and_loads_in_fresh_profile(plugin_zip, tmp_path):
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(plugin_dir_in(tmp_path))
    out = _enable_and_list(tmp_path)
    assert "wanmi:partition" in out, out[-3000:]
    # the metadata QGIS reads is the packaged one
    meta = (plugin_dir_in(tmp_path) / "wanmi" / "metadata.txt").read_text(encoding="utf-8")
    assert "hasProcessingProvider=yes" in meta and "qgisMinimumVersion=3.22" in meta
