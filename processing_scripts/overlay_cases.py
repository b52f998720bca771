"""Processing: Overlay cases on grid (案卷叠加网格) — cell/community/street of each case, counts per unit."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..core.enums import GROUP_KEYS
from .base import WanmiAlgorithm, fields_for, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink
from .evaluate import sink_crs

BY = GROUP_KEYS


class OverlayCases(WanmiAlgorithm):
    NAME = "overlay_cases"
    DISPLAY = "Overlay cases on grid"
    GROUP = "Cases"
    GROUP_ID = "cases"
    HELP = (
        "Gives every case (案卷) the unit cell it lies in and that cell's community, street and district "
        "(cell_code, community_code 12 digits, street_code 9 digits, district_code; empty outside every cell). "
        "A case on a shared cell edge belongs to exactly one cell (documented north-east tie rule). Then counts "
        "the cases per unit cell, community, street, district, department or supervisor: all cases, cases "
        "that reached each stage (n_registered, n_dispatched … n_closed), per state and per class (bj_<code> "
        "部件, sj_<code> 事件), with cases per hectare for areas.\nPeriod: only cases reported in 2025-03 "
        "(month), 2025-Q1, 2025-W10, 2025-03-05 (day), 2025 or 2025-03-01/2025-03-31; empty: all cases."
    )

    CASES = "CASES"
    CELLS = "CELLS"
    CODE_FIELD = "CODE_FIELD"
    PERIOD = "PERIOD"
    BY = "BY"
    OUTPUT = "OUTPUT"
    COUNTS = "COUNTS"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.CASES, tr("Cases"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.CELLS, tr("Unit cells"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.CODE_FIELD, tr("Cell code field"), "code", self.CELLS, QgsProcessingParameterField.Any,
            optional=True))  # optional: qgis_process 3.22 ignores the default of a mandatory field parameter
        self.addParameter(QgsProcessingParameterString(
            self.PERIOD, tr("Period (e.g. 2025-03, 2025-Q1; empty: all)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.BY, tr("Count per"),
            [tr("Unit cell"), tr("Community"), tr("Street"), tr("District"), tr("Department"), tr("Supervisor")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            "BY_CLASS", tr("Count per class (one column per class code)"), defaultValue=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, tr("Cases with cell codes"), QgsProcessing.TypeVectorPoint))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.COUNTS, tr("Case counts"), QgsProcessing.TypeVectorAnyGeometry, optional=True))

    def execute(self, parameters, context, feedback):
        from ..core.cases import Period, case_counts, counts_on_cells, normalize_cases, overlay_cases

        period = Period.coerce(self.parameterAsString(parameters, self.PERIOD, context) or None)
        source = self.parameterAsSource(parameters, self.CASES, context)
        feedback.window(0, 30)
        cases = normalize_cases(source_to_gdf(source, feedback))
        cells_source = self.parameterAsSource(parameters, self.CELLS, context)
        feedback.window(30, 40)
        cells = source_to_gdf(cells_source, feedback)
        code_field = self.parameterAsString(parameters, self.CODE_FIELD, context) or "code"
        feedback.window(40, 50)
        overlaid = overlay_cases(cases, cells, period, code_field=code_field, feedback=feedback)
        by = BY[self.parameterAsEnum(parameters, self.BY, context)]
        counts = case_counts(overlaid, by=by, by_class=self.parameterAsBool(parameters, "BY_CLASS", context),
                             by_stage=True, by_state=True)
        fields = fields_for(overlaid)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, wkb_type_for(overlaid),
                                             source.sourceCrs())
        feedback.window(50, 85)
        write_gdf_to_sink(overlaid, sink, fields, feedback)
        style_output(context, dest_id, "cases.qml")
        outputs = {self.OUTPUT: dest_id, "CASE_COUNT": len(overlaid),
                   "INSIDE": int(overlaid["cell_code"].notna().sum())}
        if self.COUNTS in parameters and parameters[self.COUNTS] is not None:
            table = counts_on_cells(counts, cells, by, code_field=code_field)
            if getattr(table, "_geometry_column_name", None) is not None:
                wkb, crs = wkb_type_for(table), sink_crs(table, cells_source.sourceCrs())
            else:
                wkb, crs = QgsWkbTypes.NoGeometry, cells_source.sourceCrs()
            cfields = fields_for(table)
            csink, counts_id = self.parameterAsSink(parameters, self.COUNTS, context, cfields, wkb, crs)
            if csink is not None:
                feedback.window(85, 100)
                write_gdf_to_sink(table, csink, cfields, feedback)
                outputs[self.COUNTS] = counts_id
                if wkb != QgsWkbTypes.NoGeometry:
                    style_output(context, counts_id, "case_counts.qml")
        feedback.info(tr("{n} case(s), {m} in cells").format(n=outputs["CASE_COUNT"], m=outputs["INSIDE"]))
        return outputs
