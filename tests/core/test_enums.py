"""One place for the enumerations (wanmi.core.enums): the engine, the CLI and Processing all take them from there."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import numpy as np
import pytest

from wanmi.core import enums

ROOT = Path(__file__).resolve().parents[2]


def test_the_order_saved_models_depend_on_is_frozen():
    """Processing stores an enum parameter as the option's index: these orders may only grow at the end."""
    assert enums.REGION_KEYS == ("cell_code", "community_code", "street_code", "district_code")
    assert (*enums.REGION_KEYS, "dept_code", "supervisor") == enums.GROUP_KEYS
    assert enums.PARTITION_METHODS == ("regular", "street-block")
    assert enums.CLASSIFICATION_METHODS == ("quantile", "jenks")
    assert enums.CELL_SCHEME_NAMES == ("gbt30428-15", "cjt213-14")
    assert enums.COMPONENT_SCHEME_NAMES == ("default12", "cjt214-16", "gbt47678-17")
    assert enums.COORD_SYSTEMS == ("wgs84", "cgcs2000", "gcj02", "bd09")
    assert enums.WEB_COORD_SYSTEMS == ("gcj02", "bd09")
    assert enums.REGION_KEY_WIDTHS == {"district_code": 6, "street_code": 9, "community_code": 12}


def test_the_engine_knows_every_name():
    from wanmi.core import batch, cases, cellcode, codes, crs, evaluation, grid, render

    assert tuple(cellcode.CELL_SCHEMES) == enums.CELL_SCHEME_NAMES
    assert cellcode.DEFAULT_CELL_SCHEME == enums.DEFAULT_CELL_SCHEME == enums.CELL_SCHEME_NAMES[0]
    assert [codes.get_scheme(n).name for n in enums.COMPONENT_SCHEME_NAMES] == list(enums.COMPONENT_SCHEME_NAMES)
    for system in enums.COORD_SYSTEMS:
        lon, lat = crs.convert_lonlat(np.array([116.4]), np.array([39.9]), system)
        assert np.isfinite(lon).all() and np.isfinite(lat).all()
    assert grid.METHODS is enums.PARTITION_METHODS and set(grid._METHOD_ALIASES.values()) == set(grid.METHODS)
    for method in enums.CLASSIFICATION_METHODS:
        render.classify(np.arange(20.0), 3, method)
    assert evaluation.GROUP_KEYS is enums.GROUP_KEYS and tuple(evaluation.KIND_OF_KEY) == enums.GROUP_KEYS
    assert evaluation.REGION_PREFIX == enums.REGION_KEY_WIDTHS
    assert cases._BY is enums.GROUP_KEYS
    assert batch._CODE_COLUMNS is enums.REGION_KEYS and batch.GROUP_KEYS == ("dept_code", "supervisor")


def _choices(parser: argparse.ArgumentParser, *path: str) -> dict[str, tuple]:
    """``--option`` → (choices, default) of the sub-command at ``path``."""
    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return {a.option_strings[-1]: (tuple(a.choices) if a.choices else None, a.default)
            for a in parser._actions if a.option_strings}


def test_the_cli_offers_the_same_names_spelled_as_before():
    from wanmi.cli import build_parser

    parser = build_parser()
    assert _choices(parser, "partition")["--method"] == (enums.PARTITION_METHODS, "regular")
    assert _choices(parser, "partition")["--scheme"][1] == "gbt30428-15"
    # one declaration (wanmi.workflow.convert) for the CLI and Processing: the web-map systems, as Processing had
    assert _choices(parser, "convert-coords")["--from"][0] == enums.WEB_COORD_SYSTEMS
    assert _choices(parser, "audit")["--component-scheme"][1] == "default12"
    assert _choices(parser, "cases", "overlay")["--by"] == (enums.GROUP_KEYS, "cell_code")
    assert _choices(parser, "evaluate")["--by"] == (enums.GROUP_KEYS, "cell_code")
    assert _choices(parser, "render")["--method"] == (enums.CLASSIFICATION_METHODS, "quantile")
    assert _choices(parser, "census", "import")["--scheme"][1] == "default12"
    assert _choices(parser, "census", "import")["--coords"][1] == "wgs84"


_LITERALS = {enums.GROUP_KEYS, enums.REGION_KEYS, enums.PARTITION_METHODS, enums.CLASSIFICATION_METHODS,
             enums.CELL_SCHEME_NAMES, enums.COMPONENT_SCHEME_NAMES, enums.COORD_SYSTEMS, enums.WEB_COORD_SYSTEMS}


@pytest.mark.parametrize("folder", ["core", "processing_scripts", "layers", "plugin", "."])
def test_no_enumeration_is_written_out_again(folder):
    """No tuple/list literal equal to one of the enumerations outside core/enums.py (the one place)."""
    paths = sorted((ROOT / folder).glob("*.py") if folder == "." else (ROOT / folder).rglob("*.py"))
    found = []
    for path in paths:
        if path.name == "enums.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            strings = isinstance(node, (ast.Tuple, ast.List)) and node.elts and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
            if strings and tuple(e.value for e in node.elts) in _LITERALS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"write these as imports from wanmi.core.enums: {found}"
