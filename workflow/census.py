"""The component census (部件普查): import, validate, geocode and locate, declared once for every front end.

Records are read from their file by the run (``wanmi.layers.importers.read_components``: CSV/XLSX/vector, any
of the coordinate systems a survey arrives in), so both front ends read them alike. The census itself is a
store on the command line (``--store``: a GeoPackage or a PostgreSQL connection string) and, in QGIS, the
store for imports and the census layer of the project for geocoding and locating.

``census validate`` and ``census locate`` print their results and set the exit status; their layer output is
optional (written on the command line when ``--out`` is given; created by default in the QGIS dialog).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.enums import COMPONENT_SCHEME_NAMES, COORD_SYSTEMS, DEFAULT_COMPONENT_SCHEME
from ..core.errors import InputError
from ..core.feedback import Feedback, ensure
from .base import Capability, Output, Param, Result, StoreRef, layer_name
from .records import COORDS_CRS, FILE_OPTIONS

#: per-record problems repeated as warnings; the rest are in the reject list or report
WARNED = 20
#: a new store's CRS (CGCS2000 longitude/latitude)
STORE_CRS = "EPSG:4490"

SCHEME_LABELS = ("12 digits, district-local (major 2 + minor 2 + street 2 + serial 6)",
                 "16 digits (CJ/T 214: admin 6 + major 2 + minor 2 + serial 6)",
                 "17 digits (GB/T 47678.5: admin 6 + major 2 + minor 3 + serial 6)")
COORD_LABELS = ("WGS84 (GPS)", "CGCS2000", "GCJ-02 (Amap, Tencent)", "BD-09 (Baidu)")


# ---- parameters ---------------------------------------------------------------------------------------------

def _scheme(help_text: str, front: str = "") -> Param:
    return Param("scheme", "enum", "Component code scheme", processing="SCHEME", cli="--scheme",
                 default=DEFAULT_COMPONENT_SCHEME, choices=COMPONENT_SCHEME_NAMES, choice_labels=SCHEME_LABELS,
                 help=help_text, front=front)


RECORDS = (
    Param("records", "file", "Census records file", processing="INPUT", cli="input",
          help="CSV, XLSX, GeoJSON, Shapefile or GeoPackage of census records; columns may use English, Chinese "
               "or GB/T 47678.5 names."),
    Param("coords", "enum", "Coordinates of the records", processing="COORDS", cli="--coords",
          default=COORD_SYSTEMS[0], choices=COORD_SYSTEMS, choice_labels=COORD_LABELS,
          help="What the longitudes/latitudes are: GPS (WGS84), CGCS2000, or a Chinese web map's shifted "
               "coordinates (GCJ-02 for Amap/Tencent, BD-09 for Baidu), which are converted back on reading."),
    Param("x", "string", "Longitude/easting column (empty: automatic)", processing="X_FIELD", cli="--x",
          optional=True, help="Column of a table with the longitude or easting; found by name (lon, lng, 经度 …) "
                              "when empty."),
    Param("y", "string", "Latitude/northing column (empty: automatic)", processing="Y_FIELD", cli="--y",
          optional=True, help="Column of a table with the latitude or northing; found by name (lat, 纬度 …) "
                              "when empty."),
    Param("jurisdiction", "vector", "Jurisdiction polygons (records must lie inside)", processing="JURISDICTION",
          cli="--jurisdiction", optional=True, geometry="polygon",
          help="Polygons of the jurisdiction; a record outside all of them is a problem (outside_jurisdiction)."),
    *FILE_OPTIONS,
    COORDS_CRS,
    Param("min_distance", "number", "Minimum spacing of same-class components (m)", processing="MIN_DISTANCE",
          cli="--min-distance", default=0.5, minimum=0.0, advanced=True,
          help="Components of the same class closer than this many metres are taken for one recorded twice "
               "(default 0.5)."),
)

STORE_HELP = ("A GeoPackage, created when missing (in QGIS a PostGIS connection can be chosen below); on the "
              "command line also a PostgreSQL connection string (postgresql://user@host/db, 'host=… dbname=…' or "
              "service=…): leave the password to ~/.pgpass, PGPASSFILE, the service file or PGPASSWORD (it is "
              "never shown).")
CENSUS_LAYER_HELP = "The census layer (components with their codes), e.g. the layer a census import added."


# ---- runs -----------------------------------------------------------------------------------------------------

def _read_records(records: str, layer: str | None, sheet: str | None, encoding: str | None, x: str | None,
                  y: str | None, coords: str, coords_crs: str | None) -> Any:
    from ..layers.importers import read_components

    return read_components(records, layer=layer, x=x, y=y, coords=coords_crs or coords, sheet=sheet,
                           encoding=encoding)


def _problem_lines(problems: Any) -> list[str]:
    """One line per problem kind: how many records have it."""
    if not len(problems):
        return []
    return [f"  {kind:>22}: {n} record(s)" for kind, n in problems.groupby("problem")["row"].nunique().items()]


def _capped(lines: list[str], where: str) -> tuple[str, ...]:
    """The first :data:`WARNED` lines, and how many more there are in ``where``."""
    more = [f"… and {len(lines) - WARNED} more in {where}"] if len(lines) > WARNED else []
    return (*lines[:WARNED], *more)


def run_import(records: str, coords: str, x: str | None, y: str | None, jurisdiction: Any, layer: str | None,
               sheet: str | None, encoding: str | None, coords_crs: str | None, min_distance: float, scheme: str,
               allocate: bool, area: str | None, crs: str | None, store: StoreRef, rejects: str | None,
               feedback: Feedback | None = None) -> Result:
    """Read and check the records first (a missing, empty or unreadable file creates nothing), create the store
    if needed (safe when importers race to create it), then import in one transaction with the reject CSV staged
    before the commit and renamed after it."""
    from ..layers.census_store import GeoPackageStore, open_store
    from ..layers.dsn import shown
    from ..layers.files import clean_orphans

    fb = ensure(feedback)
    frame = _read_records(records, layer, sheet, encoding, x, y, coords, coords_crs)
    if not len(frame):
        raise InputError(f"{records}: no records to import")
    fb.step(1, 3)
    reject_path = Path(rejects or Path(records).with_suffix(".rejects.csv"))
    clean_orphans(reject_path.parent)
    census = open_store(store.dsn, store.schema)
    lines = []
    if census.create_if_missing(scheme, crs=crs or STORE_CRS):
        lines.append(f"created census {shown(store.dsn)} (scheme {scheme}, {crs or STORE_CRS})")
    fb.step(2, 3)
    result = census.import_components(frame, jurisdiction=jurisdiction, allocate=allocate, area=area or None,
                                      min_distance=min_distance, rejects=reject_path)
    fb.step(3, 3)
    lines.append(f"{records}: {result.n_inserted} record(s) stored in {shown(store.dsn)}, "
                 f"{result.n_rejected} rejected")
    if result.allocated:
        lines.append(f"  {len(result.allocated)} new code(s) allocated: {result.allocated[0]} …")
    lines += _problem_lines(result.problems)
    if result.rejects_path is not None:
        lines.append(f"  rejected records with their reasons: {result.rejects_path}")
    gpkg = isinstance(census, GeoPackageStore)
    values = {"INSERTED": result.n_inserted, "REJECTED": result.n_rejected,
              "COMPONENTS": f"{census.path}|layername=components" if gpkg else store.layer_uri,
              "STORE": str(census.path) if gpkg else "",
              "REJECTS": str(result.rejects_path) if result.rejects_path is not None else ""}
    warnings = [f"record {row.row} ({row.code}): {row.detail}" for row in result.problems.itertuples()]
    return Result({}, "\n".join(lines), values, warnings=_capped(warnings, str(reject_path)))


def run_validate(records: str, coords: str, x: str | None, y: str | None, jurisdiction: Any, layer: str | None,
                 sheet: str | None, encoding: str | None, coords_crs: str | None, min_distance: float, scheme: str,
                 report: str | None, feedback: Feedback | None = None) -> Result:
    """Check the records without storing them: the records with problems (at their place), one line per problem
    kind, the optional one-row-per-problem CSV; status 1 when any record has a problem."""
    from ..core.census import validate_components
    from ..layers.safe_tables import write_csv

    fb = ensure(feedback)
    frame = _read_records(records, layer, sheet, encoding, x, y, coords, coords_crs)
    fb.step(1, 2)
    checked = validate_components(frame, scheme, jurisdiction, min_distance=min_distance)
    n_bad = int((~checked.valid_mask).sum())
    lines = [f"{records}: {len(checked.frame)} record(s), {n_bad} with problems", *_problem_lines(checked.problems)]
    if report:
        write_csv(checked.problems, report)
        lines.append(f"  problems, one row each: {report}")
    bad = checked.rejected
    bad = bad[[c for c in bad.columns if c not in ("initial_date", "change_date")] + ["initial_date"]]
    bad = bad.assign(initial_date=bad["initial_date"].astype(str))
    fb.step(2, 2)
    return Result({"problems": bad}, "\n".join(lines), {"PROBLEM_RECORDS": len(bad)}, status=1 if n_bad else 0)


def _census(components: Any, store: StoreRef | None, scheme: str, codes: list[str] | None = None
            ) -> tuple[Any, Any]:
    """The components and their code scheme: read from the store when one is named (the store knows its
    scheme; with ``codes`` only those are read), else the layer as given."""
    if store is not None:
        from ..layers.census_store import open_store
        from ..layers.dsn import shown

        census = open_store(store.dsn, store.schema)
        components = census.read({"code": list(codes)} if codes is not None else None)
        components.attrs["name"] = shown(store.dsn)
        return components, census.scheme
    if "code" not in components.columns:
        raise InputError(f"{layer_name(components)}: no code field; choose the census layer (components with "
                         f"their codes)")
    return components, scheme


def _text_table(table: Any) -> Any:
    """``table`` as text (NULL stays NULL), for the disagreement list whose columns mix codes and numbers."""
    import pandas as pd

    def text(v: Any) -> str | None:
        return None if pd.api.types.is_scalar(v) and pd.isna(v) else str(v)

    return pd.DataFrame({c: [text(v) for v in table[c]] for c in table.columns}, columns=table.columns)


def run_geocode(components: Any, store: StoreRef | None, cells: Any, code_field: str | None, scheme: str,
                report: str | None, feedback: Feedback | None = None) -> Result:
    """Set every component's cell, community, street and district codes from the cell it stands in (worked out
    in metres: geographic cells are projected first), and list the components whose code disagrees with their
    place. The components keep their CRS."""
    from ..core.crs import to_metric
    from ..core.placement import consistency_report, geocode_components

    fb = ensure(feedback)
    components, scheme = _census(components, store, scheme)
    code_field = code_field or "code"
    if code_field not in cells.columns:
        raise InputError(f"{layer_name(cells)}: no field {code_field!r} with the cell codes")
    for frame in (components, cells):
        if frame.crs is None:
            raise InputError(f"{layer_name(frame)}: the layer has no CRS")
    if cells.crs.is_geographic:
        cells, _ = to_metric(cells)
    metric = components.to_crs(cells.crs)
    fb.step(1, 3)
    mismatches = consistency_report(metric, cells, scheme, code_field)
    fb.step(2, 3)
    placed = geocode_components(metric, cells, code_field).to_crs(components.crs)
    fb.step(3, 3)
    inside = int(placed["cell_code"].notna().sum())
    message = f"{len(placed)} component(s) placed, {inside} inside a unit cell"
    if len(mismatches):
        kinds = ", ".join(f"{kind} {n}" for kind, n in mismatches["problem"].value_counts().items())
        message += f"; {len(mismatches)} disagree with their code or cell ({kinds})"
    if report:
        from ..layers.safe_tables import write_csv

        write_csv(mismatches, report)
        message += f"; code/location disagreements: {report}"
    warnings = _capped([f"{row.code}: {row.detail}" for row in mismatches.itertuples()],
                       "the disagreements output")
    return Result({"placed": placed, "mismatches": _text_table(mismatches)}, message,
                  {"OUTSIDE": len(placed) - inside, "MISMATCH_COUNT": len(mismatches)}, warnings=warnings)


def run_locate(components: Any, store: StoreRef | None, codes: list[str], scheme: str,
               feedback: Feedback | None = None) -> Result:
    """Each code → its component (class, name, status, department, cell, WGS84 lon/lat and x/y in the census
    CRS), or why it was not found; status 1 when a code is not found."""
    import geopandas as gpd

    from ..core.placement import locate_codes

    codes = [c for c in codes or [] if c]
    if not codes:
        raise InputError("no component codes to look up")
    components, scheme = _census(components, store, scheme, codes)
    found = locate_codes(codes, components, scheme)
    ensure(feedback).step(1, 1)
    lines = []
    for row in found.itertuples():
        if row.found:
            lines.append(f"{row.code}  {row.class_name or ''} {row.name or ''}  [{row.status}]  "
                         f"{row.dept_name or ''}  cell {row.cell_code or '-'}  lon/lat {row.lon:.6f}, {row.lat:.6f}  "
                         f"x/y {row.x:.2f}, {row.y:.2f}")
        else:
            lines.append(f"{row.query}  not found: {row.problem}")
    hits = found[found["found"]].drop(columns=["found", "problem"])
    located = gpd.GeoDataFrame(hits, geometry=gpd.points_from_xy(hits["x"], hits["y"]), crs=components.crs)
    return Result({"located": located}, "\n".join(lines), {"FOUND": len(located)},
                  status=0 if found["found"].all() else 1)


# ---- declarations -------------------------------------------------------------------------------------------

IMPORT_CENSUS = Capability(
    name="import_census",
    command="census import",
    title="Import census",
    summary="import records into a census store (one transaction)",
    help=(
        "Imports component census records (部件普查) from CSV, XLSX, GeoJSON, Shapefile or GeoPackage into a "
        "census store: a GeoPackage (default) or a PostGIS schema (give a connection string without password and "
        "an authentication configuration, or let PostgreSQL read the password from a service file or .pgpass; "
        "the password is never shown). Coordinates may be "
        "WGS84, CGCS2000, GCJ-02 (Amap/Tencent) or BD-09 (Baidu) longitude/latitude; columns may use English, "
        "Chinese or GB/T 47678.5 names. Every record is validated (code and class, duplicates, same class within "
        "0.5 m, inside the jurisdiction, mandatory fields, dates, status); valid records are stored in one "
        "transaction, rejected ones are written to the reject CSV with the reason. A failing import leaves the "
        "store unchanged."
    ),
    step="census",
    params=(
        *RECORDS[:5],
        _scheme("Code scheme of a new store (an existing store keeps the scheme it was created with)."),
        Param("allocate", "bool", "Allocate codes to records that only have a class", processing="ALLOCATE",
              cli="--allocate", default=False,
              help="Records with a class code but no component code get the next free codes of the store."),
        Param("store", "store", "Census GeoPackage", processing="STORE", cli="--store", help=STORE_HELP),
        Param("rejects", "output_file", "Rejected records (CSV)", processing="REJECTS", cli="--rejects",
              optional=True, file_filter="CSV (*.csv)",
              help="The rejected records with their reasons, written with the import (default: "
                   "<records file>.rejects.csv); fixed, it re-imports like a first import."),
        *RECORDS[5:],
        Param("area", "string", "Area code of allocated codes", processing="AREA", cli="--area", optional=True,
              advanced=True, help="Street (12-digit codes) or administrative (16/17 digits) code for allocated "
                                  "codes (default: from each record's cell code)."),
        Param("crs", "crs", "CRS of a new store", processing="CRS", cli="--crs", default=STORE_CRS, optional=True,
              advanced=True,
              help="Storage CRS when the store is created (default EPSG:4490, CGCS2000); an existing store keeps "
                   "its own."),
    ),
    outputs=(),
    numbers=(("INSERTED", "Records stored"), ("REJECTED", "Records rejected")),
    texts=(("COMPONENTS", "Census layer"),),
    tags=("部件普查", "普查入库", "部件", "部件编码", "census", "import", "PostGIS", "GeoPackage", "GCJ-02", "BD-09"),
    run=run_import,
)

VALIDATE_CENSUS = Capability(
    name="validate_census",
    command="census validate",
    title="Validate census",
    summary="check records without storing them (exit 1 when any has a problem)",
    help=(
        "Checks census records without storing them: code format and class (the message names the wrong "
        "segment), duplicate codes, same class within 0.5 m, outside the jurisdiction, missing mandatory fields, "
        "bad dates and statuses. The output holds every record with a problem, with the problem kinds and the "
        "reasons, at its location."
    ),
    step="census",
    params=(
        *RECORDS[:5],
        _scheme("The code scheme the records' codes follow."),
        Param("report", "output_file", "Problems, one row each (CSV)", processing="REPORT", cli="--report",
              optional=True, file_filter="CSV (*.csv)",
              help="A CSV with one row per problem: record, code, field, problem kind and message."),
        *RECORDS[5:],
    ),
    outputs=(Output("problems", "Records with problems", layer="census_problems", style="census_problems.qml",
                    geometry="point", optional=True, by_default=True),),
    numbers=(("PROBLEM_RECORDS", "Records with problems"),),
    tags=("部件普查", "数据检查", "质检", "部件编码", "census", "validate"),
    run=run_validate,
)

#: the components: a layer in QGIS, the store on the command line (which also knows the code scheme)
_COMPONENT_SOURCES = (
    # Processing reads the census as the project shows it (a GeoPackage or PostGIS layer, QGIS authentication)
    Param("components", "vector", "Components (census layer)", processing="INPUT", cli="--components",
          help=CENSUS_LAYER_HELP, front="processing"),
    # the command line names the store, whose recorded scheme replaces the scheme parameter
    Param("store", "store", "Census store", processing="STORE", cli="--store", help=STORE_HELP, front="cli"),
)

ASSIGN_COMPONENTS = Capability(
    name="assign_components",
    command="census geocode",
    title="Assign components to cells",
    summary="assign every component to its cell, community and street",
    help=(
        "Sets the unit cell, community, street and district code of every component from the cell it stands "
        "in (a point on a shared edge belongs to exactly one cell: the one a tiny step to the north-east enters). "
        "The second output lists components whose code disagrees with their place: street (12-digit codes) or "
        "admin segment (16/17 digits) different from the cell's, recorded cell code different from the located "
        "one, or outside every cell."
    ),
    step="census",
    params=(
        *_COMPONENT_SOURCES,
        Param("cells", "vector", "Unit cells", processing="CELLS", cli="--cells", geometry="polygon",
              preferred_layer="unit_cells", help="The unit cells (e.g. the output of the grid partition)."),
        Param("code_field", "field", "Cell code field", processing="CODE_FIELD", cli="--code-field",
              parent="cells", default="code", optional=True,
              help="The field of the unit cells with their codes (default code)."),
        _scheme("The code scheme of the census layer's codes (a store records its own).", front="processing"),
        # Processing writes the disagreements output as a CSV when asked to: this is the command line's spelling
        Param("report", "output_file", "Code/location disagreements (CSV)", processing="REPORT", cli="--report",
              optional=True, file_filter="CSV (*.csv)", front="cli",
              help="A CSV of the components whose code disagrees with their place."),
    ),
    outputs=(
        Output("placed", "Components with cell codes", layer="components", style="components.qml"),
        Output("mismatches", "Code/location disagreements", layer="code_mismatches", processing="MISMATCHES",
               table=True, optional=True),
    ),
    numbers=(("OUTSIDE", "Components outside every cell"), ("MISMATCH_COUNT", "Disagreements")),
    tags=("部件普查", "部件", "单元网格", "网格归属", "地理编码", "census", "geocode"),
    run=run_geocode,
)

LOCATE_CODES = Capability(
    name="locate_codes",
    command="census locate",
    title="Locate component codes",
    summary="find components by code (exit 1 when one is not found)",
    help=(
        "Finds components by their codes (separate codes with spaces, commas or new lines) and outputs them "
        "with their class name, status, department, unit cell and WGS84 longitude/latitude. A code that is not "
        "found is reported with the reason (malformed, naming the wrong segment, or not in the census)."
    ),
    step="census",
    params=(
        *_COMPONENT_SOURCES,
        Param("codes", "string", "Component codes", processing="CODES", cli="codes", multiple=True,
              help="The codes to look up, separated by spaces, commas or new lines."),
        _scheme("The code scheme of the census layer's codes (a store records its own).", front="processing"),
    ),
    outputs=(Output("located", "Located components", layer="located_components", style="components.qml",
                    geometry="point", optional=True, by_default=True),),
    numbers=(("FOUND", "Codes found"),),
    tags=("部件编码", "编码定位", "部件查询", "部件普查", "census", "locate"),
    run=run_locate,
)


#: the census step's capabilities, in workflow order
CENSUS = (IMPORT_CENSUS, VALIDATE_CENSUS, ASSIGN_COMPONENTS, LOCATE_CODES)
