"""The desktop plugin in real (headless) QGIS: dock, defaults by schema, locator, cursor read-out, unload.

Fixtures are small hand-made layers whose answers are known by construction: a 3 × 2 block of 100 m cells
in EPSG:4548 (Beijing), two communities with names, and census points at known places.
"""

from __future__ import annotations

import gc

import pytest
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeedback,
    QgsGeometry,
    QgsLocator,
    QgsLocatorContext,
    QgsLocatorResult,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer
from qgis.PyQt.QtWidgets import QLabel, QStatusBar

import wanmi
from wanmi.plugin import i18n as plugin_i18n
from wanmi.plugin.dock import WORKFLOW, default_parameters, step_algorithms
from wanmi.plugin.locator import CodeLocatorFilter, CodeStore
from wanmi.plugin.readout import CellReadout
from wanmi.plugin.schema import layer_roles, role_for_parameter

from .conftest import ROOT, RecordingIface

X0, Y0, SIDE = 447_000.0, 4_420_000.0, 100.0  # lower-left corner of the cell block (EPSG:4548 metres)
CRS = "EPSG:4548"


class DesktopIface(RecordingIface):
    """RecordingIface plus locator filters and a real status bar."""

    def __init__(self, base) -> None:
        super().__init__(base)
        self.locator_filters: list = []
        self.status_bar = QStatusBar()

    def registerLocatorFilter(self, locator_filter):  # noqa: N802
        self.locator_filters.append(locator_filter)

    def deregisterLocatorFilter(self, locator_filter):  # noqa: N802
        self.locator_filters.remove(locator_filter)

    def statusBarIface(self):  # noqa: N802
        return self.status_bar


def wait_until(condition, timeout_ms: int = 10_000) -> bool:
    """Spin the event loop until ``condition()`` is true (tasks and queued signals need it)."""
    loop_timer = QTimer()
    loop_timer.setSingleShot(True)
    loop_timer.start(timeout_ms)
    while not condition() and loop_timer.isActive():
        QCoreApplication.processEvents(QEventLoop.AllEvents, 50)
    return condition()


def _cells_layer() -> QgsVectorLayer:
    """Cells: 3 columns × 2 rows; codes numbered west→east, north→south; columns 0-1 community 001 (street
    001), column 2 community 002 (street 002)."""
    layer = QgsVectorLayer(
        f"Polygon?crs={CRS}&field=code:string&field=district_code:string&field=street_code:string"
        "&field=community_code:string&field=seq:string", "my cells", "memory")
    features = []
    seq = {"001": 0, "002": 0}
    for row in (1, 0):  # north row first
        for col in range(3):
            community, street = ("001", "001") if col < 2 else ("002", "002")
            seq[community] += 1
            code = f"110101{street}{community}{seq[community]:03d}"
            feature = QgsFeature(layer.fields())
            x, y = X0 + col * SIDE, Y0 + row * SIDE
            feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(x, y, x + SIDE, y + SIDE)))
            feature.setAttributes([code, "110101", street, community, f"{seq[community]:03d}"])
            features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    return layer


def _communities_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer(
        f"MultiPolygon?crs={CRS}&field=district_code:string&field=street_code:string&field=community_code:string"
        "&field=community_name:string&field=street_name:string", "my communities", "memory")
    features = []
    for community, street, name, street_name, x0, x1 in (
        ("001", "001", "多福巷社区", "东华门街道", X0, X0 + 2 * SIDE),
        ("002", "002", "银闸社区", "景山街道", X0 + 2 * SIDE, X0 + 3 * SIDE),
    ):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(x0, Y0, x1, Y0 + 2 * SIDE)))
        feature.setAttributes(["110101", street, community, name, street_name])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    return layer


CENSUS_POINTS = (  # code (12-digit default scheme), x, y
    ("010101000001", X0 + 50, Y0 + 150),
    ("010101000002", X0 + 250, Y0 + 50),
    ("010102000001", X0 + 120, Y0 + 20),
)


def _census_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer(
        f"Point?crs={CRS}&field=code:string&field=class_code:string&field=status:string&field=name:string",
        "my census", "memory")
    features = []
    for code, x, y in CENSUS_POINTS:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feature.setAttributes([code, code[:4], "完好", "lamp"])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    return layer


@pytest.fixture
def project(qgis_new_project):
    """A project holding the three layers plus a roads layer and a cases table."""
    roads = QgsVectorLayer(f"LineString?crs={CRS}&field=name:string", "my roads", "memory")
    cases = QgsVectorLayer(f"Point?crs={CRS}&field=case_id:string&field=class_code:string", "my cases", "memory")
    layers = {"cells": _cells_layer(), "communities": _communities_layer(), "census": _census_layer(),
              "roads": roads, "cases": cases}
    QgsProject.instance().addMapLayers(list(layers.values()))
    yield layers
    QgsProject.instance().removeAllMapLayers()


@pytest.fixture
def desktop_iface(qgis_iface):
    return DesktopIface(qgis_iface)


@pytest.fixture
def plugin(qgis_processing, desktop_iface):
    plugin = wanmi.classFactory(desktop_iface)
    plugin.initGui()
    yield plugin
    if plugin.provider is not None:
        plugin.unload()


def _feature_by_code(layer, code):
    return next(f for f in layer.getFeatures() if f["code"] == code)


# --- schema ---------------------------------------------------------------------------------------------------
def test_layers_are_recognised_by_schema_not_name(project):
    assert layer_roles(project["cells"]) == {"cells"}
    assert layer_roles(project["communities"]) == {"communities"}
    assert layer_roles(project["census"]) == {"census"}
    assert layer_roles(project["cases"]) == {"cases"}
    assert layer_roles(project["roads"]) == {"roads"}
    assert role_for_parameter("INPUT", "Jurisdiction (communities or one district)") == "communities"
    assert role_for_parameter("INPUT", "辖区（社区或单个区）") == "communities"
    assert role_for_parameter("NEW", "Redrawn grid") == "cells"
    assert role_for_parameter("COMPONENTS", "") == "census"
    assert role_for_parameter("CASES", "Unit cells") == "cases"  # the name decides first
    assert role_for_parameter("VALUE", "A number") is None
    assert role_for_parameter("INPUT", "Evaluation scores (polygons)") == "scores"
    assert role_for_parameter("INPUT", "Cases (overlaid on the grid, or points)") == "cases"
    scores = QgsVectorLayer(f"Polygon?crs={CRS}&field=code:string&field=community_code:string&field=score:double"
                            "&field=grade:string", "scores", "memory")
    assert layer_roles(scores) == {"cells", "scores"}
    # a responsibility-area output (street_code but no community_code) is not a streets layer
    areas = QgsVectorLayer(f"Polygon?crs={CRS}&field=area_code:string&field=street_code:string"
                           "&field=workload:double", "areas", "memory")
    assert layer_roles(areas) == {"areas"}
    assert role_for_parameter("AREAS", "Responsibility areas") == "areas"
    streets = QgsVectorLayer(f"Polygon?crs={CRS}&field=street_code:string", "streets", "memory")
    assert layer_roles(streets) == {"streets"}
    # records with problems (census validation, rejects) carry the census fields but are not a census
    problems = QgsVectorLayer(f"Point?crs={CRS}&field=code:string&field=class_code:string&field=status:string"
                              "&field=problems:string&field=reason:string", "problems", "memory")
    assert layer_roles(problems) == set()


# --- dock -----------------------------------------------------------------------------------------------------
def test_dock_opens_with_workflow_steps_and_buttons_resolve_to_registered_algorithms(plugin, desktop_iface):
    registry = QgsApplication.processingRegistry()
    dock = plugin.dock
    assert desktop_iface.docks == [dock]
    assert dock.windowTitle().startswith("Wanmi")
    assert list(dock.step_boxes)[: len(WORKFLOW)] == list(WORKFLOW)
    assert dock.buttons, "the dock has algorithm buttons"
    for alg_id, button in dock.buttons.items():
        alg = registry.algorithmById(alg_id)
        assert alg is not None, alg_id
        assert alg.provider().id() == "wanmi"
        assert button.text() == alg.displayName()
    # every algorithm of the provider is reachable from exactly one step box
    steps = step_algorithms(plugin.provider)
    listed = [alg.id() for algs in steps.values() for alg in algs]
    assert sorted(listed) == sorted(alg.id() for alg in plugin.provider.algorithms())
    assert sorted(listed) == sorted(dock.buttons)
    assert "wanmi:partition" in [alg.id() for alg in steps["grid"]]
    # steps without algorithms (yet) are shown disabled, steps with algorithms enabled
    for key in WORKFLOW:
        assert dock.step_boxes[key].isEnabled() == bool(steps[key]), key


def test_dock_button_opens_dialog_with_project_layers_as_defaults(plugin, project, monkeypatch):
    import processing

    calls = []
    monkeypatch.setattr(processing, "createAlgorithmDialog", lambda alg_id, params: calls.append((alg_id, params)))
    plugin.dock.buttons["wanmi:partition"].click()
    assert calls == [("wanmi:partition", {"INPUT": project["communities"].id(), "ROADS": project["roads"].id()})]
    plugin.dock.update_layers()
    assert plugin.dock.layers_label.text() == (
        "Project layers — unit cells: my cells; census: my census; cases: my cases; communities: my communities")
    calls.clear()
    plugin.dock.buttons["wanmi:renumber"].click()
    assert calls == [("wanmi:renumber", {"NEW": project["cells"].id(), "OLD": project["cells"].id()})]


def test_default_parameters_respect_geometry_types(project):
    from wanmi.processing_scripts.provider import algorithm_classes

    PartitionJurisdiction = algorithm_classes()["partition"]  # noqa: N806 (a class)

    partition = PartitionJurisdiction()
    partition.initAlgorithm()
    params = default_parameters(partition)
    assert params["INPUT"] == project["communities"].id()
    assert "ROADS" in params and params["ROADS"] == project["roads"].id()  # line layer for the line parameter


def test_defaults_for_every_provider_algorithm_are_acceptable_layers(plugin, project):
    """Whatever algorithms the provider has now: each default is a fitting layer the parameter accepts."""
    from qgis.core import QgsProcessingContext

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    role_of = {layer.id(): role for role, layer in project.items()}
    seen = {}
    for alg in plugin.provider.algorithms():
        for name, layer_id in default_parameters(alg).items():
            parameter = alg.parameterDefinition(name)
            assert parameter.checkValueIsAcceptable(layer_id, context), (alg.id(), name)
            assert role_of[layer_id] == role_for_parameter(parameter.name(), parameter.description())
            seen[(alg.name(), name)] = role_of[layer_id]
    expected = {  # for the algorithms that exist in this checkout
        ("partition", "INPUT"): "communities", ("renumber", "NEW"): "cells",
        ("assign_components", "INPUT"): "census", ("assign_components", "CELLS"): "cells",
        ("evaluate", "INPUT"): "cases", ("audit", "INPUT"): "cells", ("audit", "JURISDICTION"): "communities",
    }
    present = {alg.name() for alg in plugin.provider.algorithms()}
    for (alg_name, param), role in expected.items():
        if alg_name in present:
            assert seen.get((alg_name, param)) == role, (alg_name, param, seen)


# --- locator --------------------------------------------------------------------------------------------------
def _fetch(locator_filter, text):
    found = []
    # copy in the slot: the signal's argument only lives while the signal is delivered
    locator_filter.resultFetched.connect(lambda r: found.append(QgsLocatorResult(r)))
    locator_filter.fetchResults(text, QgsLocatorContext(), QgsFeedback())
    return found


def test_locator_filter_returns_the_feature_for_a_code_and_zooms_to_it(project, desktop_iface, qgis_iface):
    store = CodeStore()
    store.builder.rebuild(sync=True)
    locator_filter = CodeLocatorFilter(store, desktop_iface)
    cells, census = project["cells"], project["census"]

    results = _fetch(locator_filter, "110101002002")
    assert [r.displayString for r in results] == ["110101002002001", "110101002002002"]
    results = _fetch(locator_filter, "  010101000002 ")
    assert [r.displayString for r in results] == ["010101000002"]
    assert _fetch(locator_filter, "011") == []  # fewer than 4 digits: nothing
    assert _fetch(locator_filter, "abcd") == []
    assert _fetch(locator_filter, "9999") == []
    both = _fetch(locator_filter, "0101")
    assert [r.displayString for r in both] == ["010101000001", "010101000002", "010102000001"]

    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem(CRS))
    canvas.setExtent(QgsRectangle(0, 0, 10, 10))
    target = _feature_by_code(cells, "110101001001004")
    (result,) = _fetch(locator_filter, "110101001001004")
    locator_filter.triggerResult(result)
    assert cells.selectedFeatureIds() == [target.id()]
    assert canvas.extent().contains(target.geometry().boundingBox())
    assert canvas.extent().width() < 10 * SIDE

    point = _feature_by_code(census, "010102000001")
    (result,) = _fetch(locator_filter, "010102000001")
    locator_filter.triggerResult(result)
    assert census.selectedFeatureIds() == [point.id()]
    assert canvas.extent().contains(point.geometry().asPoint())
    store.close()


def test_locator_runs_the_filter_in_a_worker_thread_and_follows_edits(project, desktop_iface):
    """Through a real QgsLocator (which clones the filter into a thread) and the background snapshot task."""
    store = CodeStore()
    store.builder.rebuild()
    assert wait_until(lambda: store.builder.snapshot is not None)
    locator = QgsLocator()
    locator.registerFilter(CodeLocatorFilter(store, desktop_iface))  # the locator owns (and deletes) it
    found, done = [], []
    locator.foundResult.connect(lambda r: found.append(r.displayString))
    locator.finished.connect(lambda: done.append(True))

    def search(text):
        found.clear()
        done.clear()
        locator.fetchResults(text, QgsLocatorContext())
        assert wait_until(lambda: bool(done))
        return sorted(found)

    assert search("1101010010010") == ["110101001001001", "110101001001002", "110101001001003",
                                       "110101001001004"]
    # editing a census layer rebuilds the snapshot (watcher → task); the new code is then found
    census = project["census"]
    feature = QgsFeature(census.fields())
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(X0 + 10, Y0 + 10)))
    feature.setAttributes(["020101000009", "0201", "破损", "new"])
    old = store.builder.snapshot
    census.startEditing()
    census.addFeature(feature)
    assert census.commitChanges()
    assert wait_until(lambda: store.builder.snapshot is not old)
    assert search("0201") == ["020101000009"]
    locator.cancelWithoutBlocking()
    store.close()


# --- read-out -------------------------------------------------------------------------------------------------
def test_readout_shows_cell_community_and_street_under_the_cursor(project, desktop_iface, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))  # canvas ≠ layer CRS
    readout = CellReadout(desktop_iface)
    readout.builder.rebuild(sync=True)
    to_canvas = QgsCoordinateTransform(QgsCoordinateReferenceSystem(CRS), canvas.mapSettings().destinationCrs(),
                                       QgsProject.instance())

    def text_at(x, y):
        canvas.xyCoordinates.emit(to_canvas.transform(QgsPointXY(x, y)))
        return readout.label.text()

    assert readout.label in desktop_iface.status_bar.findChildren(QLabel)
    # north-west cell of community 001 (street 001)
    assert text_at(X0 + 30, Y0 + 170) == "Cell 110101001001001 · 多福巷社区 · 东华门街道"
    # same cell again (cached path), then south-east cell: community 002, street 002, second in sequence
    assert text_at(X0 + 60, Y0 + 120) == "Cell 110101001001001 · 多福巷社区 · 东华门街道"
    assert text_at(X0 + 250, Y0 + 40) == "Cell 110101002002002 · 银闸社区 · 景山街道"
    assert text_at(X0 + 150, Y0 + 50) == "Cell 110101001001004 · 多福巷社区 · 东华门街道"
    assert text_at(X0 - 500, Y0 - 500) == "Outside the unit grid"
    # border points follow the census tie rule (a tiny step north-east): a vertical edge goes east, a
    # horizontal edge north, an inner vertex to the north-east cell; the outer edge keeps its only cell
    def code_at(x, y):
        hit = readout.index.cell_at(QgsPointXY(x, y))
        return hit[1].code if hit else None

    assert code_at(X0 + SIDE, Y0 + 150) == "110101001001002"  # edge between north-row cells 001 | 002
    assert code_at(X0 + 50, Y0 + SIDE) == "110101001001001"  # edge between 001 (north) and 003 (south)
    assert code_at(X0 + SIDE, Y0 + SIDE) == "110101001001002"  # vertex of 001, 002, 003, 004 → north-east
    assert code_at(X0 + 2 * SIDE, Y0 + 50) == "110101002002002"  # community border: east cell (002's)
    assert code_at(X0 + 3 * SIDE, Y0 + 50) == "110101002002002"  # outer boundary: the only cell
    assert code_at(X0 + 3 * SIDE + 1, Y0 + 50) is None
    # the same answers as the engine gives census points at those places
    import geopandas as gpd
    import shapely

    from wanmi.core.geocode import assign_points

    cells = project["cells"]
    codes = [f["code"] for f in cells.getFeatures()]
    geoms = shapely.from_wkb([bytes(f.geometry().asWkb()) for f in cells.getFeatures()])
    xs = [X0 + SIDE, X0 + 50, X0 + SIDE, X0 + 2 * SIDE, X0 + 3 * SIDE]
    ys = [Y0 + 150, Y0 + SIDE, Y0 + SIDE, Y0 + 50, Y0 + 50]
    engine = [codes[i] for i in assign_points(xs, ys, gpd.GeoSeries(geoms, crs=CRS))]
    assert [code_at(x, y) for x, y in zip(xs, ys)] == engine
    readout.unload()
    gc.collect()
    assert readout.label not in desktop_iface.status_bar.findChildren(QLabel)


def test_readout_follows_the_project_in_the_background(project, desktop_iface, qgis_iface):
    """No synchronous rebuild: the watcher and the background task pick up a new and a removed cell layer."""
    from wanmi.plugin.snapshots import ProjectWatcher

    watcher = ProjectWatcher(delay_ms=50)
    readout = CellReadout(desktop_iface, watcher=watcher)
    assert wait_until(lambda: readout.index is not None)
    cells_id = project["cells"].id()
    assert readout.index.layer_id == cells_id and not readout.label.isHidden()  # shown (status bar itself is not)
    assert set(watcher.watched) == {layer.id() for layer in project.values()}
    QgsProject.instance().removeMapLayer(cells_id)
    assert wait_until(lambda: readout.index is None)
    assert readout.label.isHidden()
    assert cells_id not in watcher.watched
    readout.unload()
    watcher.close()
    assert watcher.watched == []


# --- unload ---------------------------------------------------------------------------------------------------
def test_unload_leaves_no_actions_docks_locator_filters_status_widgets_or_translators(
        qgis_processing, desktop_iface, tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("wanmi_package_script", ROOT / "scripts" / "package.py")
    package = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(package)
    package.compile_translations(tmp_path)
    monkeypatch.setattr(plugin_i18n, "I18N_DIR", tmp_path)
    monkeypatch.setattr(plugin_i18n, "user_locale", lambda: "zh_CN")
    english = "Partition jurisdiction into unit grid"

    plugin = wanmi.classFactory(desktop_iface)
    assert plugin.translator is not None
    chinese = QCoreApplication.translate("Wanmi", english)
    assert chinese != english and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    plugin.initGui()
    assert desktop_iface.menu_actions and desktop_iface.docks and desktop_iface.locator_filters
    assert desktop_iface.status_bar.findChildren(QLabel, "WanmiCellReadout")
    assert desktop_iface.mainWindow().findChildren(QgsDockWidget, "WanmiDock")

    plugin.unload()
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)  # run the deleteLater() calls
    assert desktop_iface.menu_actions == []
    assert desktop_iface.docks == []
    assert desktop_iface.locator_filters == []
    assert desktop_iface.status_bar.findChildren(QLabel, "WanmiCellReadout") == []
    assert desktop_iface.mainWindow().findChildren(QgsDockWidget, "WanmiDock") == []
    assert [w for w in desktop_iface.mainWindow().findChildren(QLabel) if w.objectName().startswith("Wanmi")] == []
    assert plugin.actions == [] and plugin.translator is None and plugin.dock is None
    assert QgsApplication.processingRegistry().providerById("wanmi") is None
    assert QCoreApplication.translate("Wanmi", english) == english


# --- sample project -------------------------------------------------------------------------------------------
def test_load_sample_builds_the_grid_in_a_task_and_styles_it(qgis_processing, qgis_new_project, desktop_iface,
                                                             tmp_path):
    """The grid comes from wanmi:partition run as a background task; it must equal the engine's own result."""
    import geopandas as gpd

    from wanmi.core.grid import partition
    from wanmi.plugin.sample import SAMPLE_GPKG, SampleProject
    from wanmi.processing_scripts.provider import WanmiProvider

    registry = QgsApplication.processingRegistry()
    provider = None
    if registry.providerById("wanmi") is None:
        provider = WanmiProvider()
        registry.addProvider(provider)
    try:
        sample = SampleProject(desktop_iface, cache=tmp_path / "cache")
        loaded = []
        sample.loaded.connect(loaded.append)
        sample.load()
        assert sample.cells is None  # not built yet: the GUI did not wait
        names = {layer.name() for layer in QgsProject.instance().mapLayers().values()}
        assert {"Communities", "Streets", "District boundary"} <= names
        assert wait_until(lambda: bool(loaded), 60_000)
        cells = loaded[0]
        assert cells is not None and cells is sample.cells
        expected = partition(gpd.read_file(SAMPLE_GPKG, layer="communities", engine="pyogrio")).cells
        codes = sorted(f["code"] for f in cells.getFeatures())
        assert codes == sorted(expected["code"])
        assert cells.renderer().symbol().symbolLayer(0).strokeColor().name() == "#d01c8b"  # unit_cells.qml
        assert sample.cells_path.exists() and not sample.cells_path.with_name("dongcheng_cells.part.gpkg").exists()
        tree = QgsProject.instance().layerTreeRoot()
        assert tree.layerOrder()[0].id() == cells.id()  # the grid on top

        # a second load replaces the sample (no duplicate layers) and opens the cached grid at once
        count_before = len(QgsProject.instance().mapLayers())
        loaded.clear()
        del cells
        sample.load()
        assert loaded and loaded[0].featureCount() == len(codes)
        assert len(QgsProject.instance().mapLayers()) == count_before
        assert len(tree.findGroups()) == 1
        loaded.clear()
        QgsProject.instance().removeAllMapLayers()
    finally:
        if provider is not None:
            registry.removeProvider(provider)


# --- icons and locale names -----------------------------------------------------------------------------------
def test_icons_load_by_path_and_resources_qrc_lists_them_all(qgis_app, tmp_path):
    import shutil
    import subprocess
    import xml.etree.ElementTree as ET

    from wanmi.plugin.icons import ICONS_DIR, icon, icon_path

    listed = [el.text for el in ET.parse(ROOT / "resources.qrc").getroot().iter("file")]
    assert sorted(listed) == sorted(f"icons/{p.name}" for p in ICONS_DIR.glob("*.svg"))
    for key in WORKFLOW:
        assert icon_path(f"step_{key}").name == f"step_{key}.svg"
        assert not icon(f"step_{key}").pixmap(24, 24).isNull()
    assert icon_path("no_such_icon").name == "wanmi.svg"
    pyrcc5 = shutil.which("pyrcc5")
    if pyrcc5:  # the .qrc really compiles for Qt5 builds (pyqt5-dev-tools, from scripts/install_system.sh)
        out = tmp_path / "resources_rc.py"
        subprocess.run([pyrcc5, "-o", str(out), str(ROOT / "resources.qrc")], check=True, cwd=ROOT)
        assert out.stat().st_size > 1000


def test_qgis_language_codes_map_to_our_translation_files(tmp_path):
    names = {code: [p.name for p in plugin_i18n.candidate_files(code, tmp_path)]
             for code in ("zh_CN", "zh-Hans", "zh-Hant", "zh_TW", "zh_CN.UTF-8")}
    assert names["zh_CN"] == names["zh-Hans"] == names["zh_CN.UTF-8"] == ["wanmi_zh_CN.qm", "wanmi_zh.qm"]
    assert names["zh-Hant"] == names["zh_TW"] == ["wanmi_zh_TW.qm", "wanmi_zh.qm"]


def test_locator_prefix_is_three_letters_and_asks_only_wanmi(project, desktop_iface):
    """QGIS 3.22 ignores locator prefixes shorter than 3 characters: "wmg 1101…" must reach the filter."""
    from wanmi.plugin.locator import PREFIX

    assert len(PREFIX) >= 3
    store = CodeStore()
    store.builder.rebuild()
    assert wait_until(lambda: store.builder.snapshot is not None)
    locator = QgsLocator()
    locator.registerFilter(CodeLocatorFilter(store, desktop_iface))
    found, done = [], []
    locator.foundResult.connect(lambda r: found.append(r.displayString))
    locator.finished.connect(lambda: done.append(True))
    for text in (f"{PREFIX} 1101010010010", "1101010010010"):  # with the prefix, and a bare code
        found.clear()
        done.clear()
        locator.fetchResults(text, QgsLocatorContext())
        assert wait_until(lambda: bool(done))
        assert sorted(found) == [f"11010100100100{i}" for i in range(1, 5)], text


def test_coordinate_conversion_refuses_a_projected_layer_and_writes_nothing(plugin, project, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    out = tmp_path / "converted.gpkg"
    with pytest.raises(QgsProcessingException, match="EPSG:4548"):
        processing.run("wanmi:convert_coordinates", {"INPUT": project["census"], "SOURCE": 0, "OUTPUT": str(out)})
    assert not out.exists()
    lonlat = QgsVectorLayer("Point?crs=EPSG:4326&field=name:string", "phone points", "memory")
    feature = QgsFeature(lonlat.fields())
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(116.40, 39.91)))
    feature.setAttributes(["a"])
    lonlat.dataProvider().addFeatures([feature])
    result = processing.run("wanmi:convert_coordinates", {"INPUT": lonlat, "SOURCE": 0, "OUTPUT": "memory:"})
    point = next(result["OUTPUT"].getFeatures()).geometry().asPoint()
    assert 0.001 < abs(point.x() - 116.40) < 0.01 and 0.0005 < abs(point.y() - 39.91) < 0.01  # GCJ offset removed


def test_the_conversion_dialog_never_offers_a_projected_layer(plugin, project, monkeypatch):
    import processing
    from processing.gui import ParametersPanel

    monkeypatch.setattr(ParametersPanel, "iface", None)  # pytest-qgis' iface stub has no browser model
    from qgis.gui import QgsMapLayerComboBox

    from wanmi.plugin.dock import offer_only_geographic_layers

    alg = QgsApplication.processingRegistry().algorithmById("wanmi:convert_coordinates")
    assert "INPUT" not in default_parameters(alg)  # the dock names no layer: QGIS would pick the first one
    lonlat = QgsVectorLayer("Point?crs=EPSG:4326&field=name:string", "phone points", "memory")
    QgsProject.instance().addMapLayer(lonlat)
    dialog = processing.createAlgorithmDialog("wanmi:convert_coordinates", default_parameters(alg))
    offer_only_geographic_layers(dialog, alg)
    from qgis.PyQt import sip
    from qgis.PyQt.QtWidgets import QWidget

    combos = [sip.cast(w, QgsMapLayerComboBox) for w in
              dialog.mainWidget().wrappers["INPUT"].wrappedWidget().findChildren(QWidget)
              if w.metaObject().className() == "QgsMapLayerComboBox"]
    assert combos
    offered = {combos[0].layer(i).id() for i in range(combos[0].count()) if combos[0].layer(i) is not None}
    assert lonlat.id() in offered
    assert not offered & {layer.id() for layer in project.values()}
    assert combos[0].currentLayer() == lonlat
    dialog.close()


def test_responsibility_runs_with_its_own_defaults_on_the_sample_grid(plugin, demo_outputs):
    """17 streets, N left at its default (0 = the practice reference): it must not fail as N = 10 did."""
    import processing

    cells = QgsVectorLayer(f"{demo_outputs / 'dongcheng_cells.gpkg'}|layername=unit_cells", "cells", "ogr")
    assert cells.isValid()
    alg = QgsApplication.processingRegistry().algorithmById("wanmi:responsibility")
    assert alg.parameterDefinition("N").defaultValue() == 0
    result = processing.run("wanmi:responsibility", {"INPUT": cells, "OUTPUT": "memory:"})
    areas = result["OUTPUT"]
    streets = {f["street_code"] for f in cells.getFeatures()}
    assert len(streets) == 17
    assert areas.featureCount() >= len(streets)  # at least one area per street
    assert abs(areas.featureCount() - cells.featureCount() / 12) < cells.featureCount() / 24  # ~12 cells each


def test_retired_cells_are_neither_shown_by_the_readout_nor_found_by_the_locator(qgis_new_project, desktop_iface):
    """A renumbered grid keeps its retired cells (valid_to set) under the current ones: the read-out and the
    locator show only the cell valid now; the retired code stays in the file (the registry), not on screen."""
    from wanmi.plugin.snapshots import code_table_job

    layer = QgsVectorLayer(f"Polygon?crs={CRS}&field=code:string&field=district_code:string"
                           "&field=street_code:string&field=community_code:string&field=valid_to:date",
                           "history cells", "memory")
    rows = [("110101001001007", QgsRectangle(X0, Y0, X0 + SIDE, Y0 + SIDE), "2025-01-01"),  # retired, first row
            ("110101001001009", QgsRectangle(X0, Y0, X0 + SIDE, Y0 + SIDE), None)]  # its successor
    features = []
    for code, rect, valid_to in rows:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromRect(rect))
        feature.setAttributes([code, "110101", "001", "001", valid_to])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    QgsProject.instance().addMapLayer(layer)
    readout = CellReadout(desktop_iface)
    readout.builder.rebuild(sync=True)
    hit = readout.index.cell_at(QgsPointXY(X0 + 50, Y0 + 50))
    assert hit is not None and hit[1].code == "110101001001009"
    assert code_table_job()(None).codes == ("110101001001009",)
    readout.unload()
    QgsProject.instance().removeAllMapLayers()


def test_on_a_library_clash_the_desktop_shows_why_and_loads_nothing(qgis_processing, desktop_iface, monkeypatch):
    """The ABI check failed: no algorithm, no sample button, no read-out or locator (they would load the
    engine); the dock and the message bar say why, and unloading leaves nothing behind."""
    from wanmi.plugin import abi

    clash = abi.Report([abi.Problem("shapely", "GEOS", "3.14.1", "3.11.1", "version")])
    monkeypatch.setattr(abi, "check_qgis", lambda: clash)
    plugin = wanmi.classFactory(desktop_iface)
    plugin.initGui()
    try:
        assert plugin.blocked and "GEOS 3.14.1" in plugin.blocked
        assert plugin.provider.algorithms() == [] and "abi" in plugin.provider.load_errors
        assert plugin.dock is not None and plugin.blocked in plugin.dock.labels()
        assert not plugin.dock.sample_button.isEnabled()
        assert plugin.readout is None and plugin.locator_filter is None and plugin.sample is None
    finally:
        plugin.unload()
    assert QgsApplication.processingRegistry().providerById("wanmi") is None
    assert desktop_iface.docks == [] and desktop_iface.menu_actions == []


def test_a_lon_lat_only_parameter_gets_the_top_lon_lat_layer(project):
    """Convert coordinates: its layer has no role of its own; the dialog is pre-filled with the top layer in
    longitude/latitude, never with one in metres (the cells are in EPSG:4548)."""
    from qgis.core import QgsProject, QgsVectorLayer

    from wanmi.processing_scripts.provider import algorithm_classes

    convert = algorithm_classes()["convert_coordinates"]()
    convert.initAlgorithm()
    assert "INPUT" not in default_parameters(convert) or \
        QgsProject.instance().mapLayer(default_parameters(convert)["INPUT"]).crs().isGeographic()
    lonlat = QgsVectorLayer("Point?crs=EPSG:4326&field=name:string", "phone points", "memory")
    QgsProject.instance().addMapLayer(lonlat)
    try:
        chosen = QgsProject.instance().mapLayer(default_parameters(convert)["INPUT"])
        assert chosen.crs().isGeographic()
    finally:
        QgsProject.instance().removeMapLayer(lonlat.id())
