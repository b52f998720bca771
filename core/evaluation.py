"""Evaluation indicators, composite scores and grades (综合评价) over a period.

Input: a case table (案卷) as in the cases contract (one row per case; ``registered_at``, ``deadline``,
``disposed_at``, ``closed_at``, ``state`` … and, after the overlay, ``cell_code``/``community_code``/
``street_code``/``district_code``). Every indicator is built from per-case flags summed per group with one
pandas ``groupby``; rates are then computed from the summed counts, so aggregating cells → communities →
streets recomputes rates from counts and never averages rates (docs/standards.md#41-counts-per-case).

Per-case rules for a period ``[start, end)`` (docs/standards.md#41-counts-per-case; the cases contract):

* 立案 ``registered_all``: ``registered_at`` in the period and state ≠ 作废. For regions (区域: cell,
  community, street, district) the 立案数 excludes 挂账 cases; departments and supervisors keep them.
* 应结案 ``due``: registered (at any time), not 作废, not 缓办, and either disposed in the period or its
  deadline falls in the period without an earlier disposal (= 处置数 + 超时未处置数).
* 结案 ``closed``: due and ``closed_at`` before the period end, unless the case is back in 办理中 (a case
  reopened after closing has no valid closure). 按期结案: closed and ``closed_at <= deadline``.
* 处置 / 按期处置: due and disposed before the period end (on time: ``disposed_at <= deadline``). A case
  without a deadline has no time limit and counts as on time.
* 返工: due with ``rework_count > 0`` (cases, not rework rounds). 超期: due and not disposed on time.
* 监督员上报: reported in the period by a 监督员; 有效上报: of those, registered and not 作废.
* 应核查 / 按时核查: due cases with a 反馈 before the period end / checked within ``check_limit_hours``.
* 监督举报 (public reports, lower is better): registered cases (region rule) from 公众举报.

Indicators are percentages (0–100). A zero denominator gives NaN ("no data"), never 0; a group with no
cases gets grade 无数据 (its own class, never a zero score).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .dates import parse_times
from .enums import GROUP_KEYS, REGION_KEY_WIDTHS, REGION_KEYS
from .errors import InputError
from .feedback import Feedback, ensure
from .periods import Period, parse_period
from .regions import conflict_summary, region_keys

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CONFIG = DATA_DIR / "evaluation_default.json"

#: length of each region key inside a unit-cell code (6 district + 3 street + 3 community + sequence)
REGION_PREFIX = REGION_KEY_WIDTHS
KIND_OF_KEY = {**{k: "region" for k in REGION_KEYS}, "dept_code": "department", "supervisor": "supervisor"}
LEVEL_OF_KEY = {"cell_code": "cell", "community_code": "community", "street_code": "street",
                "district_code": "district", "dept_code": "department", "supervisor": "supervisor"}

VOID, SUSPENDED, DEFERRED, IN_PROGRESS = "作废", "挂账", "缓办", "办理中"
SUPERVISOR_SOURCE, PUBLIC_SOURCE = "监督员", "公众举报"

#: summed per group; every rate is a ratio of two of these
COUNT_COLUMNS = (
    "n_cases", "n_reported", "n_supervisor_reports", "n_valid_reports", "n_registered_all", "n_suspended",
    "n_void", "n_deferred", "n_due", "n_closed", "n_closed_on_time", "n_disposed", "n_disposed_on_time",
    "n_rework", "n_overdue", "n_public_reports", "n_check_due", "n_checked_on_time",
)
#: rate → (numerator, denominator); ``registered`` is the kind-dependent 立案数
RATES = {
    "closure_rate": ("n_closed", "n_due"),
    "on_time_closure_rate": ("n_closed_on_time", "n_due"),
    "on_time_disposal_rate": ("n_disposed_on_time", "n_due"),
    "rework_rate": ("n_rework", "n_due"),
    "overdue_rate": ("n_overdue", "n_due"),
    "valid_report_rate": ("n_valid_reports", "n_supervisor_reports"),
    "on_time_check_rate": ("n_checked_on_time", "n_check_due"),
    "public_report_rate": ("n_public_reports", "registered"),
}
#: indicators the case table cannot supply (no 核实 timestamps; 漏报 needs supervisor areas): scored as absent
UNAVAILABLE = ("missed_report_rate", "on_time_verify_rate")
KNOWN_INDICATORS = (*RATES, "registered", "density", *UNAVAILABLE)

INDICATOR_LABELS_ZH = {
    "n_cases": "案卷数", "n_reported": "上报数", "n_supervisor_reports": "监督员上报数",
    "n_valid_reports": "有效上报数", "n_registered_all": "立案数(含挂账)", "n_suspended": "挂账数",
    "n_void": "作废数", "n_deferred": "缓办数", "n_due": "应结案数", "n_closed": "结案数",
    "n_closed_on_time": "按期结案数", "n_disposed": "处置数", "n_disposed_on_time": "按期处置数",
    "n_rework": "返工数", "n_overdue": "超期数", "n_public_reports": "监督举报数", "n_check_due": "应核查数",
    "n_checked_on_time": "按时核查数", "registered": "立案数", "closure_rate": "结案率",
    "on_time_closure_rate": "按期结案率", "on_time_disposal_rate": "按期处置率", "rework_rate": "返工率",
    "overdue_rate": "超期率", "valid_report_rate": "有效上报率", "on_time_check_rate": "按时核查率",
    "public_report_rate": "监督举报率", "missed_report_rate": "漏报率", "on_time_verify_rate": "按时核实率",
    "density": "问题发生密度(件/万m²)", "area_m2": "面积(m²)", "score": "综合指标值", "grade": "等级",
}

_CASE_COLUMNS = ("state", "registered_at", "deadline", "disposed_at", "closed_at")


# --- configuration ----------------------------------------------------------------------------------------
@dataclass
class EvaluationConfig:
    """Weights, count-to-score bands, grade thresholds and colours (from a JSON/TOML file)."""

    grades: list[dict[str, Any]]
    no_data: str
    grade_colors: dict[str, str]
    kinds: dict[str, dict[str, dict[str, Any]]]
    bands: dict[str, dict[str, Any]]
    check_limit_hours: float = 1.0
    source: str = str(DEFAULT_CONFIG)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def grade_names(self) -> list[str]:
        return [g["grade"] for g in self.grades]

    def grade_bounds(self) -> list[tuple[str, float, float]]:
        """(grade, lower bound inclusive, upper bound exclusive except 100) from best to worst."""
        out, upper = [], 100.0
        for g in self.grades:
            out.append((g["grade"], float(g["min"]), upper))
            upper = float(g["min"])
        return out


def _read_config_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ImportError:  # Python < 3.11
            try:
                import tomli as tomllib
            except ImportError as exc:
                raise InputError(f"{path}: reading TOML needs Python 3.11 or the 'tomli' package") from exc
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc


def _validate(cfg: dict[str, Any], where: str) -> None:
    grades = cfg.get("grades")
    if not isinstance(grades, list) or not grades:
        raise InputError(f"{where}: 'grades' must be a list of {{grade, min}}")
    mins = []
    for g in grades:
        if not isinstance(g, dict) or "grade" not in g or "min" not in g:
            raise InputError(f"{where}: grade entry {g!r} needs 'grade' and 'min'")
        mins.append(float(g["min"]))
    if any(b >= a for a, b in zip(mins, mins[1:])):
        raise InputError(f"{where}: grade thresholds must decrease strictly from best to worst, got {mins}")
    colors = cfg.get("grade_colors", {})
    for name in [g["grade"] for g in grades] + [cfg.get("no_data", "无数据")]:
        c = colors.get(name)
        if not isinstance(c, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", c):
            raise InputError(f"{where}: grade_colors[{name!r}] must be a #rrggbb colour, got {c!r}")
    bands = cfg.get("bands", {})
    for name, band in bands.items():
        if name.startswith("_"):
            continue
        mx, sc = band.get("max"), band.get("scores")
        if not isinstance(mx, list) or not isinstance(sc, list) or len(mx) != len(sc) or not mx:
            raise InputError(f"{where}: bands[{name!r}] needs 'max' and 'scores' lists of the same length")
        if any(b <= a for a, b in zip(mx, mx[1:])):
            raise InputError(f"{where}: bands[{name!r}].max must increase strictly, got {mx}")
        if band.get("by", "count") not in {"count", "density"}:
            raise InputError(f"{where}: bands[{name!r}].by must be 'count' or 'density'")
    kinds = cfg.get("kinds")
    if not isinstance(kinds, dict) or not kinds:
        raise InputError(f"{where}: 'kinds' must map region/department/supervisor to indicator weights")
    for kind, spec in kinds.items():
        if kind not in {"region", "department", "supervisor"}:
            raise InputError(f"{where}: unknown evaluated kind {kind!r} (region, department, supervisor)")
        total = 0.0
        for ind, item in spec.items():
            if ind not in KNOWN_INDICATORS:
                raise InputError(f"{where}: kinds.{kind}: unknown indicator {ind!r} "
                                 f"(known: {', '.join(KNOWN_INDICATORS)})")
            w = item.get("weight")
            if not isinstance(w, (int, float)) or w < 0:
                raise InputError(f"{where}: kinds.{kind}.{ind}.weight must be a number ≥ 0, got {w!r}")
            total += float(w)
            how = item.get("score", "rate")
            if how not in {"rate", "inverse", "bands"}:
                raise InputError(f"{where}: kinds.{kind}.{ind}.score must be rate, inverse or bands")
            if how == "bands" and item.get("bands") not in bands:
                raise InputError(f"{where}: kinds.{kind}.{ind} refers to unknown bands {item.get('bands')!r}")
        if abs(total - 1.0) > 1e-6:
            raise InputError(f"{where}: the weights of kinds.{kind} add up to {total:g}, not 1")


def load_weights(path: str | Path | None = None) -> EvaluationConfig:
    """Evaluation settings: the defaults (``core/data/evaluation_default.json``) overridden by ``path``.

    ``path`` is JSON or TOML with any of the top-level keys of the default file. A kind given in
    ``kinds`` replaces that kind's whole indicator table (so indicators can be dropped); ``bands`` entries
    and ``grade_colors`` are merged by name; ``grades`` is replaced. Bad files raise :class:`InputError`.
    """
    base = json.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    where = str(DEFAULT_CONFIG)
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise InputError(f"weights file {p} does not exist")
        user = _read_config_file(p)
        if not isinstance(user, dict):
            raise InputError(f"{p}: expected a table of settings at the top level")
        unknown = set(user) - set(base) - {"_comment"}
        if unknown:
            raise InputError(f"{p}: unknown setting(s) {sorted(unknown)} (known: {sorted(k for k in base)})")
        merged = copy.deepcopy(base)
        for key, value in user.items():
            if key in {"kinds", "bands", "grade_colors"} and isinstance(value, dict):
                merged[key].update(value)
            else:
                merged[key] = value
        base, where = merged, str(p)
    _validate(base, where)
    return EvaluationConfig(
        grades=[dict(g) for g in base["grades"]], no_data=str(base.get("no_data", "无数据")),
        grade_colors=dict(base["grade_colors"]),
        kinds={k: {i: dict(v) for i, v in spec.items()} for k, spec in base["kinds"].items()},
        bands={k: dict(v) for k, v in base["bands"].items() if not k.startswith("_")},
        check_limit_hours=float(base.get("check_limit_hours", 1.0)), source=where, raw=base,
    )


# --- per-case flags and counts ----------------------------------------------------------------------------
def _times(cases: pd.DataFrame, column: str) -> np.ndarray:
    """A case time column as ``datetime64[ns]`` (:func:`wanmi.core.dates.parse_times`; NaT where missing)."""
    if column not in cases.columns:
        return np.full(len(cases), np.datetime64("NaT"), dtype="datetime64[ns]")
    values, failed = parse_times(cases[column])
    if failed.any():
        bad = cases[column].to_numpy(dtype=object)[failed][:3]
        raise InputError(f"case column {column!r} has values that are not dates/times: "
                         f"{', '.join(repr(v) for v in bad)}")
    return values.to_numpy(dtype="datetime64[ns]")


def _equals(cases: pd.DataFrame, column: str, value: str) -> np.ndarray:
    """``cases[column] == value`` as a bool array (missing column or value → False); vectorised on Arrow
    and object strings alike."""
    if column not in cases.columns:
        return np.zeros(len(cases), bool)
    return (cases[column] == value).fillna(False).to_numpy(dtype=bool)


def case_flags(cases: pd.DataFrame, period: str | Period | tuple | None = None,
               check_limit_hours: float = 1.0) -> pd.DataFrame:
    """One row per case, one int8 column per count in :data:`COUNT_COLUMNS` (1 = the case counts).

    Vectorised: every flag is a numpy expression over the case columns; see the module docstring for the
    rules.
    """
    missing = [c for c in _CASE_COLUMNS if c not in cases.columns]
    if missing:
        raise InputError(f"the case table has no column(s) {', '.join(missing)} "
                         f"(columns: {', '.join(map(str, cases.columns))})")
    per = parse_period(period)
    flags = _flag_arrays(cases, per, check_limit_hours)
    return pd.DataFrame({k: flags[k].astype(np.int8) for k in COUNT_COLUMNS}, index=cases.index)


def _flag_arrays(cases: pd.DataFrame, per: Period, check_limit_hours: float) -> dict[str, np.ndarray]:
    """The per-case flags of :func:`case_flags` as bool arrays."""
    start, end = np.datetime64(per.start.to_datetime64(), "ns"), np.datetime64(per.end.to_datetime64(), "ns")

    def within(t: np.ndarray) -> np.ndarray:
        return (t >= start) & (t < end)  # NaT compares False

    reported_at, registered_at = _times(cases, "reported_at"), _times(cases, "registered_at")
    deadline, disposed_at = _times(cases, "deadline"), _times(cases, "disposed_at")
    closed_at, feedback_at, checked_at = _times(cases, "closed_at"), _times(cases, "feedback_at"), \
        _times(cases, "checked_at")
    rework = (pd.to_numeric(cases["rework_count"], errors="coerce").fillna(0).to_numpy() > 0
              if "rework_count" in cases.columns else np.zeros(len(cases), bool))

    void, suspended, deferred = (_equals(cases, "state", v) for v in (VOID, SUSPENDED, DEFERRED))
    in_progress = _equals(cases, "state", IN_PROGRESS)
    no_deadline = np.isnat(deadline)
    is_registered = ~np.isnat(registered_at) & ~void
    registered_all = is_registered & within(registered_at)
    reported = within(reported_at)
    sup_reports = reported & _equals(cases, "source", SUPERVISOR_SOURCE)
    disposed_in = within(disposed_at)
    disposed_before = disposed_at < start
    due = is_registered & ~deferred & (disposed_in | (within(deadline) & ~disposed_before))
    disposed = due & (disposed_at < end)
    disposed_on_time = disposed & (no_deadline | (disposed_at <= deadline))
    closed = due & (closed_at < end) & ~in_progress
    closed_on_time = closed & (no_deadline | (closed_at <= deadline))
    check_due = due & (feedback_at < end)
    limit = np.timedelta64(round(check_limit_hours * 3600e9), "ns")
    checked_on_time = check_due & (checked_at < end) & ((checked_at - feedback_at) <= limit)
    flags = {
        "n_reported": reported,
        "n_supervisor_reports": sup_reports,
        "n_valid_reports": sup_reports & is_registered,
        "n_registered_all": registered_all,
        "n_suspended": registered_all & suspended,
        "n_void": void & within(registered_at),
        "n_deferred": deferred & within(registered_at),
        "n_due": due,
        "n_closed": closed,
        "n_closed_on_time": closed_on_time,
        "n_disposed": disposed,
        "n_disposed_on_time": disposed_on_time,
        "n_rework": due & rework,
        "n_overdue": due & ~disposed_on_time,
        "n_public_reports": registered_all & ~suspended & _equals(cases, "source", PUBLIC_SOURCE),
        "n_check_due": check_due,
        "n_checked_on_time": checked_on_time,
    }
    flags["n_cases"] = reported | registered_all | due | flags["n_void"] | flags["n_deferred"]
    return flags


def _region_key_frame(cases: pd.DataFrame, feedback: Feedback | None = None) -> pd.DataFrame:
    """Full hierarchical keys per case or cell: community 12 digits, street 9, district 6 (``string`` dtype).

    The one rule of :func:`wanmi.core.regions.region_keys`: code columns first (3-digit parts widened with
    the levels above, so community ``001`` of two streets never merge), the cell code for what they leave
    out; disagreements are warned about through ``feedback``."""
    keys = region_keys(cases, "cell_code")
    if feedback is not None and (conflicts := conflict_summary(keys)):
        feedback.warning(conflicts)
    return keys[list(REGION_KEYS)].astype("string")


def _group_keys(cases: pd.DataFrame, by: str) -> pd.Series:
    if by not in GROUP_KEYS:
        raise InputError(f"cannot evaluate by {by!r}; choose one of {', '.join(GROUP_KEYS)}")
    if by == "cell_code" and by in cases.columns:
        return cases[by]
    if by in REGION_KEYS:
        if not any(k in cases.columns for k in REGION_KEYS):
            raise InputError("the cases have no cell/community/street/district code: overlay them on the unit "
                             "grid first (wanmi cases overlay) or pass the cells")
        return _region_key_frame(cases)[by]
    if by not in cases.columns:
        raise InputError(f"the case table has no column {by!r}")
    return cases[by].astype("string")


def count_cases(cases: pd.DataFrame, by: str, period: str | Period | tuple | None = None,
                check_limit_hours: float = 1.0) -> pd.DataFrame:
    """Counts per group (index = group key, sorted; cases without a key are left out).

    The keys are factorised once and every flag is summed with ``np.bincount`` (no Python loop over
    cases or groups)."""
    missing = [c for c in _CASE_COLUMNS if c not in cases.columns]
    if missing:
        raise InputError(f"the case table has no column(s) {', '.join(missing)} "
                         f"(columns: {', '.join(map(str, cases.columns))})")
    flags = _flag_arrays(cases, parse_period(period), check_limit_hours)
    codes, uniques = pd.factorize(_group_keys(cases, by), sort=True)
    valid = codes >= 0
    codes = codes[valid]
    data = {k: np.bincount(codes, weights=flags[k][valid], minlength=len(uniques)).astype(np.int64)
            for k in COUNT_COLUMNS}
    index = pd.Index(np.asarray(uniques, dtype=object).astype(str), name=by)
    return pd.DataFrame(data, index=index)


# --- indicators, scores, grades ---------------------------------------------------------------------------
def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, float), np.asarray(den, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 100.0 * num / den, np.nan)


def indicators(counts: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Add 立案数 (``registered``, kind rule), every rate of :data:`RATES` and, when ``area_m2`` is given,
    问题发生密度 ``density`` (立案数 per 10,000 m²) to a frame of summed counts."""
    out = counts.copy()
    out["registered"] = out["n_registered_all"] - (out["n_suspended"] if kind == "region" else 0)
    for name, (num, den) in RATES.items():
        out[name] = _ratio(out[num].to_numpy(), out[den].to_numpy())
    if "area_m2" in out.columns:
        area = pd.to_numeric(out["area_m2"], errors="coerce").to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["density"] = np.where(area > 0, out["registered"].to_numpy(float) * 1e4 / area, np.nan)
    return out


def band_scores(values: np.ndarray, band: Mapping[str, Any]) -> np.ndarray:
    """Count/density → score (分值) through ``band``: value ≤ max[i] scores scores[i]; above all: ``above``."""
    values = np.asarray(values, float)
    mx, sc = np.asarray(band["max"], float), np.asarray([*band["scores"], band.get("above", 0)], float)
    idx = np.searchsorted(mx, values, side="left")
    return np.where(np.isnan(values), np.nan, sc[np.minimum(idx, len(mx))])


def composite_scores(frame: pd.DataFrame, kind: str, config: EvaluationConfig | None = None) -> np.ndarray:
    """综合指标值 0–100 per row: Σ weight × 分值 over the kind's indicators.

    An indicator marked ``required`` without data (NaN) makes the row's score NaN (no data); a missing
    optional indicator (NaN, or not computable from the case table) is left out and the remaining
    weights are rescaled to 1.
    """
    config = config or load_weights()
    if kind not in config.kinds:
        raise InputError(f"no weights for evaluated kind {kind!r} in {config.source}")
    n = len(frame)
    total, weights, ok = np.zeros(n), np.zeros(n), np.ones(n, bool)
    for name, item in config.kinds[kind].items():
        w = float(item["weight"])
        how = item.get("score", "rate")
        if how == "bands":
            band = config.bands[item["bands"]]
            if band.get("by") == "density":
                dens = frame["density"].to_numpy(float) if "density" in frame.columns else np.full(n, np.nan)
                s = band_scores(dens, band)
                fallback = config.bands.get(band.get("fallback", "department_registered"))
                if fallback is not None and name in frame.columns:
                    s = np.where(np.isnan(s), band_scores(frame[name].to_numpy(float), fallback), s)
            else:
                s = band_scores(frame[name].to_numpy(float), band) if name in frame.columns else np.full(n, np.nan)
        else:
            v = frame[name].to_numpy(float) if name in frame.columns else np.full(n, np.nan)
            s = v if how == "rate" else 100.0 - v
        has = ~np.isnan(s)
        if item.get("required"):
            ok &= has
        total += np.where(has, w * s, 0.0)
        weights += np.where(has, w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok & (weights > 0), total / weights, np.nan)


def grades(scores: Iterable[float], config: EvaluationConfig | None = None) -> np.ndarray:
    """Score → grade (A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below, by default); NaN → 无数据 (never E)."""
    config = config or load_weights()
    s = np.asarray(list(scores) if not isinstance(scores, (np.ndarray, pd.Series)) else scores, float)
    conditions = [s >= float(g["min"]) for g in config.grades[:-1]] + [~np.isnan(s)]
    return np.select(conditions, config.grade_names, default=config.no_data).astype(object)


def grade_labels(config: EvaluationConfig | None = None) -> dict[str, str]:
    """Grade → legend text with its class bounds, e.g. ``A 优 (90–100)``, ``B 良 (75–<90)``."""
    config = config or load_weights()
    labels = {}
    for (name, lo, hi), g in zip(config.grade_bounds(), config.grades):
        word = g.get("label", "")
        bounds = f"{lo:g}–{hi:g}" if hi == 100.0 else (f"<{hi:g}" if lo <= 0 else f"{lo:g}–<{hi:g}")
        labels[name] = f"{name} {word} ({bounds})".replace("  ", " ")
    labels[config.no_data] = config.no_data
    return labels


def score_frame(counts: pd.DataFrame, kind: str, config: EvaluationConfig | None = None) -> pd.DataFrame:
    """Indicators + ``score`` + ``grade`` for a frame of summed counts."""
    config = config or load_weights()
    out = indicators(counts, kind)
    out["score"] = composite_scores(out, kind, config)
    out["grade"] = grades(out["score"].to_numpy(), config)
    return out


# --- evaluation entry points ------------------------------------------------------------------------------
def _cell_table(cells: pd.DataFrame, code_field: str = "code", feedback: Feedback | None = None) -> pd.DataFrame:
    """Cells → cell_code, full community/street/district keys and area_m2 (index = cell code)."""
    if code_field not in cells.columns:
        raise InputError(f"the cells have no code field {code_field!r} (fields: {', '.join(map(str, cells.columns))})")
    codes = cells[code_field].astype("string")
    if codes.isna().any() or codes.duplicated().any():
        bad = codes[codes.isna() | codes.duplicated()].iloc[0]
        raise InputError(f"cell code {bad!r} is missing or duplicated in the cells")
    table = pd.DataFrame({"cell_code": codes.to_numpy()}, index=cells.index)
    for col in ("district_code", "street_code", "community_code"):
        if col in cells.columns:
            table[col] = cells[col].to_numpy()  # integer codes stay numbers: region_keys pads them
    keys = _region_key_frame(table, feedback)
    if "area_m2" in cells.columns:
        keys["area_m2"] = pd.to_numeric(cells["area_m2"], errors="coerce").to_numpy(float)
    elif hasattr(cells, "geometry") and cells.crs is not None and not cells.crs.is_geographic:
        keys["area_m2"] = cells.geometry.area.to_numpy(float)
    return keys.set_index("cell_code", drop=False)


def _overlay(cases: pd.DataFrame, cells: pd.DataFrame, code_field: str) -> pd.DataFrame:
    """Add cell/community/street/district codes to cases that lack them (point in cell)."""
    if "cell_code" in cases.columns:
        return cases
    if getattr(cases, "_geometry_column_name", None) is None:
        raise InputError("the cases have neither a cell_code column nor point geometries to overlay on the cells")
    from .cases import overlay_cases

    return overlay_cases(cases, cells, code_field=code_field)


def evaluate(cases: pd.DataFrame, by: str = "cell_code", period: str | Period | tuple | None = None,
             cells: pd.DataFrame | None = None, config: EvaluationConfig | str | Path | None = None,
             code_field: str = "code", feedback: Feedback | None = None) -> pd.DataFrame:
    """Indicators, score and grade per ``by`` group over ``period`` (综合评价).

    Region keys (cell/community/street/district): cases are counted per cell first and summed upwards, so
    every level's rates come from summed counts. With ``cells`` every cell (or the community/street made of
    them) is in the result — those without cases get NaN rates and grade 无数据 — along with ``area_m2``,
    ``density`` and, when the cells have geometries, a dissolved geometry (a GeoDataFrame is returned).
    Cases without ``cell_code`` are first placed in the cells by location. Department/supervisor results
    list the groups that have cases. Columns: ``code`` (the group key), ``level``, the counts, the
    indicators (percent), ``score``, ``grade``; ``attrs`` holds the period, kind and unavailable indicators.
    """
    fb = ensure(feedback)
    if not isinstance(config, EvaluationConfig):
        config = load_weights(config)
    per = parse_period(period)
    kind = KIND_OF_KEY.get(by)
    if kind is None:
        raise InputError(f"cannot evaluate by {by!r}; choose one of {', '.join(GROUP_KEYS)}")
    fb.window(0, 10)
    fb.step(0, 1)
    if cells is not None:  # a grid that keeps its history: its latest edition (rows without valid_to)
        from .audit import latest_edition

        cells, _ = latest_edition(cells)
    if cells is not None and by in REGION_KEYS:
        cases = _overlay(cases, cells, code_field)
    fb.window(10, 60)
    fb.step(0, 1)
    table = None
    if by in REGION_KEYS and (cells is not None or "cell_code" in cases.columns):
        result, table = _region_result(cases, cells, by, per, config, code_field, fb)
    else:
        result = _group_result(cases, by, kind, per, config, fb)
    fb.window(60, 100)
    fb.step(0, 1)
    if cells is not None and by in REGION_KEYS and hasattr(cells, "geometry"):
        result = _attach_geometry(result, cells, by, _cell_table(cells, code_field) if table is None else table)
    fb.step(1, 1)
    result.insert(2, "period", per.label)
    synthetic = bool(cases.attrs.get("synthetic")) or (
        "synthetic" in cases.columns and bool(pd.to_numeric(cases["synthetic"], errors="coerce").fillna(0).any()))
    if synthetic:  # keep the label of generated data on everything made from it
        result["synthetic"] = 1
    result.attrs.update(period=per.label, period_start=str(per.start), period_end=str(per.end), kind=kind,
                        by=by, weights=config.source, synthetic=synthetic,
                        unavailable=[i for i in config.kinds[kind] if i in UNAVAILABLE])
    return result


def _region_result(cases: pd.DataFrame, cells: pd.DataFrame | None, by: str, per: Period, config: EvaluationConfig,
                   code_field: str, fb: Feedback) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Scores per region: cases counted per cell (every cell of ``cells`` when given) and summed up to
    ``by``; also the cell table when there are cells."""
    table = None
    counts = count_cases(cases, "cell_code", per, config.check_limit_hours)
    fb.step(1, 1)
    if cells is not None:
        table = _cell_table(cells, code_field, fb)
        unknown = counts.index.difference(table.index)
        if len(unknown):
            fb.warning(f"{len(unknown)} case cell code(s) are not in the cells (e.g. {unknown[0]}); "
                       "their cases are left out")
        counts = counts.reindex(table.index, fill_value=0)
        counts = pd.concat([table.drop(columns="cell_code"), counts], axis=1)
    else:
        keys = _region_key_frame(cases).drop_duplicates("cell_code").dropna(subset=["cell_code"])
        keys = keys.set_index("cell_code")
        counts = pd.concat([keys.reindex(counts.index), counts], axis=1)
    counts.index.name = "cell_code"
    counts = counts.reset_index()
    return aggregate(counts, by, config), table


def _group_result(cases: pd.DataFrame, by: str, kind: str, per: Period, config: EvaluationConfig,
                  fb: Feedback) -> pd.DataFrame:
    """Scores per department or supervisor (the groups that have cases), with the department names."""
    counts = count_cases(cases, by, per, config.check_limit_hours)
    fb.step(1, 1)
    result = score_frame(counts, kind, config)
    result.insert(0, "code", result.index.astype(str))
    result.insert(1, "level", LEVEL_OF_KEY[by])
    if by == "dept_code" and "dept_name" in cases.columns:
        names = cases.dropna(subset=["dept_code"]).groupby(cases["dept_code"].astype("string"))["dept_name"]
        result.insert(2, "dept_name", names.first().reindex(result.index).to_numpy())
    return result.reset_index(drop=True)


def aggregate(counts: pd.DataFrame, to: str, config: EvaluationConfig | None = None) -> pd.DataFrame:
    """Sum per-cell counts (and areas) to ``to`` (cell/community/street/district) and recompute every rate,
    score and grade from the sums (never averaging rates). ``counts`` needs a ``to`` column with full keys."""
    config = config or load_weights()
    if to not in REGION_KEYS:
        raise InputError(f"aggregate to a region key ({', '.join(REGION_KEYS)}), not {to!r}")
    if to not in counts.columns:
        raise InputError(f"the counts have no {to!r} column")
    sum_cols = [c for c in (*COUNT_COLUMNS, "area_m2") if c in counts.columns]
    keys = counts[to].astype("string")
    grouped = counts.loc[keys.notna().to_numpy(), sum_cols].groupby(keys[keys.notna()].to_numpy(), sort=True)
    summed = grouped.sum(min_count=1) if "area_m2" in sum_cols else grouped.sum()
    for col in COUNT_COLUMNS:
        if col in summed.columns:
            summed[col] = summed[col].fillna(0).astype(np.int64)
    result = score_frame(summed, "region", config)
    result.insert(0, "code", result.index.astype(str))
    result.insert(1, "level", LEVEL_OF_KEY[to])
    parents = [k for k in ("district_code", "street_code", "community_code") if k in counts.columns
               and REGION_PREFIX.get(k, 99) < REGION_PREFIX.get(to, 15)]
    if parents:
        first = counts.loc[keys.notna().to_numpy()].groupby(keys[keys.notna()].to_numpy())[parents].first()
        for i, col in enumerate(parents):
            result.insert(2 + i, col, first[col].reindex(result.index).to_numpy())
    result = result.reset_index(drop=True)
    result.attrs.update(kind="region", by=to)
    return result


def _attach_geometry(result: pd.DataFrame, cells: pd.DataFrame, by: str, table: pd.DataFrame) -> pd.DataFrame:
    import geopandas as gpd

    geoms = gpd.GeoDataFrame({"key": table[by].to_numpy()}, geometry=cells.geometry.to_numpy(), crs=cells.crs)
    if by != "cell_code":
        geoms = geoms.dissolve(by="key", as_index=False)
    geoms = geoms.set_index("key")
    geometry = geoms.geometry.reindex(result["code"].to_numpy())
    return gpd.GeoDataFrame(result, geometry=geometry.to_numpy(), crs=cells.crs)


def monthly_trend(cases: pd.DataFrame, period: str | Period | tuple | None = None, kind: str = "region",
                  config: EvaluationConfig | None = None) -> pd.DataFrame:
    """Whole-table indicators per calendar month of ``period`` (default: the months the cases span).

    ``period``: a period (text or :class:`~wanmi.core.periods.Period`) or a ``(start, end)`` tuple of
    instants, end exclusive (:meth:`Period.between`: ``("2025-03-01", "2025-05-01")`` is March and April).
    One row per month (``month`` label), same columns as :func:`score_frame`; for the trend chart."""
    config = config or load_weights()
    if period is None:
        t = pd.Series(_times(cases, "registered_at")).dropna()
        if t.empty:
            raise InputError("no registered cases: cannot choose the months of the trend")
        period = (t.min().to_period("M").start_time, (t.max().to_period("M") + 1).start_time)
    rows = []
    per = Period.between(*period) if isinstance(period, tuple) else parse_period(period)
    for month in per.months():
        flags = case_flags(cases, month, config.check_limit_hours)
        total = flags.sum().to_frame().T
        total.index = [month.label]
        rows.append(total)
    counts = pd.concat(rows).astype(np.int64)
    out = score_frame(counts, kind, config)
    out.insert(0, "month", out.index.astype(str))
    out = out.reset_index(drop=True)
    out.attrs["synthetic"] = bool(cases.attrs.get("synthetic")) or (
        "synthetic" in cases.columns and bool(pd.to_numeric(cases["synthetic"], errors="coerce").fillna(0).any()))
    return out

