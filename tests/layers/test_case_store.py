"""Case import (wanmi.layers.case_store): bad records rejected with the reason, the store unchanged on failure."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from wanmi import cli
from wanmi.core.errors import InputError
from wanmi.core.feedback import CallbackFeedback, Canceled
from wanmi.layers import case_store
from wanmi.layers.case_store import import_cases, read_case_metadata, read_case_store, read_cases, write_cases

CRS = "EPSG:4548"
X0, Y0 = 500_000.0, 4_400_000.0


def _area() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"district_code": ["110101"]}, geometry=[shapely.box(X0, Y0, X0 + 400, Y0 + 400)],
                            crs=CRS)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    p = gpd.GeoSeries([shapely.Point(x, y)], crs=CRS).to_crs(4326).iloc[0]
    return p.x, p.y


def _rows() -> list[dict]:
    lon, lat = _lonlat(X0 + 100, Y0 + 100)
    far_lon, far_lat = _lonlat(X0 + 5000, Y0 + 100)
    base = {"案卷编号": "A1", "案卷类型": "事件", "小类代码": "0102", "案卷来源": "监督员", "监督员": "S1",
            "处置部门": "环卫", "上报时间": "2025-03-01 08:00", "立案时间": "2025-03-01 08:10",
            "派遣时间": "2025-03-01 08:30", "处置时间": "2025-03-01 10:00", "结案时间": "2025-03-01 11:00",
            "处置时限": "2025-03-01 12:00", "返工次数": "0", "案卷状态": "已结案", "经度": lon, "纬度": lat}
    return [
        base,                                                                # row 2: valid
        {**base, "案卷编号": "A2", "上报时间": "2025/03/01 9:00", "立案时间": "2025/03/01 8:00"},  # row 3: order
        {**base, "案卷编号": "A3", "小类代码": "9999"},                        # row 4: unknown class
        {**base, "案卷编号": "A4", "经度": far_lon, "纬度": far_lat},            # row 5: outside
        {**base, "案卷编号": "A1"},                                           # row 6: duplicate
        {**base, "案卷编号": "A6", "经度": "", "纬度": ""},                     # row 7: no location, no component
        {**base, "案卷编号": "A7", "经度": "abc"},                              # row 8: bad coordinate
        {**base, "案卷编号": "A8", "上报时间": "2025-03-02 08:00", "立案时间": "2025-03-02 08:10",
         "派遣时间": "2025-03-02 08:30", "处置时间": "2025-03-02 10:00", "结案时间": "2025-03-02 11:00",
         "处置时限": "2025-03-02 12:00"},                                    # row 9: valid
    ]


def _csv(tmp_path: Path, rows: list[dict], name: str = "cases.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bad_records_are_rejected_with_the_reason(tmp_path):
    src = _csv(tmp_path, _rows())
    out, rej = tmp_path / "store.gpkg", tmp_path / "rejects.csv"
    result = import_cases(src, out, jurisdiction=_area(), rejects=rej)
    assert (result.n_written, result.n_rejected, result.n_total) == (2, 6, 8)
    stored = read_case_store(out)
    assert stored["case_id"].tolist() == ["A1", "A8"]
    assert stored["reported_at"].tolist() == [pd.Timestamp("2025-03-01 08:00"), pd.Timestamp("2025-03-02 08:00")]
    assert stored.crs.to_epsg() == 4548
    assert shapely.Point(X0 + 100, Y0 + 100).distance(stored.geometry.iloc[0]) < 0.01
    rejects = pd.read_csv(rej, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert rejects["source_line"].astype(int).tolist() == [3, 4, 5, 6, 7, 8]  # lines of the file (header = 1)
    assert rejects["problems"].tolist() == ["time_order", "unknown_class", "outside_jurisdiction", "duplicate_id",
                                            "no_location", "bad_geometry"]
    # the file's own columns and values, as read (unparseable coordinates kept, times as written)
    assert list(rejects.columns) == [*_rows()[0], "problems", "reason", "source_line"]
    assert rejects["经度"].tolist()[-2:] == ["", "abc"]
    assert rejects["上报时间"].iloc[0] == "2025/03/01 9:00"
    reasons = dict(zip(rejects["案卷编号"], rejects["reason"]))
    order = "registered_at (立案时间) 2025-03-01 08:00 is before reported_at (上报时间) 2025-03-01 09:00"
    assert order in reasons["A2"]
    assert "9999" in reasons["A3"]
    assert "already appears on row 2" in rejects.loc[3, "reason"]
    assert "'abc' is not a number" in reasons["A7"]
    meta = read_case_metadata(out)
    assert meta["synthetic"] is False and meta["data_source"] == str(src) and meta["count"] == "2"


def test_second_import_appends_and_rejects_ids_already_stored(tmp_path):
    out = tmp_path / "store.gpkg"
    import_cases(_csv(tmp_path, _rows()[:1]), out)
    more = [{**_rows()[0], "案卷编号": "B1"}, _rows()[0]]
    result = import_cases(_csv(tmp_path, more, "more.csv"), out, rejects=tmp_path / "r.csv")
    assert result.n_written == 1 and result.report.problems["problem"].tolist() == ["duplicate_id"]
    assert "already in the case store" in result.report.problems["detail"].iloc[0]
    assert read_case_store(out)["case_id"].tolist() == ["A1", "B1"]


def test_store_unchanged_when_writing_fails(tmp_path, monkeypatch):
    out, rej = tmp_path / "store.gpkg", tmp_path / "rejects.csv"
    import_cases(_csv(tmp_path, _rows()[:1]), out, rejects=rej)
    before, rej_before = _digest(out), _digest(rej)
    real = pyogrio.write_dataframe
    calls = {"n": 0}

    def failing(frame, path, **kw):  # the first layer goes in, the second fails: a half-written file
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(frame, path, **kw)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(OSError, match="disk full"):
        import_cases(_csv(tmp_path, [{**_rows()[0], "案卷编号": "Z9"}, _rows()[2]], "new.csv"), out, rejects=rej)
    assert calls["n"] == 2
    assert _digest(out) == before and _digest(rej) == rej_before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    monkeypatch.setattr(pyogrio, "write_dataframe", real)
    assert read_case_store(out)["case_id"].tolist() == ["A1"]


def test_cancel_and_strict_write_nothing(tmp_path):
    out = tmp_path / "store.gpkg"
    with pytest.raises(InputError, match="nothing written"):
        import_cases(_csv(tmp_path, _rows()), out, jurisdiction=_area(), strict=True)
    assert not out.exists()
    fb = CallbackFeedback(canceled=lambda: True)
    with pytest.raises(Canceled):
        import_cases(_csv(tmp_path, _rows()), out, feedback=fb)
    assert not out.exists() and [p for p in tmp_path.iterdir() if p.suffix == ".gpkg"] == []


def test_component_cases_without_coordinates_are_placed(tmp_path):
    comps = gpd.GeoDataFrame({"code": ["110101010010000001"], "class_code": ["01001"], "dept_code": ["DW"],
                              "dept_name": ["水务局"]}, geometry=[shapely.Point(X0 + 200, Y0 + 300)], crs=CRS)
    rows = [{"case_id": "K1", "component_code": "110101010010000001", "source": "公众举报",
             "reported_at": "2025-03-01 08:00", "state": "办理中"},
            {"case_id": "K2", "component_code": "110101010010000999", "source": "公众举报", "kind": "部件",
             "class_code": "01001", "reported_at": "2025-03-01 08:00", "state": "办理中"}]
    src = _csv(tmp_path, rows)
    frame = read_cases(src, metric_crs=CRS)
    assert frame.geometry.isna().all()  # a table without location columns is fine
    result = import_cases(frame, tmp_path / "s.gpkg", components=comps, jurisdiction=_area())
    assert result.report.problems["problem"].tolist() == ["unknown_component"]
    stored = read_case_store(tmp_path / "s.gpkg")
    assert stored["case_id"].tolist() == ["K1"] and stored["kind"].tolist() == ["部件"]
    assert stored["class_code"].tolist() == ["01001"] and stored["located_by"].tolist() == ["component"]
    assert stored.geometry.iloc[0].equals(shapely.Point(X0 + 200, Y0 + 300))


def test_xlsx_import(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    rows = _rows()[:2]
    ws.append(list(rows[0]))
    for r in rows:
        ws.append(list(r.values()))
    path = tmp_path / "cases.xlsx"
    book.save(path)
    result = import_cases(path, tmp_path / "x.gpkg", rejects=tmp_path / "x.csv")
    assert result.n_written == 1 and result.report.problems["row"].tolist() == [3, 3]  # 立案 and 派遣 before 上报


def test_synthetic_store_is_labelled(tmp_path):
    from wanmi.core.cases import synthetic_cases

    cells = gpd.GeoDataFrame({"code": ["110101001001001"]}, geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 100)],
                             crs=CRS)
    cases = synthetic_cases(None, cells, 50, "2025-03-01", "2025-04-01", seed=5)
    path = write_cases(tmp_path / "syn.gpkg", cases)
    meta = read_case_metadata(path)
    assert meta["synthetic"] is True and "synthetic" in meta["data_source"] and meta["seed"] == "5"
    back = read_case_store(path)
    assert back.attrs["synthetic"] is True and (back["synthetic"] == 1).all()
    pd.testing.assert_series_equal(back["closed_at"], cases["closed_at"].astype("datetime64[ns]"), check_names=False)


def test_cli_cases_import_overlay_synth(tmp_path, capsys):
    src = _csv(tmp_path, _rows())
    area = tmp_path / "area.gpkg"
    _area().to_file(area, engine="pyogrio")
    out = tmp_path / "c.gpkg"
    assert cli.main(["-q", "cases", "import", str(src), "--out", str(out), "--jurisdiction", str(area),
                     "--rejects", str(tmp_path / "r.csv")]) == 0
    assert "2 case(s) stored" in capsys.readouterr().out
    cells = gpd.GeoDataFrame({"code": ["110101001001001", "110101001001002"]},
                             geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 400),
                                       shapely.box(X0 + 100, Y0, X0 + 400, Y0 + 400)], crs=CRS)
    cells_path = tmp_path / "cells.gpkg"
    cells.to_file(cells_path, layer="unit_cells", engine="pyogrio")
    ov = tmp_path / "ov.gpkg"
    assert cli.main(["-q", "cases", "overlay", str(out), str(cells_path), "--out", str(ov), "--period",
                     "2025-03-01"]) == 0
    counts = pyogrio.read_dataframe(ov, layer="case_counts_cell")
    # A1 at (100, 100) lies on the shared edge x = 100: the tie rule gives it to the east cell; A8 is March 2
    assert dict(zip(counts["cell_code"], counts["cases"])) == {"110101001001001": 0, "110101001001002": 1}
    syn = tmp_path / "syn.gpkg"
    assert cli.main(["-q", "cases", "synth", str(cells_path), "--n", "100", "--seed", "3", "--out", str(syn)]) == 0
    assert read_case_metadata(syn)["synthetic"] is True
    assert cli.main(["-q", "cases", "import", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2


def test_unknown_layer_is_an_input_error(tmp_path):
    path = write_cases(tmp_path / "a.gpkg", gpd.GeoDataFrame({"case_id": ["x"]}, geometry=[None], crs=CRS))
    with pytest.raises(InputError, match="no layer"):
        case_store.read_case_store(path, layer="nope")


def test_gcj02_phone_coordinates_are_converted(tmp_path):
    # coordtransform's published pair: WGS 84 (116.404, 39.915) = GCJ-02 (116.41024449916938, 39.91640428150164)
    row = {**_rows()[0], "经度": 116.41024449916938, "纬度": 39.91640428150164}
    frame = read_cases(_csv(tmp_path, [row]), coords="gcj02", metric_crs=CRS)
    truth = gpd.GeoSeries([shapely.Point(116.404, 39.915)], crs=4326).to_crs(CRS).iloc[0]
    assert frame.geometry.iloc[0].distance(truth) < 0.5
    wgs = read_cases(_csv(tmp_path, [row], "b.csv"), metric_crs=CRS)  # read as WGS 84: ~600 m off
    assert wgs.geometry.iloc[0].distance(truth) > 400
