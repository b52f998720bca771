"""Processing: Audit grid and responsibility boundaries (边界审计): gaps, overlaps, codes, components, parties."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..core.enums import COMPONENT_SCHEME_NAMES
from .base import WanmiAlgorithm, fields_for, source_to_gdf, style_output, tr, write_gdf_to_sink
from .partition import SCHEMES, add_code_field_parameters, code_columns, qgis_crs

COMPONENT_SCHEMES = COMPONENT_SCHEME_NAMES


class AuditBoundaries(WanmiAlgorithm):
    NAME = "audit"
    DISPLAY = "Audit grid and responsibility boundaries"
    GROUP = "Audit"
    GROUP_ID = "audit"
    HELP = (
        "Checks that every square metre of the jurisdiction has exactly one unit cell and one responsible party "
        "(no blind spots where grids meet, 不同类型网格交界的盲区). Unit cells: gaps and overlaps (with their "
        "geometry and area), parts outside the jurisdiction, invalid geometries, slivers, cells crossing a "
        "community boundary, malformed or duplicate codes, codes whose district/street/community segments "
        "disagree with the community the cell lies in. Components: outside every cell, cell_code or code "
        "segments disagreeing with the cell they lie in. Responsibility areas: gaps, overlaps, areas with no "
        "responsible party, areas covered by two parties, cells split between areas, areas crossing streets.\n"
        "Outputs: the problem polygons and the problem points (components), each with type, severity "
        "(error/warning), codes, area in m² and a sentence; and optionally a report to file (Markdown or HTML, "
        "with a CSV of the same table next to it). Cells and areas with valid_from/valid_to are audited as they "
        "stand on the given day (default today): retired and future features are left out."
    )

    INPUT = "INPUT"
    JURISDICTION = "JURISDICTION"
    COMPONENTS = "COMPONENTS"
    AREAS = "AREAS"
    PARTY_FIELD = "PARTY_FIELD"
    SCHEME = "SCHEME"
    COMPONENT_SCHEME = "COMPONENT_SCHEME"
    TARGET_AREA = "TARGET_AREA"
    SLIVER_RATIO = "SLIVER_RATIO"
    MIN_AREA = "MIN_AREA"
    NAME_PARAM = "JURISDICTION_NAME"
    AS_OF = "AS_OF"
    OUTPUT = "OUTPUT"
    POINTS = "POINTS"
    REPORT = "REPORT"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, tr("Unit cells"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.JURISDICTION, tr("Jurisdiction (communities with codes)"), [QgsProcessing.TypeVectorPolygon]))
        add_code_field_parameters(self, self.JURISDICTION)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.COMPONENTS, tr("Components (points with code and cell_code)"), [QgsProcessing.TypeVectorPoint],
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.AREAS, tr("Responsibility areas"), [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.PARTY_FIELD, tr("Responsible party field"), "responsible", self.AREAS,
            QgsProcessingParameterField.Any, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCHEME, tr("Cell code scheme"),
            [tr("15 digits (GB/T 30428.1, DB11/T 2157)"), tr("14 digits (CJ/T 213)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.COMPONENT_SCHEME, tr("Component code scheme"),
            [tr("12 digits (district-local, street segment)"), tr("16 digits (CJ/T 214)"),
             tr("17 digits (GB/T 47678.5)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.TARGET_AREA, tr("Target cell area (m²)"), QgsProcessingParameterNumber.Double, 10000.0,
            minValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.SLIVER_RATIO, tr("Sliver threshold (share of target area)"), QgsProcessingParameterNumber.Double,
            0.3, minValue=0.0, maxValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.MIN_AREA, tr("Ignore pieces smaller than (m²)"), QgsProcessingParameterNumber.Double, 0.001,
            minValue=0.0))
        self.addParameter(QgsProcessingParameterString(
            self.NAME_PARAM, tr("Jurisdiction name for the report"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.AS_OF, tr("Audit as of (YYYY-MM-DD, empty: today)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Audit problems"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.POINTS, tr("Audit problem points (components)"), QgsProcessing.TypeVectorPoint, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.REPORT, tr("Audit report"), tr("HTML files (*.html);;Markdown files (*.md)"), optional=True,
            createByDefault=False))

    def execute(self, parameters, context, feedback):
        import numpy as np
        import shapely

        from ..core.audit import audit
        from ..layers.audit_report import as_multipolygon, write_audit_report

        feedback.window(0, 10)
        cells = source_to_gdf(self.parameterAsSource(parameters, self.INPUT, context), feedback)
        jurisdiction = code_columns(
            source_to_gdf(self.parameterAsSource(parameters, self.JURISDICTION, context), feedback),
            parameters, self, context)
        comp_src = self.parameterAsSource(parameters, self.COMPONENTS, context)
        areas_src = self.parameterAsSource(parameters, self.AREAS, context)
        components = source_to_gdf(comp_src, feedback) if comp_src is not None else None
        areas = source_to_gdf(areas_src, feedback) if areas_src is not None else None
        name = self.parameterAsString(parameters, self.NAME_PARAM, context)
        feedback.window(10, 90)
        result = audit(
            cells, jurisdiction, components=components, areas=areas,
            cell_scheme=SCHEMES[self.parameterAsEnum(parameters, self.SCHEME, context)],
            component_scheme=COMPONENT_SCHEMES[self.parameterAsEnum(parameters, self.COMPONENT_SCHEME, context)],
            target_area=self.parameterAsDouble(parameters, self.TARGET_AREA, context),
            sliver_ratio=self.parameterAsDouble(parameters, self.SLIVER_RATIO, context),
            min_area=self.parameterAsDouble(parameters, self.MIN_AREA, context),
            party_field=self.parameterAsString(parameters, self.PARTY_FIELD, context) or "responsible",
            jurisdiction_name=name, as_of=self.parameterAsString(parameters, self.AS_OF, context) or None,
            feedback=feedback)
        feedback.window(90, 100)
        problems = result.problems
        g = np.asarray(problems.geometry.values, dtype=object)
        is_point = np.isin(shapely.get_type_id(g), [0, 4])
        polys = problems[~is_point].copy()
        pg = np.asarray(polys.geometry.values, dtype=object)
        ok = ~shapely.is_missing(pg)
        pg = pg.copy()
        pg[ok] = as_multipolygon(pg[ok])
        polys = polys.set_geometry(pg, crs=problems.crs)
        crs = qgis_crs(result.crs)
        fields = fields_for(problems)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.MultiPolygon,
                                             crs)
        write_gdf_to_sink(polys, sink, fields, feedback)
        style_output(context, dest_id, "audit_problems.qml")
        outputs = {self.OUTPUT: dest_id, "ERRORS": result.errors, "WARNINGS": result.warnings}
        point_sink, point_id = self.parameterAsSink(parameters, self.POINTS, context, fields, QgsWkbTypes.Point,
                                                    crs)
        if point_sink is not None:
            write_gdf_to_sink(problems[is_point], point_sink, fields)
            style_output(context, point_id, "audit_points.qml")
            outputs[self.POINTS] = point_id
        report = self.parameterAsFileOutput(parameters, self.REPORT, context)
        if report:
            files = write_audit_report(result, report, jurisdiction=name or None)
            outputs[self.REPORT] = str(files["html"] if report.lower().endswith((".html", ".htm")) else files["md"])
        for row in result.summary.itertuples():
            feedback.info(f"{row.severity}: {row.type} ({row.layer}) × {row.count}")
        feedback.info(tr("Audit: {e} errors, {w} warnings").format(e=result.errors, w=result.warnings))
        return outputs
