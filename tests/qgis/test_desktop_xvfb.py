"""The packaged plugin in a real QGIS Desktop (``/usr/bin/qgis``) under Xvfb, fresh profile, locale zh_CN.

``scripts/package.py`` builds the zip exactly as users get it; it is unzipped into a new profile (plugin
enabled in QGIS3.ini), QGIS starts with ``--lang zh_CN`` and runs ``desktop_startup.py``, which loads the
sample project through the plugin, shows the dock, waits for the grid and saves a screenshot and a JSON
report. Screenshots are kept for review in ``test_artifacts/qgis_desktop_<lang>.png`` (git-ignored).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, qgis_process_env

QGIS = "/usr/bin/qgis"
XVFB_RUN = shutil.which("xvfb-run")
ARTIFACTS = ROOT / "test_artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (Path(QGIS).exists() and XVFB_RUN),
                       reason="QGIS Desktop and Xvfb are installed by scripts/install_system.sh"),
]


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


def _package(out: Path) -> Path:
    spec = importlib.util.spec_from_file_location("wanmi_package_script", ROOT / "scripts" / "package.py")
    package = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(package)
    return package.build(out)


def _profile(root: Path, zip_path: Path, lang: str, unzip: bool) -> Path:
    """A fresh ``default`` profile in locale ``lang``; with ``unzip`` the zip is unzipped into python/plugins and
    the plugin enabled in QGIS3.ini. Returns where the plugin folder is (or will be, once installed)."""
    profile = root / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True)
    if unzip:
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(plugins)
    (profile / "QGIS").mkdir()
    (profile / "QGIS" / "QGIS3.ini").write_text(
        ("[PythonPlugins]\nwanmi=true\n\n" if unzip else "")
        + f"[locale]\noverrideFlag=true\nuserLocale={lang}\nglobalLocale=zh_CN\n\n"
        "[qgis]\ncheckVersion=false\nshowTips=false\nallowCrashReporting=false\n"
        "\n[core]\nNewsFeed\\httpsfeedqgisorg\\disabled=true\n",
        encoding="utf-8",
    )
    return plugins / "wanmi"


# zh_CN: the locale named by the issue, zip unzipped into the profile and enabled in QGIS3.ini.
# zh-Hans: what QGIS' own language chooser writes for 简体中文 (QGIS then shows its own menus in Chinese too), and
# the plugin installed at run time by QGIS' plugin installer, exactly as "Install from ZIP" does.
LOCALES = ("zh_CN", "zh-Hans")
INSTALL_FROM_ZIP = {"zh_CN": False, "zh-Hans": True}


WALKTHROUGH_LOCALE = "zh_CN"
WALK_ROUNDS = 2


def _walkthrough_spec(folder: Path) -> Path:
    """The Desktop walk-through: Dongcheng census and cases made with the CLI, added to the sample project; the
    files a user would pick in the dialogs; every dock button run twice."""
    from .algorithm_runs import SAMPLE, census_codes, make_dongcheng

    folder.mkdir()
    files = make_dongcheng(folder)
    spec = {
        "rounds": WALK_ROUNDS,
        "layers": [[f"{files['census']}|layername=components", "部件普查（合成）"],
                   [f"{files['cases']}|layername=cases", "案卷（合成）"],
                   [str(SAMPLE / "dongcheng_boundary_gcj02.geojson"), "东城区边界（GCJ-02）"]],
        "fill": {
            "import_census": {"INPUT": str(files["census_csv"]), "STORE": str(folder / "census_{round}.gpkg")},
            "validate_census": {"INPUT": str(files["census_csv"])},
            "import_cases": {"INPUT": str(files["cases"]), "STORE": str(folder / "cases_{round}.gpkg")},
            "render_map": {"OUTPUT": str(folder / "grades_{round}.png")},
            "locate_codes": {"CODES": " ".join(census_codes(files["census"], 3))},
            "audit": {"REPORT": str(folder / "audit_{round}.md")},
        },
    }
    path = folder / "walk.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


def screenshot_path(lang: str) -> Path:
    return ARTIFACTS / f"qgis_desktop_{lang}.png"


@pytest.fixture(scope="module")
def desktop_runs(tmp_path_factory):
    """Start one QGIS Desktop per locale, all at once (each under its own Xvfb), and collect their reports."""
    tmp_root = tmp_path_factory.mktemp("qgis_desktop")
    zip_path = _package(tmp_root / "wanmi.zip")  # built once: the same zip for both ways of installing
    walk_spec = _walkthrough_spec(tmp_root / "walk")
    runs = {}
    for i, lang in enumerate(LOCALES):
        tmp = tmp_root / lang
        tmp.mkdir()
        installed = _profile(tmp / "profiles_root", zip_path, lang, unzip=not INSTALL_FROM_ZIP[lang])
        report, screenshot = tmp / "report.json", screenshot_path(lang)
        screenshot.parent.mkdir(exist_ok=True)
        if screenshot.exists():
            screenshot.unlink()
        env = qgis_process_env(tmp / "unused")  # the venv's pip packages (shapely 2, geopandas …) on PYTHONPATH
        env.pop("QGIS_CUSTOM_CONFIG_PATH", None)
        env.pop("QT_QPA_PLATFORM", None)  # a real X display (Xvfb), not offscreen
        env.update(WANMI_REPORT=str(report), WANMI_SCREENSHOT=str(screenshot), LC_ALL="C.UTF-8")
        if INSTALL_FROM_ZIP[lang]:
            env["WANMI_INSTALL_ZIP"] = str(zip_path)
        if lang == WALKTHROUGH_LOCALE:
            env["WANMI_WALKTHROUGH"] = str(walk_spec)
            env["WANMI_TIMEOUT"] = "900"
        runtime = tmp / "runtime"
        runtime.mkdir(mode=0o700)
        env["XDG_RUNTIME_DIR"] = str(runtime)
        # -a -n: the first free display from a base of its own, so the parallel runs never race for one
        cmd = [XVFB_RUN, "-a", "-n", str(150 + 50 * i), "-s", "-screen 0 1600x1000x24",
               QGIS, "--profiles-path", str(tmp / "profiles_root"), "--lang", lang, "--nologo", "--noversioncheck",
               "--code", str(ROOT / "tests" / "qgis" / "desktop_startup.py")]
        log = open(tmp / "qgis.log", "w")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        runs[lang] = (proc, log, installed, report, screenshot)
    out = {}
    for lang, (proc, log, installed, report, screenshot) in runs.items():
        try:
            proc.wait(timeout=1500)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        text = log_path.read_text(errors="replace")[-3000:] if (log_path := Path(log.name)).exists() else ""
        assert report.exists(), f"{lang}: no report (rc {proc.returncode}):\n{text}"
        data = json.loads(report.read_text(encoding="utf-8"))
        shutil.copy(report, ARTIFACTS / f"qgis_desktop_{lang}.json")  # kept for review with the screenshot
        data["_returncode"] = proc.returncode
        data["_walk_spec"] = str(walk_spec)
        assert (installed / "metadata.txt").exists() and (installed / "i18n" / "wanmi_zh_CN.qm").exists()
        print(f"QGIS Desktop {lang}: screenshot {screenshot}, report {report}")
        out[lang] = (lang, installed, screenshot, data)
    return out


@pytest.fixture(params=LOCALES)
def desktop_run(request, desktop_runs):
    return desktop_runs[request.param]


def test_packaged_plugin_loads_in_qgis_desktop_from_the_fresh_profile(desktop_run):
    lang, installed, _shot, data = desktop_run
    assert data["errors"] == [], data["errors"]
    assert data["_returncode"] == 0  # QGIS quit normally (no crash at exit after the plugin was unloaded)
    assert data["plugin_loaded"] is True, data.get("active_plugins")
    assert data["plugin_file"].startswith(str(installed)), data["plugin_file"]  # the zip's copy, not the checkout
    assert data["provider_load_errors"] == {}
    assert "wanmi:partition" in data["provider_algorithms"]
    assert data["locale"] == lang
    # unzipped + enabled: loaded by QGIS at start-up; otherwise installed and started by the plugin installer
    assert data["loaded_at_startup"] is not INSTALL_FROM_ZIP[lang]
    assert data.get("installed_from_zip", False) is INSTALL_FROM_ZIP[lang]
    assert [line for line in data["log"] if line.startswith("[Python error]")] == []
    if lang == "zh-Hans":
        assert "工程(&J)" in data["menu_titles"], data["menu_titles"]  # QGIS' own zh-Hans UI


def test_dock_is_visible_with_chinese_labels(desktop_run):
    _lang, _installed, _shot, data = desktop_run
    assert data["dock_visible"] is True
    assert _cjk(data["dock_title"]), data["dock_title"]
    labels = data["dock_labels"]
    assert len(labels) >= 8, labels
    assert [text for text in labels if not _cjk(text)] == []  # nothing left in English
    assert any("网格" in text for text in labels)
    assert any("示例" in text for text in labels)  # the "Load sample project" button


def test_sample_grid_is_loaded_and_styled(desktop_run):
    _lang, installed, _shot, data = desktop_run
    assert data["cells_count"] > 4000, data
    assert data["cells_renderer"] == "singleSymbol"
    assert data["cells_outline"] == "#d01c8b"  # layers/styles/unit_cells.qml
    assert data["cells_labels"] is True
    # built by wanmi:partition into the cache of the fresh profile
    assert data["cells_source"].startswith(str(installed.parents[2])), data["cells_source"]
    assert all(_cjk(name) for name in data["layers"]), data["layers"]
    # the status-bar read-out names the cell, community and street at the map centre, in Chinese
    assert data["readout_visible"] is True
    assert re.fullmatch(r"网格 110101\d{9} · \w+社区 · \w+街道", data["readout_text"]), data["readout_text"]
    # the "building the grid…" message is gone once the grid is there (it came back for 6 s after "loaded")
    for when in ("message_bar_at_load", "message_bar"):
        assert not [text for text in data[when] if "后台" in text], (when, data[when])
    assert any("示例工程已加载" in text for text in data["message_bar_at_load"]), data["message_bar_at_load"]


def test_typing_a_cell_code_in_the_qgis_locator_bar_selects_and_zooms_to_the_cell(desktop_run):
    _lang, _installed, _shot, data = desktop_run
    assert "wanmi_codes" in data["locator_filters"], data["locator_filters"]
    assert re.fullmatch(r"110101\d{9}", data["locator_code"])
    assert data["locator_selected"] == [data["locator_code"]]
    assert data["locator_zoomed"] is True
    assert data["selected_at_finish"] == [data["locator_code"]]  # still selected in the screenshot


def test_screenshot_is_non_trivial_and_shows_the_magenta_grid(desktop_run):
    from qgis.PyQt.QtGui import QImage

    _lang, _installed, screenshot, data = desktop_run
    assert data["screenshot_saved"] is True and screenshot.exists()
    assert data["renders_before_screenshot"] >= 1
    image = QImage(str(screenshot))
    assert not image.isNull()
    assert image.width() >= 1200 and image.height() >= 800
    assert screenshot.stat().st_size > 50_000
    colours, magenta = set(), 0
    for y in range(0, image.height(), 3):
        for x in range(0, image.width(), 3):
            c = image.pixelColor(x, y)
            colours.add(c.rgb())
            r, g, b = c.red(), c.green(), c.blue()
            if r > 150 and g < 110 and b > 90 and r - g > 90:  # the cell outline #d01c8b, anti-aliased
                magenta += 1
    assert len(colours) > 200
    assert magenta > 500, magenta


def test_unloading_in_qgis_desktop_removes_everything(desktop_run):
    """Unticking the plugin (qgis.utils.unloadPlugin) in the running QGIS: nothing of it stays behind."""
    _lang, _installed, _shot, data = desktop_run
    before, after = data["before_unload"], data["after_unload"]
    assert before["docks"] == ["WanmiDock"] and before["toolbars"] == ["WanmiToolbar"]
    assert before["plugin_menu"] == ["Wanmi 万米网格"] and before["status_widgets"] == ["WanmiCellReadout"]
    assert before["locator_filters"] == ["wanmi_codes"] and before["provider"] and before["translated"]
    assert after == {"docks": [], "toolbars": [], "plugin_menu": [], "status_widgets": [], "locator_filters": [],
                     "provider": False, "translated": False}


def test_artifacts_are_ignored_by_git():
    for lang in LOCALES:
        path = screenshot_path(lang)
        assert subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT).returncode == 0, path


def test_every_dock_button_runs_twice_from_its_dialog_without_crashing_qgis(desktop_runs):
    """zh_CN: each dock button opens its dialog, Run starts the background task, the run succeeds and its
    output layers are added to the project and styled; the whole sequence twice in one QGIS process."""
    _lang, _installed, _shot, data = desktop_runs[WALKTHROUGH_LOCALE]
    assert data["_returncode"] == 0  # QGIS alive to the end and exited normally
    walk = data["walk"]
    buttons = sorted({record["alg"] for record in walk})
    assert len(buttons) == 13, buttons
    assert len(walk) == WALK_ROUNDS * len(buttons)
    failed = {(r["round"], r["alg"]): (r.get("exception") or r.get("problem") or r.get("log", ""))[-600:]
              for r in walk if not r.get("ok")}
    assert failed == {}
    for record in walk:
        layers = [layer for layer in record["added"] if layer["geometry"]]
        if record["alg"] in ("wanmi:import_census", "wanmi:import_cases", "wanmi:render_map"):
            continue  # file outputs, checked below
        assert layers and any(layer["features"] for layer in layers), record  # audit points may be none
        if record["alg"] != "wanmi:convert_coordinates":  # the user's own layer, in WGS 84: kept as it is
            assert all(layer["style"] for layer in layers), record  # a Wanmi QML style, not QGIS' random one
    located = [r for r in walk if r["alg"] == "wanmi:locate_codes"]
    assert [r["results"].get("FOUND") for r in located] == ["3"] * WALK_ROUNDS, located
    folder = Path(data["_walk_spec"]).parent
    for r in range(WALK_ROUNDS):
        assert (folder / f"grades_{r}.png").stat().st_size > 10_000
        assert (folder / f"census_{r}.gpkg").stat().st_size > 0 and (folder / f"cases_{r}.gpkg").stat().st_size > 0
