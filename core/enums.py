"""The enumerations every front end offers, in one place (枚举值).

Grouping keys, partition and classification methods, code scheme names and coordinate systems are named
here once; the engine checks against these tuples, the CLI builds its ``choices=`` from them and the
Processing algorithms their enum options (the translated labels stay in the Processing files).

**Order is part of the interface**: a Processing enum parameter is saved as the option's *index* in models,
batch files and ``qgis_process`` calls, so never reorder or insert: append. Spellings are what the CLI
accepts and what scripts pass.

This module imports nothing (not even numpy), so Processing modules and the plugin may import it at load
time without pulling in the engine's dependencies.
"""

from __future__ import annotations

__all__ = [
    "CELL_SCHEME_NAMES",
    "CLASSIFICATION_METHODS",
    "COMPONENT_SCHEME_NAMES",
    "COORD_SYSTEMS",
    "DEFAULT_CELL_SCHEME",
    "DEFAULT_COMPONENT_SCHEME",
    "GROUP_KEYS",
    "PARTITION_METHODS",
    "REGION_KEYS",
    "REGION_KEY_WIDTHS",
    "WEB_COORD_SYSTEMS",
]

#: Keys a case/evaluation table is grouped by: the jurisdiction hierarchy (cell → community → street →
#: district, the full 15/12/9/6-digit codes), then the handling department and the supervisor (监督员).
REGION_KEYS: tuple[str, ...] = ("cell_code", "community_code", "street_code", "district_code")
GROUP_KEYS: tuple[str, ...] = (*REGION_KEYS, "dept_code", "supervisor")
#: Digits of the full key of each jurisdiction level (district 6, + street 3, + community 3).
REGION_KEY_WIDTHS: dict[str, int] = {"district_code": 6, "street_code": 9, "community_code": 12}

#: Partition methods (:func:`wanmi.core.grid.partition`); Processing option order.
PARTITION_METHODS: tuple[str, ...] = ("regular", "street-block")
#: Class-break methods of the score maps (:mod:`wanmi.core.render`); Processing option order.
CLASSIFICATION_METHODS: tuple[str, ...] = ("quantile", "jenks")

#: Unit-cell code schemes (:data:`wanmi.core.cellcode.CELL_SCHEMES`); Processing option order.
CELL_SCHEME_NAMES: tuple[str, ...] = ("gbt30428-15", "cjt213-14")
DEFAULT_CELL_SCHEME = CELL_SCHEME_NAMES[0]
#: Component code schemes (:func:`wanmi.core.codes.get_scheme`); Processing option order.
COMPONENT_SCHEME_NAMES: tuple[str, ...] = ("default12", "cjt214-16", "gbt47678-17")
DEFAULT_COMPONENT_SCHEME = COMPONENT_SCHEME_NAMES[0]

#: Longitude/latitude systems of imported coordinates (:func:`wanmi.core.crs.convert_lonlat`); Processing
#: option order of the census/case imports. "cgcs2000" is treated as "wgs84" (centimetres apart).
COORD_SYSTEMS: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")
#: The Chinese web-map offset systems (GCJ-02 火星坐标, BD-09 百度坐标); Processing order of the converter.
WEB_COORD_SYSTEMS: tuple[str, ...] = ("gcj02", "bd09")
