""""Load sample project": the bundled Dongcheng (Beijing 东城区) data, styled, with its unit grid.

The district, streets and communities come straight from ``layers/sample/dongcheng.gpkg``. The unit grid is
made by the ``wanmi:partition`` algorithm itself, run as a ``QgsProcessingAlgRunnerTask`` (progress in the
task bar, GUI never blocked) into a cache GeoPackage in the user profile, written to a temporary name and
renamed when complete; later loads open the cached file at once. Cells use ``layers/styles/unit_cells.qml``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFillSymbol,
    QgsPalLayerSettings,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal
from qgis.PyQt.QtGui import QColor, QFont

from .i18n import tr

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_GPKG = ROOT / "layers" / "sample" / "dongcheng.gpkg"
CELL_STYLE = ROOT / "layers" / "styles" / "unit_cells.qml"
SAMPLE_CRS = "EPSG:4548"


def cache_dir() -> Path:
    """Where the generated sample grid is kept: ``<profile>/wanmi/sample``."""
    return Path(QgsApplication.qgisSettingsDirPath()) / "wanmi" / "sample"


def _outline(layer: QgsVectorLayer, color: str, width: float, fill: str = "0,0,0,0") -> None:
    symbol = QgsFillSymbol.createSimple({"color": fill, "outline_color": color, "outline_width": str(width),
                                         "outline_width_unit": "MM"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def _labels(layer: QgsVectorLayer, field: str, size: float, color: str, max_scale_denominator: float) -> None:
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    settings.scaleVisibility = max_scale_denominator > 0
    settings.minimumScale = max_scale_denominator
    settings.maximumScale = 0
    fmt = QgsTextFormat()
    fmt.setFont(QFont("Noto Sans CJK SC"))
    fmt.setSize(size)
    fmt.setColor(QColor(color))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(1.0)
    buffer.setColor(QColor("white"))
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def jurisdiction_layers() -> list[QgsVectorLayer]:
    """District, streets and communities of the sample, styled (top layer first)."""
    layers = []
    names = (("communities", tr("Communities")), ("streets", tr("Streets")), ("district", tr("District boundary")))
    for table, name in names:
        layer = QgsVectorLayer(f"{SAMPLE_GPKG}|layername={table}", name, "ogr")
        if not layer.isValid():
            continue
        if table == "communities":
            _outline(layer, "#8c8c8c", 0.25, fill="254,250,235,255")
            _labels(layer, "community_name", 8, "#4d4d4d", 20000)
        elif table == "streets":
            _outline(layer, "#525252", 0.6)
            _labels(layer, "street_name", 10, "#252525", 0)
        else:
            _outline(layer, "#000000", 1.0)
        layers.append(layer)
    return layers


def cells_layer(path: Path) -> QgsVectorLayer:
    layer = QgsVectorLayer(str(path), tr("Unit cells"), "ogr")
    if layer.isValid() and CELL_STYLE.exists():
        layer.loadNamedStyle(str(CELL_STYLE))
    return layer


class SampleProject(QObject):
    """Loads the sample into the current project; :attr:`loaded` fires with the cell layer (or None)."""

    loaded = pyqtSignal(object)

    def __init__(self, iface, project: QgsProject | None = None, cache: Path | None = None, parent=None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.project = project or QgsProject.instance()
        self.cache = cache or cache_dir()
        self.cells: QgsVectorLayer | None = None
        self._running: tuple | None = None  # (task, context, feedback): kept alive while the task runs
        self._building = None  # the "building…" message-bar item while the grid is being built
        self.group = None

    @property
    def cells_path(self) -> Path:
        return self.cache / "dongcheng_cells.gpkg"

    def load(self) -> None:
        """Add the jurisdiction layers now and the unit grid as soon as it exists (GUI never waits)."""
        if self._running is not None:
            return
        root = self.project.layerTreeRoot()
        title = tr("Wanmi sample: Dongcheng, Beijing")
        for old in [g for g in root.findGroups() if g.name() == title]:  # loading again replaces the sample
            self.project.removeMapLayers(old.findLayerIds())
            root.removeChildNode(old)
        self.cells = None
        if not self.project.mapLayers():
            self.project.setCrs(QgsCoordinateReferenceSystem(SAMPLE_CRS))
        self.group = root.insertGroup(0, title)
        extent_layer = None
        for layer in jurisdiction_layers():
            self.project.addMapLayer(layer, False)
            self.group.addLayer(layer)
            extent_layer = layer
        if extent_layer is not None and self.iface is not None:
            self._zoom_to(extent_layer)
        if self.cells_path.exists():
            self._add_cells(self.cells_path)
        else:
            self._partition()

    def _zoom_to(self, layer: QgsVectorLayer) -> None:
        from qgis.core import QgsCoordinateTransform

        canvas = self.iface.mapCanvas()
        transform = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), self.project)
        box = transform.transformBoundingBox(layer.extent())
        box.scale(1.05)
        canvas.setExtent(box)
        canvas.refresh()

    def _message(self, text: str, level=Qgis.Info, duration: int = 6):
        """Push a message-bar item (``duration`` 0: until popped); returns it, or None without a GUI."""
        if self.iface is None:
            return None
        bar = self.iface.messageBar()
        item = bar.createMessage("Wanmi", text)
        item.setLevel(level)
        item.setDuration(duration)
        bar.pushItem(item)
        return item

    def _pop_building(self) -> None:
        """Remove the "building…" item, so it does not come back when the next message expires."""
        item, self._building = self._building, None
        if item is not None and self.iface is not None:
            with contextlib.suppress(RuntimeError):  # already closed by the user
                self.iface.messageBar().popWidget(item)

    def _partition(self) -> None:
        alg = QgsApplication.processingRegistry().algorithmById("wanmi:partition")
        if alg is None:
            self._message(tr("The Wanmi Processing provider is not loaded: cannot build the sample grid."),
                          Qgis.Warning)
            self.loaded.emit(None)
            return
        self.cache.mkdir(parents=True, exist_ok=True)
        partial = self.cells_path.with_name("dongcheng_cells.part.gpkg")
        if partial.exists():
            partial.unlink()
        params = {"INPUT": f"{SAMPLE_GPKG}|layername=communities", "OUTPUT": str(partial)}
        context = QgsProcessingContext()
        feedback = QgsProcessingFeedback()
        task = QgsProcessingAlgRunnerTask(alg, params, context, feedback)
        task.setDescription(tr("Wanmi: partitioning the sample district into unit cells"))
        task.executed.connect(lambda ok, _results: self._on_partitioned(ok, partial))
        self._running = (task, context, feedback)
        QgsApplication.taskManager().addTask(task)
        self._building = self._message(tr("Building the sample unit grid in the background…"), duration=0)

    def _on_partitioned(self, ok: bool, partial: Path) -> None:
        self._running = None
        self._pop_building()
        if not ok or not partial.exists():
            self._message(tr("Building the sample unit grid failed; see the Processing log."), Qgis.Critical)
            self.loaded.emit(None)
            return
        os.replace(partial, self.cells_path)
        self._add_cells(self.cells_path)
        if self.cells is not None:  # replaces the "building…" message
            self._message(tr("Sample project loaded: {count} unit cells.").format(count=self.cells.featureCount()),
                          Qgis.Success)

    def _add_cells(self, path: Path) -> None:
        layer = cells_layer(path)
        if not layer.isValid():
            self.loaded.emit(None)
            return
        self.project.addMapLayer(layer, False)
        if self.group is not None:
            self.group.insertLayer(0, layer)
        else:
            self.project.layerTreeRoot().insertLayer(0, layer)
        self.cells = layer
        self.loaded.emit(layer)

    def cancel(self) -> None:
        self._pop_building()
        if self._running is not None:
            with contextlib.suppress(RuntimeError):
                self._running[0].cancel()
            self._running = None
