"""Component and event code schemes (部件/事件编码).

A :class:`CodeScheme` is a named template of fixed-width digit segments. For example,
``{admin:6}{major:2}{minor:2}{serial:6}`` is the 16-digit CJ/T 214 component ID
(6-digit admin code, 2-digit 大类, 2-digit 小类, 6-digit 流水号).
A scheme can parse, format, validate and convert codes. It checks the class (major + minor) against a class
directory that ships as CSV data in ``core/data``.

Preset schemes (canonical name, alias: template, class directory):

- ``default12``, ``12``: ``{major:2}{minor:2}{street:2}{serial:6}``, ``cjt214``
- ``cjt214-16``, ``16``: ``{admin:6}{major:2}{minor:2}{serial:6}``, ``cjt214``
- ``gbt47678-17``, ``17``: ``{admin:6}{major:2}{minor:3}{serial:6}``, ``gbt47678``
- ``gbt47678-event-11``, ``11``: ``{admin:6}{major:2}{minor:3}``, ``gbt47678``; the 事项代码, events only

The 12-digit layout is district-local and inferred; no public source gives it. It is the default for
Shanghai-style 12-digit IDs, and users can register their own with :func:`register_scheme`.

Known segment names give the segment a kind, and the kind decides the checks.
``admin`` is a 6-digit GB/T 2260 code: its first two digits must be a province code, and it must be in
``known_admin`` when that is given. ``street`` must be in ``known_streets`` when that is given.
``major`` and ``minor`` must be a class of the directory. ``serial`` (alias ``seq``) must not be all zeros.
``community`` is known too. Any other name is allowed and only has to be digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

import numpy as np
import pandas as pd

from .errors import CodeError, InputError

__all__ = [
    "DATA_DIR",
    "CodeScheme",
    "Segment",
    "class_map_table",
    "class_name",
    "class_table",
    "convert",
    "get_scheme",
    "list_directories",
    "list_schemes",
    "register_directory",
    "register_scheme",
    "scheme_from_template",
]

DATA_DIR = Path(__file__).parent / "data"

#: Known segment names → segment kind (``seq`` is an alias of ``serial``).
SEGMENT_KINDS: dict[str, str] = {
    "admin": "admin",
    "street": "street",
    "community": "community",
    "major": "major",
    "minor": "minor",
    "serial": "serial",
    "seq": "serial",
}
#: Widths the standards fix for some kinds.
FIXED_WIDTHS: dict[str, int] = {"admin": 6, "major": 2}
#: First two digits of GB/T 2260 codes (provinces, 71 台湾, 81/82 香港/澳门).
GB2260_PROVINCES = frozenset(str(p) for p in (
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
))
CLASS_KINDS = ("component", "event")
CLASS_COLUMNS = ["directory", "kind", "major", "minor", "code", "name_zh", "major_name_zh"]

_TOKEN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):([0-9]+)\}")
_DIGITS = re.compile(r"[0-9]*")

TableLike = Union[pd.DataFrame, str, Path]
ClassMap = Union[Mapping[str, str], pd.DataFrame]


# ----------------------------------------------------------------------------------------------------
# Class directories (分类目录)
# ----------------------------------------------------------------------------------------------------

_DIRECTORY_SOURCES: dict[str, TableLike] = {
    "cjt214": DATA_DIR / "classes_cjt214.csv",
    "gbt47678": DATA_DIR / "classes_gbt47678.csv",
}
_DIRECTORY_CACHE: dict[str, pd.DataFrame] = {}
_INDEX_CACHE: dict[tuple[str, str], tuple[frozenset[str], dict[str, str]]] = {}
#: Default class maps shipped as data: (source directory, target directory) → CSV.
_CLASS_MAP_FILES: dict[tuple[str, str], Path] = {
    ("cjt214", "gbt47678"): DATA_DIR / "class_map_cjt214_gbt47678.csv",
}


def _read_text_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV with every column as text, so leading zeros survive."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _load_directory(name: str, source: TableLike) -> pd.DataFrame:
    """Load and check a class table: code = major + minor, uniform minor width, known kinds."""
    table = source.copy() if isinstance(source, pd.DataFrame) else _read_text_csv(source)
    missing = [c for c in ("kind", "major", "minor", "name_zh") if c not in table.columns]
    if missing:
        raise InputError(f"class directory {name!r}: missing column(s) {missing}")
    table = table.astype({"kind": str, "major": str, "minor": str, "name_zh": str})
    table["directory"] = name
    if "code" not in table.columns:
        table["code"] = table["major"] + table["minor"]
    if "major_name_zh" not in table.columns:
        table["major_name_zh"] = ""
    table = table[CLASS_COLUMNS].reset_index(drop=True)
    bad_kind = ~table["kind"].isin(CLASS_KINDS)
    if bad_kind.any():
        raise InputError(f"class directory {name!r}: row {int(bad_kind.idxmax())} has kind "
                         f"{table['kind'][bad_kind].iloc[0]!r}; expected one of {CLASS_KINDS}")
    for col in ("major", "minor"):
        bad = ~table[col].str.fullmatch(r"[0-9]+")
        if bad.any():
            raise InputError(f"class directory {name!r}: row {int(bad.idxmax())} has non-digit {col} "
                             f"{table[col][bad].iloc[0]!r}")
    if (table["code"] != table["major"] + table["minor"]).any():
        raise InputError(f"class directory {name!r}: column 'code' must equal major + minor")
    if table["major"].str.len().nunique() > 1 or table["minor"].str.len().nunique() > 1:
        raise InputError(f"class directory {name!r}: major and minor must each have one width")
    dup = table.duplicated(["kind", "code"])
    if dup.any():
        raise InputError(f"class directory {name!r}: duplicate class {table['code'][dup].iloc[0]}")
    return table


def _directory(name: str) -> pd.DataFrame:
    if name not in _DIRECTORY_SOURCES:
        raise InputError(f"unknown class directory {name!r}; known: {sorted(_DIRECTORY_SOURCES)}")
    if name not in _DIRECTORY_CACHE:
        _DIRECTORY_CACHE[name] = _load_directory(name, _DIRECTORY_SOURCES[name])
    return _DIRECTORY_CACHE[name]


def _class_index(directory: str, kind: str) -> tuple[frozenset[str], dict[str, str]]:
    """(set of majors, {class code: name}) for one directory and kind; cached."""
    key = (directory, kind)
    if key not in _INDEX_CACHE:
        table = _directory(directory)
        table = table[table["kind"] == kind]
        _INDEX_CACHE[key] = (frozenset(table["major"]), dict(zip(table["code"], table["name_zh"])))
    return _INDEX_CACHE[key]


def _minor_width(directory: str) -> int:
    return int(_directory(directory)["minor"].str.len().iloc[0])


def list_directories() -> list[str]:
    """Names of the registered class directories (``cjt214``, ``gbt47678``, user ones)."""
    return sorted(_DIRECTORY_SOURCES)


def register_directory(name: str, table: TableLike, replace: bool = False) -> None:
    """Register a user class directory (e.g. local 21xx extension classes).

    ``table`` is a DataFrame or CSV path with at least ``kind, major, minor, name_zh`` (text columns).
    """
    if name in _DIRECTORY_SOURCES and not replace:
        raise InputError(f"class directory {name!r} already exists; pass replace=True to overwrite it")
    loaded = _load_directory(name, table)  # check before registering
    _DIRECTORY_SOURCES[name] = table
    _DIRECTORY_CACHE[name] = loaded
    for key in [k for k in _INDEX_CACHE if k[0] == name]:
        del _INDEX_CACHE[key]


def class_table(directory: str, kind: str | None = None) -> pd.DataFrame:
    """The class table of ``directory`` as text columns ``directory, kind, major, minor, code, name_zh,
    major_name_zh``; only ``kind`` (``component`` 部件 / ``event`` 事件) rows when given."""
    table = _directory(directory)
    if kind is not None:
        if kind not in CLASS_KINDS:
            raise InputError(f"unknown class kind {kind!r}; expected one of {CLASS_KINDS}")
        table = table[table["kind"] == kind]
    return table.reset_index(drop=True).copy()


def class_map_table(source: str = "cjt214", target: str = "gbt47678") -> pd.DataFrame:
    """The shipped default class map between two directories (``old_code → new_code`` with names and match
    kind ``exact``/``synonym``). Raises InputError when none ships for that pair."""
    path = _CLASS_MAP_FILES.get((source, target))
    if path is None:
        raise InputError(f"no default class map from directory {source!r} to {target!r}; "
                         f"available: {sorted(_CLASS_MAP_FILES)}")
    return _read_text_csv(path)


def _default_class_map(source: str, target: str) -> dict[str, str] | None:
    """Default old → new class code dict for a directory pair, inverted when only the reverse ships."""
    if (source, target) in _CLASS_MAP_FILES:
        table = class_map_table(source, target)
        return dict(zip(table["old_code"], table["new_code"]))
    if (target, source) in _CLASS_MAP_FILES:
        table = class_map_table(target, source)
        counts = table["new_code"].value_counts()
        table = table[table["new_code"].map(counts) == 1]  # ambiguous reverse entries are left out
        return dict(zip(table["new_code"], table["old_code"]))
    return None


# ----------------------------------------------------------------------------------------------------
# Schemes
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One fixed-width digit field of a code; ``start`` is its 0-based offset in the code."""

    name: str
    width: int
    kind: str = "other"
    start: int = 0

    @property
    def stop(self) -> int:
        return self.start + self.width

    def describe(self) -> str:
        """``'minor' (positions 5-6)`` with 1-based inclusive positions, for messages."""
        return f"'{self.name}' (positions {self.start + 1}-{self.stop})"


# A validity rule: segment name, "is bad" test (on str parts or numpy str-array parts), scalar message,
# and the segment whose failure makes the rule moot (not reported twice).
_Rule = tuple[str, Callable[[Mapping[str, Any]], Any], Callable[[str, Mapping[str, str]], str], Optional[str]]
_CLASS = "\0class"  # parts key of the class code (major + minor); cannot clash with a segment name


def _not_in(value: Any, allowed: frozenset[str]) -> Any:
    """``value not in allowed`` for a str; elementwise for a numpy string array."""
    if isinstance(value, np.ndarray):
        return ~np.isin(value, np.array(sorted(allowed), dtype=str))
    return value not in allowed


def _head(value: Any, n: int) -> Any:
    """First ``n`` characters of a str or of every element of a numpy string array."""
    return value.astype(f"<U{n}") if isinstance(value, np.ndarray) else value[:n]


@dataclass(frozen=True)
class CodeScheme:
    """A named code template: fixed-width digit segments plus the class directory that checks major/minor."""

    name: str
    template: str
    segments: tuple[Segment, ...]
    directory: str | None = None
    kind: str = "component"
    description: str = ""

    # ---- structure ---------------------------------------------------------------------------------
    @property
    def length(self) -> int:
        """Total number of digits."""
        return sum(s.width for s in self.segments)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.segments)

    def segment(self, name: str) -> Segment:
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise InputError(f"scheme {self.name}: no segment {name!r}; segments are {list(self.names)}")

    def segment_of_kind(self, kind: str) -> Segment | None:
        """The segment of a known kind (``admin``, ``major``, ``serial`` …) or None."""
        return next((s for s in self.segments if s.kind == kind), None)

    @property
    def class_segments(self) -> tuple[str, ...]:
        """Names of the segments that form the class code (major, minor), empty when there are none."""
        major, minor = self.segment_of_kind("major"), self.segment_of_kind("minor")
        return (major.name, minor.name) if major and minor else ()

    # ---- syntax ------------------------------------------------------------------------------------
    def _segment_at(self, pos: int) -> Segment:
        for seg in self.segments:
            if pos < seg.stop:
                return seg
        return self.segments[-1]

    def _syntax_problem(self, code: Any) -> tuple[str | None, str] | None:
        """(segment, message) for a code that is not text, has a non-digit or the wrong length; else None."""
        if not isinstance(code, str):
            return None, (f"code {code!r}: not a text value; store codes as text so leading zeros survive "
                          f"(scheme {self.name} needs {self.length} digits)")
        n, first_bad = len(code), _DIGITS.match(code).end()
        if first_bad < min(n, self.length):
            seg = self._segment_at(first_bad)
            return seg.name, (f"code {code}: segment {seg.describe()} = {code[seg.start:seg.stop]!r} has a "
                              f"non-digit character {code[first_bad]!r} at position {first_bad + 1}")
        if n < self.length:
            seg = self._segment_at(n)
            return seg.name, (f"code {code}: {n} characters, scheme {self.name} needs {self.length}; "
                              f"segment {seg.describe()} is incomplete")
        if n > self.length:
            seg = self.segments[-1]
            return seg.name, (f"code {code}: {n} characters, scheme {self.name} needs {self.length}; "
                              f"{n - self.length} extra character(s) after segment {seg.describe()}")
        return None

    def parse(self, code: str) -> dict[str, str]:
        """Split a code into ``{segment name: digits}`` (template order). Checks digits and length only."""
        problem = self._syntax_problem(code)
        if problem is not None:
            raise CodeError(problem[1], code=code if isinstance(code, str) else None, segment=problem[0])
        return {s.name: code[s.start : s.stop] for s in self.segments}

    def format(self, /, **segments: int | str) -> str:
        """Build a code from segment values; ints and short digit strings are zero-padded.

        Values wider than their segment, negative or non-digit raise CodeError naming the segment. Semantic
        checks (class exists, serial non-zero) are :meth:`check`'s job.
        """
        unknown = sorted(set(segments) - set(self.names))
        if unknown:
            raise InputError(f"scheme {self.name}: unknown segment(s) {unknown}; "
                             f"segments are {list(self.names)}")
        out = []
        for seg in self.segments:
            if seg.name not in segments:
                raise InputError(f"scheme {self.name}: missing a value for segment '{seg.name}'")
            value = segments[seg.name]
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, str)):
                raise CodeError(f"scheme {self.name}: segment '{seg.name}' = {value!r} is not an integer or "
                                f"digit string", segment=seg.name)
            text = str(int(value)) if not isinstance(value, str) else value
            if not text or _DIGITS.fullmatch(text) is None:
                raise CodeError(f"scheme {self.name}: segment '{seg.name}' = {value!r} is not a non-negative "
                                f"integer", segment=seg.name)
            if len(text) > seg.width:
                raise CodeError(f"scheme {self.name}: segment '{seg.name}' = {text} is wider than its "
                                f"{seg.width} digit(s)", segment=seg.name)
            out.append(text.zfill(seg.width))
        return "".join(out)

    # ---- semantics ---------------------------------------------------------------------------------
    def _rules(self, known_admin: Iterable[str] | None, known_streets: Iterable[str] | None) -> list[_Rule]:
        """Semantic rules in reporting order; each works on str parts and on pandas Series parts."""
        rules: list[_Rule] = []
        if self.directory is not None and self.class_segments:
            majors, names = _class_index(self.directory, self.kind)
            classes = frozenset(names)
            mj, mn, d, kind = *self.class_segments, self.directory, self.kind
            rules.append((mj, lambda p: _not_in(p[mj], majors),
                          lambda c, p: f"code {c}: segment '{mj}' = {p[mj]} is not a major class of "
                                       f"{kind}s in directory {d}", None))
            rules.append((mn, lambda p: _not_in(p[_CLASS], classes),
                          lambda c, p: f"code {c}: segment '{mn}' = {p[mn]} is not a class of major "
                                       f"{p[mj]} in directory {d}", mj))
        admin = self.segment_of_kind("admin")
        if admin is not None:
            a = admin.name
            rules.append((a, lambda p: _not_in(_head(p[a], 2), GB2260_PROVINCES),
                          lambda c, p: f"code {c}: segment '{a}' = {p[a]} does not start with a GB/T 2260 "
                                       f"province code", None))
            if known_admin is not None:
                admins = frozenset(str(x) for x in known_admin)
                rules.append((a, lambda p: _not_in(p[a], admins),
                              lambda c, p: f"code {c}: segment '{a}' = {p[a]} is not one of the "
                                           f"{len(admins)} known administrative division codes", a))
        street = self.segment_of_kind("street")
        if street is not None and known_streets is not None:
            s, streets = street.name, frozenset(str(x) for x in known_streets)
            rules.append((s, lambda p: _not_in(p[s], streets),
                          lambda c, p: f"code {c}: segment '{s}' = {p[s]} is not one of the "
                                       f"{len(streets)} known street codes", None))
        serial = self.segment_of_kind("serial")
        if serial is not None:
            r, zero = serial.name, "0" * serial.width
            rules.append((r, lambda p: p[r] == zero,
                          lambda c, p: f"code {c}: segment '{r}' = {p[r]} is zero; serial numbers start "
                                       f"at 1", None))
        return rules

    def _parts(self, code: str) -> dict[str, str]:
        """Segment values of a syntactically valid code, plus the class code under ``_CLASS``."""
        parts = {s.name: code[s.start : s.stop] for s in self.segments}
        parts[_CLASS] = "".join(parts[n] for n in self.class_segments)
        return parts

    def _problems(self, code: Any, known_admin: Iterable[str] | None = None,
                  known_streets: Iterable[str] | None = None) -> list[tuple[str | None, str]]:
        syntax = self._syntax_problem(code)
        if syntax is not None:
            return [syntax]
        parts = self._parts(code)
        found: list[tuple[str | None, str]] = []
        for seg, is_bad, message, skip_if in self._rules(known_admin, known_streets):
            if skip_if is not None and any(f[0] == skip_if for f in found):
                continue
            if is_bad(parts):
                found.append((seg, message(code, parts)))
        return found

    def validate(self, code: str, known_admin: Iterable[str] | None = None,
                 known_streets: Iterable[str] | None = None) -> list[str]:
        """All problems of one code as messages naming the segment; empty when the code is valid.

        Checks, in order: text, digits, length, major, minor (class exists in the directory), admin (GB/T 2260
        province prefix; in ``known_admin`` when given), street (in ``known_streets`` when given),
        serial not zero.
        """
        return [message for _, message in self._problems(code, known_admin, known_streets)]

    def check(self, code: str, known_admin: Iterable[str] | None = None,
              known_streets: Iterable[str] | None = None) -> str:
        """Return ``code`` if valid, else raise CodeError for the first problem (``err.segment`` names it)."""
        problems = self._problems(code, known_admin, known_streets)
        if problems:
            segment, message = problems[0]
            raise CodeError(message, code=code if isinstance(code, str) else None, segment=segment)
        return code

    def is_valid(self, code: str, known_admin: Iterable[str] | None = None,
                 known_streets: Iterable[str] | None = None) -> bool:
        return not self._problems(code, known_admin, known_streets)

    def validate_many(self, codes: Sequence[str] | pd.Series, known_admin: Iterable[str] | None = None,
                      known_streets: Iterable[str] | None = None) -> pd.DataFrame:
        """Validate many codes at once; one row per input (same index for a Series).

        Columns: ``code``, ``ok`` (bool), ``segment`` (first failing segment or None) and ``message`` (the
        first problem, as :meth:`check` would raise it, or None). Detection is numpy array maths on a
        code-point matrix; Python only runs per code to measure lengths and to word failing rows' messages.
        """
        series = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
        values = series.to_numpy(dtype=object)
        width = self.length
        # Unicode code points as an (n, width) uint32 matrix: digit and segment tests become array maths.
        lengths = np.fromiter((len(v) if isinstance(v, str) else -1 for v in values), dtype=np.int64,
                              count=len(values))
        fixed = np.asarray(np.where(lengths >= 0, values, ""), dtype=f"<U{width}")  # truncates longer ones
        points = fixed.view("<u4").reshape(len(values), width)
        syntax_ok = (lengths == width) & ((points >= 48) & (points <= 57)).all(axis=1)

        rule_index = np.full(len(values), -1, dtype=np.int64)  # index of the first failing rule, -1 = none
        rules = self._rules(known_admin, known_streets)
        if syntax_ok.any() and rules:
            good = points[syntax_ok]

            def text_of(columns: np.ndarray) -> np.ndarray:
                return np.ascontiguousarray(columns).view(f"<U{columns.shape[1]}").ravel()

            parts = {s.name: text_of(good[:, s.start : s.stop]) for s in self.segments}
            if self.class_segments:
                major, minor = (self.segment(n) for n in self.class_segments)
                parts[_CLASS] = text_of(np.concatenate([good[:, major.start : major.stop],
                                                        good[:, minor.start : minor.stop]], axis=1))
            first = np.full(len(good), -1, dtype=np.int64)
            for i, (_, is_bad, _, _) in enumerate(rules):
                first[(first < 0) & np.asarray(is_bad(parts), dtype=bool)] = i
            rule_index[syntax_ok] = first

        failing = np.flatnonzero(~syntax_ok | (rule_index >= 0))
        segment = np.full(len(values), None, dtype=object)
        message = np.full(len(values), None, dtype=object)
        for i in failing:  # only failing rows: word the message exactly as check() does
            code = values[i]
            if not syntax_ok[i]:
                segment[i], message[i] = self._syntax_problem(code)
            else:
                seg, _, wording, _ = rules[rule_index[i]]
                segment[i] = seg
                message[i] = wording(code, self._parts(code))
        ok = np.ones(len(values), dtype=bool)
        ok[failing] = False
        columns = {"code": values, "ok": ok, "segment": segment, "message": message}
        return pd.DataFrame({k: pd.Series(v, index=series.index, dtype=bool if k == "ok" else object)
                             for k, v in columns.items()})

    # ---- classes -----------------------------------------------------------------------------------
    def class_code(self, code: str) -> str:
        """The class code (major + minor digits, e.g. ``0118`` or ``01037``) of a code."""
        if not self.class_segments:
            raise InputError(f"scheme {self.name} has no major/minor segments")
        parts = self.parse(code)
        return "".join(parts[n] for n in self.class_segments)

    def class_name(self, code: str) -> str:
        """Chinese class name (小类名称) of a code, e.g. 上水井盖; CodeError when the class is unknown."""
        if self.directory is None:
            raise InputError(f"scheme {self.name} has no class directory")
        self.check(code)
        return _class_index(self.directory, self.kind)[1][self.class_code(code)]


# ----------------------------------------------------------------------------------------------------
# Templates and registry
# ----------------------------------------------------------------------------------------------------


def _parse_template(template: str) -> tuple[Segment, ...]:
    if not isinstance(template, str) or not template:
        raise InputError(f"template {template!r}: expected a non-empty string like '{{major:2}}{{minor:2}}'")
    segments: list[Segment] = []
    pos = 0
    while pos < len(template):
        m = _TOKEN.match(template, pos)
        if m is None:
            raise InputError(f"template {template!r}: cannot read {template[pos:]!r} at position {pos + 1}; "
                             f"write segments as {{name:width}}, e.g. {{serial:6}}")
        name, width = m.group(1), int(m.group(2))
        if width == 0:
            raise InputError(f"template {template!r}: segment '{name}' has width 0")
        if any(s.name == name for s in segments):
            raise InputError(f"template {template!r}: segment '{name}' appears twice")
        kind = SEGMENT_KINDS.get(name, "other")
        if kind != "other" and any(s.kind == kind for s in segments):
            raise InputError(f"template {template!r}: segment '{name}' repeats the {kind} segment")
        if kind in FIXED_WIDTHS and width != FIXED_WIDTHS[kind]:
            raise InputError(f"template {template!r}: segment '{name}' must be "
                             f"{FIXED_WIDTHS[kind]} digits wide")
        segments.append(Segment(name, width, kind, sum(s.width for s in segments)))
        pos = m.end()
    return tuple(segments)


def scheme_from_template(template: str, name: str = "custom", directory: str | None = None,
                         kind: str = "component", description: str = "") -> CodeScheme:
    """Build a (not registered) scheme from a template like ``{admin:6}{major:2}{minor:3}{seq:6}``.

    Refuses, with InputError: text outside ``{name:width}`` tokens, zero widths, duplicate names, a wrong
    width for ``admin``/``major``, and a directory whose minor width differs from the template's minor.
    """
    segments = _parse_template(template)
    if kind not in CLASS_KINDS:
        raise InputError(f"scheme {name}: kind {kind!r} is not one of {CLASS_KINDS}")
    scheme = CodeScheme(name, template, segments, directory, kind, description)
    if directory is not None:
        if not scheme.class_segments:
            raise InputError(f"scheme {name}: a class directory needs both 'major' and 'minor' segments")
        minor = scheme.segment_of_kind("minor")
        if minor is not None and minor.width != _minor_width(directory):
            raise InputError(f"scheme {name}: segment 'minor' is {minor.width} digits but directory "
                             f"{directory} uses {_minor_width(directory)}")
    return scheme


_SCHEMES: dict[str, CodeScheme] = {}
_ALIASES: dict[str, str] = {}


def register_scheme(name: str, template: str, directory: str | None = None, kind: str = "component",
                    description: str = "", aliases: Iterable[str] = (), replace: bool = False) -> CodeScheme:
    """Register a named scheme (and aliases) so :func:`get_scheme` and :func:`convert` find it by name."""
    taken = [n for n in (name, *aliases) if (n in _SCHEMES or n in _ALIASES) and not replace]
    if taken:
        raise InputError(f"scheme name(s) {taken} already registered; pass replace=True to overwrite")
    scheme = scheme_from_template(template, name=name, directory=directory, kind=kind,
                                  description=description)
    _SCHEMES[name] = scheme
    _ALIASES.pop(name, None)
    for alias in aliases:
        _ALIASES[alias] = name
    return scheme


def get_scheme(name: str | CodeScheme) -> CodeScheme:
    """A registered scheme by name or alias (a CodeScheme is returned as is)."""
    if isinstance(name, CodeScheme):
        return name
    key = _ALIASES.get(str(name), str(name))
    if key not in _SCHEMES:
        raise InputError(f"unknown code scheme {name!r}; known: {list_schemes()} "
                         f"(aliases {sorted(_ALIASES)})")
    return _SCHEMES[key]


def list_schemes() -> list[str]:
    """Canonical names of the registered schemes, in registration order."""
    return list(_SCHEMES)


def class_name(scheme: str | CodeScheme, code: str) -> str:
    """Chinese class name of ``code`` under ``scheme`` (name, alias or CodeScheme)."""
    return get_scheme(scheme).class_name(code)


# ----------------------------------------------------------------------------------------------------
# Conversion
# ----------------------------------------------------------------------------------------------------


def _refit(value: str, width: int, code: str, segment: str) -> str:
    """Zero-pad to ``width`` or drop leading zeros; CodeError when significant digits would be lost."""
    if len(value) <= width:
        return value.zfill(width)
    if value[: len(value) - width].strip("0"):
        raise CodeError(f"code {code}: segment '{segment}' = {value} does not fit in {width} digits",
                        code=code, segment=segment)
    return value[len(value) - width :]


def _map_class(code: str, old_class: str, src: CodeScheme, dst: CodeScheme,
               class_map: ClassMap | None) -> str:
    minor = src.class_segments[1]
    if class_map is not None:
        mapping = (dict(zip(class_map["old_code"].astype(str), class_map["new_code"].astype(str)))
                   if isinstance(class_map, pd.DataFrame) else {str(k): str(v) for k, v in class_map.items()})
    elif src.directory == dst.directory or src.directory is None or dst.directory is None:
        return old_class
    else:
        mapping = _default_class_map(src.directory, dst.directory)
        if mapping is None or src.kind != "component" or dst.kind != "component":
            raise InputError(f"converting {code} from {src.name} to {dst.name}: no default {src.kind} "
                             f"class map from directory {src.directory} to {dst.directory}; pass class_map=")
    if old_class not in mapping:
        name = _class_index(src.directory, src.kind)[1].get(old_class, "?") if src.directory else "?"
        raise CodeError(f"code {code}: segment '{minor}' cannot be converted: class {old_class} ({name}) of "
                        f"directory {src.directory} has no counterpart in directory {dst.directory}; "
                        f"pass class_map= to map it", code=code, segment=minor)
    return mapping[old_class]


def convert(code: str, source: str | CodeScheme, target: str | CodeScheme, admin: str | int | None = None,
            street: str | int | None = None, class_map: ClassMap | None = None,
            extra: Mapping[str, str | int] | None = None) -> str:
    """Convert a code between schemes, keeping the serial (流水号).

    Segments are matched by kind (admin, street, community, major/minor, serial/seq) and user segments by
    name. Values the source lacks come from ``admin``, ``street`` or ``extra``; e.g. 12 → 16 needs ``admin``,
    16 → 12 needs ``street``. An explicit value that contradicts the source raises CodeError.
    When the class directories differ, the class goes through ``class_map``. This is a ``{old class code:
    new class code}`` dict or a DataFrame with ``old_code``/``new_code``; by default it is the shipped map
    (e.g. ``0118`` 路灯 → ``01037``). A class without a counterpart raises CodeError naming the minor segment.
    The source code is checked first and the result after.
    """
    src, dst = get_scheme(source), get_scheme(target)
    src.check(code)
    parts = src.parse(code)
    by_kind = {s.kind: parts[s.name] for s in src.segments if s.kind != "other"}
    given: dict[str, str] = {}
    for key, value in (("admin", admin), ("street", street), *dict(extra or {}).items()):
        if value is not None:
            given[key] = value if isinstance(value, str) else str(int(value))

    values: dict[str, str] = {}
    if dst.class_segments:
        if not src.class_segments:
            raise InputError(f"converting {code}: scheme {src.name} has no major/minor segments "
                             f"for {dst.name}")
        new_class = _map_class(code, "".join(parts[n] for n in src.class_segments), src, dst, class_map)
        major, minor = (dst.segment(n) for n in dst.class_segments)
        if len(new_class) != major.width + minor.width or _DIGITS.fullmatch(new_class) is None:
            raise CodeError(f"code {code}: mapped class {new_class!r} does not fit segments '{major.name}' + "
                            f"'{minor.name}' of scheme {dst.name}", code=code, segment=minor.name)
        values[major.name], values[minor.name] = new_class[: major.width], new_class[major.width :]
    for seg in dst.segments:
        if seg.name in values:
            continue
        from_source = by_kind.get(seg.kind) if seg.kind != "other" else parts.get(seg.name)
        option = seg.kind if seg.kind in ("admin", "street") else "extra"
        explicit = given.get(seg.kind if option != "extra" else seg.name)
        if (explicit is not None and from_source is not None
                and explicit.zfill(seg.width) != from_source.zfill(seg.width)):
            raise CodeError(f"code {code}: segment '{seg.name}' = {from_source} contradicts the given value "
                            f"{explicit}", code=code, segment=seg.name)
        value = from_source if from_source is not None else explicit
        if value is None:
            raise InputError(f"converting {code} from {src.name} to {dst.name} needs a value for segment "
                             f"'{seg.name}' (pass {option}=)")
        values[seg.name] = _refit(value, seg.width, code, seg.name)
    result = dst.format(**values)
    return dst.check(result)


# ----------------------------------------------------------------------------------------------------
# Presets
# ----------------------------------------------------------------------------------------------------

register_scheme("default12", "{major:2}{minor:2}{street:2}{serial:6}", directory="cjt214", aliases=("12",),
                description="12-digit district-local component ID: 大类2 + 小类2 + 街道2 + 流水号6 "
                            "(inferred layout, Shanghai style; no admin prefix)")
register_scheme("cjt214-16", "{admin:6}{major:2}{minor:2}{serial:6}", directory="cjt214", aliases=("16",),
                description="16-digit component ID, CJ/T 214-2007 / GB/T 30428.2-2013 era: "
                            "行政区划6 + 大类2 + 小类2 + 流水号6")
register_scheme("gbt47678-17", "{admin:6}{major:2}{minor:3}{serial:6}", directory="gbt47678",
                aliases=("17",),
                description="17-digit 管理部件标识码, GB/T 47678.5-2026: 行政区划6 + 大类2 + 小类3 + 顺序码6")
register_scheme("gbt47678-event-11", "{admin:6}{major:2}{minor:3}", directory="gbt47678", kind="event",
                aliases=("11",),
                description="11-digit 事项代码, GB/T 47678.5-2026: 行政区划6 + 大类2 + 小类3 "
                            "(a type code, not unique per case)")
