"""Read-only snapshots of project layers for the cursor read-out and the locator (快照，只读).

The read-out answers on every mouse move and the locator answers from a worker thread, so neither may
iterate a layer at answer time. Instead they read an immutable snapshot:

* :class:`CellIndex` — unit cells of one layer in a ``QgsSpatialIndex`` with stored geometries, plus the
  codes of each cell and the community/street names from the project's community layer;
* :class:`CodeTable` — a sorted tuple of (code, kind, layer id, feature id, bbox) over the project's cell and
  census layers; prefix search is a binary search.

Snapshots are built from ``QgsVectorLayerFeatureSource`` objects (created on the GUI thread, iterated on a
``QgsTask`` worker), and swapped in with a single attribute assignment when the task finishes, so readers
never see a half-built snapshot. :class:`ProjectWatcher` says when to rebuild (layers added/removed/edited,
debounced).
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsSpatialIndex,
    QgsTask,
    QgsVectorLayer,
    QgsVectorLayerFeatureSource,
)
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from ..processing_scripts.base import CURRENT_ROWS
from .schema import layers_with_role

CELL_FIELDS = ("code", "district_code", "street_code", "community_code")


def _text(value: Any) -> str:
    """Attribute value → text ('' for NULL)."""
    if value is None:
        return ""
    try:
        if value.isNull():  # QVariant NULL
            return ""
    except AttributeError:
        pass
    return str(value).strip()


def region_keys(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
    """(community 12, street 9) keys of (cell code, district, street, community) rows, '' where unknown.

    One vectorised call of the engine's rule (:func:`wanmi.core.regions.derive_keys`: the code columns
    first, 3-digit parts widened, the cell code for what they leave out), so the read-out names the same
    community and street as the case overlay and the evaluation."""
    if not rows:
        return []
    from ..core.regions import derive_keys

    code, district, street, community = (list(col) for col in zip(*rows))
    keys = derive_keys(district, street, community, code)
    return list(zip(keys["community_code"].fillna(""), keys["street_code"].fillna("")))


def current_rows(request: QgsFeatureRequest, fields, attributes: list[int]) -> QgsFeatureRequest:
    """``request`` limited to ``attributes`` and, on a grid with history (a ``valid_to`` field), to the rows
    still valid: retired cells keep their code in the registry but are no longer a place to show or find."""
    valid_to = fields.indexFromName("valid_to")
    if valid_to >= 0:
        request.setFilterExpression(CURRENT_ROWS)
        attributes = [*attributes, valid_to]
    return request.setSubsetOfAttributes(sorted(set(attributes)))


def _field_indexes(fields, names) -> dict[str, int]:
    lower = {f.name().lower(): i for i, f in enumerate(fields)}
    return {name: lower[name] for name in names if name in lower}


@dataclass(frozen=True)
class Place:
    """What the read-out shows for a point: the cell and its community and street."""

    code: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str


@dataclass
class CellIndex:
    """Spatial index over one unit-cell layer (built once, then only read)."""

    layer_id: str
    crs: QgsCoordinateReferenceSystem
    index: QgsSpatialIndex
    cells: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # fid → (code, community12, street9)
    names: dict[str, str] = field(default_factory=dict)  # 12-digit community / 9-digit street code → name

    def cell_at(self, point: QgsPointXY) -> tuple[int, Place] | None:
        """The cell containing ``point`` (layer CRS), None outside every cell.

        A point on a shared edge or vertex gets the cell the census and case assignment would give it: the
        engine's documented tie rule (归属规则, :mod:`wanmi.core.geocode`: the cell a tiny step to the
        north-east enters; else the smallest code)."""
        rect = QgsRectangle(point.x(), point.y(), point.x(), point.y())
        probe = QgsGeometry.fromPointXY(point)
        hits = []
        for fid in self.index.intersects(rect):
            geom = self.index.geometry(fid)
            if geom is not None and not geom.isNull() and geom.intersects(probe):
                hits.append(fid)
        if not hits:
            return None
        hits.sort(key=lambda f: self.cells.get(f, ("",))[0])  # rule 3 of the tie rule: smallest code
        fid = hits[0] if len(hits) == 1 else self._tie(point, hits)
        return fid, self.place(fid)

    def _tie(self, point: QgsPointXY, hits: list[int]) -> int:
        """Resolve a border point with :func:`wanmi.core.geocode.assign_points` on the candidate cells only
        (exact on the cursor's coordinates; rare: the point must lie exactly on an edge)."""
        import shapely

        from ..core.geocode import assign_points

        geoms = shapely.from_wkb([bytes(self.index.geometry(f).asWkb()) for f in hits])
        winner = int(assign_points([point.x()], [point.y()], geoms, method="strtree")[0])
        return hits[winner] if winner >= 0 else hits[0]

    def place(self, fid: int) -> Place:
        code, community, street = self.cells.get(fid, ("", "", ""))
        return Place(code, community, self.names.get(community, ""), street, self.names.get(street, ""))

    def geometry(self, fid: int) -> QgsGeometry | None:
        return self.index.geometry(fid)


def read_cell_index(layer_id: str, crs: QgsCoordinateReferenceSystem, source, fields,
                    community_sources: list[tuple[Any, Any]], feedback=None) -> CellIndex:
    """Build a :class:`CellIndex` from feature sources (safe on a worker thread).

    ``community_sources``: (feature source, fields) of community and street layers, for the names."""
    idx = _field_indexes(fields, CELL_FIELDS)
    request = current_rows(QgsFeatureRequest(), fields, list(idx.values()))
    index = QgsSpatialIndex(QgsSpatialIndex.FlagStoreFeatureGeometries)
    fids: list[int] = []
    rows: list[tuple[str, str, str, str]] = []
    for feature in source.getFeatures(request):
        if feedback is not None and feedback.isCanceled():
            break
        if not feature.hasGeometry():
            continue
        attrs = feature.attributes()
        parts = {name: _text(attrs[i]) for name, i in idx.items()}
        fids.append(feature.id())
        rows.append(tuple(parts.get(k, "") for k in CELL_FIELDS))
        index.addFeature(feature)
    cells = {fid: (row[0], *keys) for fid, row, keys in zip(fids, rows, region_keys(rows))}
    return CellIndex(layer_id, crs, index, cells, _region_names(community_sources))


def _region_names(community_sources: list[tuple[Any, Any]]) -> dict[str, str]:
    """12-digit community / 9-digit street code → name, from the community (and street) layers."""
    fields = ("district_code", "street_code", "community_code", "community_name", "street_name")
    rows: list[tuple[str, str, str, str]] = []
    labels: list[tuple[str, str]] = []
    for comm_source, comm_fields in community_sources:
        cidx = _field_indexes(comm_fields, fields)
        request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
        request.setSubsetOfAttributes(list(cidx.values()))
        for feature in comm_source.getFeatures(request):
            attrs = feature.attributes()
            parts = {name: _text(attrs[i]) for name, i in cidx.items()}
            rows.append(("", *(parts.get(k, "") for k in fields[:3])))
            labels.append((parts.get("community_name", ""), parts.get("street_name", "")))
    names: dict[str, str] = {}
    for (_, _, street, community), (c_name, s_name), (c_key, s_key) in zip(rows, labels, region_keys(rows)):
        if community and c_name and c_key:
            names[c_key] = c_name
        if street and s_name and s_key:
            names.setdefault(s_key, s_name)
    return names


@dataclass(frozen=True)
class CodeEntry:
    code: str
    kind: str  # "cells" or "census"
    layer_id: str
    fid: int
    bbox: tuple[float, float, float, float]  # layer CRS xmin, ymin, xmax, ymax


@dataclass(frozen=True)
class CodeTable:
    """Sorted codes of the project's cell and census layers; immutable, so any thread may read it."""

    entries: tuple[CodeEntry, ...] = ()
    codes: tuple[str, ...] = ()

    def prefix(self, text: str, limit: int = 50) -> list[CodeEntry]:
        """Entries whose code starts with ``text`` (code order), at most ``limit``."""
        start = bisect.bisect_left(self.codes, text)
        out = []
        for i in range(start, min(start + limit, len(self.codes))):
            if not self.codes[i].startswith(text):
                break
            out.append(self.entries[i])
        return out


def read_code_table(sources: list[tuple[str, str, Any, Any]], feedback=None) -> CodeTable:
    """Build a :class:`CodeTable` from (kind, layer id, feature source, fields) (safe on a worker thread)."""
    rows: list[CodeEntry] = []
    for kind, layer_id, source, fields in sources:
        idx = _field_indexes(fields, ("code",))
        if "code" not in idx:
            continue
        request = current_rows(QgsFeatureRequest(), fields, [idx["code"]])
        for feature in source.getFeatures(request):
            if feedback is not None and feedback.isCanceled():
                break
            code = _text(feature.attributes()[idx["code"]])
            if not code:
                continue
            box = feature.geometry().boundingBox() if feature.hasGeometry() else QgsRectangle()
            rows.append(CodeEntry(code, kind, layer_id, feature.id(),
                                  (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum())))
    rows.sort(key=lambda e: (e.code, e.kind, e.layer_id, e.fid))
    return CodeTable(tuple(rows), tuple(e.code for e in rows))


# --- GUI-thread side: capture sources, build in a task, swap in ----------------------------------------------
def cell_index_job(project: QgsProject | None = None) -> Callable[[Any], CellIndex | None] | None:
    """Capture (on the GUI thread) what building the top unit-cell layer's index needs; return the job."""
    cells = layers_with_role("cells", project)
    if not cells:
        return None
    layer = cells[0]
    source, fields, crs, layer_id = QgsVectorLayerFeatureSource(layer), layer.fields(), layer.crs(), layer.id()
    names = [(QgsVectorLayerFeatureSource(lyr), lyr.fields())
             for lyr in layers_with_role("communities", project) + layers_with_role("streets", project)]
    return lambda feedback=None: read_cell_index(layer_id, crs, source, fields, names, feedback)


def code_table_job(project: QgsProject | None = None) -> Callable[[Any], CodeTable]:
    """Capture (on the GUI thread) the cell and census layers' sources; return the job building the table."""
    sources = [(kind, layer.id(), QgsVectorLayerFeatureSource(layer), layer.fields())
               for kind in ("cells", "census") for layer in layers_with_role(kind, project)]
    return lambda feedback=None: read_code_table(sources, feedback)


class SnapshotBuilder(QObject):
    """Runs a snapshot job in a ``QgsTask`` and keeps the newest finished result in :attr:`snapshot`.

    A generation counter drops results of jobs overtaken by a newer one. ``rebuild(sync=True)`` runs the job
    right away (tests, or tiny projects)."""

    built = pyqtSignal()

    def __init__(self, description: str, make_job: Callable[[], Callable | None], parent=None) -> None:
        super().__init__(parent)
        self.description = description
        self.make_job = make_job
        self.snapshot = None
        self.generation = 0
        self.task: QgsTask | None = None
        self.error: str | None = None

    def rebuild(self, sync: bool = False) -> None:
        self.generation += 1
        generation = self.generation
        self._cancel_task()
        job = self.make_job()
        if job is None:
            self._accept(generation, None)
            return
        if sync:
            self._accept(generation, job(None))
            return

        def run(task):
            return job(task)

        def finished(exception, result=None):
            if exception is not None:
                self.error = str(exception)
                if generation == self.generation:
                    self.task = None
            else:
                self._accept(generation, result)

        task = QgsTask.fromFunction(self.description, run, on_finished=finished, flags=QgsTask.CanCancel)
        self.task = task
        QgsApplication.taskManager().addTask(task)

    def _accept(self, generation: int, result) -> None:
        if generation != self.generation:
            return
        self.snapshot = result
        self.task = None
        self.built.emit()

    def _cancel_task(self) -> None:
        if self.task is not None:
            with contextlib.suppress(RuntimeError):  # already finished and deleted by the task manager
                self.task.cancel()
            self.task = None

    def cancel(self) -> None:
        """Drop any running job (plugin unload)."""
        self.generation += 1
        self._cancel_task()


class ProjectWatcher(QObject):
    """Emits :attr:`changed` (debounced) when layers are added, removed or reordered, or a vector layer's data
    changes; rebuilding a snapshot costs a background task, so bursts of edits cause one rebuild."""

    changed = pyqtSignal()

    def __init__(self, project: QgsProject | None = None, delay_ms: int = 300, parent=None) -> None:
        super().__init__(parent)
        self.project = project or QgsProject.instance()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.changed)
        self._layers: dict[str, QgsVectorLayer] = {}
        self._connections = (
            (self.project.layersAdded, self._on_layers_added),
            (self.project.layersWillBeRemoved, self._on_layers_removed),
            (self.project.cleared, self._schedule),
            (self.project.layerTreeRoot().layerOrderChanged, self._schedule),
        )
        for signal, slot in self._connections:
            signal.connect(slot)
        self._on_layers_added(list(self.project.mapLayers().values()))

    @property
    def watched(self) -> list[str]:
        """Ids of the vector layers whose data changes are followed."""
        return list(self._layers)

    def _on_layers_added(self, layers) -> None:
        for layer in layers:
            if isinstance(layer, QgsVectorLayer) and layer.id() not in self._layers:
                layer.dataChanged.connect(self._schedule)
                self._layers[layer.id()] = layer
        self._schedule()

    def _on_layers_removed(self, layer_ids) -> None:
        for layer_id in layer_ids:
            layer = self._layers.pop(layer_id, None)
            if layer is not None:
                with contextlib.suppress(TypeError, RuntimeError):
                    layer.dataChanged.disconnect(self._schedule)
        self._schedule()

    def _schedule(self, *_args) -> None:
        self.timer.start()

    def close(self) -> None:
        """Disconnect from the project and its layers (plugin unload)."""
        self.timer.stop()
        for signal, slot in self._connections:
            with contextlib.suppress(TypeError, RuntimeError):
                signal.disconnect(slot)
        self._on_layers_removed(list(self._layers))
        self.timer.stop()
