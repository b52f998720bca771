"""Unit-cell code schemes and W→E / N→S sequence numbering (wanmi.core.cellcode).

Expectations are hand-made (segment widths from GB/T 30428.1 / DB11/T 2157 and CJ/T 213 as summarised in
docs/standards.md#11-unit-cell-codes) plus one real code from public data (张家港 BGID 320582110152102).
"""

from __future__ import annotations

import numpy as np
import pytest

from wanmi.core.cellcode import (
    CellCode,
    band_rows,
    check_capacity,
    get_cell_scheme,
    sequence_numbers,
)
from wanmi.core.errors import CodeError, InputError

S15 = get_cell_scheme("gbt30428-15")
S14 = get_cell_scheme("cjt213-14")


def test_presets_and_aliases():
    assert S15.length == 15 and S15.max_seq == 999
    assert S14.length == 14 and S14.max_seq == 99
    assert get_cell_scheme("15") is S15 and get_cell_scheme(15) is S15 and get_cell_scheme(None) is S15
    assert get_cell_scheme("14") is S14 and get_cell_scheme("CJT213-14") is S14
    assert get_cell_scheme(S14) is S14
    with pytest.raises(InputError, match="unknown cell code scheme"):
        get_cell_scheme("16")


def test_format_parse_roundtrip_by_hand():
    assert S15.format("110101", "001", "002", 7) == "110101001002007"
    assert S14.format("110101", "001", "002", 7) == "11010100100207"
    assert S15.parse("110101001002007") == CellCode("110101", "001", "002", 7)
    assert S15.parse("110101001002007").community_key == "110101001002"
    assert S14.parse("11010100100299").seq == 99


def test_real_code_from_public_data():
    # GB/T 30428.1 style 15-digit BGID seen in public data (张家港): 320582 110 152 102
    assert S15.parse("320582110152102") == CellCode("320582", "110", "152", 102)


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("11010100100200", "14 characters"),  # 14 digits under the 15-digit scheme
        ("1101010010020071", "16 characters"),
        ("11010100100200A", "non-digit"),
        ("110101001002000", "sequence number 0"),
        (None, "0 characters"),
    ],
)
def test_validate_rejects(code, fragment):
    with pytest.raises(CodeError, match=fragment):
        S15.validate(code)
    assert not S15.is_valid(code)


def test_format_rejects_bad_parts():
    with pytest.raises(CodeError, match="street"):
        S15.format("110101", "1", "002", 1)
    with pytest.raises(CodeError, match="district"):
        S15.format("11010a", "001", "002", 1)
    with pytest.raises(CodeError, match=r"1\.\.999"):
        S15.format("110101", "001", "002", 1000)
    with pytest.raises(CodeError, match=r"1\.\.99\b"):
        S14.format("110101", "001", "002", 100)
    with pytest.raises(CodeError, match=r"1\.\.999"):
        S15.format("110101", "001", "002", 0)


def test_vectorised_format_valid_and_split():
    codes = S15.format_many(["110101001002", "110101001003"], [1, 12])
    assert list(codes) == ["110101001002001", "110101001003012"]
    mask = S15.valid_mask(["110101001002001", "110101001002000", "x", None, "11010100100200"])
    assert mask.tolist() == [True, False, False, False, False]
    parts = S14.split_many(["11010100100201", "32058211015299"])
    assert parts["district_code"].tolist() == ["110101", "320582"]
    assert parts["street_code"].tolist() == ["001", "110"]
    assert parts["community_code"].tolist() == ["002", "152"]
    assert parts["seq"].tolist() == [1, 99]
    with pytest.raises(CodeError):
        S14.split_many(["11010100100201", "1101010010020"])


def test_band_rows_count_from_the_north():
    y = np.array([199.0, 100.0, 99.99, 0.5])
    assert band_rows(y, np.full(4, 200.0), 100.0).tolist() == [0, 1, 1, 1]
    with pytest.raises(InputError):
        band_rows(y, np.full(4, 200.0), 0.0)


def test_sequence_numbers_west_east_then_north_south():
    # community "a": a 3 x 2 lattice; listed in a scrambled order. Community "b": two cells.
    group = np.array(["a", "a", "b", "a", "a", "a", "b", "a"])
    row = np.array([1, 0, 0, 0, 1, 1, 0, 0])  # 0 = north row
    x = np.array([250, 150, 30, 50, 50, 150, 10, 250.0])
    seq = sequence_numbers(group, row, x)
    # a: north row x=50,150,250 -> 1,2,3; south row x=50,150,250 -> 4,5,6; b: x=10 -> 1, x=30 -> 2
    assert seq.tolist() == [6, 2, 2, 1, 4, 5, 1, 3]


def test_sequence_numbers_col_before_x_and_start_offset():
    group = np.array([1, 1, 1])
    row = np.zeros(3, dtype=int)
    col = np.array([2, 1, 1])
    x = np.array([0.0, 9.0, 5.0])  # x alone would put the first cell first
    y = np.array([0.0, 1.0, 2.0])
    assert sequence_numbers(group, row, x, col=col, y=y).tolist() == [3, 2, 1]
    assert sequence_numbers(group, row, x, col=col, y=y, start=10).tolist() == [12, 11, 10]


def test_capacity_error_names_the_community_and_suggests_a_fix():
    keys = np.array(["110101001002"] * 120 + ["110101001003"] * 3)
    seq = np.r_[np.arange(1, 121), np.arange(1, 4)]
    check_capacity(keys, seq, S15, 10_000.0)  # fine for 3 digits
    with pytest.raises(InputError) as err:
        check_capacity(keys, seq, S14, 10_000.0)
    msg = str(err.value)
    assert "110101001002" in msg and "120" in msg and "gbt30428-15" in msg and "target area" in msg
