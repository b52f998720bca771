"""Parity of the front ends generated from one workflow declaration: the CLI and Processing take the same
parameters and give identical outputs and refusals (issue 14; convert coordinates is the first capability)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from qgis.core import QgsApplication, QgsProcessingException, QgsProcessingParameterDefinition

from wanmi.cli import main
from wanmi.workflow import CAPABILITIES

from .conftest import ROOT

GCJ = ROOT / "layers" / "sample" / "dongcheng_boundary_gcj02.geojson"


@pytest.mark.parametrize("source, index", [("gcj02", 0), ("bd09", 1)])
def test_cli_and_processing_convert_identically(provider, tmp_path, source, index):
    import processing

    assert main(["-q", "convert-coords", str(GCJ), "--from", source, "--out", str(tmp_path / "cli.gpkg")]) == 0
    cli = gpd.read_file(tmp_path / "cli.gpkg", layer="converted")
    processing.run("wanmi:convert_coordinates", {"INPUT": str(GCJ), "SOURCE": index,
                                                  "OUTPUT": str(tmp_path / "qgis.gpkg")})
    qgis = gpd.read_file(tmp_path / "qgis.gpkg")
    assert len(cli) == len(qgis) == 1 and cli.crs.to_epsg() == qgis.crs.to_epsg() == 4326
    a, b = shapely.get_coordinates(cli.geometry.values), shapely.get_coordinates(qgis.geometry.values)
    assert a.shape == b.shape and np.abs(a - b).max() < 1e-9
    original = shapely.get_coordinates(gpd.read_file(GCJ).geometry.values)
    assert 0.001 < np.abs(a - original).max() < 0.02  # the offset (hundreds of metres) is really removed


def test_cli_and_processing_refuse_a_layer_in_metres_with_the_same_message(provider, tmp_path, capsys):
    import processing

    metres = gpd.read_file(GCJ).to_crs("EPSG:4548")
    metres.to_file(tmp_path / "metres.gpkg", layer="boundary")
    argv = ["-q", "convert-coords", str(tmp_path / "metres.gpkg"), "--from", "gcj02", "--out", str(tmp_path / "o.gpkg")]
    assert main(argv) == 2
    cli_message = capsys.readouterr().err
    with pytest.raises(QgsProcessingException) as refused:
        processing.run("wanmi:convert_coordinates", {"INPUT": str(tmp_path / "metres.gpkg"), "SOURCE": 0,
                                                      "OUTPUT": str(tmp_path / "q.gpkg")})
    for part in ("the layer is in EPSG:4548", "a projected system in metres", "Nothing was written"):
        assert part in cli_message and part in str(refused.value)
    assert not (tmp_path / "o.gpkg").exists() and not (tmp_path / "q.gpkg").exists()


def _command(parser, words: list[str]):
    """The argparse parser of ``wanmi <words…>``."""
    for word in words:
        sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        parser = sub.choices[word]
    return parser


def test_both_front_ends_expose_every_declared_parameter(provider):
    """Every declared parameter exists in each front end it is offered in, with help text and the declared
    advanced flag; every generated algorithm has tags and a help URL into the shipped tools reference."""
    from wanmi.cli import build_parser

    parser = build_parser()
    for capability in CAPABILITIES.values():
        alg = QgsApplication.processingRegistry().algorithmById(f"wanmi:{capability.name}")
        assert (alg is not None) is ("processing" in capability.fronts), capability.name
        if alg is not None:
            assert alg.tags() and alg.helpUrl().startswith("file://") and "#" in alg.helpUrl(), capability.name
        command = _command(parser, capability.cli_command.split()) if "cli" in capability.fronts else None
        spelled = {s for action in command._actions for s in (*action.option_strings, action.dest)} \
            if command else set()
        for p in capability.params:
            if alg is not None and p.on("processing"):
                definition = alg.parameterDefinition(p.processing)
                assert definition is not None and definition.help(), (capability.name, p.processing)
                assert bool(definition.flags() & QgsProcessingParameterDefinition.FlagAdvanced) is p.advanced
            if command is not None and p.on("cli"):
                assert (p.cli if p.cli.startswith("--") else p.name) in spelled, (capability.name, p.cli)
