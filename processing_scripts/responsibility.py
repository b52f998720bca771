"""Processing: Build responsibility grids (责任网格): N balanced, contiguous areas of whole unit cells."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from .base import WanmiAlgorithm, fields_for, qgis_crs, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink

WEIGHTS = ("area", "components", "cases", "cells", "mix")


class BuildResponsibilityGrids(WanmiAlgorithm):
    NAME = "responsibility"
    DISPLAY = "Build responsibility grids"
    GROUP = "Grid"
    GROUP_ID = "grid"
    HELP = (
        "Groups unit cells into N responsibility areas (责任网格) for supervisors or departments: every area is "
        "contiguous (whole cells joined by shared borders), compact, and the areas are balanced by the chosen "
        "workload — cell area, number of components, number of cases, number of cells, or a mix of these "
        "(each measure divided by its mean per cell), or a numeric cell field. Areas stay inside one street "
        "unless crossing is allowed; N is then shared among the streets in proportion to their workload "
        "(D'Hondt rule). Method: recursive bisection of the cell graph, then boundary cells are moved between "
        "neighbouring areas while that improves the balance and keeps each area connected.\n"
        "N = 0 takes the practice reference of about 12 cells, 180,000 m² and 1,400 components per supervisor. "
        "The log reports the largest and smallest workload against the mean (max/mean) and the compactness "
        "(Polsby–Popper 4πA/P²) of the areas."
    )

    INPUT = "INPUT"
    N = "N"
    WEIGHT = "WEIGHT"
    WEIGHT_FIELD = "WEIGHT_FIELD"
    COMPONENTS = "COMPONENTS"
    CASES = "CASES"
    CROSS = "ALLOW_CROSS_STREET"
    TOLERANCE = "TOLERANCE"
    OUTPUT = "OUTPUT"
    CELLS_OUTPUT = "CELLS_OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, tr("Unit cells"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterNumber(
            self.N, tr("Number of areas (0: from the practice reference)"), QgsProcessingParameterNumber.Integer,
            0, minValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.WEIGHT, tr("Workload"),
            [tr("Area"), tr("Components"), tr("Cases"), tr("Cells"), tr("Mix (area, components, cases)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterField(
            self.WEIGHT_FIELD, tr("Workload field (overrides the workload choice)"), None, self.INPUT,
            QgsProcessingParameterField.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.COMPONENTS, tr("Components (points)"), [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.CASES, tr("Cases (points)"), [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CROSS, tr("Allow areas to cross street boundaries"), False))
        self.addParameter(QgsProcessingParameterNumber(
            self.TOLERANCE, tr("Balance tolerance (share of the mean workload)"),
            QgsProcessingParameterNumber.Double, 0.02, minValue=0.0, maxValue=0.5))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Responsibility areas"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.CELLS_OUTPUT, tr("Unit cells with their area"), QgsProcessing.TypeVectorPolygon, optional=True,
            createByDefault=False))

    def execute(self, parameters, context, feedback):
        from ..core.responsibility import build_responsibility

        feedback.window(0, 10)
        cells = source_to_gdf(self.parameterAsSource(parameters, self.INPUT, context), feedback)
        points = {}
        for key in (self.COMPONENTS, self.CASES):
            src = self.parameterAsSource(parameters, key, context)
            points[key] = source_to_gdf(src, feedback) if src is not None else None
        weight = self.parameterAsString(parameters, self.WEIGHT_FIELD, context) or \
            WEIGHTS[self.parameterAsEnum(parameters, self.WEIGHT, context)]
        n = self.parameterAsInt(parameters, self.N, context) or None
        feedback.window(10, 90)
        result = build_responsibility(
            cells, n, weight=weight, components=points[self.COMPONENTS], cases=points[self.CASES],
            allow_cross_street=self.parameterAsBool(parameters, self.CROSS, context),
            tolerance=self.parameterAsDouble(parameters, self.TOLERANCE, context), feedback=feedback)
        feedback.window(90, 100)
        areas = result.areas
        fields = fields_for(areas)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, wkb_type_for(areas),
                                             qgis_crs(areas.crs))
        write_gdf_to_sink(areas, sink, fields, feedback)
        style_output(context, dest_id, "responsibility_areas.qml")
        outputs = {self.OUTPUT: dest_id, "AREA_COUNT": len(areas), "MAX_MEAN": result.summary["max_mean"],
                   "COMPACTNESS_MEAN": result.summary["compactness_mean"]}
        cell_sink, cell_id = self.parameterAsSink(parameters, self.CELLS_OUTPUT, context,
                                                  fields_for(result.cells), wkb_type_for(result.cells),
                                                  qgis_crs(areas.crs))
        if cell_sink is not None:
            write_gdf_to_sink(result.cells, cell_sink, fields_for(result.cells))
            outputs[self.CELLS_OUTPUT] = cell_id
        s = result.summary
        feedback.info(tr("{n} areas; workload max/mean {mx:.3f}, min/mean {mn:.3f}; compactness mean {c:.3f}; "
                         "practice reference suggests {ref} areas").format(
            n=s["areas"], mx=s["max_mean"], mn=s["min_mean"], c=s["compactness_mean"], ref=result.suggested_n))
        return outputs
