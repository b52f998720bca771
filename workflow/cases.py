"""Cases (案卷): import into a case store, overlay on the unit grid, synthetic cases — one declaration each.

Both front ends hand the overlay a layer (the CLI reads the ``cases`` layer of a case store, or any vector
file or lon/lat table; QGIS a feature source) and the run normalises it (:func:`wanmi.core.cases.normalize_cases`:
headers, spellings, timestamps), so the same cases give the same overlay everywhere. The command line writes
the overlay into a case store GeoPackage with its ``case_metadata`` (:func:`wanmi.layers.case_store.write_cases`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.enums import COORD_SYSTEMS, GROUP_KEYS
from ..core.errors import InputError
from ..core.feedback import Feedback
from .base import Capability, Output, Param, Result, layer_name
from .records import COORDS_CRS, FILE_OPTIONS

#: rejected records named one by one in the warnings (the reject list has them all)
SHOWN_REJECTS = 10
#: keys the overlay's ``case_metadata`` gets from the overlaid frame's attrs
OVERLAY_META = ("period", "count_by", "cases_source")
#: keys of the input case store's ``case_metadata`` the overlay's keeps (the command line reads stores)
INHERITED_META = ("synthetic", "data_source", "seed", "directory")


def _geometry_types(frame: Any, allowed: tuple[str, ...], what: str) -> None:
    """Refuse a layer whose geometries are not ``allowed`` (e.g. a point layer given as jurisdiction)."""
    if frame is None or getattr(frame, "_geometry_column_name", None) is None:
        return
    types = set(frame.geometry.dropna().geom_type.unique())
    wrong = sorted(types - set(allowed))
    if wrong:
        raise InputError(f"{layer_name(frame)}: {what} must be {' or '.join(allowed)} geometries, "
                         f"the layer has {', '.join(wrong)}")


# ---- import ---------------------------------------------------------------------------------------------------

def run_import(source: str, store: str, coords: str = COORD_SYSTEMS[0], x: str | None = None, y: str | None = None,
               components: Any = None, census: str | None = None, jurisdiction: Any = None, strict: bool = False,
               rejects: str | None = None, coords_crs: str | None = None, layer: str | None = None,
               sheet: str | None = None, encoding: str | None = None,
               feedback: Feedback | None = None) -> Result:
    """Validate the case records of ``source`` and append the valid ones to the case store ``store``.

    The census is a layer (QGIS) or a census store / vector file (command line); ``coords_crs`` replaces
    ``coords`` for tables with projected x/y columns. The rejected records go to ``rejects`` (default: next
    to the input, ``<input>.rejects.csv``)."""
    from ..layers.case_store import import_cases

    if not source:
        raise InputError("no case records file given")
    if not store:
        raise InputError("no case store GeoPackage given")
    _geometry_types(jurisdiction, ("Polygon", "MultiPolygon"), "the jurisdiction")
    rejects = rejects or str(Path(source).with_suffix(".rejects.csv"))
    result = import_cases(source, store, components=components if components is not None else census,
                          jurisdiction=jurisdiction, rejects=rejects, strict=strict, feedback=feedback, layer=layer,
                          x=x, y=y, coords=coords_crs or coords, sheet=sheet, encoding=encoding)
    lines = [f"{source}: {result.n_written} case(s) stored in {store}, {result.n_rejected} rejected "
             f"(of {result.n_total})"]
    problems = result.problems
    if len(problems):
        lines += [f"  {kind:>22}: {n} record(s)" for kind, n in result.report.summary().items()]
        lines.append(f"rejected records with the reason: {result.rejects_path}")
    warnings = [f"row {row.row} ({row.case_id}): {row.detail}" for row in problems.head(SHOWN_REJECTS).itertuples()]
    if len(problems) > SHOWN_REJECTS:
        warnings.append(f"… {len(problems) - SHOWN_REJECTS} more problem(s) in {result.rejects_path}")
    values = {"WRITTEN": result.n_written, "REJECTED": result.n_rejected, "CASES": f"{store}|layername=cases",
              "STORE": store, "REJECTS": rejects}
    return Result({}, "\n".join(lines), values, warnings=tuple(warnings))


IMPORT_CASES = Capability(
    name="import_cases",
    command="cases import",
    title="Import cases",
    summary="validate case records and store the valid ones (all or nothing)",
    help=(
        "Imports cases (案卷) from CSV, XLSX or a vector file (GeoPackage, GeoJSON …) into the 'cases' layer of "
        "a GeoPackage case store (appended; existing case ids are rejected as duplicates). Headers may be "
        "English (case_id, kind, class_code, reported_at …) or Chinese (案卷编号, 案卷类型, 小类代码, 上报时间 …). "
        "Locations come from longitude/latitude (WGS84, CGCS2000, GCJ-02 or BD-09) or WKT columns; a case with "
        "only a component code is placed at that component of the census layer.\nEvery record is checked: "
        "missing or duplicate id, timestamps out of lifecycle order (上报 → 立案 → 派遣 → 处置 → 反馈 → 核查 → "
        "结案), unknown class code (component classes for 部件, event classes for 事件), component code not in "
        "the census, location outside the jurisdiction, neither location nor component. Valid records are "
        "stored, rejected ones written to the reject CSV with the reason; the store is written atomically, so "
        "a failed or canceled import leaves it unchanged."
    ),
    step="cases",
    params=(
        Param("source", "file", "Case records file", processing="INPUT", cli="input",
              help="CSV/XLSX (lon/lat or WKT columns, or component codes) or a vector file (GeoPackage, "
                   "GeoJSON …) with the case records."),
        Param("coords", "enum", "Coordinates of the records", processing="COORDS", cli="--coords",
              default=COORD_SYSTEMS[0], choices=COORD_SYSTEMS,
              choice_labels=("WGS84 (GPS)", "CGCS2000", "GCJ-02 (Amap, Tencent)", "BD-09 (Baidu)"),
              help="The system the longitudes/latitudes were recorded in: GPS (WGS84), CGCS2000, or a Chinese "
                   "web map (GCJ-02 for Amap/Tencent, BD-09 for Baidu; converted to WGS84)."),
        Param("x", "string", "Longitude/easting column (empty: automatic)", processing="X_FIELD", cli="--x",
              optional=True, help="Column with the longitude (or easting); found by name when empty (lon, lng, "
                                  "经度 …)."),
        Param("y", "string", "Latitude/northing column (empty: automatic)", processing="Y_FIELD", cli="--y",
              optional=True, help="Column with the latitude (or northing); found by name when empty (lat, 纬度 …)."),
        Param("components", "vector", "Census components (to place cases by component code)",
              processing="COMPONENTS", cli="--components", optional=True, front="processing",
              help="The census layer (部件普查): cases with only a component code are placed at the component, "
                   "and component codes are checked against it."),
        Param("census", "file", "Census (store or vector file)", processing="CENSUS", cli="--components",
              optional=True, front="cli",
              help="Census to place cases and check component codes: a census GeoPackage store, a PostgreSQL "
                   "connection string (postgresql://…, service=…) or any vector file. (QGIS picks it as a "
                   "layer instead: COMPONENTS.)"),
        Param("jurisdiction", "vector", "Jurisdiction polygons (cases must lie inside)", processing="JURISDICTION",
              cli="--jurisdiction", optional=True, geometry="polygon",
              help="Polygons the cases must lie in; a case outside every polygon is rejected."),
        Param("strict", "bool", "Store nothing when any record is rejected", processing="STRICT", cli="--strict",
              default=False, help="All or nothing: a single rejected record stops the import and nothing is "
                                  "stored."),
        Param("store", "output_file", "Case store GeoPackage", processing="STORE", cli="--out",
              file_filter="GeoPackage (*.gpkg)",
              help="The case store (layer 'cases', appended to; created when it does not exist)."),
        Param("rejects", "output_file", "Rejected records (CSV)", processing="REJECTS", cli="--rejects",
              optional=True, file_filter="CSV (*.csv)",
              help="Rejected records with the reason (default: <input>.rejects.csv next to the input)."),
        COORDS_CRS,
        *FILE_OPTIONS,
    ),
    outputs=(),
    numbers=(("WRITTEN", "Cases stored"), ("REJECTED", "Cases rejected")),
    texts=(("CASES", "Case layer"),),
    tags=("案卷", "案卷导入", "案件", "数字城管", "城市管理", "CSV", "Excel"),
    run=run_import,
)


# ---- overlay --------------------------------------------------------------------------------------------------

def run_overlay(cases: Any, cells: Any, code_field: str | None = "code", period: str | None = None,
                by: str = GROUP_KEYS[0], by_class: bool = True, no_class: bool = False,
                feedback: Feedback | None = None) -> Result:
    """Each case (of ``period``) with its cell/community/street/district, and the counts per ``by`` key.

    ``by_class`` (Processing) and ``no_class`` (command line) both say whether per-class columns are counted."""
    from ..core.cases import Period, case_counts, counts_on_cells, normalize_cases, overlay_cases

    if by not in GROUP_KEYS:
        raise InputError(f"unknown count key {by!r}; choose {', '.join(GROUP_KEYS)}")
    _geometry_types(cases, ("Point", "MultiPoint"), "the cases")
    _geometry_types(cells, ("Polygon", "MultiPolygon"), "the unit cells")
    span = Period.coerce(period or None)
    code_field = code_field or "code"
    overlaid = overlay_cases(normalize_cases(cases), cells, span, code_field=code_field, feedback=feedback)
    counts = case_counts(overlaid, by=by, by_class=by_class and not no_class, by_stage=True, by_state=True)
    table = counts_on_cells(counts, cells, by, code_field=code_field)
    inside = int(overlaid["cell_code"].notna().sum())
    overlaid.attrs.update(period=str(span) if span else "all", count_by=by, cases_source=layer_name(cases))
    message = (f"{len(overlaid)} case(s){f' reported in {span}' if span else ''}: {inside} in cells, "
               f"{len(overlaid) - inside} outside; {len(counts)} {by} key(s)")
    return Result({"cases": overlaid, "counts": table}, message, {"CASE_COUNT": len(overlaid), "INSIDE": inside})


def write_overlay(path: str, result: Result, names: list[str]) -> list[str]:
    """The overlaid cases as a case store (with ``case_metadata``: period, count key, source, and what the input
    case store says of its cases: data source, seed, synthetic) and the counts."""
    from ..layers.case_store import read_case_metadata, write_cases

    cases = result.frames["cases"]
    meta = {key: cases.attrs[key] for key in OVERLAY_META if key in cases.attrs}
    source = Path(str(meta.get("cases_source", "")).split("|")[0])
    if source.suffix.lower() == ".gpkg" and source.is_file():
        inherited = read_case_metadata(source)
        meta = {**{key: inherited[key] for key in INHERITED_META if key in inherited}, **meta}
    write_cases(path, cases, meta, layer=names[0], extra_layers={names[1]: result.frames["counts"]})
    return names


OVERLAY_CASES = Capability(
    name="overlay_cases",
    command="cases overlay",
    title="Overlay cases on grid",
    summary="give cases their cell/community/street and count them",
    help=(
        "Gives every case (案卷) the unit cell it lies in and that cell's community, street and district "
        "(cell_code, community_code 12 digits, street_code 9 digits, district_code; empty outside every cell). "
        "A case on a shared cell edge belongs to exactly one cell (documented north-east tie rule). Then counts "
        "the cases per unit cell, community, street, district, department or supervisor: all cases, cases "
        "that reached each stage (n_registered, n_dispatched … n_closed), per state and per class (bj_<code> "
        "部件, sj_<code> 事件), with cases per hectare for areas.\nPeriod: only cases reported in 2025-03 "
        "(month), 2025-Q1, 2025-W10, 2025-03-05 (day), 2025 or 2025-03-01/2025-03-31; empty: all cases."
    ),
    step="cases",
    params=(
        Param("cases", "vector", "Cases", processing="CASES", cli="cases", geometry="point",
              layer_option="--cases-layer", preferred_layer="cases", table=True,
              help="The cases: a case store (layer 'cases', e.g. written by Import cases), or any point layer "
                   "or lon/lat table of case records."),
        Param("cells", "vector", "Unit cells", processing="CELLS", cli="cells", geometry="polygon",
              layer_option="--cells-layer", preferred_layer="unit_cells",
              help="The unit cells (e.g. the output of Partition); retired cells of a renumbered grid are left "
                   "out."),
        Param("code_field", "field", "Cell code field", processing="CODE_FIELD", cli="--code-field",
              parent="cells", default="code", optional=True,  # optional: qgis_process 3.22 ignores the default
              help="The field of the unit cells holding the cell code (default: code)."),
        Param("period", "string", "Period (e.g. 2025-03, 2025-Q1; empty: all)", processing="PERIOD",
              cli="--period", optional=True,
              help="Only cases reported in: 2025-03-01, 2025-W10, 2025-03, 2025-Q1, 2025 or "
                   "2025-03-01/2025-03-31; empty: all cases."),
        Param("by", "enum", "Count per", processing="BY", cli="--by", default=GROUP_KEYS[0], choices=GROUP_KEYS,
              choice_labels=("Unit cell", "Community", "Street", "District", "Department", "Supervisor"),
              help="The unit the cases are counted per (cells, communities, streets and districts get their "
                   "polygons; departments and supervisors a table)."),
        Param("by_class", "bool", "Count per class (one column per class code)", processing="BY_CLASS",
              cli="--by-class", default=True, front="processing",
              help="One count column per class code (bj_<code> 部件, sj_<code> 事件)."),
        Param("no_class", "bool", "No per-class count columns", processing="NO_CLASS", cli="--no-class",
              default=False, front="cli",
              help="Leave out the per-class count columns (bj_<code>, sj_<code>)."),
    ),
    outputs=(
        Output("cases", "Cases with cell codes", layer="cases", processing="OUTPUT", style="cases.qml",
               geometry="point"),
        Output("counts", "Case counts", layer="case_counts_{by}", processing="COUNTS", style="case_counts.qml",
               optional=True, by_default=True),
    ),
    numbers=(("CASE_COUNT", "Cases"), ("INSIDE", "Cases inside the cells")),
    tags=("案卷", "叠加", "单元网格", "社区", "街道", "案卷统计", "问题发生密度"),
    write=write_overlay,
    run=run_overlay,
)


# ---- synthetic cases --------------------------------------------------------------------------------------------

def run_synth(cells: Any, components: str | None = None, n: int = 10_000, start: str = "2025-01-01",
              end: str = "2025-07-01", seed: int = 0, feedback: Feedback | None = None) -> Result:
    """``n`` seeded SYNTHETIC cases reported in ``[start, end)`` over ``cells`` (and the census), labelled."""
    import pandas as pd

    from ..core.cases import synthetic_cases
    from ..layers.case_store import load_components

    for name, value in (("start", start), ("end", end)):
        try:
            pd.Timestamp(value)
        except ValueError as exc:
            raise InputError(f"{name} {value!r} is not a date (e.g. 2025-01-01)") from exc
    _geometry_types(cells, ("Polygon", "MultiPolygon"), "the unit cells")
    census = load_components(components) if components else None
    cases = synthetic_cases(census, cells, n, start, end, seed=seed, feedback=feedback)
    return Result({"cases": cases}, f"{len(cases)} SYNTHETIC case(s) ({start} → {end}, seed {seed}; "
                                    "case_metadata synthetic = 1)")


def write_synth(path: str, result: Result, names: list[str]) -> list[str]:
    """The synthetic cases as a case store (``case_metadata`` synthetic = 1, data source, seed)."""
    from ..layers.case_store import write_cases

    write_cases(path, result.frames["cases"], layer=names[0])
    return names[:1]


SYNTH_CASES = Capability(
    name="synthetic_cases",
    command="cases synth",
    title="Synthetic cases",
    summary="seeded SYNTHETIC cases over cells (and components), labelled synthetic",
    help=(
        "Generates seeded SYNTHETIC cases (合成案卷, test data, never real cases) over the unit cells and, when "
        "given, at census components: a realistic mix of sources, classes, lifecycle timestamps and departments. "
        "The store is labelled synthetic (column synthetic = 1 and case_metadata synthetic = 1)."
    ),
    step="cases",
    # command line only: a test-data generator; offered in the dock it would invite synthetic cases into real work
    fronts=("cli",),
    params=(
        Param("cells", "vector", "Unit cells", processing="CELLS", cli="cells", geometry="polygon",
              layer_option="--cells-layer", preferred_layer="unit_cells",
              help="The unit cells the cases are placed in (e.g. the output of partition)."),
        Param("components", "file", "Census (store or vector file)", processing="COMPONENTS", cli="--components",
              optional=True, help="Census GeoPackage store, PostgreSQL connection string or vector file: "
                                  "component cases are placed at its components (optional)."),
        Param("n", "integer", "Number of cases", processing="N", cli="--n", default=10_000, minimum=0,
              help="How many cases to generate (default 10000)."),
        Param("start", "string", "First report date", processing="START", cli="--start", default="2025-01-01",
              help="First report date (default 2025-01-01)."),
        Param("end", "string", "End of the period (exclusive)", processing="END", cli="--end", default="2025-07-01",
              help="End of the period, exclusive (default 2025-07-01)."),
        Param("seed", "integer", "Random seed", processing="SEED", cli="--seed", default=0,
              help="Seed of the generator: the same seed gives the same cases."),
    ),
    outputs=(Output("cases", "Synthetic cases", layer="cases", geometry="point"),),
    tags=("合成案卷", "案卷", "测试数据"),
    write=write_synth,
    run=run_synth,
)
