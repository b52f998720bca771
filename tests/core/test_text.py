"""The one text normaliser: census, cases, audits, placement and the column matchers clean text alike."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from wanmi.core import audit, cases, census, placement
from wanmi.core.text import clean_text, clean_texts, header_key

CLEAN = [
    ("  110101001001001 ", "110101001001001"),
    ("\u3000东城区\u3000", "东城区"),                      # ideographic spaces around
    ("\u00a0110101\u00a0", "110101"),                     # no-break spaces
    ("\ufeff1101\u200b01\u200d", "110101"),               # byte-order mark, zero-width space/joiner inside
    ("１１０１０１００１", "110101001"),                    # full-width digits
    ("ＡＢｃ-12", "ABc-12"),                               # full-width letters
    ("东城区（测试）；一队", "东城区（测试）；一队"),          # Chinese punctuation kept: it is the user's data
    ("张\u3000三", "张\u3000三"),                          # inner ideographic space kept
    (110101.0, "110101"),                                 # a code read as a number
    (np.int64(42), "42"),
    (1.5, "1.5"),
    (True, "True"),
    (dt.date(2025, 3, 1), "2025-03-01"),
    (None, None), (np.nan, None), (pd.NA, None), (pd.NaT, None), ("", None), (" \u3000\u200b ", None),
    (float("inf"), None),
]


@pytest.mark.parametrize(("value", "expected"), CLEAN)
def test_clean_text(value, expected):
    assert clean_text(value) == expected


def test_clean_texts_is_the_column_form_and_keeps_the_index():
    values = pd.Series([v for v, _ in CLEAN], dtype=object, index=range(100, 100 + len(CLEAN)))
    out = clean_texts(values)
    assert out.index.equals(values.index) and out.dtype == object
    assert out.tolist() == [e for _, e in CLEAN]


@pytest.mark.parametrize(("a", "b"), [
    ("case_id", "Case ID"), ("CASE-ID", "ｃａｓｅ＿ｉｄ"), ("上报时间", " 上报 时间 "),
    ("处置时限(小时)", "处置时限（小时）"),
    ("ZXDM.", "zxdm"), ("x:", "X："),
])
def test_header_keys_match(a, b):
    assert header_key(a) == header_key(b)


def test_every_cleaner_is_the_one_normaliser():
    raw = pd.Series(["\u200b１１０１０１ ", 110101.0, "\u3000", None], dtype=object)
    expected = ["110101", "110101", None, None]
    assert census._text(raw).tolist() == expected
    assert cases._text(raw).tolist() == expected
    assert audit._text(pd.DataFrame({"c": raw}), "c").tolist() == expected
    assert placement._codes(pd.DataFrame({"code": raw})).tolist() == expected
    assert cases._key("Case_ID") == header_key("case id")


def test_case_headers_and_vocabulary_read_through_the_normaliser():
    frame = pd.DataFrame({"案卷编号\u00a0": ["\ufeffA1"], "ＳＴＡＴＥ": ["\u3000已结案"]})
    out = cases.normalize_cases(frame)
    assert out["case_id"].tolist() == ["A1"] and out["state"].tolist() == ["已结案"]
