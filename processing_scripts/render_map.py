"""Processing: Render score map (评价专题图) — a PNG/PDF choropleth of evaluation scores with matplotlib."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..core.enums import CLASSIFICATION_METHODS
from .base import WanmiAlgorithm, source_to_gdf, tr

METHODS = CLASSIFICATION_METHODS


class RenderScoreMap(WanmiAlgorithm):
    NAME = "render_map"
    DISPLAY = "Render score map"
    GROUP = "Evaluation"
    GROUP_ID = "evaluation"
    HELP = (
        "Draws a static map (PNG, optionally also PDF) of an evaluation score layer, as made by Compute "
        "evaluation scores: the grade field in the five fixed grade colours with grey for no data (无数据), or a "
        "numeric field (counts, density, rates) in ColorBrewer YlOrRd classes (quantile or Jenks). The map has "
        "a title, a legend with the class bounds and the number of units per class, a scale bar, a north arrow "
        "and a data-source line; Chinese text needs a CJK font (e.g. Noto Sans CJK SC, Debian fonts-noto-cjk)."
    )

    INPUT = "INPUT"
    FIELD = "FIELD"
    TITLE = "TITLE"
    METHOD = "METHOD"
    SOURCE = "SOURCE"
    PDF = "PDF"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, tr("Evaluation scores (polygons)"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.FIELD, tr("Field to map"), "grade", self.INPUT, QgsProcessingParameterField.Any,
            optional=True))  # optional: qgis_process 3.22 ignores the default of a mandatory field parameter
        self.addParameter(QgsProcessingParameterString(self.TITLE, tr("Title (empty: automatic)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, tr("Classes of numeric fields"), [tr("Quantile"), tr("Jenks natural breaks")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.SOURCE, tr("Data-source line (empty: automatic)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(self.PDF, tr("Also write a PDF"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, tr("Map image"), tr("PNG image (*.png);;PDF document (*.pdf)")))

    def execute(self, parameters, context, feedback):
        from ..core.render import save_figure, score_map

        source = self.parameterAsSource(parameters, self.INPUT, context)
        feedback.window(0, 40)
        frame = source_to_gdf(source, feedback)
        if "period" in frame.columns and len(frame):
            frame.attrs["period"] = str(frame["period"].iloc[0])
        feedback.window(40, 70)
        feedback.step(0, 1)
        fig = score_map(
            frame, self.parameterAsString(parameters, self.FIELD, context) or "grade",
            title=self.parameterAsString(parameters, self.TITLE, context) or None,
            source=self.parameterAsString(parameters, self.SOURCE, context) or None,
            method=METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
        )
        feedback.window(70, 100)
        feedback.step(0, 1)
        written = save_figure(fig, self.parameterAsFileOutput(parameters, self.OUTPUT, context),
                              pdf=self.parameterAsBool(parameters, self.PDF, context))
        feedback.step(1, 1)
        for label, _color, n in fig.wanmi_classes:
            feedback.info(f"{label}: {n}")
        return {self.OUTPUT: str(written[0]), "PDF": str(written[1]) if len(written) > 1 else ""}
