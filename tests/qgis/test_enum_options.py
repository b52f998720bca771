"""Every Processing enum parameter offers exactly the options of its enumeration in wanmi.core.enums, in order."""

from __future__ import annotations

import pytest
from qgis.core import QgsProcessingParameterEnum

from wanmi.core import enums

#: (algorithm, parameter) → the enumeration its option index is read from
CASES = [
    ("partition", "METHOD", enums.PARTITION_METHODS),
    ("partition", "SCHEME", enums.CELL_SCHEME_NAMES),
    ("renumber", "SCHEME", enums.CELL_SCHEME_NAMES),
    ("audit", "SCHEME", enums.CELL_SCHEME_NAMES),
    ("audit", "COMPONENT_SCHEME", enums.COMPONENT_SCHEME_NAMES),
    ("convert_coordinates", "SOURCE", enums.WEB_COORD_SYSTEMS),
    ("evaluate", "BY", enums.GROUP_KEYS),
    ("overlay_cases", "BY", enums.GROUP_KEYS),
    ("render_map", "METHOD", enums.CLASSIFICATION_METHODS),
    ("import_census", "SCHEME", enums.COMPONENT_SCHEME_NAMES),
    ("import_census", "COORDS", enums.COORD_SYSTEMS),
    ("validate_census", "SCHEME", enums.COMPONENT_SCHEME_NAMES),
    ("validate_census", "COORDS", enums.COORD_SYSTEMS),
    ("import_cases", "COORDS", enums.COORD_SYSTEMS),
    ("assign_components", "SCHEME", enums.COMPONENT_SCHEME_NAMES),
    ("locate_codes", "SCHEME", enums.COMPONENT_SCHEME_NAMES),
]


@pytest.mark.parametrize("module, name, names", CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_processing_enum_matches_the_core_enumeration(qgis_app, module, name, names):
    from wanmi.processing_scripts.provider import algorithm_classes

    alg = algorithm_classes()[module]()
    alg.initAlgorithm()
    param = alg.parameterDefinition(name)
    assert isinstance(param, QgsProcessingParameterEnum), name
    assert len(param.options()) == len(names), (param.options(), names)
