"""Processing: Compute evaluation scores (综合评价) per cell, community, street, department or supervisor."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..core.enums import GROUP_KEYS
from .base import WanmiAlgorithm, fields_for, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink
from .score_styles import GRADE_STYLE

BY = GROUP_KEYS


def sink_crs(frame, fallback):
    """QGIS CRS of a GeoDataFrame (the input layer's CRS when it has none)."""
    from qgis.core import QgsCoordinateReferenceSystem

    crs = getattr(frame, "crs", None)
    if crs is None:
        return fallback
    epsg = crs.to_epsg()
    return QgsCoordinateReferenceSystem(f"EPSG:{epsg}") if epsg else QgsCoordinateReferenceSystem(crs.to_wkt())


class ComputeEvaluationScores(WanmiAlgorithm):
    NAME = "evaluate"
    DISPLAY = "Compute evaluation scores"
    GROUP = "Evaluation"
    GROUP_ID = "evaluation"
    HELP = (
        "Computes the evaluation indicators of a case table over a period (立案数, 应结案数, 结案数, 结案率, "
        "按期结案率, 按期处置率, 返工率, 超期率, 有效上报率, 按时核查率, 问题发生密度) per unit cell, community, "
        "street, district, department or supervisor, and the composite score (综合指标值, 0–100) with its grade "
        "(A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below). Regions use the region weights, departments and "
        "supervisors their own. Rates of communities and streets are recomputed from summed cell counts. "
        "Units without cases, or without cases due in the period, get the grade 无数据 (no data), never a zero "
        "score.\nCases need a cell_code (overlay them on the grid first) or point locations plus the unit cells. "
        "With the cells every cell (or community/street) is in the output with its polygon. Weights, bands and "
        "grade thresholds can be given as a JSON or TOML file (see core/data/evaluation_default.json).\n"
        "Period: 2025-03 (month), 2025-Q1, 2025, 2025-W10, 2025-03-05 (day) or 2025-03-01/2025-03-15; empty: "
        "all cases."
    )

    INPUT = "INPUT"
    CELLS = "CELLS"
    CODE_FIELD = "CODE_FIELD"
    BY = "BY"
    PERIOD = "PERIOD"
    WEIGHTS = "WEIGHTS"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, tr("Cases (overlaid on the grid, or points)"), [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.CELLS, tr("Unit cells (for all cells, areas and polygons)"), [QgsProcessing.TypeVectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.CODE_FIELD, tr("Cell code field"), "code", self.CELLS, QgsProcessingParameterField.Any,
            optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.BY, tr("Evaluate per"),
            [tr("Unit cell"), tr("Community"), tr("Street"), tr("District"), tr("Department"), tr("Supervisor")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.PERIOD, tr("Period (e.g. 2025-03, 2025-Q1; empty: all)"), optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.WEIGHTS, tr("Weights file (JSON or TOML; empty: defaults)"), optional=True,
            fileFilter=tr("Weights (*.json *.toml)")))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Evaluation scores"), QgsProcessing.TypeVectorAnyGeometry))

    def execute(self, parameters, context, feedback):
        from ..core.evaluation import evaluate

        source = self.parameterAsSource(parameters, self.INPUT, context)
        feedback.window(0, 30)
        cases = source_to_gdf(source, feedback)
        cells = None
        cells_source = self.parameterAsSource(parameters, self.CELLS, context)
        if cells_source is not None:
            feedback.window(30, 40)
            cells = source_to_gdf(cells_source, feedback)
        by = BY[self.parameterAsEnum(parameters, self.BY, context)]
        feedback.window(40, 85)
        result = evaluate(
            cases, by=by, period=self.parameterAsString(parameters, self.PERIOD, context) or None,
            cells=cells, config=self.parameterAsFile(parameters, self.WEIGHTS, context) or None,
            code_field=self.parameterAsString(parameters, self.CODE_FIELD, context) or "code", feedback=feedback,
        )
        has_geometry = getattr(result, "_geometry_column_name", None) is not None
        if has_geometry:
            frame = result
            wkb, crs = wkb_type_for(frame), sink_crs(frame, cells_source.sourceCrs())
        else:
            import geopandas as gpd

            frame = gpd.GeoDataFrame(result, geometry=[None] * len(result))
            wkb, crs = QgsWkbTypes.NoGeometry, source.sourceCrs()
        fields = fields_for(frame)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, wkb, crs)
        feedback.window(85, 100)
        write_gdf_to_sink(frame, sink, fields, feedback)
        counts = result["grade"].value_counts()
        feedback.info(", ".join(f"{g}: {int(n)}" for g, n in counts.items()))
        if result.attrs.get("unavailable"):
            feedback.info(tr("Indicators not in the case table (weights rescaled): ")
                          + ", ".join(result.attrs["unavailable"]))
        if has_geometry:
            style_output(context, dest_id, GRADE_STYLE)
        return {self.OUTPUT: dest_id, "UNITS": len(result), "NO_DATA": int(result["score"].isna().sum())}
