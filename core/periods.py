"""The one period (统计周期/评价周期) of the engine: a half-open time interval ``[start, end)``.

Counting cases (:mod:`wanmi.core.cases`) and evaluating them (:mod:`wanmi.core.evaluation`) read periods with
this one parser, so a period text means the same interval everywhere:

=================================================  ===========================================================
``2025-03-01``, ``2025/3/1``, ``2025年3月1日``, ``20250301``        the day
``2025-W10``, ``2025年第10周``                                       the ISO week (Monday to Sunday)
``2025-03``, ``2025/03``, ``2025.3``, ``2025年3月``, ``202503``     the month
``2025-Q1``, ``2025q1``, ``2025年第1季度``, ``2025年一季度``          the quarter
``2025``, ``2025年``                                                 the year
``A/B`` (also ``A..B``, ``A~B``, ``A至B``, ``A到B``)                   from the start of A to the end of B
=================================================  ===========================================================

In a range each side is one of the periods above (so ``2025-03-01/2025-03-31`` includes 31 March and
``2025-03/2025-05`` is March to May) or a date with a time of day, which is kept exactly
(``2025-03-01 08:00/2025-03-01 12:00`` ends at 12:00). A ``(start, end)`` pair reads like a range;
:meth:`Period.between` takes two instants, end exclusive. Anything else is an
:class:`~wanmi.core.errors.InputError` naming the text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .dates import parse_times, to_timestamp
from .errors import InputError
from .text import clean_text

__all__ = ["PERIOD_KINDS", "Period", "parse_period"]

PERIOD_KINDS = ("day", "week", "month", "quarter", "year", "custom", "all")
_RANGE_SEPARATORS = ("/", "..", "~", "至", "到")
_HELP = ("use 2025-03-01 (day), 2025-W10 (ISO week), 2025-03 (month), 2025-Q1 (quarter), 2025 (year) or "
         "2025-03-01/2025-03-31 (range)")


@dataclass(frozen=True)
class Period:
    """A half-open time interval ``[start, end)``: a day, ISO week, month, quarter, year, custom range or all
    time; local times without a zone. See the module docstring for the texts :meth:`parse` reads."""

    start: pd.Timestamp
    end: pd.Timestamp
    kind: str = "custom"
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", pd.Timestamp(self.start))
        object.__setattr__(self, "end", pd.Timestamp(self.end))
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InputError("period bounds must be local times without a time zone")
        if not self.end > self.start:
            raise InputError(f"period end {self.end} is not after its start {self.start}")
        if self.kind not in PERIOD_KINDS:
            raise InputError(f"unknown period kind {self.kind!r}; expected one of {PERIOD_KINDS}")
        if not self.label:
            object.__setattr__(self, "label", f"{self.start:%Y-%m-%d}/{(self.end - pd.Timedelta(1)):%Y-%m-%d}")

    def __str__(self) -> str:
        return self.label

    # --- constructors ----------------------------------------------------------------------------
    @classmethod
    def day(cls, day: Any) -> Period:
        """The calendar day holding ``day``."""
        d = pd.Timestamp(day).normalize()
        return cls(d, d + pd.Timedelta(days=1), "day", f"{d:%Y-%m-%d}")

    @classmethod
    def week(cls, year: int, week: int) -> Period:
        """ISO week ``week`` of ISO year ``year`` (Monday to Sunday)."""
        try:
            monday = dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError as exc:
            raise InputError(f"{year}-W{week}: no such ISO week ({exc})") from None
        start = pd.Timestamp(monday)
        return cls(start, start + pd.Timedelta(days=7), "week", f"{int(year)}-W{int(week):02d}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """Calendar month ``month`` (1..12) of ``year``."""
        if not 1 <= int(month) <= 12:
            raise InputError(f"{year}-{month}: month must be 1..12")
        start = pd.Timestamp(int(year), int(month), 1)
        days = calendar.monthrange(int(year), int(month))[1]
        return cls(start, start + pd.Timedelta(days=days), "month", f"{int(year)}-{int(month):02d}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Quarter ``quarter`` (1..4) of ``year``."""
        if not 1 <= int(quarter) <= 4:
            raise InputError(f"{year}-Q{quarter}: quarter must be 1..4")
        y, q = int(year), int(quarter)
        end = pd.Timestamp(y + 1, 1, 1) if q == 4 else pd.Timestamp(y, 3 * q + 1, 1)
        return cls(pd.Timestamp(y, 3 * q - 2, 1), end, "quarter", f"{y}-Q{q}")

    @classmethod
    def year(cls, year: int) -> Period:
        """Calendar year ``year``."""
        return cls(pd.Timestamp(int(year), 1, 1), pd.Timestamp(int(year) + 1, 1, 1), "year", str(int(year)))

    @classmethod
    def all(cls) -> Period:
        """All time (no period selected)."""
        return cls(pd.Timestamp.min, pd.Timestamp.max, "all", "all")

    @classmethod
    def custom(cls, start: Any, end: Any, label: str = "") -> Period:
        """From the start of ``start`` to the end of ``end``: each a period text, a date (the whole day) or
        an instant (a datetime, or text with a time of day, taken exactly)."""
        return cls(_bound(start, "start")[0], _bound(end, "end")[1], "custom", label)

    @classmethod
    def between(cls, start: Any, end: Any, label: str = "") -> Period:
        """From instant ``start`` to instant ``end``, end exclusive (a date is its midnight)."""
        s, e = to_timestamp(start, "period start"), to_timestamp(end, "period end")
        if s is None or e is None:
            raise InputError(f"period ({start!r}, {end!r}) needs both a start and an end")
        return cls(s, e, "custom", label)

    @classmethod
    def parse(cls, text: str) -> Period:
        """A period from text (see the module docstring); InputError naming the text otherwise."""
        t = _clean(text)
        single = _parse_single(t)
        if single is not None:
            return single
        for a, b in _range_splits(t):
            first, last = _text_bound(a), _text_bound(b)
            if first is not None and last is not None:
                return cls(first[0], last[1], "custom", f"{a}/{b}")
        raise InputError(f"period {text!r} is not understood: {_HELP}")

    @classmethod
    def coerce(cls, value: Any) -> Period | None:
        """None, a Period, text for :meth:`parse`, a ``pandas.Period`` or a ``(start, end)`` pair (as a range
        ``start/end``) → Period or None."""
        if value is None or isinstance(value, Period):
            return value
        if isinstance(value, (str, pd.Period)):
            return cls.parse(str(value))
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return cls.custom(value[0], value[1])
        raise InputError(f"period {value!r}: give text like '2025-03', a (start, end) pair or a Period")

    @classmethod
    def range(cls, kind: str, start: Any, end: Any) -> list[Period]:
        """Consecutive periods of ``kind`` (day/week/month/quarter/year) from the one holding ``start``
        up to the one holding ``end`` (inclusive) — e.g. the months of a trend chart."""
        s, e = pd.Timestamp(start), pd.Timestamp(end)
        out: list[Period] = []
        p = cls.containing(kind, s)
        while p.start <= e:
            out.append(p)
            p = cls.containing(kind, p.end)
        return out

    @classmethod
    def containing(cls, kind: str, when: Any) -> Period:
        """The day/week/month/quarter/year period that holds timestamp ``when``."""
        t = pd.Timestamp(when)
        if kind == "day":
            return cls.day(t)
        if kind == "week":
            iso = t.isocalendar()
            return cls.week(iso[0], iso[1])
        if kind == "month":
            return cls.month(t.year, t.month)
        if kind == "quarter":
            return cls.quarter(t.year, (t.month - 1) // 3 + 1)
        if kind == "year":
            return cls.year(t.year)
        raise InputError(f"unknown period kind {kind!r}; expected day, week, month, quarter or year")

    # --- use ---------------------------------------------------------------------------------------
    @property
    def days(self) -> float:
        """Length in days."""
        return (self.end - self.start) / pd.Timedelta(days=1)

    def months(self) -> list[Period]:
        """The calendar months overlapping the period (for monthly trend charts)."""
        out: list[Period] = []
        p = Period.containing("month", self.start)
        while p.start < self.end:
            out.append(p)
            p = Period.containing("month", p.end)
        return out

    def mask(self, times: Any) -> np.ndarray:
        """``start <= t < end`` for each timestamp (NaT and unreadable values → False)."""
        values = parse_times(times)[0].to_numpy(dtype="datetime64[ns]")
        return (values >= self.start.to_datetime64()) & (values < self.end.to_datetime64())

    def contains(self, when: Any) -> bool:
        """Whether instant ``when`` lies in the period."""
        t = pd.Timestamp(when)
        return bool(self.start <= t < self.end)


def parse_period(period: Any) -> Period:
    """:meth:`Period.coerce`, with None meaning all time (the evaluation's default)."""
    return Period.all() if period is None else Period.coerce(period)


# --- parsing helpers ---------------------------------------------------------------------------------
def _clean(text: Any) -> str:
    """Cleaned text, full-width punctuation folded too (``２０２５－Ｑ１``: a period is never a name)."""
    return unicodedata.normalize("NFKC", clean_text(text) or "")


_QUARTER_WORDS = "一二三四"
_SINGLE: tuple[tuple[str, str], ...] = (
    ("year", r"(\d{4})年?"),
    ("quarter", r"(\d{4})\s*-?\s*[Qq]([1-4])"),
    ("quarter", r"(\d{4})年第?([1-4一二三四])季度?"),
    ("week", r"(\d{4})\s*-?\s*[Ww](\d{1,2})"),
    ("week", r"(\d{4})年第(\d{1,2})周"),
    ("month", r"(\d{4})\s*[-/.]\s*(\d{1,2})"),
    ("month", r"(\d{4})年(\d{1,2})月"),
    ("month", r"(\d{4})(\d{2})"),
    ("day", r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})"),
    ("day", r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    ("day", r"(\d{4})(\d{2})(\d{2})"),
)


def _parse_single(t: str) -> Period | None:
    """A day/week/month/quarter/year text → Period; None when it is none of them; InputError when it is one
    but names no real one (``2025-13``, ``2025-02-30``, ``2025-W53``)."""
    for kind, pattern in _SINGLE:
        m = re.fullmatch(pattern, t)
        if m is None:
            continue
        g = m.groups()
        try:
            if kind == "year":
                return Period.year(int(g[0]))
            if kind == "quarter":
                q = _QUARTER_WORDS.find(g[1]) + 1 if g[1] in _QUARTER_WORDS else int(g[1])
                return Period.quarter(int(g[0]), q)
            if kind == "week":
                return Period.week(int(g[0]), int(g[1]))
            if kind == "month":
                return Period.month(int(g[0]), int(g[1]))
            return Period.day(dt.date(int(g[0]), int(g[1]), int(g[2])))
        except (InputError, ValueError) as exc:
            raise InputError(f"period {t!r}: {exc}") from None
    return None


def _range_splits(t: str) -> list[tuple[str, str]]:
    """Every way of cutting ``t`` at one range separator into two non-blank sides (a ``/`` may also sit
    inside a date, so each one is tried)."""
    out = []
    for sep in _RANGE_SEPARATORS:
        for m in re.finditer(re.escape(sep), t):
            a, b = t[:m.start()].strip(), t[m.end():].strip()
            if a and b:
                out.append((a, b))
    return out


def _text_bound(side: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """One side of a range text → (start, end): a period's bounds, or an instant twice; None if neither."""
    try:
        p = _parse_single(side)
        if p is not None:
            return p.start, p.end
        t = to_timestamp(side)
    except InputError:
        return None
    return None if t is None else (t, t)


def _bound(value: Any, which: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """One side of a ``(start, end)`` pair → (start, end) as in :func:`_text_bound`; InputError otherwise."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        p = Period.day(value)
        return p.start, p.end
    if isinstance(value, (pd.Timestamp, dt.datetime, np.datetime64)):
        t = to_timestamp(value)
        if t is not None:
            return t, t
    elif isinstance(value, str):
        bound = _text_bound(_clean(value))
        if bound is not None:
            return bound
    raise InputError(f"period {which} {value!r} is not a date, a time or a period ({_HELP})")
