"""Audit reports an administrator can file (审计报告): Markdown, HTML and CSV, plus the GeoPackage layers.

The report states the title, the jurisdiction, the date, the layers and feature counts checked, the
number of problems per type and a table of every problem with its location; the CSV carries the same
table (UTF-8 with BOM so spreadsheet programs show the Chinese text). The GeoPackage holds the problem
geometries: polygons in ``audit_problems``, points (components) in ``audit_points``, and the counts in the
table ``audit_summary``. Every file is written to a temporary file first and then renamed into place.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.audit import TYPE_LABELS, AuditResult
from . import STYLES_DIR
from .gpkg import write_gpkg
from .safe_tables import csv_text

__all__ = [
    "POINT_LAYER",
    "POLYGON_LAYER",
    "SUMMARY_LAYER",
    "as_multipolygon",
    "audit_html",
    "audit_markdown",
    "problem_table",
    "write_audit_gpkg",
    "write_audit_report",
]

POLYGON_LAYER = "audit_problems"
POINT_LAYER = "audit_points"
SUMMARY_LAYER = "audit_summary"
DEFAULT_TITLE = "Grid boundary audit report (网格边界审计报告)"
_LAYER_NAMES = {"cells": "unit cells (单元网格)", "areas": "responsibility areas (责任网格)",
                "components": "components (部件)", "communities": "communities (社区)",
                "cells_not_current": "cells not valid on the day, left out",
                "areas_not_current": "areas not valid on the day, left out"}


def problem_table(result: AuditResult) -> pd.DataFrame:
    """The problems as a plain table: number, type (with its Chinese name), severity, layer, codes,
    area (m²), a location (x, y of a point on the problem, in the audit CRS) and the detail."""
    p = result.problems
    g = np.asarray(p.geometry.values, dtype=object)
    has = ~(shapely.is_missing(g) | shapely.is_empty(g))
    x = np.full(len(g), np.nan)
    y = np.full(len(g), np.nan)
    if has.any():
        rp = shapely.point_on_surface(g[has])
        x[has], y[has] = shapely.get_x(rp), shapely.get_y(rp)
    return pd.DataFrame({
        "no": np.arange(1, len(p) + 1),
        "type": p["type"].to_numpy(),
        "type_zh": [TYPE_LABELS.get(t, (t, t))[0] for t in p["type"]],
        "severity": p["severity"].to_numpy(),
        "layer": p["layer"].to_numpy(),
        "codes": p["codes"].to_numpy(),
        "area_m2": np.round(p["area_m2"].to_numpy(dtype=float), 3),
        "x": np.round(x, 2),
        "y": np.round(y, 2),
        "detail": p["detail"].to_numpy(),
    })


def _counts(result: AuditResult) -> pd.DataFrame:
    s = result.summary
    if len(s) == 0:
        return pd.DataFrame(columns=["type", "type_zh", "severity", "layer", "count", "area_m2"])
    return pd.DataFrame({
        "type": s["type"], "type_zh": [TYPE_LABELS.get(t, (t, t))[0] for t in s["type"]],
        "severity": s["severity"], "layer": s["layer"], "count": s["count"].astype(int),
        "area_m2": np.round(s["area_m2"].astype(float), 3),
    })


def _header(result: AuditResult, jurisdiction: str | None) -> list[tuple[str, str]]:
    crs = result.crs
    crs_text = f"EPSG:{crs.to_epsg()}" if crs is not None and crs.to_epsg() else str(getattr(crs, "name", crs))
    checked = ", ".join(f"{_LAYER_NAMES.get(k, k)}: {v:,}" for k, v in result.checked.items())
    verdict = ("no problems found (审计通过)" if result.clean else
               f"{result.errors} errors, {result.warnings} warnings (发现问题)")
    return [
        ("Jurisdiction (辖区)", jurisdiction or result.jurisdiction or "—"),
        ("Date (日期)", result.date.isoformat()),  # the day audited (as of)
        ("Coordinate reference system", crs_text),
        ("Checked (审计对象)", checked or "—"),
        ("Result (结论)", verdict),
    ]


def _area(value: float) -> str:
    return "" if value is None or np.isnan(value) else f"{value:,.2f}"


def _md_cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def audit_markdown(result: AuditResult, title: str = DEFAULT_TITLE, jurisdiction: str | None = None) -> str:
    """The report as Markdown."""
    lines = [f"# {title}", ""]
    lines += [f"- **{k}:** {_md_cell(v)}" for k, v in _header(result, jurisdiction)]
    lines += ["", "## Problems per type (问题统计)", ""]
    counts = _counts(result)
    if len(counts) == 0:
        lines += ["No problems found: every square metre of the jurisdiction is covered exactly once, codes "
                  "and components agree with the grid.", ""]
    else:
        lines += ["| Type | 类型 | Severity | Layer | Count | Area (m²) |", "|---|---|---|---|---:|---:|"]
        lines += [f"| {r.type} | {r.type_zh} | {r.severity} | {r.layer} | {r.count} | {_area(r.area_m2)} |"
                  for r in counts.itertuples()]
        lines += ["", "## Problems (问题清单)", "",
                  "| No. | Type | Severity | Layer | Codes | Area (m²) | X | Y | Detail |",
                  "|---:|---|---|---|---|---:|---:|---:|---|"]
        for r in problem_table(result).itertuples():
            area = "" if np.isnan(r.area_m2) else f"{r.area_m2:,.2f}"
            x = "" if np.isnan(r.x) else f"{r.x:.2f}"
            y = "" if np.isnan(r.y) else f"{r.y:.2f}"
            lines.append(f"| {r.no} | {r.type} | {r.severity} | {r.layer} | {_md_cell(r.codes)} | {area} | "
                         f"{x} | {y} | {_md_cell(r.detail)} |")
    lines += ["", "Audited by (审计人): ____________________    Approved by (审核人): ____________________", ""]
    return "\n".join(lines)


_CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:3px 8px;font-size:90%}
th{background:#f0e6f0}td.num{text-align:right}tr.error td.sev{color:#b2182b;font-weight:bold}
tr.warning td.sev{color:#d6604d}.ok{color:#1a9641;font-weight:bold}dt{font-weight:bold}"""


def audit_html(result: AuditResult, title: str = DEFAULT_TITLE, jurisdiction: str | None = None) -> str:
    """The report as a self-contained HTML page."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">', f"<title>{e(title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{e(title)}</h1>", "<dl>"]
    for k, v in _header(result, jurisdiction):
        parts.append(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>")
    parts += ["</dl>", "<h2>Problems per type (问题统计)</h2>"]
    counts = _counts(result)
    if len(counts) == 0:
        parts.append('<p class="ok">No problems found: every square metre of the jurisdiction is covered '
                     "exactly once, codes and components agree with the grid.</p>")
    else:
        parts.append("<table><tr><th>Type</th><th>类型</th><th>Severity</th><th>Layer</th><th>Count</th>"
                     "<th>Area (m²)</th></tr>")
        for r in counts.itertuples():
            parts.append(f'<tr class="{e(r.severity)}"><td>{e(r.type)}</td><td>{e(r.type_zh)}</td>'
                         f'<td class="sev">{e(r.severity)}</td><td>{e(r.layer)}</td><td class="num">{r.count}</td>'
                         f'<td class="num">{_area(r.area_m2)}</td></tr>')
        parts += ["</table>", "<h2>Problems (问题清单)</h2>",
                  "<table><tr><th>No.</th><th>Type</th><th>Severity</th><th>Layer</th><th>Codes</th>"
                  "<th>Area (m²)</th><th>X</th><th>Y</th><th>Detail</th></tr>"]
        for r in problem_table(result).itertuples():
            area = "" if np.isnan(r.area_m2) else f"{r.area_m2:,.2f}"
            x = "" if np.isnan(r.x) else f"{r.x:.2f}"
            y = "" if np.isnan(r.y) else f"{r.y:.2f}"
            parts.append(f'<tr class="{e(r.severity)}"><td class="num">{r.no}</td><td>{e(r.type)}</td>'
                         f'<td class="sev">{e(r.severity)}</td><td>{e(r.layer)}</td>'
                         f'<td>{e(_md_cell(r.codes))}</td><td class="num">{area}</td><td class="num">{x}</td>'
                         f'<td class="num">{y}</td><td>{e(_md_cell(r.detail))}</td></tr>')
        parts.append("</table>")
    parts += ["<p>Audited by (审计人): ____________________ &nbsp; Approved by (审核人): ____________________</p>",
              "</body></html>", ""]
    return "\n".join(parts)


def _atomic_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_audit_report(result: AuditResult, path: str | Path, title: str = DEFAULT_TITLE,
                       jurisdiction: str | None = None) -> dict[str, Path]:
    """Write the Markdown, HTML and CSV reports next to each other: ``path`` with suffixes ``.md``,
    ``.html`` and ``.csv`` (whatever suffix ``path`` has). Returns {"md"|"html"|"csv": path}."""
    base = Path(path)
    if base.suffix.lower() in (".md", ".html", ".htm", ".csv"):
        base = base.with_suffix("")
    out = {"md": base.with_suffix(".md"), "html": base.with_suffix(".html"), "csv": base.with_suffix(".csv")}
    _atomic_text(out["md"], audit_markdown(result, title, jurisdiction))
    _atomic_text(out["html"], audit_html(result, title, jurisdiction))
    _atomic_text(out["csv"], csv_text(problem_table(result)), encoding="utf-8-sig")
    return out


def write_audit_gpkg(result: AuditResult, path: str | Path, extra: dict[str, pd.DataFrame] | None = None
                     ) -> Path:
    """The problem geometries as GeoPackage layers (polygons ``audit_problems``, points ``audit_points``)
    with their QML styles, plus the ``audit_summary`` table and any ``extra`` layers, written atomically."""
    p = result.problems
    g = np.asarray(p.geometry.values, dtype=object)
    tid = shapely.get_type_id(g)
    point = np.isin(tid, [0, 4])
    polys = p[~point].copy()
    if len(polys):
        pg = np.asarray(polys.geometry.values, dtype=object)
        ok = ~shapely.is_missing(pg)
        multi = pg.copy()
        multi[ok] = as_multipolygon(pg[ok])
        polys = polys.set_geometry(gpd.GeoSeries(multi, index=polys.index, crs=p.crs))
    layers: dict[str, pd.DataFrame] = {POLYGON_LAYER: _typed(polys, p.crs, "MultiPolygon")}
    styles = {POLYGON_LAYER: STYLES_DIR / "audit_problems.qml"}
    if point.any():
        layers[POINT_LAYER] = p[point].reset_index(drop=True)
        styles[POINT_LAYER] = STYLES_DIR / "audit_points.qml"
    layers[SUMMARY_LAYER] = _counts(result)
    layers.update(extra or {})
    styles = {k: v for k, v in styles.items() if Path(v).exists()}
    return write_gpkg(path, layers, styles=styles)


def as_multipolygon(geoms: np.ndarray) -> np.ndarray:
    """Every polygonal geometry as a MultiPolygon (one geometry type per GeoPackage layer)."""
    from ..core.geometry import explode_polygons

    parts, idx = explode_polygons(geoms)
    out = np.full(len(geoms), None, dtype=object)
    shapely.multipolygons(parts, indices=idx, out=out)
    return out


def _typed(frame: gpd.GeoDataFrame, crs: object, geom_type: str) -> gpd.GeoDataFrame:
    frame = frame.reset_index(drop=True)
    if len(frame) == 0:
        frame = gpd.GeoDataFrame({c: pd.Series(dtype=frame[c].dtype) for c in frame.columns if c != "geometry"},
                                 geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    frame.attrs["geometry_type"] = geom_type
    return frame
