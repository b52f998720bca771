"""The workflow layer: declarations are checked, and a capability's run is the one place input is judged."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from wanmi.core.errors import InputError
from wanmi.workflow import CAPABILITIES, Param, expected_failure
from wanmi.workflow.convert import CONVERT


def test_declarations_are_well_formed():
    with pytest.raises(ValueError, match="kind"):
        Param("x", "colour", "X", processing="X", cli="--x")
    with pytest.raises(ValueError, match="label per choice"):
        Param("x", "enum", "X", processing="X", cli="--x", choices=("a", "b"), choice_labels=("A",))
    for capability in CAPABILITIES.values():
        names = [p.name for p in capability.params]
        assert len(names) == len(set(names)), capability.name
        for front, spelling in (("processing", "processing"), ("cli", "cli")):  # unique within each front end
            spelled = [getattr(p, spelling) for p in capability.params if p.on(front)]
            assert len(spelled) == len(set(spelled)), (capability.name, front)
        assert all(p.label and (p.help or p.kind != "vector") for p in capability.params), capability.name


def test_convert_removes_the_gcj02_offset_and_refuses_metres():
    # Tiananmen: WGS 84 116.3913, 39.9075 is shown by Amap about 600 m east-south-east (GCJ-02 116.3975, 39.9089)
    gcj = gpd.GeoDataFrame({"name": ["天安门"]}, geometry=[shapely.Point(116.39750, 39.90890)], crs="EPSG:4326")
    result = CONVERT.run(gcj, "gcj02")
    point = result.frames["output"].geometry.iloc[0]
    assert abs(point.x - 116.3913) < 0.0005 and abs(point.y - 39.9075) < 0.0005
    assert result.frames["output"].crs.to_epsg() == 4326 and result.frames["output"]["name"].tolist() == ["天安门"]
    metres = gcj.to_crs("EPSG:4548")
    metres.attrs["name"] = "survey.gpkg"
    with pytest.raises(InputError, match=r"survey\.gpkg: the layer is in EPSG:4548"):
        CONVERT.run(metres, "gcj02")
    with pytest.raises(InputError, match="unknown source system"):
        CONVERT.run(gcj, "wgs84")


def test_expected_failures_are_messages_and_bugs_keep_their_traceback():
    assert expected_failure(InputError("x.csv, line 3: bad")) == "x.csv, line 3: bad"
    assert expected_failure(PermissionError(13, "Permission denied", "/data/out.gpkg")) == \
        "/data/out.gpkg: Permission denied"
    assert expected_failure(KeyError("bug")) is None


def test_declarations_load_no_engine():
    """The Processing provider imports the declarations at load time: they must not pull in the engine."""
    import subprocess
    import sys

    code = ("import sys, wanmi.workflow; "
            "print(sorted(m for m in ('numpy', 'pandas', 'geopandas', 'shapely', 'pyproj') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_declared_limits_and_choices_are_enforced_for_every_front_end():
    """invoke() refuses a number outside its declared range and an undeclared choice before the run starts."""
    from wanmi.core.errors import WanmiError
    from wanmi.workflow.base import invoke

    partition = CAPABILITIES["partition"]
    layer = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:4548")
    values = {p.name: p.default for p in partition.params} | {"jurisdiction": layer}
    for change, words in (({"sliver_ratio": 1.5}, "between 0 and 1"), ({"target_area": 0.5}, "at least 1"),
                          ({"method": "hexagons"}, "unknown choice 'hexagons'")):
        with pytest.raises(WanmiError, match=words):
            invoke(partition, values | change)


def test_swapped_code_fields_keep_both_columns():
    from wanmi.workflow.partition import code_columns

    frame = gpd.GeoDataFrame({"district_code": ["001"], "street_code": ["110101"]},
                             geometry=[shapely.box(0, 0, 1, 1)])
    swapped = code_columns(frame, "street_code", "district_code", None)
    assert swapped["district_code"].tolist() == ["110101"] and swapped["street_code"].tolist() == ["001"]


def test_every_wanmi_line_of_the_readme_is_a_valid_command():
    """The README's command lines parse with the generated parser (spellings kept when the commands moved onto
    the declarations)."""
    import re
    import shlex
    from pathlib import Path

    from wanmi.cli import build_parser

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    lines = [line.split("  #")[0].strip() for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
             for line in block.replace("\\\n", " ").splitlines() if line.strip().startswith("wanmi ")]
    assert len(lines) >= 10
    parser = build_parser()
    for line in lines:
        parser.parse_args(shlex.split(line)[1:])  # SystemExit (exit 2) on an unknown spelling


def test_every_tool_has_chinese_search_keywords_and_help():
    """The Processing toolbox finds every tool by a Chinese keyword; every parameter explains itself."""
    for capability in CAPABILITIES.values():
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in tag) for tag in capability.tags), capability.name
        assert capability.help and all(p.help for p in capability.params), capability.name


def test_coordinates_that_cannot_be_in_the_layers_crs_are_refused_for_every_tool():
    """Issue 15: longitudes/latitudes labelled EPSG:4548 gave two cells of 0.00 m²; metres labelled EPSG:4326
    gave nonsense. invoke() refuses both from the extent, naming the layer, before any work."""
    from wanmi.core.errors import WanmiError
    from wanmi.workflow.base import invoke

    partition = CAPABILITIES["partition"]
    values = {p.name: p.default for p in partition.params}
    degrees = gpd.GeoDataFrame(geometry=[shapely.box(116.40, 39.90, 116.41, 39.91)], crs="EPSG:4548")
    degrees.attrs["name"] = "dongcheng.gpkg"
    with pytest.raises(WanmiError, match=r"dongcheng.gpkg: .*look like longitudes/latitudes"):
        invoke(partition, values | {"jurisdiction": degrees})
    metres = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 4_400_000, 501_000, 4_401_000)], crs="EPSG:4490")
    with pytest.raises(WanmiError, match="they are metres"):
        invoke(partition, values | {"jurisdiction": metres})
    fine = gpd.GeoDataFrame({"district_code": ["110101"]}, geometry=[shapely.box(116.40, 39.90, 116.401, 39.901)],
                            crs="EPSG:4490")
    assert len(invoke(partition, values | {"jurisdiction": fine}).frames["cells"]) >= 1


def test_an_internal_error_is_one_line_and_a_traceback_only_with_debug(tmp_path, monkeypatch, capsys):
    """Issue 15: a bug gives exit status 1 and one line asking for --debug; --debug shows the traceback."""
    from wanmi.cli import main
    from wanmi.core import crs

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(crs, "convert_geometries", broken)
    points = tmp_path / "points.csv"
    points.write_text("name,lon,lat\n天安门,116.3975,39.9089\n", encoding="utf-8")
    argv = ["convert-coords", str(points), "--from", "gcj02", "--out", str(tmp_path / "out.gpkg")]
    assert main(["-q", *argv]) == 1
    err = capsys.readouterr().err
    assert "internal error (ZeroDivisionError: division by zero)" in err and "--debug" in err
    assert "Traceback" not in err and not (tmp_path / "out.gpkg").exists()
    with pytest.raises(ZeroDivisionError):
        main(["-q", "--debug", *argv])
