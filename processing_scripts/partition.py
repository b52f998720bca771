"""Processing: Partition jurisdiction into unit grid (万米单元网格划分), generated from ``wanmi.workflow.partition``.

Also the code field parameters of a jurisdiction layer for the hand-written algorithms that still read them
(:func:`add_code_field_parameters`, :func:`code_columns`)."""

from __future__ import annotations

import re

from qgis.core import QgsProcessingParameterField

from ..core.enums import CELL_SCHEME_NAMES, PARTITION_METHODS
from ..core.errors import InputError
from ..workflow.partition import PARTITION, code_field_params, refuse_grid_with_history
from ..workflow.partition import code_columns as rename_code_fields
from .base import qgis_crs, tr
from .workflow_adapter import algorithm_class

__all__ = ["METHODS", "SCHEMES", "PartitionJurisdiction", "add_code_field_parameters", "code_columns", "qgis_crs"]

METHODS = PARTITION_METHODS
SCHEMES = CELL_SCHEME_NAMES


def add_code_field_parameters(alg, parent: str) -> None:
    """The district/street/community code field choices of a jurisdiction layer (read by :func:`code_columns`),
    as the partition declares them."""
    for p in code_field_params(parent):
        q = QgsProcessingParameterField(p.processing, tr(p.label), p.default, parent,
                                        QgsProcessingParameterField.Any, optional=p.optional)
        q.setHelp(tr(p.help))
        alg.addParameter(q)


def code_columns(frame, parameters, alg, context) -> object:
    """Rename the user's chosen code fields to the engine's district_code/street_code/community_code."""
    fields = [alg.parameterAsString(parameters, p.processing, context) or None
              for p in code_field_params("jurisdiction")]
    return rename_code_fields(frame, *fields)


def _gpkg_destination(destination: str) -> tuple[str, str] | None:
    """(file, layer) a sink destination writes into a GeoPackage: the layer of an ``ogr:`` URI, else
    unit_cells (a plain path replaces the whole file, the grid layer with it); None for anything else."""
    match = re.match(r"^ogr:dbname='(?P<path>[^']*)'\s+table=\"(?P<table>[^\"]*)\"", destination)
    path, layer = (match["path"], match["table"]) if match else (destination.split("|")[0], "unit_cells")
    return (path, layer) if path.lower().endswith(".gpkg") else None


class PartitionJurisdiction(algorithm_class(PARTITION, "PartitionJurisdiction")):
    """The generated algorithm, refusing (as the command line does) to replace a grid that keeps its history."""

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        target = _gpkg_destination(self.parameterAsOutputLayer(parameters, "OUTPUT", context) or "")
        if target is not None:
            try:
                refuse_grid_with_history(*target)
            except InputError as exc:
                return False, str(exc)
        return super().checkParameterValues(parameters, context)
