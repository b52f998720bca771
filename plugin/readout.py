"""Status-bar read-out of the unit cell, community and street under the cursor (光标所在网格).

Listens to the canvas' ``xyCoordinates`` signal, transforms the point from the canvas CRS to the cell
layer's CRS and looks the cell up in a :class:`~wanmi.plugin.snapshots.CellIndex` (a ``QgsSpatialIndex``
with stored geometries, built off the GUI thread whenever the project's layers change). A mouse move costs
one coordinate transform, one index query and a point-in-polygon test on the few candidates; while the
cursor stays inside the same cell not even that.
"""

from __future__ import annotations

import contextlib

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
)
from qgis.PyQt.QtCore import QObject, Qt
from qgis.PyQt.QtWidgets import QLabel

from .i18n import tr
from .snapshots import CellIndex, Place, ProjectWatcher, SnapshotBuilder, cell_index_job


def format_place(place: Place | None) -> str:
    """The read-out text for ``place`` (None: the cursor is outside every cell)."""
    if place is None:
        return tr("Outside the unit grid")
    community = place.community_name or place.community_code[-3:]
    street = place.street_name or place.street_code[-3:]
    return tr("Cell {code} · {community} · {street}").format(code=place.code, community=community, street=street)


class CellReadout(QObject):
    """Owns the status-bar label and keeps it in step with the cursor."""

    def __init__(self, iface, project: QgsProject | None = None, watcher: ProjectWatcher | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.project = project or QgsProject.instance()
        self.canvas = iface.mapCanvas()
        self.label = QLabel()
        self.label.setObjectName("WanmiCellReadout")
        self.label.setToolTip(tr("Wanmi: unit cell, community and street under the cursor"))
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.label.setMinimumWidth(240)
        self.label.hide()
        self.builder = SnapshotBuilder(tr("Wanmi: indexing unit cells"), lambda: cell_index_job(self.project), self)
        self.builder.built.connect(self._on_index_built)
        self._own_watcher = watcher is None
        self.watcher = watcher or ProjectWatcher(self.project, parent=self)
        self.watcher.changed.connect(self.builder.rebuild)
        self._transform: QgsCoordinateTransform | None = None
        self._transform_key: tuple[str, str] | None = None
        self._last: tuple[int, QgsGeometry, Place] | None = None
        self.status_bar = iface.statusBarIface()
        self.status_bar.addPermanentWidget(self.label, 0)
        self.canvas.xyCoordinates.connect(self.on_xy)
        self.canvas.destinationCrsChanged.connect(self._reset_transform)

    @property
    def index(self) -> CellIndex | None:
        return self.builder.snapshot

    def _on_index_built(self) -> None:
        self._last = None
        self._reset_transform()
        self.label.setVisible(self.index is not None)
        if self.index is None:
            self.label.clear()

    def _reset_transform(self) -> None:
        self._transform = None
        self._transform_key = None

    def _to_layer(self, point: QgsPointXY, layer_crs: QgsCoordinateReferenceSystem) -> QgsPointXY | None:
        canvas_crs = self.canvas.mapSettings().destinationCrs()
        key = (canvas_crs.authid() or canvas_crs.toWkt(), layer_crs.authid() or layer_crs.toWkt())
        if self._transform is None or self._transform_key != key:
            self._transform = QgsCoordinateTransform(canvas_crs, layer_crs, self.project)
            self._transform_key = key
        try:
            return self._transform.transform(point)
        except QgsCsException:
            return None

    def lookup(self, point: QgsPointXY) -> Place | None:
        """The place under ``point`` given in canvas CRS (None outside every cell or before indexing)."""
        index = self.index
        if index is None:
            return None
        local = self._to_layer(point, index.crs)
        if local is None:
            return None
        if self._last is not None:
            fid, geom, place = self._last
            if geom.contains(local):  # still in the same cell: no index query
                return place
        hit = index.cell_at(local)
        if hit is None:
            self._last = None
            return None
        fid, place = hit
        geom = index.geometry(fid)
        self._last = (fid, geom, place) if geom is not None else None
        return place

    def on_xy(self, point: QgsPointXY) -> None:
        if self.index is None:
            return
        self.label.setText(format_place(self.lookup(point)))

    def unload(self) -> None:
        """Disconnect and remove the label from the status bar."""
        for signal, slot in ((self.canvas.xyCoordinates, self.on_xy),
                             (self.canvas.destinationCrsChanged, self._reset_transform)):
            with contextlib.suppress(TypeError, RuntimeError):
                signal.disconnect(slot)
        self.builder.cancel()
        if self._own_watcher:
            self.watcher.close()
        self.status_bar.removeWidget(self.label)
        self.label.setParent(None)
        self.label.deleteLater()
