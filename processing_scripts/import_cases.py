"""Processing: Import cases (案卷导入) from CSV/XLSX/GeoPackage into a GeoPackage case store."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)

from .base import WanmiAlgorithm, source_to_gdf, tr
from .census_common import COORDS, coords_parameter, xy_parameters


class ImportCases(WanmiAlgorithm):
    NAME = "import_cases"
    DISPLAY = "Import cases"
    GROUP = "Cases"
    GROUP_ID = "cases"
    HELP = (
        "Imports cases (案卷) from CSV, XLSX or a vector file (GeoPackage, GeoJSON …) into the 'cases' layer of "
        "a GeoPackage case store (appended; existing case ids are rejected as duplicates). Headers may be "
        "English (case_id, kind, class_code, reported_at …) or Chinese (案卷编号, 案卷类型, 小类代码, 上报时间 …). "
        "Locations come from longitude/latitude (WGS84, CGCS2000, GCJ-02 or BD-09) or WKT columns; a case with "
        "only a component code is placed at that component of the census layer.\nEvery record is checked: "
        "missing or duplicate id, timestamps out of lifecycle order (上报 → 立案 → 派遣 → 处置 → 反馈 → 核查 → "
        "结案), unknown class code (component classes for 部件, event classes for 事件), component code not in "
        "the census, location outside the jurisdiction, neither location nor component. Valid records are "
        "stored, rejected ones written to the reject CSV with the reason; the store is written atomically, so "
        "a failed or canceled import leaves it unchanged."
    )

    INPUT = "INPUT"
    COMPONENTS = "COMPONENTS"
    JURISDICTION = "JURISDICTION"
    STORE = "STORE"
    REJECTS = "REJECTS"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Case records file")))
        self.addParameter(coords_parameter())
        for parameter in xy_parameters():
            self.addParameter(parameter)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.COMPONENTS, tr("Census components (to place cases by component code)"),
            [QgsProcessing.TypeVectorAnyGeometry], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.JURISDICTION, tr("Jurisdiction polygons (cases must lie inside)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "STRICT", tr("Store nothing when any record is rejected"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.STORE, tr("Case store GeoPackage"), tr("GeoPackage (*.gpkg)")))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.REJECTS, tr("Rejected records (CSV)"), tr("CSV (*.csv)"), optional=True))
        self.addOutput(QgsProcessingOutputNumber("WRITTEN", tr("Cases stored")))
        self.addOutput(QgsProcessingOutputNumber("REJECTED", tr("Cases rejected")))
        self.addOutput(QgsProcessingOutputString("CASES", tr("Case layer")))

    def execute(self, parameters, context, feedback):
        from ..layers.case_store import import_cases, read_cases

        path = self.parameterAsFile(parameters, self.INPUT, context)
        feedback.window(0, 20)
        records = read_cases(
            path, x=self.parameterAsString(parameters, "X_FIELD", context) or None,
            y=self.parameterAsString(parameters, "Y_FIELD", context) or None,
            coords=COORDS[self.parameterAsEnum(parameters, "COORDS", context)])
        feedback.check_canceled()
        components = jurisdiction = None
        source = self.parameterAsSource(parameters, self.COMPONENTS, context)
        if source is not None:
            feedback.window(20, 35)
            components = source_to_gdf(source, feedback)
        source = self.parameterAsSource(parameters, self.JURISDICTION, context)
        if source is not None:
            feedback.window(35, 40)
            jurisdiction = source_to_gdf(source, feedback)
        store = self.parameterAsFileOutput(parameters, self.STORE, context)
        rejects = self.parameterAsFileOutput(parameters, self.REJECTS, context) or str(
            Path(path).with_suffix(".rejects.csv"))
        feedback.window(40, 100)
        result = import_cases(records, store, components=components, jurisdiction=jurisdiction, rejects=rejects,
                              strict=self.parameterAsBool(parameters, "STRICT", context),
                              metadata={"data_source": path}, feedback=feedback)
        feedback.info(tr("{n} case(s) stored, {m} rejected").format(n=result.n_written, m=result.n_rejected))
        for row in result.problems.itertuples():
            feedback.warning(f"{tr('record')} {row.row} ({row.case_id}): {row.detail}")
        return {self.STORE: store, self.REJECTS: rejects, "WRITTEN": result.n_written,
                "REJECTED": result.n_rejected, "CASES": f"{store}|layername=cases"}
