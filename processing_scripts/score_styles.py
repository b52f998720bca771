"""Names of the evaluation styles (applied by :func:`.base.apply_style`, which also classes graduated ones).

``grades.qml`` is a fixed categorised style (A–E + 无数据). ``density.qml`` (and any graduated style)
stores placeholder ranges that are recomputed on the layer's own values with the style's classification
method (quantile by default) and re-coloured from its ColorBrewer ramp.
"""

GRADE_STYLE = "grades.qml"
DENSITY_STYLE = "density.qml"
