"""Processing: Assign components to cells (部件归属单元网格) and report code/location disagreements."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsWkbTypes,
)

from .base import WanmiAlgorithm, fields_for, qgis_crs, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink
from .census_common import SCHEMES, scheme_parameter


class AssignComponents(WanmiAlgorithm):
    NAME = "assign_components"
    DISPLAY = "Assign components to cells"
    GROUP = "Census"
    GROUP_ID = "census"
    HELP = (
        "Sets the unit cell, community, street and district code of every component from the cell it stands "
        "in (a point on a shared edge belongs to exactly one cell: the one a tiny step to the north-east enters). "
        "The second output lists components whose code disagrees with their place: street (12-digit codes) or "
        "admin segment (16/17 digits) different from the cell's, recorded cell code different from the located "
        "one, or outside every cell."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource("INPUT", tr("Components (census layer)"),
                                                              [QgsProcessing.TypeVectorAnyGeometry]))
        self.addParameter(QgsProcessingParameterFeatureSource("CELLS", tr("Unit cells"),
                                                              [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "CODE_FIELD", tr("Cell code field"), "code", "CELLS", optional=True))  # qgis_process: default used
        self.addParameter(scheme_parameter())
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", tr("Components with cell codes"), QgsProcessing.TypeVectorAnyGeometry))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "MISMATCHES", tr("Code/location disagreements"), QgsProcessing.TypeVector, optional=True))
        self.addOutput(QgsProcessingOutputNumber("OUTSIDE", tr("Components outside every cell")))
        self.addOutput(QgsProcessingOutputNumber("MISMATCH_COUNT", tr("Disagreements")))

    def execute(self, parameters, context, feedback):
        from ..core.placement import consistency_report, geocode_components

        feedback.window(0, 40)
        components = source_to_gdf(self.parameterAsSource(parameters, "INPUT", context), feedback)
        cells = source_to_gdf(self.parameterAsSource(parameters, "CELLS", context), feedback)
        if cells.crs is not None and cells.crs.is_geographic:
            from ..core.crs import to_metric

            cells, _ = to_metric(cells)
        code_field = self.parameterAsString(parameters, "CODE_FIELD", context) or "code"
        feedback.window(40, 80)
        report = consistency_report(components.to_crs(cells.crs), cells,
                                    SCHEMES[self.parameterAsEnum(parameters, "SCHEME", context)], code_field)
        placed = geocode_components(components.to_crs(cells.crs), cells, code_field).to_crs(components.crs)
        feedback.window(80, 100)
        fields = fields_for(placed)
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, wkb_type_for(placed),
                                             qgis_crs(placed.crs))
        write_gdf_to_sink(placed, sink, fields, feedback)
        style_output(context, dest_id, "components.qml")
        results = {"OUTPUT": dest_id, "OUTSIDE": int(placed["cell_code"].isna().sum()),
                   "MISMATCH_COUNT": len(report)}
        if parameters.get("MISMATCHES") is not None:
            import geopandas as gpd

            table = gpd.GeoDataFrame(report.astype(str), geometry=[None] * len(report))
            mfields = fields_for(table)
            msink, mid = self.parameterAsSink(parameters, "MISMATCHES", context, mfields, QgsWkbTypes.NoGeometry)
            if msink is not None:
                write_gdf_to_sink(table, msink, mfields)
                results["MISMATCHES"] = mid
        for row in report.itertuples():
            feedback.warning(f"{row.code}: {row.detail}")
        return results
