"""The one date parser: the same spellings are read the same way by cases, census, grids, audits and stores."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from wanmi.core import audit, census, dates, grid
from wanmi.core.errors import InputError

D = dt.date
T = pd.Timestamp

SPELLINGS = [
    ("2025-03-01", T("2025-03-01")),
    ("2025-3-1", T("2025-03-01")),
    ("2025/3/1", T("2025-03-01")),
    ("2025.03.01", T("2025-03-01")),
    ("2025年3月1日", T("2025-03-01")),
    ("2025 年 3 月 1 日", T("2025-03-01")),
    ("20250301", T("2025-03-01")),
    (20250301, T("2025-03-01")),                       # a D8 date a spreadsheet stored as a number
    (20250301.0, T("2025-03-01")),
    ("２０２５－０３－０１", T("2025-03-01")),            # full-width
    ("\u200b2025-03-01\u00a0", T("2025-03-01")),        # zero-width space, no-break space
    ("2025-03-01 08:30", T("2025-03-01 08:30")),
    ("2025-03-01T08:30:15.25", T("2025-03-01 08:30:15.25")),
    ("2025/3/1 8:30", T("2025-03-01 08:30")),
    ("2025年3月1日 8时30分", T("2025-03-01 08:30")),
    ("2025年3月1日8点", T("2025-03-01 08:00")),
    ("202503010830", T("2025-03-01 08:30")),
    ("20250301083015", T("2025-03-01 08:30:15")),
    ("2025-03-01T00:30+08:00", T("2025-03-01 00:30")),  # wall-clock time of a zoned value
    ("2025-03-01T23:30:00Z", T("2025-03-01 23:30")),
    (D(2025, 3, 1), T("2025-03-01")),
    (dt.datetime(2025, 3, 1, 8, 30), T("2025-03-01 08:30")),
    (T("2025-03-01 00:30", tz="Asia/Shanghai"), T("2025-03-01 00:30")),
    (np.datetime64("2025-03-01T08:30"), T("2025-03-01 08:30")),
]
UNREADABLE = ["soon", "2025-02-30", "2025-13-01", "25-03-01", "2025-03-01 25:00", "2025-03-01 later", "2025",
              "2025-03"]  # a year or a month is a period, not a date
MISSING = [None, np.nan, pd.NaT, "", "  ", "\u3000"]


@pytest.mark.parametrize(("value", "expected"), SPELLINGS)
def test_scalar_readers(value, expected):
    assert dates.to_timestamp(value) == expected
    assert dates.to_date(value) == expected.date()
    assert dates.as_date(value) == expected.date()


def test_column_readers_agree_with_the_scalar_ones():
    values = pd.Series([v for v, _ in SPELLINGS] + UNREADABLE + MISSING, dtype=object, index=range(10, 48))
    times, failed = dates.parse_times(values)
    n, bad = len(SPELLINGS), len(UNREADABLE)
    assert times.index.equals(values.index)
    assert times.iloc[:n].tolist() == [e for _, e in SPELLINGS]
    assert times.iloc[n:].isna().all()
    assert failed.tolist() == [False] * n + [True] * bad + [False] * len(MISSING)
    days, failed_days = dates.parse_dates(values)
    assert days.iloc[:n].tolist() == [e.date() for _, e in SPELLINGS]
    assert days.iloc[n:].isna().all() and (failed_days == failed).all()


def test_mixed_zones_keep_each_wall_clock_time():
    times, failed = dates.parse_times(pd.Series(["2025-03-01T07:00+08:00", "2025-03-01T07:00-05:00"]))
    assert times.tolist() == [T("2025-03-01 07:00")] * 2 and not failed.any()


@pytest.mark.parametrize("bad", UNREADABLE)
def test_scalar_readers_name_the_text(bad):
    with pytest.raises(InputError, match=bad):
        dates.to_date(bad, "valid_from")
    with pytest.raises(InputError, match="valid_from"):
        grid.as_date(bad, "valid_from")


def test_missing_values():
    for value in MISSING:
        assert dates.to_date(value) is None and dates.to_timestamp(value) is None
    assert dates.as_date(None) == dt.date.today()


def test_every_reader_is_the_one_parser():
    """Grid valid-from days, audit validity days, census dates and case times take the same spellings."""
    assert grid.as_date is dates.as_date
    frame = pd.DataFrame({"valid_from": ["2025/3/1", "2025年3月1日", "20250301", "2025-03-01T06:00+08:00"],
                          "valid_to": [None, "", "2025.04.01", np.nan]})
    assert audit.date_values(frame, "valid_from").tolist() == [D(2025, 3, 1)] * 4
    assert audit.valid_on(frame, D(2025, 3, 1)).tolist() == [True] * 4
    assert audit.valid_on(frame, D(2025, 4, 1)).tolist() == [True, True, False, True]
    parsed, unparseable, future = census.parse_dates(frame["valid_from"], D(2025, 3, 1))
    assert parsed.tolist() == [D(2025, 3, 1)] * 4 and not unparseable.any() and not future.any()
    assert census.parse_dates(frame["valid_from"], D(2025, 2, 28))[2].all()


def test_a_time_of_day_does_not_shift_the_validity_day():
    frame = pd.DataFrame({"valid_from": ["2025-03-01 09:00"], "valid_to": ["2025-03-02 09:00"]})
    assert audit.valid_on(frame, D(2025, 3, 1)).tolist() == [True]
    assert audit.valid_on(frame, D(2025, 3, 2)).tolist() == [False]


def test_repeated_index_labels_and_object_columns():
    values = pd.Series(["2025-03-01", "soon", T("2025-03-02 08:00", tz="UTC"), dt.date(2025, 3, 3)],
                       index=[7, 7, 7, 7], dtype=object)
    times, failed = dates.parse_times(values)
    assert times.index.tolist() == [7, 7, 7, 7]
    assert times.tolist()[0] == T("2025-03-01") and pd.isna(times.tolist()[1])
    assert times.tolist()[2:] == [T("2025-03-02 08:00"), T("2025-03-03")]
    assert failed.tolist() == [False, True, False, False]
    mixed = pd.Series([T("2025-03-01 07:00", tz="Asia/Shanghai"), T("2025-03-01 07:00", tz="UTC")], dtype=object)
    assert dates.parse_times(mixed)[0].tolist() == [T("2025-03-01 07:00")] * 2
