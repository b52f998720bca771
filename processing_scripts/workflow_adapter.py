"""One Processing algorithm class for any workflow capability (``wanmi.workflow``), built from its declaration.

The parameters (names, labels, help, choices, defaults, advanced flags), the outputs and their styles come
from the :class:`~wanmi.workflow.base.Capability`; the run is the capability's own, through the workflow's
error boundary (:func:`~wanmi.workflow.base.invoke`). This module only translates: QGIS sources →
GeoDataFrames, enum indexes → values, result frames → sinks.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QIcon

from ..core.errors import WanmiError
from ..workflow.base import Capability, Param, StoreRef, invoke
from .base import (
    ROOT,
    QmlStyler,
    WanmiAlgorithm,
    fields_for,
    qgis_crs,
    source_to_gdf,
    tr,
    wkb_type_for,
    write_gdf_to_sink,
)

GEOMETRY_TYPES = {"any": QgsProcessing.TypeVectorAnyGeometry, "point": QgsProcessing.TypeVectorPoint,
                  "line": QgsProcessing.TypeVectorLine, "polygon": QgsProcessing.TypeVectorPolygon,
                  "none": QgsProcessing.TypeVector}
#: the geometry type of an empty output layer, from its declaration (no feature to tell it)
EMPTY_WKB = {"any": QgsWkbTypes.Unknown, "point": QgsWkbTypes.MultiPoint, "line": QgsWkbTypes.MultiLineString,
             "polygon": QgsWkbTypes.MultiPolygon, "none": QgsWkbTypes.NoGeometry}
#: workflow step → (Processing group, group id), the groups the dock reads its steps from
GROUPS = {"grid": ("Grid", "grid"), "census": ("Census", "census"), "cases": ("Cases", "cases"),
          "evaluation": ("Evaluation", "evaluation"), "audit": ("Audit", "audit")}
#: the tools' reference, generated from the declarations (scripts/tools_doc.py), shipped with the plugin
TOOLS_DOC = ROOT / "docs" / "tools.md"


def _vector(p: Param) -> QgsProcessingParameterDefinition:
    q = QgsProcessingParameterFeatureSource(p.processing, tr(p.label), [GEOMETRY_TYPES[p.geometry]],
                                            optional=p.optional)
    if p.geographic:
        q.setMetadata({"wanmi": {"geographic": True}})  # the dock never offers a layer in metres
    return q


def _enum(p: Param) -> QgsProcessingParameterDefinition:
    default = p.choices.index(p.default) if p.default in p.choices else 0
    return QgsProcessingParameterEnum(p.processing, tr(p.label), [tr(label) for label in p.choice_labels],
                                      defaultValue=default, optional=p.optional)


def _number(p: Param) -> QgsProcessingParameterDefinition:
    kind = QgsProcessingParameterNumber.Integer if p.kind == "integer" else QgsProcessingParameterNumber.Double
    q = QgsProcessingParameterNumber(p.processing, tr(p.label), kind, p.default, optional=p.optional)
    if p.minimum is not None:
        q.setMinimum(p.minimum)
    if p.maximum is not None:
        q.setMaximum(p.maximum)
    return q


def _file(p: Param) -> QgsProcessingParameterDefinition:
    if p.kind == "output_file":
        return QgsProcessingParameterFileDestination(p.processing, tr(p.label), tr(p.file_filter) or "",
                                                     optional=p.optional, createByDefault=not p.optional)
    if p.kind == "folder":
        return QgsProcessingParameterFolderDestination(p.processing, tr(p.label), optional=p.optional)
    return QgsProcessingParameterFile(p.processing, tr(p.label), fileFilter=tr(p.file_filter) or "",
                                      optional=p.optional)


def _simple(p: Param, parents: dict[str, str]) -> QgsProcessingParameterDefinition:
    if p.kind == "bool":
        return QgsProcessingParameterBoolean(p.processing, tr(p.label), bool(p.default), optional=p.optional)
    if p.kind == "crs":
        return QgsProcessingParameterCrs(p.processing, tr(p.label), p.default, optional=p.optional)
    if p.kind == "field":
        return QgsProcessingParameterField(p.processing, tr(p.label), p.default, parents[p.parent],
                                           QgsProcessingParameterField.Any, optional=p.optional)
    default = ", ".join(p.default) if p.multiple and p.default else p.default
    return QgsProcessingParameterString(p.processing, tr(p.label), default, multiLine=p.multiple,
                                        optional=p.optional)


def parameters(p: Param, parents: dict[str, str]) -> list[QgsProcessingParameterDefinition]:
    """The QGIS parameters of a declared one (help text, advanced flag and lon/lat metadata included); a store
    is a GeoPackage destination plus the PostGIS connection, schema and authentication parameters."""
    if p.kind == "store":
        from .census_common import postgis_parameters

        store = QgsProcessingParameterFileDestination(p.processing, tr(p.label), tr("GeoPackage (*.gpkg)"),
                                                      optional=p.optional)
        extra = postgis_parameters()
    else:
        build = {"vector": _vector, "enum": _enum, "number": _number, "integer": _number, "file": _file,
                 "output_file": _file, "folder": _file}.get(p.kind)
        store, extra = (build(p) if build else _simple(p, parents)), []
    if p.help:
        store.setHelp(tr(p.help))
    if p.advanced:
        store.setFlags(store.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return [store, *extra]


def gpkg_destination(destination: str, layer: str) -> tuple[str, str] | None:
    """(file, layer) a sink destination writes into a GeoPackage: the table of an ``ogr:`` URI, else ``layer``
    (a plain path replaces the whole file, that layer with it); None for anything else."""
    match = re.match(r"^ogr:dbname='(?P<path>[^']*)'\s+table=\"(?P<table>[^\"]*)\"", destination)
    path, table = (match["path"], match["table"]) if match else (destination.split("|")[0], layer)
    return (path, table) if path.lower().endswith(".gpkg") else None


class WorkflowAlgorithm(WanmiAlgorithm):
    """Base of the generated classes: :func:`algorithm_class` sets :attr:`CAPABILITY`."""

    CAPABILITY: ClassVar[Capability]

    def __init__(self) -> None:
        super().__init__()
        self._stylers: list[QmlStyler] = []  # Processing keeps only raw pointers to post-processors

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        capability = self.CAPABILITY
        parents = {p.name: p.processing for p in capability.params}
        for p in capability.params:
            if p.on("processing"):
                for q in parameters(p, parents):
                    self.addParameter(q)
        for out in capability.outputs:
            self.addParameter(QgsProcessingParameterFeatureSink(
                out.processing, tr(out.label), QgsProcessing.TypeVector if out.table else
                GEOMETRY_TYPES[out.geometry], optional=out.optional,
                createByDefault=not out.optional or out.by_default))
        for name, label in capability.numbers:
            self.addOutput(QgsProcessingOutputNumber(name, tr(label)))
        for name, label in capability.texts:
            self.addOutput(QgsProcessingOutputString(name, tr(label)))

    def tags(self) -> list[str]:
        return list(self.CAPABILITY.tags)  # Chinese and English keywords as declared: searched, not shown

    def helpUrl(self) -> str:  # noqa: N802 (QGIS API)
        return QUrl.fromLocalFile(str(TOOLS_DOC)).toString() + "#" + self.CAPABILITY.name.replace("_", "-")

    def icon(self) -> QIcon:
        path = ROOT / "icons" / f"step_{self.CAPABILITY.step}.svg"
        return QIcon(str(path)) if path.exists() else super().icon()

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        """Refuse a PostGIS connection string with a password before anything is logged, and an output its
        guard refuses (a GeoPackage layer it must not replace) before anything is computed."""
        from .census_common import POSTGIS, check_postgis

        if any(p.kind == "store" for p in self.CAPABILITY.params):
            problem = check_postgis(self.parameterAsString(parameters, POSTGIS, context))
            if problem:
                return False, problem
        for out in self.CAPABILITY.outputs:
            target = gpkg_destination(self.parameterAsOutputLayer(parameters, out.processing, context) or "",
                                      out.layer) if out.guard is not None else None
            if target is not None:
                try:
                    out.guard(*target)
                except WanmiError as exc:
                    return False, str(exc)
        return super().checkParameterValues(parameters, context)

    def _vector_value(self, p: Param, parameters, context, feedback) -> Any:
        source = self.parameterAsSource(parameters, p.processing, context)
        if source is None:
            if not p.optional:
                raise QgsProcessingException(self.invalidSourceError(parameters, p.processing))
            return None
        frame = source_to_gdf(source, feedback)
        frame.attrs["name"] = source.sourceName()  # how the run's messages name it
        return frame

    def _store_value(self, p: Param, parameters, context) -> StoreRef:
        from .census_common import PG_AUTHCFG, PG_SCHEMA, POSTGIS, postgis_connection

        dsn = self.parameterAsString(parameters, POSTGIS, context)
        if dsn:
            schema = self.parameterAsString(parameters, PG_SCHEMA, context) or "wanmi"
            store_dsn, uri = postgis_connection(dsn, self.parameterAsString(parameters, PG_AUTHCFG, context),
                                                schema)
            return StoreRef(store_dsn, schema, uri)
        path = self.parameterAsFileOutput(parameters, p.processing, context)
        return StoreRef(path, layer_uri=path)

    def _value(self, p: Param, parameters, context, feedback) -> Any:
        if not p.on("processing"):
            return p.default
        if p.kind == "vector":
            return self._vector_value(p, parameters, context, feedback)
        if p.kind == "store":
            return self._store_value(p, parameters, context)
        if p.kind == "enum":
            return p.choices[self.parameterAsEnum(parameters, p.processing, context)]
        if p.kind in ("integer", "number"):
            if not p.required and parameters.get(p.processing) in (None, ""):
                return p.default
            getter = self.parameterAsInt if p.kind == "integer" else self.parameterAsDouble
            return getter(parameters, p.processing, context)
        if p.kind == "bool":
            return self.parameterAsBool(parameters, p.processing, context)
        if p.kind == "crs":
            crs = self.parameterAsCrs(parameters, p.processing, context)
            return (crs.authid() or crs.toWkt()) if crs.isValid() else None
        if p.kind in ("file", "output_file", "folder"):
            getter = self.parameterAsFile if p.kind == "file" else self.parameterAsFileOutput
            return getter(parameters, p.processing, context) or None
        text = self.parameterAsString(parameters, p.processing, context)
        if p.multiple:
            return [word for word in re.split(r"[\s,;，；]+", text or "") if word]
        return text or None

    def execute(self, parameters, context, feedback):
        capability = self.CAPABILITY
        feedback.window(0, 40)
        values = {p.name: self._value(p, parameters, context, feedback) for p in capability.params}
        feedback.window(40, 80)
        result = invoke(capability, values, feedback)  # its WorkflowError: processAlgorithm's message
        feedback.window(80, 100)
        for line in result.warnings:
            feedback.warning(line)
        outputs = dict(result.values)
        for out in capability.outputs:
            frame = result.frames.get(out.name)
            if frame is None or (out.optional and parameters.get(out.processing) in (None, "")):
                continue
            outputs[out.processing] = self._sink(parameters, context, feedback, out, frame)
        for line in result.message.splitlines():
            feedback.info(line)
        return outputs

    def _sink(self, parameters, context, feedback, out, frame) -> str:
        fields = fields_for(frame)
        geometry = getattr(frame, "_geometry_column_name", None) is not None
        wkb = (wkb_type_for(frame) if frame.geometry.notna().any() else EMPTY_WKB[out.geometry]) if geometry \
            else QgsWkbTypes.NoGeometry
        crs = qgis_crs(frame.crs) if geometry and frame.crs is not None else None
        sink, dest = self.parameterAsSink(parameters, out.processing, context, fields, wkb, crs) if crs else \
            self.parameterAsSink(parameters, out.processing, context, fields, wkb)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, out.processing))
        write_gdf_to_sink(frame, sink, fields, feedback)
        if out.style and geometry and context.willLoadLayerOnCompletion(dest):  # a table gets no map style
            styler = QmlStyler(out.style)
            self._stylers.append(styler)
            context.layerToLoadOnCompletionDetails(dest).setPostProcessor(styler)
        return dest


def algorithm_class(capability: Capability, class_name: str) -> type[WorkflowAlgorithm]:
    """The Processing algorithm class of ``capability`` (registered under ``wanmi:<capability.name>``)."""
    group, group_id = GROUPS[capability.step]
    return type(class_name, (WorkflowAlgorithm,), {
        "CAPABILITY": capability, "NAME": capability.name, "DISPLAY": capability.title, "GROUP": group,
        "GROUP_ID": group_id, "HELP": capability.help, "__module__": __name__})
