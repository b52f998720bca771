"""The one date and time parser of the engine: a scalar reader and a vectorised column reader.

Accepted everywhere (cases, census, grids with history, audits, stores, period bounds):

* ``date``/``datetime``/``pandas.Timestamp``/``numpy.datetime64`` objects and datetime columns;
* ISO text ``2025-03-01``, ``2025-03-01 08:30``, ``2025-03-01T08:30:15.5``, with or without a zone;
* ``2025/3/1``, ``2025.03.01``, ``2025年3月1日`` (``8时30分``/``8点30分`` for the time), with any of the
  spellings after :func:`wanmi.core.text.clean_text` (full-width digits, stray spaces);
* compact ``20250301``, ``202503010830``, ``20250301083000`` (表2's D8 and its longer forms), also when a
  spreadsheet stored them as numbers.

A value carrying a time zone keeps its wall-clock time (``2025-03-01T00:30+08:00`` is 1 March, 00:30): the
engine works in local calendar days, the day the record was written on, whatever the zone. Dates are that
calendar day (a time part is dropped). Text that is none of these is *unreadable*: the column readers
return a mask of such values so validators can report each record; the scalar readers raise
:class:`~wanmi.core.errors.InputError` naming the text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .text import clean_text, clean_texts

__all__ = ["DATE_FORMATS", "as_date", "parse_dates", "parse_times", "to_date", "to_timestamp"]

#: what the readers accept, for messages
DATE_FORMATS = "YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD, YYYY年M月D日 or YYYYMMDD, optionally with a time"

_CN_TIME = str.maketrans({"年": "-", "月": "-", "日": " ", "时": ":", "点": ":", "分": ":", "秒": " ",
                          "T": " "})
_COMPACT = {14: "%Y%m%d%H%M%S", 12: "%Y%m%d%H%M", 8: "%Y%m%d"}
_DATETIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2})(?:[.,](\d{1,9}))?)?)?"
                       r" ?(?:Z|[+-]\d{2}(?::?\d{2})?)?")


def _object_time(value: Any) -> pd.Timestamp | None:
    """A date/datetime object → naive Timestamp (wall-clock time of an aware one); None for NaT."""
    t = pd.Timestamp(value)
    if pd.isna(t):
        return None
    return t.tz_localize(None) if t.tzinfo is not None else t


def _text_time(text: str) -> pd.Timestamp | None:
    """Cleaned text → naive Timestamp, None when it is not one of the accepted spellings."""
    text = unicodedata.normalize("NFKC", text)  # full-width punctuation too: a date is never a name
    if text.isdigit() and len(text) in _COMPACT:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, _COMPACT[len(text)]))
        except ValueError:
            return None
    text = re.sub(r"\s+", " ", text.translate(_CN_TIME)).strip().rstrip(":")
    text = re.sub(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})", r"\1-\2-\3", text)
    text = re.sub(r"(\d)\s*:\s*(\d)", r"\1:\2", text)
    m = _DATETIME.fullmatch(text)
    if not m:
        return None
    *parts, fraction = m.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return pd.Timestamp(dt.datetime(*(int(g) if g else 0 for g in parts), micro))
    except ValueError:
        return None


def to_timestamp(value: Any, what: str = "time") -> pd.Timestamp | None:
    """One value → naive ``pandas.Timestamp``; None when missing/blank; InputError naming ``what`` and the
    value when it is not a date or time."""
    if isinstance(value, (pd.Timestamp, dt.date, np.datetime64)):
        t = _object_time(value)
        return t
    text = clean_text(value)
    if text is None:
        return None
    t = _text_time(text)
    if t is None:
        raise InputError(f"{what} {value!r} is not a date or time (expected {DATE_FORMATS})")
    return t


def to_date(value: Any, what: str = "date") -> dt.date | None:
    """One value → ``datetime.date`` (its calendar day); None when missing/blank; InputError naming
    ``what`` and the value when it is not a date."""
    try:
        t = to_timestamp(value, what)
    except InputError:
        raise InputError(f"{what} {value!r} is not a date (expected {DATE_FORMATS})") from None
    return None if t is None else t.date()


def as_date(value: Any = None, what: str = "date") -> dt.date:
    """:func:`to_date`, today when ``value`` is missing (the default of as-of and valid-from days)."""
    return to_date(value, what) or dt.date.today()


_ISO_DAY = r"\d{4}-\d{2}-\d{2}(?:[T ]|$)"


def _iso_fast(text: pd.Series) -> pd.Series:
    """ISO text with a whole ``YYYY-MM-DD`` day in one vectorised call (NaT for the rest, e.g. a bare
    ``2025`` or ``2025-03``, which are not dates, and for mixed zones); wall-clock times kept."""
    text = text.astype(str)
    full = text.str.match(_ISO_DAY).to_numpy(dtype=bool)
    if not full.all():
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        if full.any():
            out[full] = _iso_fast(text[full])
        return out
    try:
        iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    except (ValueError, TypeError):  # e.g. offsets that differ between rows: left to the scalar reader
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if not pd.api.types.is_datetime64_any_dtype(iso.dtype):
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if getattr(iso.dt, "tz", None) is not None:
        iso = iso.dt.tz_localize(None)
    return iso.astype("datetime64[ns]")


def _object_mask(raw: pd.Series) -> np.ndarray:
    """Which values are date/datetime objects (decided from the inferred type when the column is uniform)."""
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    if kind in ("string", "empty", "integer", "floating", "mixed-integer-float", "decimal", "boolean"):
        return np.zeros(len(raw), dtype=bool)
    if kind in ("datetime", "datetime64", "date"):
        return raw.notna().to_numpy()
    return raw.map(lambda v: isinstance(v, (dt.date, np.datetime64)) and not pd.isna(v)).to_numpy(dtype=bool)


def _objects_to_times(objs: pd.Series) -> np.ndarray:
    """Date/datetime objects → ``datetime64[ns]`` wall-clock times: one call, per value only for mixed zones."""
    try:
        conv = pd.to_datetime(objs)
        if pd.api.types.is_datetime64_any_dtype(conv.dtype):
            if getattr(conv.dt, "tz", None) is not None:
                conv = conv.dt.tz_localize(None)
            return conv.to_numpy(dtype="datetime64[ns]")
    except (ValueError, TypeError):
        pass
    return pd.to_datetime(pd.Series([_object_time(v) for v in objs], dtype=object)).to_numpy(
        dtype="datetime64[ns]")


def parse_times(values: Any) -> tuple[pd.Series, np.ndarray]:
    """A column → (timestamps as ``datetime64[ns]``, NaT for blanks; mask of non-blank unreadable values).

    Datetime columns are taken as they are (an aware column keeps its wall-clock times); date/datetime
    objects and ISO text take one vectorised call each; other spellings are read once per distinct value.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        s = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        return s.astype("datetime64[ns]"), np.zeros(len(series), dtype=bool)
    raw = pd.Series(series.to_numpy(dtype=object), dtype=object)  # positions: the index may repeat labels
    is_obj = _object_mask(raw)
    out = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[ns]")
    if is_obj.any():
        out[is_obj] = _objects_to_times(raw[is_obj])
    failed = np.zeros(len(raw), dtype=bool)
    text = clean_texts(raw[~is_obj]) if not is_obj.all() else pd.Series([], dtype=object)
    text = text[text.notna()]
    if len(text):
        parsed = _iso_fast(text)
        rest = parsed.isna().to_numpy()
        if rest.any():
            sub = text[rest]
            codes, uniques = pd.factorize(sub)
            conv = np.array([_text_time(u) for u in uniques] + [None], dtype=object)
            parsed[rest] = pd.to_datetime(pd.Series(conv[codes], index=sub.index), errors="coerce").astype(
                "datetime64[ns]")
        pos = text.index.to_numpy()
        out[pos] = parsed.to_numpy(dtype="datetime64[ns]")
        failed[pos] = parsed.isna().to_numpy()
    return pd.Series(out, index=series.index), failed


def parse_dates(values: Any) -> tuple[pd.Series, np.ndarray]:
    """A column → (``datetime.date`` objects, None for blanks and unreadable values; mask of non-blank
    unreadable values). Same spellings as :func:`parse_times`; a time part is dropped."""
    times, failed = parse_times(values)
    dates = np.array(times.dt.date.to_numpy(dtype=object), dtype=object)
    dates[times.isna().to_numpy()] = None
    return pd.Series(dates, index=times.index, dtype=object), failed
