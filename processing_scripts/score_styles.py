"""Name of the density style (applied by :func:`.base.apply_style`, which also classes graduated ones).

``density.qml`` (and any graduated style) stores placeholder ranges that are recomputed on the layer's own
values with the style's classification method (quantile by default) and re-coloured from its ColorBrewer ramp.
The grade style (``grades.qml``, fixed categories A–E + 无数据) is declared with the evaluation capability
(``wanmi.workflow.evaluate``).
"""

DENSITY_STYLE = "density.qml"
