"""Locator filter for Wanmi codes: type a cell or component code, see the thing (编码定位).

Typing at least :data:`MIN_DIGITS` digits lists the unit cells (layers with ``code`` + ``community_code``) and
census components (layers with ``code``, ``class_code``, ``status``) whose code starts with them; triggering
a result selects the feature and zooms to it.

Threading: QGIS clones the filter and runs :meth:`CodeLocatorFilter.fetchResults` on a worker thread. The
clone only reads :attr:`CodeStore.table`, an immutable :class:`~wanmi.plugin.snapshots.CodeTable` built from
feature sources in a ``QgsTask`` and swapped in on the GUI thread. :meth:`triggerResult` runs on the GUI
thread, on the registered (original) filter.
"""

from __future__ import annotations

from qgis.core import (
    QgsCoordinateTransform,
    QgsLocatorFilter,
    QgsLocatorResult,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject

from .i18n import tr
from .icons import icon
from .snapshots import CodeEntry, CodeTable, ProjectWatcher, SnapshotBuilder, code_table_job

MIN_DIGITS = 4
MAX_RESULTS = 50
POINT_ZOOM_HALF_SIZE = 60.0  # metres around a point component when zooming to it (in a metric layer CRS)


class CodeStore(QObject):
    """Holds the current :class:`CodeTable` (rebuilt when the project's layers change)."""

    def __init__(self, project: QgsProject | None = None, watcher: ProjectWatcher | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.project = project or QgsProject.instance()
        self.builder = SnapshotBuilder(tr("Wanmi: indexing codes"), lambda: code_table_job(self.project), self)
        self._own_watcher = watcher is None
        self.watcher = watcher or ProjectWatcher(self.project, parent=self)
        self.watcher.changed.connect(self.builder.rebuild)

    @property
    def table(self) -> CodeTable:
        return self.builder.snapshot or CodeTable()

    def close(self) -> None:
        self.builder.cancel()
        if self._own_watcher:
            self.watcher.close()


def result_key(entry: CodeEntry) -> str:
    """What a result carries in ``userData``: plain text survives the hop from the worker thread."""
    return f"{entry.layer_id}\n{entry.fid}"


#: "wmg 110101…" asks this filter only; QGIS 3.22 ignores prefixes shorter than 3 characters. Bare codes
#: are answered too (the filter is enabled by default).
PREFIX = "wmg"


class CodeLocatorFilter(QgsLocatorFilter):
    """Answers 15-digit cell codes and 12/16/17-digit component codes (prefix match)."""

    def __init__(self, store: CodeStore, iface=None) -> None:
        super().__init__()
        self.store = store
        self.iface = iface
        self._icons = {"cells": icon("step_grid"), "census": icon("step_census")}

    def clone(self) -> CodeLocatorFilter:
        return CodeLocatorFilter(self.store, self.iface)

    def name(self) -> str:
        return "wanmi_codes"

    def displayName(self) -> str:  # noqa: N802 (QGIS API)
        return tr("Wanmi cell and component codes")

    def description(self) -> str:
        return tr("Find a unit cell or city component by its code")

    def prefix(self) -> str:
        return PREFIX

    def priority(self):
        return QgsLocatorFilter.High

    def fetchResults(self, string, context, feedback):  # noqa: N802 (QGIS API; runs on a worker thread)
        text = (string or "").strip()
        if len(text) < MIN_DIGITS or not text.isdigit():
            return
        table = self.store.table  # one read of an immutable snapshot
        for entry in table.prefix(text, MAX_RESULTS):
            if feedback is not None and feedback.isCanceled():
                return
            result = QgsLocatorResult()
            result.filter = self
            result.displayString = entry.code
            result.description = (tr("Unit cell") if entry.kind == "cells" else tr("City component"))
            result.group = tr("Unit cells") if entry.kind == "cells" else tr("City components")
            result.userData = result_key(entry)
            result.icon = self._icons[entry.kind]
            result.score = len(text) / len(entry.code)
            self.resultFetched.emit(result)

    def triggerResult(self, result):  # noqa: N802 (QGIS API; GUI thread)
        data = result.getUserData() if hasattr(result, "getUserData") else result.userData
        layer_id, _, fid = str(data).partition("\n")
        layer = self.store.project.mapLayer(layer_id)
        if not isinstance(layer, QgsVectorLayer) or not fid.isdigit():
            return
        show_feature(self.iface, layer, int(fid))


def show_feature(iface, layer: QgsVectorLayer, fid: int) -> None:
    """Select feature ``fid`` of ``layer`` and zoom the canvas to it (GUI thread)."""
    layer.selectByIds([fid])
    if iface is None:
        return
    feature = layer.getFeature(fid)
    if not feature.hasGeometry():
        return
    canvas = iface.mapCanvas()
    box = feature.geometry().boundingBox()
    if box.width() == 0 and box.height() == 0:
        center = QgsPointXY(box.xMinimum(), box.yMinimum())
        half = POINT_ZOOM_HALF_SIZE if not layer.crs().isGeographic() else POINT_ZOOM_HALF_SIZE / 111_000
        box = QgsRectangle(center.x() - half, center.y() - half, center.x() + half, center.y() + half)
    else:
        box.scale(1.5)
    transform = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), QgsProject.instance())
    canvas.setExtent(transform.transformBoundingBox(box))
    canvas.refresh()
    canvas.flashFeatureIds(layer, [fid])
