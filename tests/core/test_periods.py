"""The one period parser: counts (cases) and evaluation read every period text the same way."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from wanmi.core import cases, evaluation
from wanmi.core.errors import InputError
from wanmi.core.periods import Period, parse_period

T = pd.Timestamp
ROOT = Path(__file__).resolve().parents[2]


def test_one_period_class_in_the_package():
    assert cases.Period is Period and evaluation.Period is Period and evaluation.parse_period is parse_period
    needle = "class " + "Period"  # spelled apart so that this file does not count itself
    found = subprocess.run(["grep", "-rc", "--include=*.py", "--exclude-dir=.venv", "--exclude-dir=.git", needle, "."],
                           cwd=ROOT, capture_output=True, text=True).stdout
    counts = {line.rsplit(":", 1)[0]: int(line.rsplit(":", 1)[1]) for line in found.splitlines()}
    assert {k: v for k, v in counts.items() if v and ".venv" not in k} == {"./core/periods.py": 1}


@pytest.mark.parametrize(("text", "start", "end", "kind", "label"), [
    # the README's formats
    ("2025-03-01", "2025-03-01", "2025-03-02", "day", "2025-03-01"),
    ("2025-W10", "2025-03-03", "2025-03-10", "week", "2025-W10"),
    ("2025-03", "2025-03-01", "2025-04-01", "month", "2025-03"),
    ("2025-Q1", "2025-01-01", "2025-04-01", "quarter", "2025-Q1"),
    ("2025", "2025-01-01", "2026-01-01", "year", "2025"),
    ("2025-03-01/2025-03-31", "2025-03-01", "2025-04-01", "custom", "2025-03-01/2025-03-31"),
    # the two former disagreements between the case and the evaluation parsers
    ("2025-03-01 08:00/2025-03-01 12:00", "2025-03-01 08:00", "2025-03-01 12:00", "custom", None),
    ("2025/03", "2025-03-01", "2025-04-01", "month", "2025-03"),
    # more spellings
    ("2025年3月", "2025-03-01", "2025-04-01", "month", "2025-03"),
    ("2025.3", "2025-03-01", "2025-04-01", "month", "2025-03"),
    ("202503", "2025-03-01", "2025-04-01", "month", "2025-03"),
    ("2025/3/1", "2025-03-01", "2025-03-02", "day", "2025-03-01"),
    ("2025年3月1日", "2025-03-01", "2025-03-02", "day", "2025-03-01"),
    ("2025年第10周", "2025-03-03", "2025-03-10", "week", "2025-W10"),
    ("2025-w1", "2024-12-30", "2025-01-06", "week", "2025-W01"),
    ("2025年一季度", "2025-01-01", "2025-04-01", "quarter", "2025-Q1"),
    ("２０２５－Ｑ２", "2025-04-01", "2025-07-01", "quarter", "2025-Q2"),
    (" 2025年 ", "2025-01-01", "2026-01-01", "year", "2025"),
    ("2025/3/1/2025/3/31", "2025-03-01", "2025-04-01", "custom", None),   # '/' inside and between dates
    ("2025-03/2025-05", "2025-03-01", "2025-06-01", "custom", None),      # March to May, both whole
    ("2025-03-01 至 2025-03-15", "2025-03-01", "2025-03-16", "custom", None),
    ("2025-03-01..2025-03-01 18:30", "2025-03-01", "2025-03-01 18:30", "custom", None),
])
def test_period_texts(text, start, end, kind, label):
    for p in (Period.parse(text), parse_period(text), Period.coerce(text)):
        assert (p.start, p.end, p.kind) == (T(start), T(end), kind)
        if label is not None:
            assert p.label == label


@pytest.mark.parametrize("bad", ["2025-13", "2025-02-30", "2025-W53", "2025-Q5", "March", "", "2025-03-31/2025-03-01",
                                 "2025-03-01/soon", "3/2025"])
def test_bad_period_texts_name_the_text(bad):
    with pytest.raises(InputError) as info:
        Period.parse(bad)
    assert (bad.split("/")[0] or "''") in str(info.value) or repr(bad) in str(info.value)


def test_pairs_read_like_ranges_and_between_is_half_open():
    assert Period.coerce(("2025-03-01", "2025-03-31")).end == T("2025-04-01")            # whole last day
    assert Period.coerce((dt.date(2025, 3, 1), dt.date(2025, 3, 31))).end == T("2025-04-01")
    assert Period.coerce((T("2025-03-01"), T("2025-03-31"))).end == T("2025-03-31")       # instants: exact
    assert Period.coerce(("2025-03-01 08:00", "2025-03-01 12:00")).end == T("2025-03-01 12:00")
    assert Period.between("2025-03-01", "2025-05-01").end == T("2025-05-01")
    assert [m.label for m in Period.between("2025-03-01", "2025-05-01").months()] == ["2025-03", "2025-04"]
    assert [m.label for m in Period.parse("2025-03-15/2025-05-01").months()] == ["2025-03", "2025-04", "2025-05"]
    assert Period.coerce(pd.Period("2025Q1", freq="Q")).label == "2025-Q1"
    with pytest.raises(InputError, match="needs both"):
        Period.between("2025-03-01", None)
    with pytest.raises(InputError, match="tomorrow"):
        Period.coerce(("2025-03-01", "tomorrow"))


def test_none_is_all_time_for_the_evaluation_and_no_filter_for_counts():
    assert Period.coerce(None) is None
    everything = parse_period(None)
    assert everything.kind == "all" and everything.label == "all"
    assert everything.mask(pd.Series([T("1900-01-01"), T("2200-01-01"), pd.NaT])).tolist() == [True, True, False]


def test_mask_reads_any_date_spelling():
    p = Period.parse("2025-03")
    times = pd.Series(["2025-02-28 23:59", "2025/3/1", "2025年3月31日 23时59分", "20250401", None], dtype=object)
    assert p.mask(times).tolist() == [False, True, True, False, False]


def test_counts_and_evaluation_use_the_same_interval():
    """A case reported at 13:00 is outside 08:00–12:00 for both the counts and the evaluation."""
    base = dict(kind="事件", class_code="0101", dept_code="D1", supervisor="S1", source="监督员",
                state="已结案", deadline=T("2025-03-02"), disposed_at=T("2025-03-01 14:00"),
                closed_at=T("2025-03-01 15:00"))
    frame = pd.DataFrame([dict(base, case_id="a", reported_at=T("2025-03-01 09:00"),
                               registered_at=T("2025-03-01 09:00")),
                          dict(base, case_id="b", reported_at=T("2025-03-01 13:00"),
                               registered_at=T("2025-03-01 13:00"))])
    period = "2025-03-01 08:00/2025-03-01 12:00"
    counted = cases._filter_period(frame, period, "reported_at")
    assert counted["case_id"].tolist() == ["a"]
    flags = evaluation.case_flags(frame, period)
    assert flags["n_registered_all"].tolist() == [1, 0]
