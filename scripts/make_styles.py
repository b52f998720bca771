"""Regenerate the QML styles in ``layers/styles`` with PyQGIS (run with the project venv).

Styles are built in code so they are valid for the QGIS version that writes them (3.22, the minimum we
support) and reviewable in one place. Outputs are committed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsFillSymbol,
    QgsPalLayerSettings,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

STYLES = Path(__file__).resolve().parent.parent / "layers" / "styles"


def unit_cells(layer: QgsVectorLayer) -> None:
    """单元网格: magenta outline (DB11/T 2157 boundary colour), no fill, code labels at large scales."""
    symbol = QgsFillSymbol.createSimple(
        {"color": "255,0,255,0", "style": "no", "outline_color": "#d01c8b", "outline_width": "0.4",
         "outline_width_unit": "MM"}
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    settings = QgsPalLayerSettings()
    settings.fieldName = "code"
    settings.placement = QgsPalLayerSettings.OverPoint
    settings.scaleVisibility = True
    settings.minimumScale = 10000  # visible when zoomed in beyond 1:10,000
    settings.maximumScale = 0
    fmt = QgsTextFormat()
    fmt.setFont(QFont("Noto Sans CJK SC"))
    fmt.setSize(7)
    fmt.setColor(QColor("#7a0177"))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


STYLE_BUILDERS = {"unit_cells.qml": ("Polygon?field=code:string", unit_cells)}


def main() -> int:
    app = QgsApplication([], False)
    app.initQgis()
    STYLES.mkdir(parents=True, exist_ok=True)
    for name, (uri, build) in STYLE_BUILDERS.items():
        layer = QgsVectorLayer(uri, name, "memory")
        build(layer)
        msg, ok = layer.saveNamedStyle(str(STYLES / name))
        if not ok:
            print(name, msg, file=sys.stderr)
            return 1
        print(STYLES / name)
        del layer
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
