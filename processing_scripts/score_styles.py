"""Styling of evaluation outputs: the grade and density QML styles, applied by a layer post-processor.

``grades.qml`` is a fixed categorised style (A–E + 无数据). ``density.qml`` (and any graduated style)
stores placeholder ranges: :func:`apply_score_style` recomputes them on the layer's own values with the
style's classification method (quantile by default) and re-colours them from its ColorBrewer ramp.
"""

from __future__ import annotations

from typing import ClassVar

from qgis.core import QgsGraduatedSymbolRenderer, QgsProcessingLayerPostProcessorInterface, QgsVectorLayer

from .base import STYLES

GRADE_STYLE = "grades.qml"
DENSITY_STYLE = "density.qml"


def apply_score_style(layer: QgsVectorLayer, qml_name: str = GRADE_STYLE, classes: int = 5) -> bool:
    """Load ``layers/styles/<qml_name>`` on ``layer``; graduated renderers get classes from the layer's data."""
    path = STYLES / qml_name
    if not isinstance(layer, QgsVectorLayer) or not path.exists():
        return False
    _msg, ok = layer.loadNamedStyle(str(path))
    if not ok:
        return False
    renderer = layer.renderer()
    if isinstance(renderer, QgsGraduatedSymbolRenderer) and layer.fields().indexOf(renderer.classAttribute()) >= 0:
        ramp = renderer.sourceColorRamp().clone() if renderer.sourceColorRamp() else None
        renderer.updateClasses(layer, classes)
        if ramp is not None:
            renderer.updateColorRamp(ramp)
    layer.triggerRepaint()
    return True


class ScoreStyler(QgsProcessingLayerPostProcessorInterface):
    """Post-processor: applies a score style once Processing has loaded the output layer (main thread)."""

    _alive: ClassVar[list[ScoreStyler]] = []  # Processing keeps only a raw pointer: hold a reference

    def __init__(self, qml_name: str = GRADE_STYLE) -> None:
        super().__init__()
        self.qml_name = qml_name
        ScoreStyler._alive.append(self)

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        apply_score_style(layer, self.qml_name)


def style_scores(context, dest_id: str, qml_name: str = GRADE_STYLE) -> None:
    """Ask Processing to style output ``dest_id`` with ``qml_name`` when it loads it into the project."""
    if context.willLoadLayerOnCompletion(dest_id):
        context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(ScoreStyler(qml_name))
