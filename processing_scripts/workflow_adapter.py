"""One Processing algorithm class for any workflow capability (``wanmi.workflow``), built from its declaration.

The parameters (names, labels, help, choices, defaults, advanced flags), the outputs and their styles come
from the :class:`~wanmi.workflow.base.Capability`; the run is the capability's own. This module only
translates: QGIS sources → GeoDataFrames, enum indexes → values, result frames → sinks.
"""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..workflow.base import Capability, Param
from .base import WanmiAlgorithm, fields_for, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink
from .partition import qgis_crs

GEOMETRY_TYPES = {"any": QgsProcessing.TypeVectorAnyGeometry, "point": QgsProcessing.TypeVectorPoint,
                  "line": QgsProcessing.TypeVectorLine, "polygon": QgsProcessing.TypeVectorPolygon}
#: workflow step → (Processing group, group id), the groups the dock reads its steps from
GROUPS = {"grid": ("Grid", "grid"), "census": ("Census", "census"), "cases": ("Cases", "cases"),
          "evaluation": ("Evaluation", "evaluation"), "audit": ("Audit", "audit")}


def parameter(p: Param) -> QgsProcessingParameterDefinition:
    """The QGIS parameter of a declared one (help text, advanced flag and lon/lat metadata included)."""
    if p.kind == "vector":
        q = QgsProcessingParameterFeatureSource(p.processing, tr(p.label), [GEOMETRY_TYPES[p.geometry]],
                                                optional=p.optional)
        if p.geographic:
            q.setMetadata({"wanmi": {"geographic": True}})  # the dock never offers a layer in metres
    elif p.kind == "enum":
        default = p.choices.index(p.default) if p.default in p.choices else 0
        q = QgsProcessingParameterEnum(p.processing, tr(p.label), [tr(label) for label in p.choice_labels],
                                       defaultValue=default, optional=p.optional)
    elif p.kind in ("number", "integer"):
        kind = QgsProcessingParameterNumber.Integer if p.kind == "integer" else QgsProcessingParameterNumber.Double
        q = QgsProcessingParameterNumber(p.processing, tr(p.label), kind, p.default, optional=p.optional)
    elif p.kind == "bool":
        q = QgsProcessingParameterBoolean(p.processing, tr(p.label), bool(p.default), optional=p.optional)
    else:
        q = QgsProcessingParameterString(p.processing, tr(p.label), p.default, optional=p.optional)
    if p.help:
        q.setHelp(tr(p.help))
    if p.advanced:
        q.setFlags(q.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return q


class WorkflowAlgorithm(WanmiAlgorithm):
    """Base of the generated classes: :func:`algorithm_class` sets :attr:`CAPABILITY`."""

    CAPABILITY: ClassVar[Capability]

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        for p in self.CAPABILITY.params:
            self.addParameter(parameter(p))
        for out in self.CAPABILITY.outputs:
            self.addParameter(QgsProcessingParameterFeatureSink(out.processing, tr(out.label)))

    def _value(self, p: Param, parameters, context, feedback, sources: dict) -> Any:
        if p.kind == "vector":
            source = self.parameterAsSource(parameters, p.processing, context)
            if source is None:
                return None
            sources[p.name] = source
            frame = source_to_gdf(source, feedback)
            frame.attrs["name"] = source.sourceName()  # how the run's messages name it
            return frame
        if p.kind == "enum":
            return p.choices[self.parameterAsEnum(parameters, p.processing, context)]
        if p.kind == "integer":
            return self.parameterAsInt(parameters, p.processing, context)
        if p.kind == "number":
            return self.parameterAsDouble(parameters, p.processing, context)
        if p.kind == "bool":
            return self.parameterAsBool(parameters, p.processing, context)
        return self.parameterAsString(parameters, p.processing, context) or None

    def execute(self, parameters, context, feedback):
        sources: dict = {}
        feedback.window(0, 40)
        values = {p.name: self._value(p, parameters, context, feedback, sources) for p in self.CAPABILITY.params}
        feedback.window(40, 80)
        result = self.CAPABILITY.run(**values, feedback=feedback)
        feedback.window(80, 100)
        outputs = dict(result.values)
        fallback = next(iter(sources.values())).wkbType() if sources else QgsWkbTypes.NoGeometry
        for out in self.CAPABILITY.outputs:
            frame = result.frames[out.name]
            fields = fields_for(frame)
            sink, dest = self.parameterAsSink(parameters, out.processing, context, fields,
                                              wkb_type_for(frame) if len(frame) else fallback, qgis_crs(frame.crs))
            write_gdf_to_sink(frame, sink, fields, feedback)
            if out.style:
                style_output(context, dest, out.style)
            outputs[out.processing] = dest
        feedback.info(result.message)
        return outputs


def algorithm_class(capability: Capability, class_name: str) -> type[WorkflowAlgorithm]:
    """The Processing algorithm class of ``capability`` (registered under ``wanmi:<capability.name>``)."""
    group, group_id = GROUPS[capability.step]
    return type(class_name, (WorkflowAlgorithm,), {
        "CAPABILITY": capability, "NAME": capability.name, "DISPLAY": capability.title, "GROUP": group,
        "GROUP_ID": group_id, "HELP": capability.help, "__module__": __name__})
