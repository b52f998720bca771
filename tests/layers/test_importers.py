"""Census file import/export (wanmi.layers.importers).

Web-map offsets are checked against published coordinate pairs (the same sources as tests/core/test_crs.py:
coordtransform, eviltransform and gcoord), written into CSV rows as a field crew would deliver them.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from wanmi.core.errors import InputError
from wanmi.layers import importers, schema
from wanmi.layers.importers import read_components, read_table, write_components

GEOD = pyproj.Geod(ellps="WGS84")

# (name, true WGS 84 lon/lat, GCJ-02 lon/lat): coordtransform (116.404, 39.915) and eviltransform TESTS.
GCJ_PAIRS = [
    ("coordtransform", (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ("shanghai", (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ("shenzhen", (113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ("beijing", (116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]
# (name, true WGS 84, BD-09): gcoord's [123, 45] and city fixtures (real city-centre coordinates).
BD_PAIRS = [
    ("gcoord-123-45", (123.0, 45.0), (123.0124491, 45.0083293)),
    ("郑州市", (113.6192856, 34.7478004), (113.6317519, 34.7528605)),
    ("沈阳市", (123.4253306, 41.8032629), (123.438095, 41.8114013)),
    ("邢台市", (114.498916, 37.0700925), (114.5113116, 37.0766797)),
]


def _errors_m(frame: gpd.GeoDataFrame, truth: list[tuple[float, float]]) -> np.ndarray:
    wgs = frame.geometry.to_crs("EPSG:4326")
    lon, lat = shapely.get_x(wgs.to_numpy()), shapely.get_y(wgs.to_numpy())
    t = np.array(truth)
    return np.array(GEOD.inv(lon, lat, t[:, 0], t[:, 1])[2])


def _write_csv(path, header: list[str], rows: list[list], encoding: str = "utf-8") -> None:
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding=encoding)


@pytest.mark.parametrize(("coords", "pairs"), [("gcj02", GCJ_PAIRS), ("bd09", BD_PAIRS)])
def test_web_map_csv_lands_within_a_metre_of_true_wgs84(tmp_path, coords, pairs):
    path = tmp_path / f"{coords}.csv"
    _write_csv(path, ["名称", "经度", "纬度"], [[name, f"{c[0]!r}", f"{c[1]!r}"] for name, _, c in pairs])
    frame = read_components(path, coords=coords, metric=False)
    assert list(frame["name"]) == [p[0] for p in pairs]
    errors = _errors_m(frame, [p[1] for p in pairs])
    assert (errors < 1.0).all(), errors
    # without the conversion the points would be hundreds of metres off: the test can fail
    raw = read_components(path, coords="wgs84", metric=False)
    assert (_errors_m(raw, [p[1] for p in pairs]) > 100).all()


def test_result_is_metric_and_coordinates_survive_projection(tmp_path):
    path = tmp_path / "wgs.csv"
    _write_csv(path, ["code", "lng", "lat"], [["a", "116.404", "39.915"], ["b", "121.4737", "31.2304"]])
    frame = read_components(path)
    assert frame.crs.to_epsg() in (4548, 4549)  # CGCS2000 GK zone chosen for the extent's centre
    assert frame.crs.axis_info[0].unit_name == "metre"
    assert (_errors_m(frame, [(116.404, 39.915), (121.4737, 31.2304)]) < 0.01).all()
    assert list(frame["source_row"]) == [2, 3]


def test_bad_numbers_are_row_problems_not_crashes(tmp_path):
    path = tmp_path / "bad.csv"
    _write_csv(path, ["code", "x", "y"], [
        ["ok", "116.40", "39.91"], ["text", "abc", "39.91"], ["empty", "", ""],
        ["lat-range", "116.4", "139.9"],
        ["fullwidth", "１１６．４１", "39.91°"], ["lon-range", "216.4", "39.9"], ["half", "116.4", ""],
    ])
    frame = read_components(path, metric=False)
    problems = dict(zip(frame["code"], frame["import_problem"]))
    assert problems["ok"] is None and problems["fullwidth"] is None
    assert problems["text"] == "column x: 'abc' is not a number"
    assert problems["empty"] == "no location: columns x and y are empty"
    assert problems["half"] == "no location: column y is empty"
    assert "latitude 139.9" in problems["lat-range"] and "swapped" in problems["lat-range"]
    assert "longitude 216.4" in problems["lon-range"]
    assert frame.geometry.isna().tolist() == [False, True, True, True, False, True, True]
    assert shapely.get_x(frame.geometry.iloc[4]) == pytest.approx(116.41)


def test_explicit_columns_epsg_and_gbk_encoding(tmp_path):
    path = tmp_path / "gk.csv"
    _write_csv(path, ["部件名称", "东坐标", "北坐标"], [["路灯", "500100.5", "4420200.25"]],
               encoding="gb18030")
    frame = read_components(path, x="东坐标", y="北坐标", coords="EPSG:4548")
    assert frame.crs.to_epsg() == 4548
    assert (frame.geometry.x.iloc[0], frame.geometry.y.iloc[0]) == (500100.5, 4420200.25)
    assert frame["name"].iloc[0] == "路灯"
    with pytest.raises(InputError, match="no coordinate columns"):
        _write_csv(tmp_path / "n.csv", ["a", "b"], [["1", "2"]])
        read_components(tmp_path / "n.csv")
    with pytest.raises(InputError, match="not in the table"):
        read_components(path, x="nope", y="北坐标")


def test_field_names_from_labels_abbreviations_and_cjt(tmp_path):
    values = {"code": "11010101037000001", "name": "路灯", "dept_code": "D1", "status": "完好",
              "initial_date": "2024-05-01", "cell_code": "110101001001001"}
    frames = []
    for naming in ("zh", "gbt", "cjt"):
        names = schema.rename_for(naming, values)
        path = tmp_path / f"{naming}.csv"
        _write_csv(path, [*names.values(), "经度", "纬度"], [[*values.values(), "116.4", "39.9"]])
        frame = read_components(path)
        frames.append(frame[list(values)])
    for frame in frames:
        assert frame.iloc[0].to_dict() == values


def test_wkt_column_for_lines(tmp_path):
    path = tmp_path / "wkt.csv"
    _write_csv(path, ["code", "wkt"], [["a", "LINESTRING (116.40 39.91, 116.41 39.91)"],
                                      ["b", "LINESTRING (1"]])
    frame = read_components(path, metric=False)
    assert frame.geometry.iloc[0].geom_type == "LineString"
    assert frame.geometry.iloc[1] is None and "not WKT" in frame["import_problem"].iloc[1]


def _census_frame() -> gpd.GeoDataFrame:
    """Store-like records (read() layout) in CGCS2000 lon/lat."""
    rows = {name: [None, None] for name in schema.field_names()}
    rows.update({
        "code": ["11010101037000001", "11010101001000002"], "class_code": ["01037", "01001"],
        "name": ["路灯", "供水井盖"], "dept_code": ["11110101MB1234567X", "0001"],
        "dept_name": ["东城区城管委", "自来水集团"],
        "cell_code": ["110101001001001", "110101001001002"], "status": ["完好", "破损"],
        "initial_date": [dt.date(2024, 5, 1), dt.date(2023, 1, 31)],
        "change_date": [None, dt.date(2025, 2, 1)],
        "note": ["含'引号\"与,逗号", None], "street_code": ["110101001", None],
    })
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in rows.items()})
    points = [shapely.Point(116.40123456789, 39.91), shapely.Point(116.41, 39.92)]
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4490")


def _same_records(back: gpd.GeoDataFrame, original: gpd.GeoDataFrame) -> None:
    from wanmi.core.census import normalize_components, parse_dates

    got = normalize_components(back)
    for name in schema.field_names():
        values = got[name]
        if schema.FIELDS_BY_NAME[name].type == "date":
            values = parse_dates(values)[0]
        assert values.tolist() == original[name].tolist(), name
    moved = _errors_m(back, list(zip(original.geometry.x, original.geometry.y)))
    assert (moved < 0.001).all()


@pytest.mark.parametrize("suffix", [".xlsx", ".shp", ".csv", ".geojson", ".gpkg"])
def test_round_trips(tmp_path, suffix):
    original = _census_frame()
    path = write_components(original, tmp_path / f"out{suffix}")
    back = read_components(path)
    _same_records(back, original)


def test_shapefile_uses_gbt_abbreviations(tmp_path):
    import pyogrio

    path = write_components(_census_frame(), tmp_path / "c.shp")
    fields = list(pyogrio.read_info(path)["fields"])
    assert fields == [f.shp_name for f in schema.COMPONENT_FIELDS]
    assert "GLBJBSM" in fields and "SZDYWGBSM" in fields


def test_xlsx_codes_stay_text_and_native_cells_are_read(tmp_path):
    import openpyxl

    path = write_components(_census_frame(), tmp_path / "c.xlsx", naming="zh")
    book = openpyxl.load_workbook(path)
    ws = book.active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["管理部件标识码", "部件小类代码", "管理部件名称"]
    assert ws.cell(2, 1).value == "11010101037000001" and ws.cell(2, 1).number_format == "@"
    # A hand-made sheet: a title row is skipped only if empty, dates as real Excel dates, numbers as numbers
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "普查"
    ws.append([])
    ws.append(["标识码", "名称", "初始日期", "网格编码", "经度", "纬度"])
    ws.append(["11010101037000009", "路灯", dt.datetime(2024, 5, 1), 110101001001001, 116.4, 39.9])
    ws.append(["11010101037000010", "路灯", "2024/5/2", "110101001001001", "abc", 39.9])
    book.save(tmp_path / "hand.xlsx")
    frame = read_components(tmp_path / "hand.xlsx", sheet="普查")
    assert list(frame["source_row"]) == [3, 4]
    assert frame["cell_code"].iloc[0] == 110101001001001  # raw; the validator turns numbers into text
    assert frame["initial_date"].iloc[0] == dt.datetime(2024, 5, 1)
    assert frame["import_problem"].tolist() == [None, "column 经度: 'abc' is not a number"]
    with pytest.raises(InputError, match="no sheet"):
        read_components(tmp_path / "hand.xlsx", sheet="Sheet9")
    # "--sheet 0" from the command line arrives as text: a sheet number, as the help says (issue 15)
    assert list(read_components(tmp_path / "hand.xlsx", sheet="0")["source_row"]) == [3, 4]
    with pytest.raises(InputError, match="no sheet number 3"):
        read_components(tmp_path / "hand.xlsx", sheet="3")


def test_vector_file_in_gcj02_is_converted(tmp_path):
    gcj = [p[2] for p in GCJ_PAIRS]
    frame = gpd.GeoDataFrame({"ObjName": [p[0] for p in GCJ_PAIRS]},
                             geometry=[shapely.Point(*c) for c in gcj], crs="EPSG:4326")
    frame.to_file(tmp_path / "gcj.geojson", driver="GeoJSON")
    back = read_components(tmp_path / "gcj.geojson", coords="gcj02")
    assert list(back["name"]) == [p[0] for p in GCJ_PAIRS]
    assert (_errors_m(back, [p[1] for p in GCJ_PAIRS]) < 1.0).all()
    assert list(back["source_row"]) == [1, 2, 3, 4]


def test_csv_lines_are_the_file_lines_and_values_are_kept_verbatim(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text('code;note;lon;lat\n\na;"two\nlines";116.40;39.91\n;;;\nb; 007 ;116.41 ;39.92\n',
                    encoding="utf-8")
    frame, lines = read_table(path)
    assert list(lines) == [3, 6]  # blank and empty rows skipped; a quoted line break counts
    assert frame["note"].tolist() == ["two\nlines", " 007 "]
    source = frame.attrs["source"]
    assert source.header == ("code", "note", "lon", "lat")
    assert source.rows([6]).iloc[0].tolist() == ["b", " 007 ", "116.41 ", "39.92"]


def test_csv_problems_name_the_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,lon,lat\na,116.4,39.9\nb,116.4,39.9,extra\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv, line 3: 4 values but the header has 3 columns"):
        read_table(path)
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.csv: the file is empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "latin.csv").write_bytes("code\nä\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin\.csv: cannot decode .*utf-8: invalid .* line 2"):
        read_table(tmp_path / "latin.csv", encoding="utf-8")


def test_a_byte_order_mark_wins_over_the_encoding_given(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("名称,经度,纬度\n路灯,116.4,39.9\n", encoding="utf-8-sig")
    frame, _ = read_table(path, encoding="gbk")  # a reject list (UTF-8 + BOM) re-imported with --encoding gbk
    assert frame["名称"].tolist() == ["路灯"]


@pytest.mark.parametrize("cpg", ["UTF-8", "936"])
def test_shapefile_names_survive_a_host_that_switched_gdal_recoding_off(tmp_path, cpg):
    """QGIS sets SHAPE_ENCODING="" in its process: the .cpg (UTF-8, or 936 = GBK as Chinese offices write it)
    must still decide how the names are decoded."""
    import pyogrio
    from osgeo import gdal

    frame = _census_frame()
    path = tmp_path / "c.shp"
    out = gpd.GeoDataFrame({"MC": frame["name"].to_numpy()}, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    old = gdal.GetConfigOption("SHAPE_ENCODING")  # "" when QGIS was started in this process before
    gdal.SetConfigOption("SHAPE_ENCODING", None)  # GDAL recodes only with the option unset: a real GBK file
    try:
        pyogrio.write_dataframe(out, path, encoding="GBK" if cpg == "936" else "UTF-8")
    finally:
        gdal.SetConfigOption("SHAPE_ENCODING", old)
    path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    gdal.SetConfigOption("SHAPE_ENCODING", "")
    try:
        back = importers.read_vector(path)
        assert gdal.GetConfigOption("SHAPE_ENCODING") == ""  # the host's setting is left as it was
    finally:
        gdal.SetConfigOption("SHAPE_ENCODING", old)
    assert back["MC"].tolist() == frame["name"].tolist()
    gdal.SetConfigOption("SHAPE_ENCODING", None)
    try:
        importers.read_vector(path)
        assert gdal.GetConfigOption("SHAPE_ENCODING") is None  # and so is an unset one
    finally:
        gdal.SetConfigOption("SHAPE_ENCODING", old)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_header_without_records_is_one_clear_error_and_creates_nothing(tmp_path, suffix):
    import openpyxl

    from wanmi.cli import main

    path = tmp_path / f"survey{suffix}"
    if suffix == ".csv":
        path.write_text("管理部件标识码,经度,纬度\n", encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        book.active.append(["管理部件标识码", "经度", "纬度"])
        book.save(path)
    with pytest.raises(InputError, match="no records, only the header"):
        importers.read_components(path)
    for argv in (["census", "import", str(path), "--store", str(tmp_path / "c.gpkg")],
                 ["cases", "import", str(path), "--out", str(tmp_path / "k.gpkg")]):
        assert main(["-q", *argv]) == 2
    assert not (tmp_path / "c.gpkg").exists() and not (tmp_path / "k.gpkg").exists()
