"""The engine never loads a second GEOS/PROJ/GDAL into QGIS (``plugin/abi.py``).

* the environment ``make env`` builds passes the check, and its shapely keeps working after the system GEOS
  was loaded first (what a wheel's shapely does not survive: a segmentation fault);
* a binding that carries its own library copy of another version (here: a stand-in package on the path, no
  network) makes the plugin register no algorithm, never import the binding into QGIS, and say in Chinese
  what is wrong and what to install.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from wanmi.plugin import abi

from .conftest import ROOT, load_plugin_in_qgis


def test_make_env_bindings_use_the_system_libraries():
    proc = subprocess.run([sys.executable, str(ROOT / "plugin" / "abi.py"), "--check"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    found = abi.probe_in_child()
    for binding in abi.BINDINGS:
        assert found[binding]["installed"] and found[binding]["bundled"] == [], found[binding]
    for family, paths in found["mapped"].items():
        assert paths and all(p.startswith(("/usr/lib", "/lib")) for p in paths), (family, paths)


def test_shapely_survives_the_system_geos_loaded_first():
    """QGIS loads libgeos_c before any plugin: the engine's shapely must share it (a wheel's crashes here)."""
    code = textwrap.dedent("""
        import ctypes, numpy as np
        ctypes.CDLL("libgeos_c.so.1", mode=ctypes.RTLD_GLOBAL)
        ctypes.CDLL("libproj.so.25", mode=ctypes.RTLD_GLOBAL)
        import shapely, pyproj
        box = shapely.box(0, 0, 10, 10)
        rng = np.random.default_rng(1)
        inside = sum(int(shapely.intersects_xy(box, *rng.random((2, 10_000)) * 20).sum()) for _ in range(20))
        t = pyproj.Transformer.from_crs(4490, 4548, always_xy=True)
        print(inside, round(t.transform(116.4, 39.9)[0]))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    inside, easting = proc.stdout.split()
    assert 40_000 < int(inside) < 60_000  # a quarter of 200,000 random points
    assert abs(int(easting) - 448_000) < 5_000  # CM 117°E: 116.4°E lies ~51 km west of 500 km


def _stand_in_wheel(site: Path, geos: str) -> None:
    """A package named shapely laid out like a wheel (``shapely.libs``) that reports another GEOS."""
    (site / "shapely").mkdir(parents=True)
    (site / "shapely" / "__init__.py").write_text(
        f"__version__ = '2.9.0'\ngeos_version_string = '{geos}'\n", encoding="utf-8")
    (site / "shapely.libs").mkdir()
    (site / "shapely.libs" / f"libgeos-0123abcd.so.{geos}").write_bytes(b"")


def test_assess_names_each_kind_of_clash():
    host = {"GEOS": "3.11.1-CAPI-1.17.1", "PROJ": "9.1", "GDAL": "3.6.2"}
    same = {"installed": True, "bundled": []}
    found = {"shapely": {**same, "version": "2.2", "library": "3.14.1"},
             "pyproj": {**same, "version": "3.6.1", "library": "9.1.1"},
             "pyogrio": {"installed": True, "bundled": ["/x/pyogrio.libs/libgdal-1.so.36"], "version": "0.13",
                         "library": "3.6.2"},
             "mapped": {"GDAL": ["/x/pyogrio.libs/libgdal-1.so.36"]}}
    report = abi.assess(found, host, {"GDAL": ["/usr/lib/libgdal.so.32"], "GEOS": [], "PROJ": []})
    assert [(p.binding, p.reason, p.found, p.host) for p in report.problems] == [
        ("shapely", "version", "3.14.1", "3.11.1"), ("pyogrio", "copy", "3.6", "3.6")]
    assert abi.assess({**found, "shapely": {**same, "version": "2", "library": "3.11.1"},
                       "pyogrio": {**same, "version": "0.13", "library": "3.6.2"}, "mapped": {}},
                      host, {}).ok


def test_a_clashing_binding_switches_the_tools_off_with_a_chinese_message(plugins, tmp_path):
    site = tmp_path / "site"
    _stand_in_wheel(site, "3.14.1")
    out = load_plugin_in_qgis(plugins, tmp_path, first_on_path=(site,))
    assert out["registered"] == []
    assert "shapely" not in out["loaded"]  # the clashing binding never entered the QGIS process
    assert "GEOS 3.14.1" in out["blocked"] and "GEOS 3.11.1" in out["blocked"]
    assert "为避免 QGIS 崩溃" in out["blocked"] and "OSGeo4W" in out["blocked"]
    assert out["log"] == [out["blocked"]]


def test_a_probe_that_fails_is_a_clash_not_a_pass(qgis_app, monkeypatch):
    """No interpreter, a crash or a time-out of the child: the engine must not be loaded on a guess."""
    def broken(timeout: float = 60.0) -> dict:
        raise RuntimeError("child died")

    monkeypatch.setattr(abi, "probe_in_child", broken)
    report = abi.check_qgis()
    assert not report.ok and {p.reason for p in report.problems} == {"probe"}
    assert [p.binding for p in report.problems] == list(abi.BINDINGS)
