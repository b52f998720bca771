"""Reject lists are a round trip: a rejected record keeps the file's columns and values as read, and once fixed
re-imports with the same command exactly like a correct first import (census and cases, CSV/XLSX/vector, GCJ-02).
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from wanmi import cli
from wanmi.core.crs import wgs84_to_gcj02
from wanmi.layers.case_store import read_case_store
from wanmi.layers.census_store import GeoPackageStore
from wanmi.layers.importers import read_components

# four lamps near Tiananmen (true WGS 84), delivered in GCJ-02 as a phone app records them
TRUE_WGS = [(116.3975, 39.9087), (116.3985, 39.9091), (116.3995, 39.9095), (116.4005, 39.9099)]
HEADER = ["管理部件标识码", "管理部件名称", "主管部门代码", "主管部门名称", "管理部件状态", "初始日期",
          "所在单元网格标识码", "经度", "纬度", "备注"]
CODES = ["011801000001", "011801000002", "011801000003", "040201000001"]


def _gcj() -> list[tuple[str, str]]:
    lon, lat = wgs84_to_gcj02(np.array([p[0] for p in TRUE_WGS]), np.array([p[1] for p in TRUE_WGS]))
    return [(f"{x:.9f}", f"{y:.9f}") for x, y in zip(lon, lat)]


def _survey(good: bool) -> list[list[str]]:
    """The survey rows; with ``good=False`` row 2 has a bad code and row 3 an unparseable latitude."""
    rows = []
    for k, (code, (lon, lat)) in enumerate(zip(CODES, _gcj())):
        rows.append([code, "路灯", "0007", "城管委", "完好", "2024-03-01", "110101001001001", lon, lat,
                     "=HYPERLINK(\"http://x\")" if k == 0 else f"第{k}号"])
    if not good:
        rows[1][0] = "01180100000X"
        rows[2][8] = "39.9O95"  # letter O for a zero
    return rows


def _write(path: Path, rows: list[list[str]], encoding: str = "gbk", blank_lines: bool = False) -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for row in rows:
            if blank_lines:
                fh.write("\r\n")
            w.writerow(row)
    return path


def _import(path: Path, store: Path, *extra: str) -> int:
    return cli.main(["census", "import", str(path), "--store", str(store), "--coords", "gcj02",
                     "--encoding", "gbk", *extra])


def _same_store(a: Path, b: Path) -> None:
    """Same records, field for field, and the same places to within 1 cm."""
    ra = GeoPackageStore(a).read().sort_values("code").reset_index(drop=True)
    rb = GeoPackageStore(b).read().sort_values("code").reset_index(drop=True)
    assert ra["code"].tolist() == rb["code"].tolist() == sorted(CODES)
    fields = [c for c in ra.columns if c != "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(ra[fields]), pd.DataFrame(rb[fields]))
    dist = ra.geometry.to_crs("EPSG:4548").distance(rb.geometry.to_crs("EPSG:4548"), align=False)
    assert (dist < 0.01).all(), dist.tolist()


def _fix(rejects: Path, good: list[list[str]]) -> pd.DataFrame:
    """Edit the reject CSV as a user would: the bad cells replaced by the good ones, the rest untouched."""
    with open(rejects, newline="", encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    head = table[0]
    notes = [r[-1] for r in good]  # the note (last survey column) tells the records apart
    for row in table[1:]:
        row[: len(HEADER)] = good[notes.index(row[len(HEADER) - 1])]
    with open(rejects, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(table)
    return pd.DataFrame(table[1:], columns=head)


def test_fixed_census_rejects_reimport_like_a_correct_first_import(tmp_path):
    bad = _write(tmp_path / "survey.csv", _survey(good=False), blank_lines=True)
    good = _write(tmp_path / "good.csv", _survey(good=True))
    rejects = tmp_path / "rejects.csv"
    assert _import(bad, tmp_path / "a.gpkg", "--rejects", str(rejects)) == 0
    assert _import(good, tmp_path / "b.gpkg") == 0
    back = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(back.columns) == [*HEADER, "problems", "reason", "source_line"]
    assert back["source_line"].tolist() == ["5", "7"]  # physical lines: a blank line before every record
    assert back["problems"].tolist() == ["bad_code", "bad_geometry"]
    # values as read: the GCJ-02 text, the unparseable latitude, leading zeros
    raw = _survey(good=False)
    assert back[HEADER].values.tolist() == [raw[1], raw[2]]
    assert back["主管部门代码"].tolist() == ["0007", "0007"]
    _fix(rejects, _survey(good=True))
    assert _import(rejects, tmp_path / "a.gpkg") == 0
    _same_store(tmp_path / "a.gpkg", tmp_path / "b.gpkg")
    assert GeoPackageStore(tmp_path / "a.gpkg").get(CODES[0])["note"] == "=HYPERLINK(\"http://x\")"


def test_escaped_formula_in_a_reject_reads_back_as_written(tmp_path):
    rows = _survey(good=True)
    rows[0][0] = "0118010000X1"  # rejected, with its formula note
    bad = _write(tmp_path / "survey.csv", rows)
    rejects = tmp_path / "r.csv"
    assert _import(bad, tmp_path / "a.gpkg", "--rejects", str(rejects)) == 0
    text = rejects.read_text(encoding="utf-8-sig")
    assert "\"'=HYPERLINK(\"\"http://x\"\")\"" in text  # escaped for Excel
    again = read_components(rejects, coords="gcj02", metric=False)
    assert again["note"].iloc[0] == "=HYPERLINK(\"http://x\")"  # the reader undoes the escape


def test_xlsx_rejects_keep_cells_as_read_and_reimport(tmp_path):
    import openpyxl

    survey = _survey(good=True)
    survey[0][9] = "第0号"  # text starting with "=" would be a formula cell in a workbook
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    for k, row in enumerate(survey):
        cells = [*row[:7], float(row[7]), float(row[8]), row[9]]
        if k == 1:
            cells[0] = "01180100000X"
        ws.append(cells)
    book.save(tmp_path / "survey.xlsx")
    rejects = tmp_path / "r.csv"
    assert cli.main(["census", "import", str(tmp_path / "survey.xlsx"), "--store", str(tmp_path / "a.gpkg"),
                     "--coords", "gcj02", "--rejects", str(rejects)]) == 0
    _fix(rejects, survey)
    assert cli.main(["census", "import", str(rejects), "--store", str(tmp_path / "a.gpkg"),
                     "--coords", "gcj02"]) == 0
    assert _import(_write(tmp_path / "good.csv", survey), tmp_path / "b.gpkg") == 0
    _same_store(tmp_path / "a.gpkg", tmp_path / "b.gpkg")


def test_vector_rejects_carry_the_geometry_as_read(tmp_path):
    lonlat = [tuple(map(float, p)) for p in _gcj()]
    frame = gpd.GeoDataFrame({"管理部件标识码": ["0118010000X1", *CODES[1:]], "管理部件名称": "路灯",
                              "主管部门代码": "0007", "主管部门名称": "城管委", "管理部件状态": "完好",
                              "初始日期": "2024-03-01",
                              "所在单元网格标识码": "110101001001001"},
                             geometry=[shapely.Point(p) for p in lonlat], crs="EPSG:4326")
    frame.to_file(tmp_path / "survey.geojson", driver="GeoJSON")
    rejects = tmp_path / "r.csv"
    assert cli.main(["census", "import", str(tmp_path / "survey.geojson"), "--store", str(tmp_path / "a.gpkg"),
                     "--coords", "gcj02", "--rejects", str(rejects)]) == 0
    back = pd.read_csv(rejects, dtype=str, encoding="utf-8-sig")
    assert back["source_line"].tolist() == ["1"]
    point = shapely.from_wkt(back["wkt"].iloc[0])
    assert (point.x, point.y) == pytest.approx(lonlat[0], abs=1e-12)  # GCJ-02, as in the file
    back["管理部件标识码"] = CODES[0]
    back.to_csv(rejects, index=False, encoding="utf-8-sig")
    assert cli.main(["census", "import", str(rejects), "--store", str(tmp_path / "a.gpkg"),
                     "--coords", "gcj02"]) == 0
    got = GeoPackageStore(tmp_path / "a.gpkg").get(CODES[0]).geometry
    truth = gpd.GeoSeries([shapely.Point(TRUE_WGS[0]), got], crs="EPSG:4490").to_crs("EPSG:4548")
    assert truth.iloc[0].distance(truth.iloc[1]) < 1.0  # GCJ-02 undone once, not twice


CASE_HEADER = ["案卷编号", "案卷类型", "小类代码", "案卷来源", "上报时间", "立案时间", "案卷状态", "经度", "纬度"]


def _cases(good: bool) -> list[list[str]]:
    times = ["2025-03-01 08:00", "2025-03-01 08:10"]
    rows = [[f"A{k}", "事件", "0102", "监督员", *times, "办理中", lon, lat] for k, (lon, lat) in enumerate(_gcj())]
    if not good:
        rows[2][7] = "116,3995"
        rows[3][5] = "2025-03-01 07:00"  # registered before reported
    return rows


def test_fixed_case_rejects_reimport_like_a_correct_first_import(tmp_path):
    def write(path: Path, rows: list[list[str]]) -> Path:
        with open(path, "w", newline="", encoding="gbk") as fh:
            csv.writer(fh).writerows([CASE_HEADER, *rows])
        return path

    def run(path: Path, store: Path) -> int:
        return cli.main(["cases", "import", str(path), "--out", str(store), "--coords", "gcj02",
                         "--encoding", "gbk", "--rejects", str(tmp_path / f"{path.stem}.rej.csv")])

    assert run(write(tmp_path / "cases.csv", _cases(good=False)), tmp_path / "a.gpkg") == 0
    assert run(write(tmp_path / "good.csv", _cases(good=True)), tmp_path / "b.gpkg") == 0
    rejects = tmp_path / "cases.rej.csv"
    back = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(back.columns) == [*CASE_HEADER, "problems", "reason", "source_line"]
    assert back["经度"].tolist()[0] == "116,3995" and back["source_line"].tolist() == ["4", "5"]
    back[CASE_HEADER] = _cases(good=True)[2:]
    back.to_csv(rejects, index=False, encoding="utf-8-sig")
    fixed = tmp_path / "fixed.csv"
    rejects.replace(fixed)
    assert run(fixed, tmp_path / "a.gpkg") == 0
    a = read_case_store(tmp_path / "a.gpkg").sort_values("case_id").reset_index(drop=True)
    b = read_case_store(tmp_path / "b.gpkg").sort_values("case_id").reset_index(drop=True)
    assert a["case_id"].tolist() == b["case_id"].tolist() == ["A0", "A1", "A2", "A3"]
    cols = ["case_id", "kind", "class_code", "source", "reported_at", "registered_at", "state"]
    pd.testing.assert_frame_equal(pd.DataFrame(a[cols]), pd.DataFrame(b[cols]))
    assert (a.geometry.distance(b.geometry, align=False) < 0.01).all()
