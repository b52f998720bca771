"""Processing: Partition jurisdiction into unit grid (万米单元网格划分)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..core.enums import CELL_SCHEME_NAMES, PARTITION_METHODS
from .base import WanmiAlgorithm, fields_for, qgis_crs, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink

METHODS = PARTITION_METHODS
SCHEMES = CELL_SCHEME_NAMES
CODE_FIELDS = ("district_code", "street_code", "community_code")


def add_code_field_parameters(alg, parent: str) -> None:
    """The district/street/community code field choices of a jurisdiction layer (read by :func:`code_columns`)."""
    for key, label, default in (
        ("DISTRICT_FIELD", tr("District code field (6 digits)"), "district_code"),
        ("STREET_FIELD", tr("Street code field (3 or 9 digits)"), "street_code"),
        ("COMMUNITY_FIELD", tr("Community code field (3 or 12 digits)"), "community_code"),
    ):
        alg.addParameter(QgsProcessingParameterField(
            key, label, default, parent, QgsProcessingParameterField.Any, optional=True))


def code_columns(frame, parameters, alg, context) -> object:
    """Rename the user's chosen code fields to the engine's district_code/street_code/community_code."""
    renames = {}
    for key, target in zip(("DISTRICT_FIELD", "STREET_FIELD", "COMMUNITY_FIELD"), CODE_FIELDS):
        field = alg.parameterAsString(parameters, key, context)
        if field and field != target:
            renames[field] = target
    return frame.rename(columns=renames)


class PartitionJurisdiction(WanmiAlgorithm):
    NAME = "partition"
    DISPLAY = "Partition jurisdiction into unit grid"
    GROUP = "Grid"
    GROUP_ID = "grid"
    HELP = (
        "Partitions community polygons (or one district polygon) into unit cells of about the target area "
        "(万米单元网格). Cells never cross a community boundary and cover the jurisdiction exactly.\n"
        "Regular: a lattice of squares anchored to the CRS origin, clipped to each community; cells smaller "
        "than the sliver ratio × target area are merged into the same-community neighbour with the longest "
        "shared border.\nStreet-block: communities are split along the road/river lines, small blocks merged "
        "and large blocks subdivided into compact parts of near-equal area.\n"
        "Codes: 15 digits = district(6) + street(3) + community(3) + sequence(3), numbered west→east then "
        "north→south within each community (14-digit CJ/T 213 preset available). Areas are computed in a "
        "metric CRS chosen automatically (CGCS2000 3-degree Gauss–Krüger in China) unless one is given."
    )

    INPUT = "INPUT"
    METHOD = "METHOD"
    ROADS = "ROADS"
    TARGET_AREA = "TARGET_AREA"
    SLIVER_RATIO = "SLIVER_RATIO"
    CRS = "CRS"
    SCHEME = "SCHEME"
    VALID_FROM = "VALID_FROM"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, tr("Jurisdiction (communities or one district)"), [QgsProcessing.TypeVectorPolygon]))
        add_code_field_parameters(self, self.INPUT)
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, tr("Method"), [tr("Regular lattice"), tr("Street blocks (follow roads)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.ROADS, tr("Road and river lines (street-block method)"), [QgsProcessing.TypeVectorLine],
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.TARGET_AREA, tr("Target cell area (m²)"), QgsProcessingParameterNumber.Double, 10000.0,
            minValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.SLIVER_RATIO, tr("Sliver threshold (share of target area)"), QgsProcessingParameterNumber.Double,
            0.3, minValue=0.0, maxValue=1.0))
        self.addParameter(QgsProcessingParameterCrs(self.CRS, tr("Metric CRS (empty: automatic)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCHEME, tr("Cell code scheme"),
            [tr("15 digits (GB/T 30428.1, DB11/T 2157)"), tr("14 digits (CJ/T 213)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.VALID_FROM, tr("Valid from (YYYY-MM-DD, empty: today)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Unit cells"), QgsProcessing.TypeVectorPolygon))

    def execute(self, parameters, context, feedback):
        from ..core.grid import partition, summarize

        source = self.parameterAsSource(parameters, self.INPUT, context)
        feedback.window(0, 10)
        frame = code_columns(source_to_gdf(source, feedback), parameters, self, context)
        roads = None
        roads_source = self.parameterAsSource(parameters, self.ROADS, context)
        if roads_source is not None:
            roads = source_to_gdf(roads_source, feedback)
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        feedback.window(10, 90)
        result = partition(
            frame,
            method=METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
            target_area=self.parameterAsDouble(parameters, self.TARGET_AREA, context),
            sliver_ratio=self.parameterAsDouble(parameters, self.SLIVER_RATIO, context),
            roads=roads,
            crs=crs.toWkt() if crs.isValid() else None,
            code_scheme=SCHEMES[self.parameterAsEnum(parameters, self.SCHEME, context)],
            valid_from=self.parameterAsString(parameters, self.VALID_FROM, context) or None,
            feedback=feedback,
        )
        for row in result.problems.itertuples():
            feedback.warning(f"{row.feature}: {row.problem} ({row.action})")
        cells = result.cells
        fields = fields_for(cells)
        sink, dest_id = self.parameterAsSink(
            parameters, self.OUTPUT, context, fields, wkb_type_for(cells), qgis_crs(result.crs))
        feedback.window(90, 100)
        write_gdf_to_sink(cells, sink, fields, feedback)
        for key, value in summarize(cells).items():
            feedback.info(f"{key}: {value}")
        style_output(context, dest_id, "unit_cells.qml")
        return {self.OUTPUT: dest_id, "CELL_COUNT": len(cells)}
