"""``wanmi census …``: the component census (部件普查) from the command line.

    wanmi census import survey.xlsx --store census.gpkg --coords gcj02 --jurisdiction dongcheng.gpkg
    wanmi census validate survey.csv --scheme default12 --report problems.csv
    wanmi census geocode --store census.gpkg --cells cells.gpkg --out placed.gpkg --report mismatches.csv
    wanmi census locate 011801000002 040202000001 --store census.gpkg

``--store`` is a GeoPackage path or a PostgreSQL connection string (``postgresql://…``, schema ``--schema``).
Imports are one transaction: valid records land, rejected ones go to the reject CSV with the reason.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.enums import COMPONENT_SCHEME_NAMES, COORD_SYSTEMS, DEFAULT_COMPONENT_SCHEME
from ..core.errors import InputError
from ..layers.dsn import shown


def _read_layer(path: str, layer: str | None) -> Any:
    import geopandas as gpd

    if not Path(path).exists():
        raise InputError(f"{path}: no such file")
    return gpd.read_file(path, layer=layer, engine="pyogrio")


def _records(args: argparse.Namespace) -> Any:
    from ..layers.importers import read_components

    return read_components(args.input, layer=args.layer, x=args.x, y=args.y, coords=args.coords,
                           sheet=args.sheet, encoding=args.encoding)


def _jurisdiction(args: argparse.Namespace) -> Any:
    return _read_layer(args.jurisdiction, args.jurisdiction_layer) if args.jurisdiction else None


def _print_problems(problems: Any) -> None:
    if len(problems):
        for kind, n in problems.groupby("problem")["row"].nunique().items():
            print(f"  {kind:>22}: {n} record(s)")


def cmd_import(args: argparse.Namespace) -> int:
    """Read and check the inputs first (a missing, empty or unreadable input creates nothing), create the store
    if needed (safe when importers race to create it), then import in one transaction with the reject CSV
    staged before the commit and renamed after it."""
    from ..layers.census_store import open_store
    from ..layers.files import clean_orphans

    records = _records(args)
    if not len(records):
        raise InputError(f"{args.input}: no records to import")
    jurisdiction = _jurisdiction(args)
    rejects = Path(args.rejects or Path(args.input).with_suffix(".rejects.csv"))
    clean_orphans(rejects.parent)
    store = open_store(args.store, args.schema)
    if store.create_if_missing(args.scheme, crs=args.crs):
        print(f"created census {shown(args.store)} (scheme {args.scheme}, {args.crs})")
    result = store.import_components(records, jurisdiction=jurisdiction, allocate=args.allocate, area=args.area,
                                     min_distance=args.min_distance, rejects=rejects)
    print(f"{args.input}: {result.n_inserted} record(s) stored in {shown(args.store)}, "
          f"{result.n_rejected} rejected")
    if result.allocated:
        print(f"  {len(result.allocated)} new code(s) allocated: {result.allocated[0]} …")
    _print_problems(result.problems)
    if result.rejects_path is not None:
        print(f"  rejected records with their reasons: {result.rejects_path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from ..core.census import validate_components
    from ..layers.safe_tables import write_csv

    report = validate_components(_records(args), args.scheme, _jurisdiction(args), min_distance=args.min_distance)
    n_bad = int((~report.valid_mask).sum())
    print(f"{args.input}: {len(report.frame)} record(s), {n_bad} with problems")
    _print_problems(report.problems)
    if args.report:
        write_csv(report.problems, args.report)
        print(f"  problems, one row each: {args.report}")
    return 1 if n_bad else 0


def cmd_geocode(args: argparse.Namespace) -> int:
    from ..core.placement import consistency_report, geocode_components
    from ..layers import STYLES_DIR
    from ..layers.census_store import open_store
    from ..layers.gpkg import write_gpkg
    from ..layers.safe_tables import write_csv

    store = open_store(args.store, args.schema)
    components = store.read()
    cells = _read_layer(args.cells, args.cells_layer)
    components = components.to_crs(cells.crs) if components.crs != cells.crs else components
    report = consistency_report(components, cells, store.scheme)
    placed = geocode_components(components, cells)
    write_gpkg(args.out, {"components": placed}, styles={"components": STYLES_DIR / "components.qml"})
    inside = int(placed["cell_code"].notna().sum())
    print(f"{len(placed)} component(s) placed, {inside} inside a unit cell → {args.out} (layer components)")
    for kind, n in report["problem"].value_counts().items():
        print(f"  {kind:>22}: {n}")
    if args.report:
        write_csv(report, args.report)
        print(f"  code/location disagreements: {args.report}")
    return 0


def cmd_locate(args: argparse.Namespace) -> int:
    from ..core.placement import locate_codes
    from ..layers.census_store import open_store

    store = open_store(args.store, args.schema)
    found = locate_codes(args.codes, store.read({"code": list(args.codes)}), store.scheme)
    for row in found.itertuples():
        if row.found:
            print(f"{row.code}  {row.class_name or ''} {row.name or ''}  [{row.status}]  {row.dept_name or ''}  "
                  f"cell {row.cell_code or '-'}  lon/lat {row.lon:.6f}, {row.lat:.6f}  x/y {row.x:.2f}, {row.y:.2f}")
        else:
            print(f"{row.query}  not found: {row.problem}")
    return 0 if found["found"].all() else 1


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="CSV, XLSX, GeoJSON, Shapefile or GeoPackage of census records")
    p.add_argument("--layer", help="layer of a multi-layer file")
    p.add_argument("--sheet", help="XLSX sheet name or number")
    p.add_argument("--encoding", help="CSV encoding (default: UTF-8, then GB18030)")
    p.add_argument("--x", help="longitude/easting column (found automatically otherwise)")
    p.add_argument("--y", help="latitude/northing column")
    p.add_argument("--coords", default=COORD_SYSTEMS[0],
                   help="what the coordinates are: wgs84 (GPS), cgcs2000, gcj02 (Amap/Tencent), bd09 (Baidu) "
                        "or EPSG:<code> (default wgs84)")
    p.add_argument("--jurisdiction", help="polygons the records must lie in (file)")
    p.add_argument("--jurisdiction-layer")
    p.add_argument("--min-distance", type=float, default=0.5,
                   help="same-class components closer than this (m) are duplicates (default 0.5)")


def _store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", required=True,
                   help="census GeoPackage, or a PostgreSQL connection string (postgresql://user@host/db, "
                        "'host=… dbname=…' or service=…); leave the password to ~/.pgpass, PGPASSFILE, "
                        "the service file or PGPASSWORD (it is never shown)")
    p.add_argument("--schema", default="wanmi", help="PostGIS schema (default wanmi)")


def add_parser(sub: Any) -> None:
    """Register ``wanmi census import|validate|geocode|locate`` on the main parser's subparsers."""
    census = sub.add_parser("census", help="component census (部件普查): import, validate, geocode, locate")
    csub = census.add_subparsers(dest="census_command", required=True)

    p = csub.add_parser("import", help="import records into a census store (one transaction)")
    _input_options(p)
    _store_options(p)
    p.add_argument("--scheme", default=DEFAULT_COMPONENT_SCHEME,
                   help=f"code scheme when the store is new: {', '.join(COMPONENT_SCHEME_NAMES)} "
                        f"(default {DEFAULT_COMPONENT_SCHEME})")
    p.add_argument("--crs", default="EPSG:4490", help="storage CRS when the store is new (default EPSG:4490)")
    p.add_argument("--allocate", action="store_true", help="allocate codes to records that have a class only")
    p.add_argument("--area", help="street (12-digit) or admin code (16/17) for allocated codes "
                                  "(default: from each record's cell code)")
    p.add_argument("--rejects", help="reject CSV (default: <input>.rejects.csv)")
    p.set_defaults(func=cmd_import)

    p = csub.add_parser("validate", help="check records without storing them (exit 1 when any has a problem)")
    _input_options(p)
    p.add_argument("--scheme", default=DEFAULT_COMPONENT_SCHEME)
    p.add_argument("--report", help="CSV with one row per problem")
    p.set_defaults(func=cmd_validate)

    p = csub.add_parser("geocode", help="assign every component to its cell, community and street")
    _store_options(p)
    p.add_argument("--cells", required=True, help="unit cells (e.g. the output of wanmi partition)")
    p.add_argument("--cells-layer", default=None)
    p.add_argument("--out", required=True, help="output GeoPackage (layer components)")
    p.add_argument("--report", help="CSV of components whose code disagrees with their place")
    p.set_defaults(func=cmd_geocode)

    p = csub.add_parser("locate", help="find components by code (exit 1 when one is not found)")
    p.add_argument("codes", nargs="+")
    _store_options(p)
    p.set_defaults(func=cmd_locate)
