"""Processing: Renumber unit grid (stable codes) after a redraw."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from .base import WanmiAlgorithm, fields_for, qgis_crs, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink
from .partition import SCHEMES


class RenumberGrid(WanmiAlgorithm):
    NAME = "renumber"
    DISPLAY = "Renumber unit grid (stable codes)"
    GROUP = "Grid"
    GROUP_ID = "grid"
    HELP = (
        "Gives a redrawn grid the codes of the previous one wherever a new cell overlaps one old cell with an "
        "intersection-over-union of at least the threshold (default 0.9) in the same community. Other cells "
        "get fresh sequence numbers, never reusing any code of the previous grid (current or retired). The "
        "output keeps the whole history: retired cells and old versions of moved cells stay with valid_to set "
        "to the renumber date, so the next renumber never issues their codes again and an audit as of an "
        "earlier day sees the grid of that day. The change log lists kept, split, merged, new and retired codes."
    )
    NEW = "NEW"
    OLD = "OLD"
    IOU = "IOU"
    SCHEME = "SCHEME"
    VALID_FROM = "VALID_FROM"
    OUTPUT = "OUTPUT"
    CHANGELOG = "CHANGELOG"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.NEW, tr("Redrawn grid"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.OLD, tr("Previous grid (with codes)"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterNumber(
            self.IOU, tr("Minimum IoU to keep a code"), QgsProcessingParameterNumber.Double, 0.9,
            minValue=0.5, maxValue=1.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCHEME, tr("Cell code scheme"),
            [tr("15 digits (GB/T 30428.1, DB11/T 2157)"), tr("14 digits (CJ/T 213)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.VALID_FROM, tr("Valid from (YYYY-MM-DD, empty: today)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Renumbered unit cells"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.CHANGELOG, tr("Change log"), QgsProcessing.TypeVector))

    def execute(self, parameters, context, feedback):
        from ..core.renumber import renumber

        feedback.window(0, 10)
        # a GeoPackage's feature ids are no cell attribute: the output mixes rows of both layers
        new = source_to_gdf(self.parameterAsSource(parameters, self.NEW, context), feedback).drop(
            columns="fid", errors="ignore")
        old = source_to_gdf(self.parameterAsSource(parameters, self.OLD, context), feedback).drop(
            columns="fid", errors="ignore")
        feedback.window(10, 90)
        result = renumber(
            new, old,
            iou_threshold=self.parameterAsDouble(parameters, self.IOU, context),
            code_scheme=SCHEMES[self.parameterAsEnum(parameters, self.SCHEME, context)],
            valid_from=self.parameterAsString(parameters, self.VALID_FROM, context) or None,
            feedback=feedback,
        )
        cells = result.history  # current cells + retired rows: every code ever issued
        fields = fields_for(cells)
        sink, dest_id = self.parameterAsSink(
            parameters, self.OUTPUT, context, fields, wkb_type_for(cells), qgis_crs(cells.crs))
        feedback.window(90, 100)
        write_gdf_to_sink(cells, sink, fields, feedback)
        style_output(context, dest_id, "unit_cells.qml")

        import geopandas as gpd

        log = gpd.GeoDataFrame(result.changelog, geometry=[None] * len(result.changelog))
        log_fields = fields_for(log)
        log_sink, log_id = self.parameterAsSink(
            parameters, self.CHANGELOG, context, log_fields, QgsWkbTypes.NoGeometry)
        write_gdf_to_sink(log, log_sink, log_fields)
        return {self.OUTPUT: dest_id, self.CHANGELOG: log_id}
