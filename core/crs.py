"""Coordinate reference systems: metric CRS choice and Chinese web-map offsets (坐标系与坐标纠偏).

Two jobs, both pure (numpy + pyproj; geopandas only inside :func:`to_metric`):

1. **Metric CRS choice.** Areas, distances and 10,000 m² cells must be computed in a projected CRS in
   metres, never in degrees. Inside China Wanmi uses the CGCS2000 3-degree Gauss–Krüger zone (2000国家大地
   坐标系 3度带高斯-克吕格投影, "CM" variant without zone prefix in the easting, EPSG:4534–4554); elsewhere
   WGS 84 / UTM. :func:`require_metric` refuses geographic CRSs with a message saying how to fix it.

2. **Web-map offsets (坐标纠偏).** Chinese web maps publish obfuscated coordinates: GCJ-02 (国测局坐标,
   "Mars coordinates": Amap/高德, Tencent, Google China) and BD-09 (百度坐标, Baidu, a further shift of
   GCJ-02). Data digitised from those maps is hundreds of metres off WGS 84 / CGCS2000 and must be converted
   before it is overlaid on survey data. The formulas are the de facto public ones (as in the
   ``coordtransform``, ``gcoord`` and ``eviltransform`` libraries). All functions are vectorised over numpy
   arrays and also accept scalars (returning floats).

CGCS2000 vs WGS 84: both are ITRF-aligned geocentric frames on near-identical ellipsoids (they differ by
0.1 mm in the semi-minor axis); at CGCS2000's epoch 2000.0 they agree to centimetres. CGCS2000 coordinates
are static while WGS 84 follows plate motion (~3 cm/yr in China), so for present-day GNSS positions the gap
is still below one metre: smaller than the accuracy of the web-map offset formulas themselves (the public
GCJ-02 formula reproduces real Amap/Baidu coordinate pairs to ~1 m) and irrelevant for 100 m grid cells.
Hence "cgcs2000" is treated as identical to "wgs84" here, as PROJ does (EPSG:4490 → EPSG:4326 is a null
"ballpark" transformation).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import pyproj

from .enums import COORD_SYSTEMS
from .errors import GeographicCRSError, InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "BD09_X_PI",
    "CHINA_METRIC_BBOX",
    "GCJ02_A",
    "GCJ02_EE",
    "GCJ02_RECT",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "choose_metric_crs",
    "convert_lonlat",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "gk3_epsg_for_lon",
    "in_china_metric_bbox",
    "is_geographic",
    "metric_crs_for_lonlat",
    "out_of_china",
    "require_metric",
    "to_metric",
    "utm_epsg_for_lonlat",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

ArrayLike = Union[float, np.ndarray, Sequence[float]]
LonLat = tuple[Any, Any]  # (lon, lat): floats for scalar input, float64 arrays otherwise

# --------------------------------------------------------------------------------------------------
# 1. Metric CRS choice
# --------------------------------------------------------------------------------------------------

#: (min_lon, min_lat, max_lon, max_lat) of the box inside which the CGCS2000 3-degree Gauss–Krüger zones
#: are used. It covers the whole of China's land territory (westernmost point ~73.5°E in Xinjiang,
#: easternmost ~135.1°E at the Heilong/Wusuli confluence, northernmost ~53.6°N at Mohe, southern islands
#: down to ~3.8°N). The GK zones 75°E..135°E (±1.5°) span 73.5°E..136.5°E, so every longitude in the box
#: maps to one of EPSG:4534..4554. The box also catches small parts of neighbouring countries; for a
#: metric *working* CRS that is harmless (the projection is still conformal and in metres).
CHINA_METRIC_BBOX: tuple[float, float, float, float] = (73.0, 3.0, 135.5, 54.0)

_GK3_FIRST_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E
_GK3_FIRST_CM = 75  # degrees east
_GK3_N_ZONES = 21  # CM 75E .. 135E


def _as_crs(crs: Any) -> pyproj.CRS:
    """Any pyproj-acceptable input (EPSG int, "EPSG:4548", WKT, pyproj.CRS, objects with ``to_wkt``)."""
    if crs is None:
        raise InputError("No coordinate reference system given: set the layer's CRS first.")
    if isinstance(crs, pyproj.CRS):
        return crs
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(f"Not a valid coordinate reference system: {crs!r} ({exc}).") from exc


@lru_cache(maxsize=128)
def _crs_from_epsg(code: int) -> pyproj.CRS:
    """Cached EPSG lookup (building a CRS from the PROJ database costs about a millisecond)."""
    return pyproj.CRS.from_epsg(code)


def _check_lonlat(lon: float, lat: float) -> tuple[float, float]:
    lon, lat = float(lon), float(lat)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InputError(f"Longitude/latitude must be finite numbers, got ({lon}, {lat}).")
    if not -90.0 <= lat <= 90.0:
        raise InputError(f"Latitude {lat} is outside -90..90: are longitude and latitude swapped?")
    lon = (lon + 180.0) % 360.0 - 180.0  # wrap to [-180, 180)
    return lon, lat


def in_china_metric_bbox(lon: float, lat: float) -> bool:
    """True if (lon, lat) lies in :data:`CHINA_METRIC_BBOX` (where Gauss–Krüger zones are used)."""
    min_lon, min_lat, max_lon, max_lat = CHINA_METRIC_BBOX
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def gk3_epsg_for_lon(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss–Krüger zone (3度带, "CM" variant) containing ``lon``.

    Zone ``k`` has central meridian ``75°E + 3k`` and covers ``[CM - 1.5°, CM + 1.5°)``; a longitude exactly
    on a zone edge goes to the eastern zone (the usual ``n = floor((L + 1.5) / 3)`` rule). Clamped to the
    21 defined zones, EPSG:4534 (CM 75E) .. EPSG:4554 (CM 135E). E.g. 116.41°E → CM 117°E → EPSG:4548.
    """
    k = math.floor((float(lon) - _GK3_FIRST_CM) / 3.0 + 0.5)
    k = min(max(k, 0), _GK3_N_ZONES - 1)
    return _GK3_FIRST_EPSG + k


@lru_cache(maxsize=1)
def _wgs84_utm_zones() -> tuple[tuple[int, float, float, float, float], ...]:
    """(EPSG code, west, south, east, north) of every WGS 84 UTM zone, read once from the PROJ database."""
    from pyproj.database import query_utm_crs_info

    return tuple((int(z.code), *z.area_of_use.bounds) for z in query_utm_crs_info(datum_name="WGS 84")
                 if z.area_of_use is not None)


def utm_epsg_for_lonlat(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone (EPSG:326zz north, 327zz south) containing (lon, lat).

    The zones and their extents come from pyproj's ``query_utm_crs_info`` (the EPSG areas of use: the
    standard 6° strips, without the Norway/Svalbard exceptions, which a working CRS does not need). The
    whole list is read once: a query per point costs ~40 ms. A point on a shared edge lies in two zones
    and gets the eastern one (as :func:`gk3_epsg_for_lon`), on the equator the northern one (pyproj's
    ``estimate_utm_crs`` would take the first listed, the western). Beyond UTM's latitude limits
    (> 84°N, < 80°S) the polar UPS CRSs are returned (EPSG:32661 / EPSG:32761).
    """
    lon, lat = _check_lonlat(lon, lat)
    if lat > 84.0:
        return 32661
    if lat < -80.0:
        return 32761
    hits = [z for z in _wgs84_utm_zones() if z[1] <= lon <= z[3] and z[2] <= lat <= z[4]]
    if not hits:  # pragma: no cover - the EPSG zones tile -180..180 × -80..84
        raise InputError(f"No WGS 84 UTM zone in the PROJ database contains ({lon}, {lat}).")
    return max(hits, key=lambda z: (z[1], z[2]))[0]


def metric_crs_for_lonlat(lon: float, lat: float) -> pyproj.CRS:
    """Metric working CRS for a location given in WGS 84 / CGCS2000 longitude and latitude.

    Inside :data:`CHINA_METRIC_BBOX`: the CGCS2000 3-degree Gauss–Krüger zone (EPSG:4534 + k, CM 75°E + 3k;
    Beijing Dongcheng 116.41°E → EPSG:4548). Elsewhere: WGS 84 / UTM (Helsinki 24.94°E 60.17°N →
    EPSG:32635). Note that the GK CRSs declare northing-first axes; geopandas and ``always_xy`` transformers
    still use (easting, northing) order.
    """
    lon, lat = _check_lonlat(lon, lat)
    code = gk3_epsg_for_lon(lon) if in_china_metric_bbox(lon, lat) else utm_epsg_for_lonlat(lon, lat)
    return _crs_from_epsg(code)


def is_geographic(crs: Any) -> bool:
    """True if ``crs`` (any pyproj-acceptable input) is geographic, i.e. its coordinates are angles.

    Compound (e.g. 2D + height) and bound CRSs are judged by their horizontal part.
    """
    return bool(_as_crs(crs).is_geographic)


def _horizontal(crs: pyproj.CRS) -> pyproj.CRS:
    """The horizontal component of a compound or bound CRS, else the CRS itself."""
    if crs.is_bound and crs.source_crs is not None:
        crs = crs.source_crs
    if crs.is_compound:
        for sub in crs.sub_crs_list:
            if not sub.is_vertical:
                return _horizontal(sub)
    return crs


def _non_metre_axes(crs: pyproj.CRS) -> list[str]:
    """Names of the horizontal axis units that are not the metre (empty list: all metres)."""
    axes = _horizontal(crs).axis_info[:2]
    bad = []
    for ax in axes:
        name = (ax.unit_name or "").lower()
        if name not in ("metre", "meter", "m") and not math.isclose(ax.unit_conversion_factor or 0.0, 1.0):
            bad.append(ax.unit_name or "unknown unit")
    if not axes:
        bad.append("no axes")
    return bad


def _is_web_mercator(crs: pyproj.CRS) -> bool:
    """True for Web/Pseudo-Mercator (EPSG:3857 and aliases): metres on paper, but scale is 1/cos(lat)."""
    op = _horizontal(crs).coordinate_operation
    return op is not None and (str(op.method_code) == "1024" or "pseudo mercator" in op.method_name.lower())


def _crs_label(crs: pyproj.CRS) -> str:
    code = crs.to_epsg(min_confidence=70)
    return f"{crs.name} (EPSG:{code})" if code else crs.name


def _fix_hint() -> str:
    return (
        "Reproject the layer to a projected CRS in metres (in China a CGCS2000 3-degree Gauss-Kruger zone, "
        "e.g. EPSG:4548 for Beijing; elsewhere UTM), or let Wanmi choose one automatically "
        "(wanmi.core.crs.to_metric / choose_metric_crs)."
    )


def require_metric(crs: Any, what: str) -> pyproj.CRS:
    """Refuse to ``what`` (e.g. "compute cell areas") unless ``crs`` is planar with metre units.

    Returns the parsed :class:`pyproj.CRS` on success. Raises :class:`GeographicCRSError` for geographic
    (degree) CRSs, geocentric CRSs, projected CRSs in other units (feet, ...) and Web Mercator (EPSG:3857,
    metres in name only), and :class:`InputError` if there is no CRS at all.
    """
    if crs is None:
        raise InputError(
            f"Cannot {what}: the data has no coordinate reference system. Set its CRS first; then "
            f"{_fix_hint()}"
        )
    crs = _as_crs(crs)
    if crs.is_geographic:
        raise GeographicCRSError(
            f"Cannot {what} in {_crs_label(crs)}: it is a geographic CRS in degrees, so areas and "
            f"distances would be meaningless. {_fix_hint()}"
        )
    if crs.is_geocentric:
        raise GeographicCRSError(
            f"Cannot {what} in {_crs_label(crs)}: it is a geocentric (earth-centred XYZ) CRS, not a map "
            f"projection. {_fix_hint()}"
        )
    bad = _non_metre_axes(crs)
    if bad:
        raise GeographicCRSError(
            f"Cannot {what} in {_crs_label(crs)}: its axis units are {', '.join(sorted(set(bad)))}, not "
            f"metres, so areas would not be in m². {_fix_hint()}"
        )
    if _is_web_mercator(crs):
        raise GeographicCRSError(
            f"Cannot {what} in {_crs_label(crs)}: Web Mercator stretches lengths by 1/cos(latitude) "
            f"(areas come out 1.7 times too large in Beijing), so it is only fit for display. {_fix_hint()}"
        )
    return crs


def choose_metric_crs(bounds: tuple[float, float, float, float], crs: Any) -> pyproj.CRS:
    """Metric working CRS for data with ``bounds`` = (minx, miny, maxx, maxy) expressed in ``crs``.

    A projected CRS in metres is returned unchanged (the user's choice wins), except Web Mercator, whose
    scale error (1/cos(lat)) rules it out for areas. Otherwise (geographic, feet, Web Mercator) the centre
    of the bounds is transformed to WGS 84 lon/lat and :func:`metric_crs_for_lonlat` decides. One zone is
    used for the whole extent: the GK linear scale error is about (Δlon·cos(lat))²/2 (Δlon in radians from
    the central meridian), i.e. at most 3.4e-4 at a zone edge (±1.5°) and 1.4e-3 at ±3° (area error twice
    that): negligible for a city or county, noticeable for a whole province.
    """
    crs = _as_crs(crs)
    if crs.is_projected and not _non_metre_axes(crs) and not _is_web_mercator(crs):
        return crs
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InputError(
            f"Cannot choose a metric CRS from bounds {bounds}: the data is empty or has no valid "
            "coordinates. Pass the target CRS explicitly."
        )
    cx, cy = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    # always_xy: (lon, lat) order whatever the CRS's declared axis order; CGCS2000 -> WGS 84 is a null
    # transform, other datums get PROJ's best available operation.
    lon, lat = pyproj.Transformer.from_crs(crs, _crs_from_epsg(4326), always_xy=True).transform(cx, cy)
    return metric_crs_for_lonlat(lon, lat)


def to_metric(gdf: gpd.GeoDataFrame, crs: Any = None) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """Return ``(gdf_in_metric, metric_crs)``: ``gdf`` reprojected to ``crs`` or to an automatic choice.

    With ``crs=None`` the target is :func:`choose_metric_crs` of the layer's bounds (so a layer already in
    a metric projected CRS is kept as is). An explicit ``crs`` must itself be metric. When no reprojection
    is needed the same object is returned, not a copy.
    """
    if gdf.crs is None:
        raise InputError(
            "The layer has no coordinate reference system, so it cannot be reprojected to metres: set its "
            "CRS (e.g. EPSG:4490 for CGCS2000 longitude/latitude, EPSG:4326 for WGS 84) first."
        )
    if crs is None:
        target = choose_metric_crs(tuple(gdf.total_bounds), gdf.crs)
    else:
        target = require_metric(crs, "reproject the layer to a metric CRS")
    if pyproj.CRS.from_user_input(gdf.crs) == target:
        return gdf, target
    return gdf.to_crs(target), target


# --------------------------------------------------------------------------------------------------
# 2. Chinese web-map offsets: GCJ-02 (国测局/火星坐标) and BD-09 (百度坐标)
# --------------------------------------------------------------------------------------------------

#: Krasovsky 1940 semi-major axis (m) and first eccentricity squared, as used by the GCJ-02 formula.
GCJ02_A = 6378245.0
GCJ02_EE = 0.00669342162296594323
#: BD-09 angular constant.
BD09_X_PI = math.pi * 3000.0 / 180.0
#: (min_lon, min_lat, max_lon, max_lat) of the standard "out_of_china" rectangle shared by the public
#: GCJ-02 implementations (coordtransform, gcoord, eviltransform). The GCJ-02 obfuscation only applies in
#: China, so points outside the rectangle are returned unchanged by the GCJ functions. It is a coarse box:
#: it includes e.g. Korea, Japan and Mongolia, where the same libraries (and this module) still apply the
#: offset. (It is wider than :data:`CHINA_METRIC_BBOX`, which only picks a projection.)
GCJ02_RECT: tuple[float, float, float, float] = (72.004, 0.8293, 137.8347, 55.8271)

_INVERSE_TOL_DEG = 1e-9  # ~0.1 mm: convergence threshold of the iterative inverses
_INVERSE_MAX_ITER = 30


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Float64 arrays of the broadcast shape of ``lon`` and ``lat`` (copies, never views of the input)."""
    try:
        x = np.array(lon, dtype=np.float64)
        y = np.array(lat, dtype=np.float64)
        x, y = np.broadcast_arrays(x, y)
    except (TypeError, ValueError) as exc:
        raise InputError(f"Longitudes and latitudes must be numbers or equal-shaped arrays: {exc}.") from exc
    return x, y


def _out(x: np.ndarray, y: np.ndarray) -> LonLat:
    """Floats for 0-d input, arrays of the input's (broadcast) shape otherwise."""
    if x.ndim == 0:
        return float(x), float(y)
    return x, y


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray | bool:
    """True where (lon, lat) is outside :data:`GCJ02_RECT`, i.e. where no GCJ-02 offset applies."""
    x, y = _arrays(lon, lat)
    min_lon, min_lat, max_lon, max_lat = GCJ02_RECT
    res = (x < min_lon) | (x > max_lon) | (y < min_lat) | (y > max_lat)
    return bool(res) if res.ndim == 0 else res


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS 84 position (lon, lat), ignoring the China test."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    # The "metres" above are turned into degrees on the Krasovsky ellipsoid.
    rad_lat = np.radians(lat)
    magic = 1.0 - GCJ02_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((GCJ02_A * (1.0 - GCJ02_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (GCJ02_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _wgs_to_gcj(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_delta(x, y)
    outside = out_of_china(x, y)
    return np.where(outside, x, x + dlon), np.where(outside, y, y + dlat)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """WGS 84 (or CGCS2000) → GCJ-02 (火星坐标), the public formula (shift ~30-700 m across China).

    Points outside :data:`GCJ02_RECT` are returned unchanged. NaN stays NaN.
    """
    return _out(*_wgs_to_gcj(*_arrays(lon, lat)))


def _invert(
    forward: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    tx: np.ndarray,
    ty: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(x, y) == (tx, ty)`` from the first guess (x, y) by fixed-point iteration.

    Both offsets are the identity plus a perturbation whose derivative is ~1e-3 (GCJ-02) or ~2e-2 (BD-09)
    per degree, so ``p <- p + (target - forward(p))`` contracts fast: 2-5 whole-array steps reach
    :data:`_INVERSE_TOL_DEG`. NaN inputs stay NaN and do not block convergence.
    """
    for _ in range(_INVERSE_MAX_ITER):
        fx, fy = forward(x, y)
        ex, ey = tx - fx, ty - fy
        x, y = x + ex, y + ey
        if not np.any(np.maximum(np.abs(ex), np.abs(ey)) >= _INVERSE_TOL_DEG):
            break
    return x, y


def _gcj_to_wgs(gx: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_delta(gx, gy)  # first guess: the offset evaluated at the GCJ position (~1 m off)
    wx, wy = _invert(_wgs_to_gcj, gx, gy, gx - dlon, gy - dlat)
    outside = out_of_china(gx, gy)
    return np.where(outside, gx, wx), np.where(outside, gy, wy)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """GCJ-02 → WGS 84, the exact (iterative) inverse of :func:`wgs84_to_gcj02` to ~1e-9° (~0.1 mm).

    Points outside :data:`GCJ02_RECT` are returned unchanged.
    """
    return _out(*_gcj_to_wgs(*_arrays(lon, lat)))


def _gcj_to_bd(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(x, y) + 0.00002 * np.sin(y * BD09_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * BD09_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_closed_form(bx: np.ndarray, by: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The widely published closed-form BD-09 inverse; it is only approximate (up to ~0.2 m off)."""
    x = bx - 0.0065
    y = by - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * BD09_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * BD09_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _bd_to_gcj(bx: np.ndarray, by: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _invert(_gcj_to_bd, bx, by, *_bd_to_gcj_closed_form(bx, by))


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """GCJ-02 → BD-09 (百度经纬度坐标, "bd09ll").

    Applied everywhere, with no China test, like the public implementations (coordtransform, gcoord).
    """
    return _out(*_gcj_to_bd(*_arrays(lon, lat)))


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """BD-09 → GCJ-02, the exact (iterative) inverse of :func:`gcj02_to_bd09` to ~1e-9°.

    The closed-form inverse found in most libraries is only used as the first guess: it is up to ~0.2 m
    off (it evaluates the perturbation at the BD-09 instead of the GCJ-02 position).
    """
    return _out(*_bd_to_gcj(*_arrays(lon, lat)))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """WGS 84 → GCJ-02 → BD-09."""
    return _out(*_gcj_to_bd(*_wgs_to_gcj(*_arrays(lon, lat))))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> LonLat:
    """BD-09 → GCJ-02 → WGS 84."""
    return _out(*_gcj_to_wgs(*_bd_to_gcj(*_arrays(lon, lat))))


_SYSTEM_ALIASES = {
    "wgs84": "wgs84",
    "epsg:4326": "wgs84",
    "cgcs2000": "wgs84",  # see module docstring: centimetre-level difference
    "epsg:4490": "wgs84",
    "gcj02": "gcj02",
    "bd09": "bd09",
    "bd09ll": "bd09",
}


def _system(name: str, role: str) -> str:
    key = str(name).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if key.startswith("epsg") and not key.startswith("epsg:"):
        key = "epsg:" + key[4:]
    if key not in _SYSTEM_ALIASES:
        raise InputError(
            f"Unknown {role} coordinate system {name!r}: use one of {', '.join(map(repr, COORD_SYSTEMS))} "
            "(Baidu Mercator 'bd09mc' metres are not supported; convert them to bd09 first)."
        )
    return _SYSTEM_ALIASES[key]


def convert_lonlat(lon: ArrayLike, lat: ArrayLike, source: str, target: str = "wgs84") -> LonLat:
    """Convert lon/lat between "wgs84", "cgcs2000", "gcj02" and "bd09" (case and "-"/"_" ignored).

    "cgcs2000" is treated as "wgs84": the two frames differ by centimetres, far below the accuracy of
    the GCJ-02/BD-09 formulas. Always goes through WGS 84, so any pair of systems works.
    """
    src, dst = _system(source, "source"), _system(target, "target")
    x, y = _arrays(lon, lat)
    if src == dst:
        return _out(x.copy(), y.copy())
    if src == "gcj02":
        x, y = _gcj_to_wgs(x, y)
    elif src == "bd09":
        x, y = _gcj_to_wgs(*_bd_to_gcj(x, y))
    if dst == "gcj02":
        x, y = _wgs_to_gcj(x, y)
    elif dst == "bd09":
        x, y = _gcj_to_bd(*_wgs_to_gcj(x, y))
    return _out(x, y)


def convert_geometries(geometries: Any, source: str, target: str = "wgs84") -> np.ndarray:
    """Convert every vertex of shapely geometries between web-map systems (see :func:`convert_lonlat`).

    One vectorised :func:`shapely.transform` over all vertices; missing geometries stay missing. Used for
    layers digitised on Amap/Baidu (GCJ-02/BD-09) and for phone-collected census points.
    """
    import shapely

    geoms = np.asarray(geometries, dtype=object)

    def _convert(coords: np.ndarray) -> np.ndarray:
        x, y = convert_lonlat(coords[:, 0], coords[:, 1], source, target)
        return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])

    return shapely.transform(geoms, _convert)
