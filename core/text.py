"""The one text normaliser of the engine: attribute values and header names as clean text.

Values read from spreadsheets, shapefiles and hand-typed forms carry invisible characters (zero-width
spaces, byte-order marks, soft hyphens), non-breaking and ideographic spaces around them, codes typed with
full-width digits and letters (``１１０１０１``), and numbers where text is meant (a code read as
``110101.0``). :func:`clean_text` turns one value into the text it means; :func:`clean_texts` does a column
(each distinct value once); :func:`header_key` is the form used to match column headers and vocabulary
spellings (case, width, spaces, underscores, dashes and brackets ignored).

Full-width *letters and digits* become half-width; full-width punctuation (``（）；，``) is kept, because it
is the normal punctuation of Chinese names and notes and changing it would alter the user's data.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["clean_text", "clean_texts", "header_key"]

#: characters that are never meant: zero-width space/joiners, word joiner, byte-order mark, soft hyphen
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_TRANSLATE: dict[int, Any] = {
    **dict.fromkeys(map(ord, _INVISIBLE), None),
    0x00A0: " ", 0x202F: " ",  # no-break spaces
    **{c: chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)},  # ０-９
    **{c: chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{c: chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)},  # ａ-ｚ
}
_HEADER_NOISE = re.compile(r"[\s_\-.()（）:：]+")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def clean_text(value: Any) -> str | None:
    """One value as clean text, None when missing or blank.

    Invisible characters are removed, no-break spaces become spaces, full-width letters and digits become
    half-width, surrounding whitespace (also the ideographic space U+3000) is stripped. Integral floats lose
    their ``.0`` (codes read as numbers); booleans give ``True``/``False``; datetimes their ISO form.
    """
    if isinstance(value, str):
        text = value.translate(_TRANSLATE).strip()
        return text or None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None
        return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if _missing(value):
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return clean_text(str(value))


def clean_texts(values: Any) -> pd.Series:
    """A column as :func:`clean_text` values (object dtype, None for missing/blank), once per distinct value."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    conv = np.empty(len(uniques) + 1, dtype=object)
    conv[:-1] = [clean_text(v) for v in uniques]
    conv[-1] = None  # the missing values (code -1)
    return pd.Series(conv[codes], index=series.index, dtype=object)


def header_key(name: Any) -> str:
    """A header or vocabulary spelling reduced for matching: NFKC (width), no spaces, underscores, dashes,
    dots, brackets or colons, case-folded (``"Case_ID"``, ``"case id"`` and ``"ＣＡＳＥ－ＩＤ"`` match)."""
    text = unicodedata.normalize("NFKC", str(name).translate(_TRANSLATE))
    return _HEADER_NOISE.sub("", text).casefold()
