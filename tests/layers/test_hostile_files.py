"""Hostile files: formula text escaped in every CSV/XLSX Wanmi writes; XLSX bombs refused in seconds."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from wanmi.core.errors import InputError
from wanmi.layers.importers import read_components, read_table, write_components
from wanmi.layers.safe_tables import check_xlsx, escape_cell, unescape_cell, write_csv

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-",
            "'=already quoted", "''+twice"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_is_escaped_and_unescaped_back(text):
    escaped = escape_cell(text)
    assert escaped == "'" + text
    assert unescape_cell(escaped) == text


@pytest.mark.parametrize("value", ["-12.5", "+3", "-1e-5", ".5", "116.4", "路灯", "a=b", "'plain", "", -12.5, 7,
                                   None])
def test_numbers_and_plain_text_stay_as_they_are(value):
    assert escape_cell(value) == value
    assert unescape_cell(value) == value


def test_written_csv_escapes_headers_and_cells(tmp_path):
    table = pd.DataFrame({"=name": ["=1+1", "ok"], "lon": [-116.4, 116.4], "text": ["-73.5", "@x"]})
    path = write_csv(table, tmp_path / "t.csv")
    back = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert list(back.columns) == ["'=name", "lon", "text"]
    assert back["'=name"].tolist() == ["'=1+1", "ok"]
    assert back["lon"].tolist() == ["-116.4", "116.4"]  # negative numbers stay numbers
    assert back["text"].tolist() == ["-73.5", "'@x"]
    frame, _ = read_table(path)
    assert list(frame.columns) == ["=name", "lon", "text"] and frame["=name"].tolist() == ["=1+1", "ok"]


def _records() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["011801000001"], "name": ["=HYPERLINK(\"http://evil\")"], "note": ["-"],
                             "dept_code": ["0007"], "initial_date": [dt.date(2024, 3, 1)]},
                            geometry=[shapely.Point(116.3975, 39.9087)], crs="EPSG:4490")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exported_tables_are_escaped_and_reimport_unchanged(tmp_path, suffix):
    path = write_components(_records(), tmp_path / f"c{suffix}")
    if suffix == ".xlsx":
        import openpyxl

        ws = openpyxl.load_workbook(path).active
        cells = {ws.cell(1, j).value: ws.cell(2, j) for j in range(1, ws.max_column + 1)}
        assert cells["name"].value == "'=HYPERLINK(\"http://evil\")" and cells["name"].data_type == "s"
        assert cells["note"].value == "'-"
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    else:
        text = path.read_text(encoding="utf-8-sig")
        assert "'=HYPERLINK" in text and ",'-," in text
    back = read_components(path, metric=False)
    assert back["name"].iloc[0] == "=HYPERLINK(\"http://evil\")" and back["note"].iloc[0] == "-"
    assert back["dept_code"].iloc[0] == "0007"


def test_audit_and_validation_reports_are_escaped(tmp_path):
    from wanmi import cli

    src = tmp_path / "survey.csv"
    pd.DataFrame({"管理部件标识码": ["=1+1"], "管理部件名称": ["@x"], "经度": ["116.4"], "纬度": ["39.9"]}).to_csv(
        src, index=False)
    report = tmp_path / "problems.csv"
    assert cli.main(["census", "validate", str(src), "--report", str(report)]) == 1
    text = report.read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and not re.search(r"(^|,)=1\+1", text, re.M)


# ----------------------------------------------------------------------------------------------------
# XLSX bombs
# ----------------------------------------------------------------------------------------------------


def _small_book(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["管理部件标识码", "管理部件名称", "经度", "纬度"])
    ws.append(["011801000001", "路灯", 116.3975, 39.9087])
    book.save(path)
    return path


def _rewrite_member(path: Path, member: str, edit) -> None:
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            out.writestr(info.filename, edit(data) if info.filename == member else data)


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("bombs")
    dim = _small_book(tmp / "dimension.xlsx")
    _rewrite_member(dim, "xl/worksheets/sheet1.xml",
                    lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', d))
    zipped = _small_book(tmp / "zipbomb.xlsx")
    with zipfile.ZipFile(zipped) as src:
        items = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in items:
            if name != "xl/worksheets/sheet1.xml":
                out.writestr(name, data)
                continue
            head, tail = data.split(b"<sheetData>")
            with out.open(name, "w", force_zip64=True) as fh:  # ~300 MB of whitespace inside the sheet
                fh.write(head + b"<sheetData>")
                block = b" " * (1 << 20)
                for _ in range(300):
                    fh.write(block)
                fh.write(tail)
    entities = _small_book(tmp / "entities.xlsx")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    _rewrite_member(entities, "xl/worksheets/sheet1.xml",
                    lambda d: laughs + re.sub(rb"^<\?xml[^>]*\?>", b"", d).replace(b"<v>", b"<v>&lol2;", 1))
    return {"dimension": dim, "zipbomb": zipped, "entities": entities}


def test_the_bombs_are_what_they_claim(bombs):
    assert 4_000 < bombs["dimension"].stat().st_size < 8_000
    assert bombs["zipbomb"].stat().st_size < 400_000
    with zipfile.ZipFile(bombs["zipbomb"]) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 300_000_000


@pytest.mark.parametrize("kind", ["dimension", "zipbomb"])
def test_check_xlsx_refuses_bombs_naming_the_file(bombs, kind):
    with pytest.raises(InputError, match=re.escape(str(bombs[kind]))):
        check_xlsx(bombs[kind])


def test_entity_expansion_is_refused(bombs):
    with pytest.raises(InputError, match=r"entities\.xlsx: not a readable XLSX"):
        read_components(bombs["entities"])


RUN = """
import resource, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(p.returncode, round(time.perf_counter() - t0, 2), round(peak), repr(p.stderr), repr(p.stdout), sep="\\n")
"""


@pytest.mark.parametrize("kind", ["dimension", "zipbomb"])
@pytest.mark.parametrize("command", ["census", "cases"])
def test_cli_refuses_bombs_in_seconds_and_little_memory(bombs, kind, command, tmp_path):
    out = tmp_path / "store.gpkg"
    args = ["census", "import", str(bombs[kind]), "--store", str(out)] if command == "census" else \
        ["cases", "import", str(bombs[kind]), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent)}
    result = subprocess.run([sys.executable, "-c", RUN, sys.executable, "-m", "wanmi.cli", *args],
                            capture_output=True, text=True, env=env, timeout=120)
    rc, seconds, peak_mib, stderr, _ = result.stdout.splitlines()
    assert int(rc) == 2, stderr
    assert str(bombs[kind]) in stderr and "Traceback" not in stderr
    assert float(seconds) < 5.0 and float(peak_mib) < 300, (seconds, peak_mib)
    assert not out.exists()  # nothing written


def test_a_wrong_small_dimension_neither_truncates_nor_pads(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["code", "lon", "lat"])
    for k in range(5):
        ws.append([f"c{k}", 116.4, 39.9])
    book.save(tmp_path / "t.xlsx")
    _rewrite_member(tmp_path / "t.xlsx", "xl/worksheets/sheet1.xml",
                    lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', d))
    frame = read_components(tmp_path / "t.xlsx", metric=False)
    assert frame["code"].tolist() == [f"c{k}" for k in range(5)]
    assert list(frame["source_row"]) == [2, 3, 4, 5, 6]
    start = time.perf_counter()
    read_table(tmp_path / "t.xlsx")
    assert time.perf_counter() - start < 2.0
