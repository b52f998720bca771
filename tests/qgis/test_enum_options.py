"""Every Processing enum parameter offers exactly the options of its enumeration in wanmi.core.enums, in order."""

from __future__ import annotations

import pytest
from qgis.core import QgsProcessingParameterEnum

from wanmi.core import enums

#: (module, algorithm class, parameter) → the enumeration its option index is read from
CASES = [
    ("partition", "PartitionJurisdiction", "METHOD", enums.PARTITION_METHODS),
    ("partition", "PartitionJurisdiction", "SCHEME", enums.CELL_SCHEME_NAMES),
    ("renumber", "RenumberGrid", "SCHEME", enums.CELL_SCHEME_NAMES),
    ("audit", "AuditBoundaries", "SCHEME", enums.CELL_SCHEME_NAMES),
    ("audit", "AuditBoundaries", "COMPONENT_SCHEME", enums.COMPONENT_SCHEME_NAMES),
    ("convert_coordinates", "ConvertWebMapCoordinates", "SOURCE", enums.WEB_COORD_SYSTEMS),
    ("evaluate", "ComputeEvaluationScores", "BY", enums.GROUP_KEYS),
    ("overlay_cases", "OverlayCases", "BY", enums.GROUP_KEYS),
    ("render_map", "RenderScoreMap", "METHOD", enums.CLASSIFICATION_METHODS),
    ("import_census", "ImportCensus", "SCHEME", enums.COMPONENT_SCHEME_NAMES),
    ("import_census", "ImportCensus", "COORDS", enums.COORD_SYSTEMS),
    ("validate_census", "ValidateCensus", "SCHEME", enums.COMPONENT_SCHEME_NAMES),
    ("validate_census", "ValidateCensus", "COORDS", enums.COORD_SYSTEMS),
    ("import_cases", "ImportCases", "COORDS", enums.COORD_SYSTEMS),
    ("assign_components", "AssignComponents", "SCHEME", enums.COMPONENT_SCHEME_NAMES),
    ("locate_codes", "LocateCodes", "SCHEME", enums.COMPONENT_SCHEME_NAMES),
]


@pytest.mark.parametrize("module, cls, name, names", CASES, ids=[f"{c[0]}.{c[2]}" for c in CASES])
def test_processing_enum_matches_the_core_enumeration(qgis_app, module, cls, name, names):
    import importlib

    alg = getattr(importlib.import_module(f"wanmi.processing_scripts.{module}"), cls)()
    alg.initAlgorithm()
    param = alg.parameterDefinition(name)
    assert isinstance(param, QgsProcessingParameterEnum), name
    assert len(param.options()) == len(names), (param.options(), names)
