"""Shared plumbing for Wanmi Processing algorithms: base class, feedback bridge, layer ↔ GeoDataFrame.

Algorithms here only translate: QGIS parameters → ``wanmi.core`` call → QGIS outputs. They never touch
``iface``, the canvas or ``QgsProject.instance()`` (they run on a worker thread).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, QDate, QDateTime, QTime, QVariant
from qgis.PyQt.QtGui import QIcon

from ..core.errors import WanmiError
from ..core.feedback import Canceled, Feedback

ROOT = Path(__file__).resolve().parent.parent
ICON = ROOT / "icons" / "wanmi.svg"
STYLES = ROOT / "layers" / "styles"


def tr(text: str) -> str:
    """Translate in the ``Wanmi`` context (same context as the desktop plugin)."""
    return QCoreApplication.translate("Wanmi", text)


class ProcessingFeedback(Feedback):
    """Bridge from the engine's :class:`Feedback` to ``QgsProcessingFeedback`` (bar, cancel, log)."""

    def __init__(self, feedback: QgsProcessingFeedback | None) -> None:
        super().__init__()
        self.qgis = feedback

    def set_progress(self, percent: float) -> None:
        if self.qgis is not None:
            self.qgis.setProgress(percent)

    def is_canceled(self) -> bool:
        return bool(self.qgis is not None and self.qgis.isCanceled())

    def info(self, message: str) -> None:
        if self.qgis is not None:
            self.qgis.pushInfo(message)

    def warning(self, message: str) -> None:
        if self.qgis is not None:
            self.qgis.reportError(message, fatalError=False)


class WanmiAlgorithm(QgsProcessingAlgorithm):
    """Base class: naming, translation, icon and error mapping shared by every Wanmi algorithm."""

    #: lower-case stable name (the id is ``wanmi:<NAME>``)
    NAME = ""
    #: English display name (translated through ``tr``)
    DISPLAY = ""
    GROUP = "Grid"
    GROUP_ID = "grid"
    HELP = ""

    def createInstance(self):  # noqa: N802 (QGIS API)
        return type(self)()

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802
        return tr(self.DISPLAY)

    def group(self) -> str:
        return tr(self.GROUP)

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP_ID

    def shortHelpString(self) -> str:  # noqa: N802
        return tr(self.HELP)

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        """Run :meth:`run` and turn engine errors into ``QgsProcessingException`` (shown in the dialog)."""
        bridge = ProcessingFeedback(feedback)
        try:
            return self.execute(parameters, context, bridge)
        except Canceled:
            return {}
        except WanmiError as exc:
            raise QgsProcessingException(str(exc)) from exc

    def execute(self, parameters, context, feedback: ProcessingFeedback) -> dict:
        """The algorithm's work (engine feedback: progress windows, cancel, log); returns the outputs."""
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs) -> None:
        # ``QgsProcessingAlgorithm.run`` is what ``processing.run()`` calls: overriding it breaks every
        # algorithm run from Python (models, scripts, tests). Algorithms implement ``execute`` instead.
        super().__init_subclass__(**kwargs)
        if "run" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: implement execute(), not run() (QgsProcessingAlgorithm.run)")


# --- QGIS features ↔ GeoDataFrame -------------------------------------------------------------------------
def py_value(value: Any) -> Any:
    """QVariant/QDate/QDateTime → plain Python (NULL → None)."""
    if value is None:
        return None
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    return value


def source_to_gdf(source, feedback: Feedback | None = None, request=None):
    """Read a ``QgsFeatureSource`` (or layer) into a GeoDataFrame in the source CRS.

    Geometries travel as WKB and are decoded in one vectorised ``shapely.from_wkb`` call.
    """
    import geopandas as gpd
    import shapely

    names = source.fields().names()
    wkbs: list[bytes | None] = []
    rows: list[list[Any]] = []
    ids: list[int] = []
    total = max(source.featureCount(), 1)
    features = source.getFeatures(request) if request is not None else source.getFeatures()
    for i, feature in enumerate(features):
        if feedback is not None and i % 1000 == 0:
            feedback.step(i, total)
        geom = feature.geometry()
        wkbs.append(None if geom.isNull() else bytes(geom.asWkb()))
        rows.append([py_value(v) for v in feature.attributes()])
        ids.append(feature.id())
    crs = source.sourceCrs()
    frame = gpd.GeoDataFrame(
        rows,
        columns=names,
        geometry=shapely.from_wkb(wkbs) if wkbs else [],
        crs=_pyproj_crs(crs),
    )
    frame.index = ids
    return frame


def qgis_crs(crs) -> QgsCoordinateReferenceSystem:
    """pyproj CRS → QGIS CRS (by EPSG code when it has one, so QGIS shows the familiar name)."""
    epsg = crs.to_epsg()
    return QgsCoordinateReferenceSystem(f"EPSG:{epsg}") if epsg else QgsCoordinateReferenceSystem(crs.to_wkt())


def _pyproj_crs(crs) -> str | None:
    """What pyproj gets for a QGIS CRS: its EPSG code when it has one (so messages and CRS checks name it as
    users know it), else its WKT; None for no CRS."""
    if not crs.isValid():
        return None
    return crs.authid() if crs.authid().upper().startswith("EPSG:") else crs.toWkt()


_QVARIANT_OF_KIND = {"i": QVariant.LongLong, "u": QVariant.LongLong, "f": QVariant.Double, "b": QVariant.Bool}


def fields_for(frame) -> QgsFields:
    """QGIS fields for the non-geometry columns of a (Geo)DataFrame: datetime64 columns as DateTime (the
    time of day is kept: case timestamps), numbers as numbers, everything else as text."""
    fields = QgsFields()
    geom = getattr(frame, "_geometry_column_name", None)
    for column in frame.columns:
        if column == geom:
            continue
        kind = frame[column].dtype.kind
        fields.append(QgsField(str(column), QVariant.DateTime if kind == "M" else
                               _QVARIANT_OF_KIND.get(kind, QVariant.String)))
    return fields


def _qgis_value(value: Any) -> Any:
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, dt.datetime):
        return QDateTime(QDate(value.year, value.month, value.day),
                         QTime(value.hour, value.minute, value.second, value.microsecond // 1000))
    if isinstance(value, dt.date):
        return QDate(value.year, value.month, value.day)
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def wkb_type_for(frame) -> int:
    """The single-type-promoted-to-multi WKB type of a GeoDataFrame's geometries."""
    types = set(frame.geometry.geom_type.dropna())
    if types <= {"Polygon", "MultiPolygon"}:
        return QgsWkbTypes.MultiPolygon if "MultiPolygon" in types else QgsWkbTypes.Polygon
    if types <= {"LineString", "MultiLineString"}:
        return QgsWkbTypes.MultiLineString if "MultiLineString" in types else QgsWkbTypes.LineString
    if types <= {"Point", "MultiPoint"}:
        return QgsWkbTypes.MultiPoint if "MultiPoint" in types else QgsWkbTypes.Point
    return QgsWkbTypes.Unknown


def write_gdf_to_sink(frame, sink: QgsFeatureSink, fields: QgsFields, feedback: Feedback | None = None) -> None:
    """Write every row of ``frame`` (a GeoDataFrame, or a DataFrame for a table) to ``sink`` (fields as
    built by :func:`fields_for`)."""
    import pandas as pd
    import shapely

    geom_name = getattr(frame, "_geometry_column_name", None)
    wkbs = shapely.to_wkb(frame.geometry.values, output_dimension=2) if geom_name else [None] * len(frame)
    columns = [c for c in frame.columns if c != geom_name]
    values = []
    for c in columns:  # timestamps → python datetimes once per column (NaT → None)
        col = frame[c]
        values.append([None if pd.isna(v) else v.to_pydatetime() for v in col] if col.dtype.kind == "M"
                      else col.to_numpy(dtype=object))
    total = len(frame)
    for i in range(total):
        if feedback is not None and i % 1000 == 0:
            feedback.step(i, total)
        feature = QgsFeature(fields)
        if wkbs[i] is not None:
            geom = QgsGeometry()
            geom.fromWkb(wkbs[i])
            feature.setGeometry(geom)
        feature.setAttributes([_qgis_value(col[i]) for col in values])
        if not sink.addFeature(feature, QgsFeatureSink.FastInsert):
            raise QgsProcessingException(f"could not write feature {i} to the output")


def apply_style(layer, qml_name: str, classes: int = 5) -> bool:
    """Load ``layers/styles/<qml_name>`` on ``layer``; a graduated renderer (its QML holds placeholder ranges)
    gets classes from the layer's own values with the style's method and ramp. Marks the layer with the
    custom property ``wanmi/style`` (tests and the dock read it)."""
    from qgis.core import QgsGraduatedSymbolRenderer

    path = STYLES / qml_name
    if not isinstance(layer, QgsVectorLayer) or not path.exists():
        return False
    _msg, ok = layer.loadNamedStyle(str(path))
    if not ok:
        return False
    renderer = layer.renderer()
    if isinstance(renderer, QgsGraduatedSymbolRenderer) and layer.fields().indexOf(renderer.classAttribute()) >= 0:
        ramp = renderer.sourceColorRamp().clone() if renderer.sourceColorRamp() else None
        renderer.updateClasses(layer, classes)
        if ramp is not None:
            renderer.updateColorRamp(ramp)
    _hide_retired(layer)
    layer.setCustomProperty("wanmi/style", path.stem)
    layer.triggerRepaint()
    return True


#: rows valid now on a layer with history (``valid_to`` empty)
CURRENT_ROWS = "\"valid_to\" IS NULL OR \"valid_to\" = ''"


def _hide_retired(layer) -> None:
    """On a layer with history (a ``valid_to`` field: a renumbered grid), draw and label only the rows valid
    now; the retired rows stay in the layer (the code registry) but no longer cover the current cells."""
    from qgis.core import QgsPalLayerSettings, QgsProperty, QgsRuleBasedRenderer, QgsVectorLayerSimpleLabeling

    if layer.fields().indexFromName("valid_to") < 0 or layer.renderer() is None:
        return
    renderer = QgsRuleBasedRenderer.convertFromRenderer(layer.renderer())
    for rule in renderer.rootRule().children():
        old = rule.filterExpression()
        rule.setFilterExpression(f"({old}) AND ({CURRENT_ROWS})" if old and not rule.isElse() else CURRENT_ROWS)
    layer.setRenderer(renderer)
    if isinstance(layer.labeling(), QgsVectorLayerSimpleLabeling):
        settings = QgsPalLayerSettings(layer.labeling().settings())
        properties = settings.dataDefinedProperties()
        properties.setProperty(QgsPalLayerSettings.Show, QgsProperty.fromExpression(CURRENT_ROWS))
        settings.setDataDefinedProperties(properties)
        layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))


class QmlStyler(QgsProcessingLayerPostProcessorInterface):
    """Applies a QML style from ``layers/styles`` to an output layer once it is loaded (main thread)."""

    # Processing keeps only a raw pointer. The generated algorithm holds its stylers; this list also keeps
    # them past the algorithm (a batch or model run may post-process after the instance is gone).
    _alive: ClassVar[list[QmlStyler]] = []

    def __init__(self, qml_name: str) -> None:
        super().__init__()
        self.qml_name = qml_name
        QmlStyler._alive.append(self)

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        apply_style(layer, self.qml_name)
