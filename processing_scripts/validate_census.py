"""Processing: Validate census records (部件普查数据检查) without storing them."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
)

from .base import WanmiAlgorithm, fields_for, qgis_crs, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink
from .census_common import COORDS, SCHEMES, coords_parameter, scheme_parameter


class ValidateCensus(WanmiAlgorithm):
    NAME = "validate_census"
    DISPLAY = "Validate census"
    GROUP = "Census"
    GROUP_ID = "census"
    HELP = (
        "Checks census records without storing them: code format and class (the message names the wrong "
        "segment), duplicate codes, same class within 0.5 m, outside the jurisdiction, missing mandatory fields, "
        "bad dates and statuses. The output holds every record with a problem, with the problem kinds and the "
        "reasons, at its location."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile("INPUT", tr("Census records file")))
        self.addParameter(coords_parameter())
        self.addParameter(scheme_parameter())
        self.addParameter(QgsProcessingParameterFeatureSource(
            "JURISDICTION", tr("Jurisdiction polygons (records must lie inside)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", tr("Records with problems"), QgsProcessing.TypeVectorPoint))
        self.addOutput(QgsProcessingOutputNumber("PROBLEM_RECORDS", tr("Records with problems")))

    def execute(self, parameters, context, feedback):
        from ..core.census import validate_components
        from ..layers.importers import read_components

        feedback.window(0, 40)
        records = read_components(self.parameterAsFile(parameters, "INPUT", context),
                                  coords=COORDS[self.parameterAsEnum(parameters, "COORDS", context)])
        source = self.parameterAsSource(parameters, "JURISDICTION", context)
        jurisdiction = source_to_gdf(source, feedback) if source is not None else None
        feedback.window(40, 90)
        report = validate_components(records, SCHEMES[self.parameterAsEnum(parameters, "SCHEME", context)],
                                     jurisdiction)
        bad = report.rejected
        bad = bad[[c for c in bad.columns if c not in ("initial_date", "change_date")] + ["initial_date"]]
        bad = bad.assign(initial_date=bad["initial_date"].astype(str))
        for kind, n in report.summary().items():
            feedback.info(f"{kind}: {n}")
        fields = fields_for(bad)
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, wkb_type_for(bad)
                                             if len(bad) else 1, qgis_crs(records.crs))
        feedback.window(90, 100)
        write_gdf_to_sink(bad, sink, fields, feedback)
        style_output(context, dest_id, "census_problems.qml")
        return {"OUTPUT": dest_id, "PROBLEM_RECORDS": len(bad)}
