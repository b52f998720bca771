"""Tests for wanmi.core.crs: metric CRS choice, the metric guard, and GCJ-02 / BD-09 conversions.

Expected values are hand-computed (EPSG zone arithmetic), published coordinate pairs from independent
public implementations (each cited next to the data), or invariants (round trips measured in metres on
the WGS 84 ellipsoid with pyproj.Geod, outside-China identity).
"""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest

from wanmi.core import crs as wcrs
from wanmi.core.errors import GeographicCRSError, InputError

GEOD = pyproj.Geod(ellps="WGS84")


def dist_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres (vectorised)."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    )
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


# --------------------------------------------------------------------------------------------------
# Metric CRS choice
# --------------------------------------------------------------------------------------------------


# Hand-computed: k = floor((lon - 75) / 3 + 0.5), CM = 75 + 3k, EPSG = 4534 + k.
@pytest.mark.parametrize(
    ("name", "lon", "lat", "epsg", "cm"),
    [
        ("Beijing Dongcheng", 116.41, 39.93, 4548, 117),  # (116.41-75)/3 = 13.80 -> k=14
        ("Shanghai", 121.47, 31.23, 4549, 120),  # 46.47/3 = 15.49 -> k=15
        ("Urumqi", 87.62, 43.83, 4538, 87),  # 12.62/3 = 4.21 -> k=4
        ("Guangzhou", 113.26, 23.13, 4547, 114),  # 38.26/3 = 12.75 -> k=13
        ("Kashgar", 75.99, 39.47, 4534, 75),  # 0.99/3 = 0.33 -> k=0 (first zone)
        ("Fuyuan, Heilongjiang", 134.7, 48.3, 4554, 135),  # 59.7/3 = 19.9 -> k=20 (last zone)
        ("Sanya", 109.51, 18.25, 4546, 111),  # 34.51/3 = 11.503, +0.5 -> k=12 (zone [109.5, 112.5))
    ],
)
def test_metric_crs_in_china_is_cgcs2000_gk3(name, lon, lat, epsg, cm):
    result = wcrs.metric_crs_for_lonlat(lon, lat)
    assert result.to_epsg() == epsg, name
    assert f"CM {cm}E" in result.name
    assert "CGCS2000" in result.name
    assert result.is_projected


def test_gk3_zone_edges_go_east():
    # Zone CM 117 covers [115.5, 118.5); 118.5 itself belongs to CM 120 (n = floor((L + 1.5) / 3)).
    assert wcrs.gk3_epsg_for_lon(118.4999) == 4548
    assert wcrs.gk3_epsg_for_lon(118.5) == 4549
    assert wcrs.gk3_epsg_for_lon(115.5) == 4548
    assert wcrs.gk3_epsg_for_lon(115.4999) == 4547


@pytest.mark.parametrize(
    ("name", "lon", "lat", "epsg"),
    [
        ("Helsinki", 24.94, 60.17, 32635),  # floor((24.94+180)/6)+1 = 35, north
        ("Tokyo", 139.69, 35.69, 32654),  # east of the China box: 319.69/6 = 53.3 -> zone 54
        ("New York", -73.99, 40.73, 32618),  # 106.01/6 = 17.7 -> zone 18
        ("Sydney", 151.21, -33.87, 32756),  # 331.21/6 = 55.2 -> zone 56, south
        ("Rio de Janeiro", -43.21, -22.91, 32723),  # 136.79/6 = 22.8 -> zone 23, south
        ("Bratsk (north of the box)", 101.6, 56.15, 32647),  # 281.6/6 = 46.9 -> zone 47
    ],
)
def test_metric_crs_elsewhere_is_utm(name, lon, lat, epsg):
    result = wcrs.metric_crs_for_lonlat(lon, lat)
    assert result.to_epsg() == epsg, name
    assert "UTM zone" in result.name



def test_utm_zone_is_the_one_pyproj_lists_and_edges_go_east_and_north():
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    rng = np.random.default_rng(5)
    for lon, lat in zip(rng.uniform(-180, 180, 40), rng.uniform(-80, 84, 40)):
        (only,) = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat))
        assert wcrs.utm_epsg_for_lonlat(lon, lat) == int(only.code)
    assert wcrs.utm_epsg_for_lonlat(6.0, 50.0) == 32632  # 31N | 32N edge: east, as the GK zones
    assert wcrs.utm_epsg_for_lonlat(10.0, 0.0) == 32632  # equator: north
    assert wcrs.utm_epsg_for_lonlat(6.0, 0.0) == 32632  # corner of four zones
    assert wcrs.utm_epsg_for_lonlat(180.0, 10.0) == 32601  # wrapped to -180
    assert (wcrs.utm_epsg_for_lonlat(10.0, 84.0), wcrs.utm_epsg_for_lonlat(10.0, -80.0)) == (32632, 32732)

def test_metric_crs_polar_and_wrapped_longitudes():
    assert wcrs.metric_crs_for_lonlat(10.0, 88.0).to_epsg() == 32661  # UPS North
    assert wcrs.metric_crs_for_lonlat(10.0, -85.0).to_epsg() == 32761  # UPS South
    assert wcrs.metric_crs_for_lonlat(24.94 + 360.0, 60.17).to_epsg() == 32635  # wrapped
    with pytest.raises(InputError):
        wcrs.metric_crs_for_lonlat(39.9, 116.4)  # swapped lon/lat: latitude 116.4 is impossible
    with pytest.raises(InputError):
        wcrs.metric_crs_for_lonlat(float("nan"), 40.0)


def test_choose_metric_crs_geographic_bounds():
    dongcheng = (116.35, 39.86, 116.45, 39.97)  # lon/lat box around Dongcheng district
    assert wcrs.choose_metric_crs(dongcheng, "EPSG:4490").to_epsg() == 4548
    assert wcrs.choose_metric_crs(dongcheng, 4326).to_epsg() == 4548
    helsinki = (24.8, 60.1, 25.1, 60.3)
    assert wcrs.choose_metric_crs(helsinki, pyproj.CRS.from_epsg(4326)).to_epsg() == 32635


def test_choose_metric_crs_keeps_metric_projected_crs():
    # A projected CRS in metres is the user's choice and is returned unchanged, even if another zone
    # would be "better".
    utm50 = pyproj.CRS.from_epsg(32650)
    assert wcrs.choose_metric_crs((440000.0, 4410000.0, 450000.0, 4420000.0), utm50) == utm50
    assert wcrs.choose_metric_crs((0.0, 0.0, 1.0, 1.0), "EPSG:4547").to_epsg() == 4547


def test_choose_metric_crs_replaces_feet_and_web_mercator():
    # Web Mercator (metres, but scale 1/cos(lat)): Tiananmen area in EPSG:3857 -> GK CM 117.
    x0, y0 = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(116.39, 39.90)
    assert wcrs.choose_metric_crs((x0 - 500, y0 - 500, x0 + 500, y0 + 500), 3857).to_epsg() == 4548
    # NAD83 / New York Long Island (ftUS) -> UTM 18N.
    x1, y1 = pyproj.Transformer.from_crs(4326, 2263, always_xy=True).transform(-73.99, 40.73)
    assert wcrs.choose_metric_crs((x1 - 100, y1 - 100, x1 + 100, y1 + 100), 2263).to_epsg() == 32618


def test_choose_metric_crs_empty_bounds():
    with pytest.raises(InputError, match="empty"):
        wcrs.choose_metric_crs((math.nan, math.nan, math.nan, math.nan), 4490)


def test_is_geographic():
    assert wcrs.is_geographic(4326)
    assert wcrs.is_geographic("EPSG:4490")
    assert not wcrs.is_geographic(4548)
    assert not wcrs.is_geographic(pyproj.CRS.from_epsg(32635))
    with pytest.raises(InputError):
        wcrs.is_geographic("not a crs")


# --------------------------------------------------------------------------------------------------
# require_metric
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("crs", [4326, "EPSG:4490", pyproj.CRS.from_epsg(4490)])
def test_require_metric_refuses_geographic(crs):
    with pytest.raises(GeographicCRSError) as info:
        wcrs.require_metric(crs, "compute cell areas")
    msg = str(info.value)
    assert "compute cell areas" in msg  # names the refused operation
    assert "geographic" in msg and "degrees" in msg  # says what is wrong
    assert "Reproject" in msg and "choose" in msg  # says how to fix it
    assert "EPSG:4548" in msg  # concrete example of a suitable CRS


def test_geographic_crs_error_is_an_input_error():
    with pytest.raises(InputError):
        wcrs.require_metric(4326, "buffer roads")


@pytest.mark.parametrize(
    ("crs", "fragment"),
    [
        (2263, "foot"),  # NAD83 / New York Long Island (ftUS)
        (4978, "geocentric"),  # WGS 84 geocentric XYZ
        (3857, "Web Mercator"),  # metres in name only
    ],
)
def test_require_metric_refuses_other_non_metric(crs, fragment):
    with pytest.raises(GeographicCRSError, match=fragment):
        wcrs.require_metric(crs, "compute cell areas")


def test_require_metric_without_crs():
    with pytest.raises(InputError, match="no coordinate reference system"):
        wcrs.require_metric(None, "compute cell areas")


@pytest.mark.parametrize("crs", [4548, "EPSG:4548", 32635, "EPSG:4548+5773"])
def test_require_metric_accepts_projected_metres(crs):
    result = wcrs.require_metric(crs, "compute cell areas")
    assert isinstance(result, pyproj.CRS)
    assert result == pyproj.CRS.from_user_input(crs)


# --------------------------------------------------------------------------------------------------
# to_metric
# --------------------------------------------------------------------------------------------------


def _square_gdf(crs):
    gpd = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely")
    square = shapely.box(116.40, 39.90, 116.41, 39.91)  # ~0.01° square at Tiananmen / Dongcheng
    return gpd.GeoDataFrame({"id": [1]}, geometry=[square], crs=crs), square


def test_to_metric_reprojects_geographic_layer_and_preserves_area():
    gdf, square = _square_gdf("EPSG:4490")
    out, target = wcrs.to_metric(gdf)
    assert target.to_epsg() == 4548
    assert out.crs == target
    assert gdf.crs.to_epsg() == 4490  # the input is not modified
    # Independent area: geodesic area of the lon/lat polygon on the ellipsoid (CGCS2000 ≈ GRS80).
    geodesic_area = abs(pyproj.Geod(ellps="GRS80").geometry_area_perimeter(square)[0])
    assert 900_000 < geodesic_area < 950_000  # sanity: ~855 m x ~1,111 m
    # Close to the central meridian the GK scale error is ~1e-5, so areas agree to < 0.01 %.
    assert out.geometry.area.iloc[0] == pytest.approx(geodesic_area, rel=1e-4)


def test_to_metric_keeps_metric_layer_and_honours_explicit_crs():
    gdf, _ = _square_gdf("EPSG:4490")
    in_gk = gdf.to_crs(4548)
    same, target = wcrs.to_metric(in_gk)
    assert same is in_gk and target.to_epsg() == 4548
    utm, target = wcrs.to_metric(gdf, crs=32650)
    assert target.to_epsg() == 32650 and utm.crs.to_epsg() == 32650
    with pytest.raises(GeographicCRSError):
        wcrs.to_metric(gdf, crs=4326)


def test_to_metric_requires_a_crs():
    gdf, _ = _square_gdf(None)
    with pytest.raises(InputError, match="no coordinate reference system"):
        wcrs.to_metric(gdf)


# --------------------------------------------------------------------------------------------------
# GCJ-02 / BD-09 against published coordinate pairs
# --------------------------------------------------------------------------------------------------

# Source: wandergis/coordtransform, test/app.js (the JS "coordtransform" npm package), whose expected
# results, for input (116.404, 39.915) in every direction, are also used verbatim by Hutool's
# CoordinateUtilTest and the coordtransform-rs tests.
CT_INPUT = (116.404, 39.915)
CT_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
CT_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
CT_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)  # closed-form (approximate) inverse

# Source: googollee/eviltransform, python/test.py and go/transform_test.go, TESTS:
# (wgsLat, wgsLng, gcjLat, gcjLng).
EVIL_TESTS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # beijing
]

# Source: hujiulong/gcoord, test/unit/crs/{WGS84,GCJ02,BD09}.spec.ts, input [123, 45], values given to
# 8 decimals (gcoord's own inverses are approximate to ~1e-7°).
GCOORD_123_45 = {
    ("wgs84", "gcj02"): (123.00607541, 45.00197815),
    ("wgs84", "bd09"): (123.0124491, 45.0083293),
    ("gcj02", "wgs84"): (122.99395597, 44.99804071),
    ("gcj02", "bd09"): (123.00636499, 45.00636899),
    ("bd09", "gcj02"): (122.99363304, 44.99365430),
    ("bd09", "wgs84"): (122.98762210, 44.99171540),
}

# Source: hujiulong/gcoord, test/fixtures/china-cities.json: real city-centre coordinates given in the
# three systems (7 decimals). (name, WGS84, GCJ02, BD09).
GCOORD_CITIES = [
    ("驻马店市", (114.0164322, 33.0133556), (114.022306, 33.0115324), (114.0287781, 33.0176697)),
    ("邵阳市", (111.4622119, 27.242124), (111.4677938, 27.2388981), (111.4742271, 27.2451662)),
    ("邢台市", (114.498916, 37.0700925), (114.5048503, 37.0705911), (114.5113116, 37.0766797)),
    ("荆门市", (112.1935849, 31.0376011), (112.1994301, 31.0354012), (112.2058231, 31.0417338)),
    ("那曲地区", (92.0499619, 31.4784436), (92.0512438, 31.4762063), (92.0576832, 31.4824421)),
    ("凉山彝族自治州", (102.2658401, 27.8850446), (102.2673386, 27.8816151), (102.2738428, 27.8876621)),
    ("郑州市", (113.6192856, 34.7478004), (113.6253334, 34.7466173), (113.6317519, 34.7528605)),
    ("沈阳市", (123.4253306, 41.8032629), (123.4314787, 41.8057023), (123.438095, 41.8114013)),
    ("酒泉市", (98.4937175, 39.7319946), (98.4943595, 39.7328234), (98.5008441, 39.7388949)),
]


def test_wgs84_to_gcj02_coordtransform_pair():
    lon, lat = wcrs.wgs84_to_gcj02(*CT_INPUT)
    assert lon == pytest.approx(CT_WGS84_TO_GCJ02[0], abs=1e-9)
    assert lat == pytest.approx(CT_WGS84_TO_GCJ02[1], abs=1e-9)


def test_gcj02_to_bd09_coordtransform_pair():
    lon, lat = wcrs.gcj02_to_bd09(*CT_INPUT)
    assert lon == pytest.approx(CT_GCJ02_TO_BD09[0], abs=1e-9)
    assert lat == pytest.approx(CT_GCJ02_TO_BD09[1], abs=1e-9)


def test_inverses_recover_coordtransform_inputs():
    # The published forward outputs must map back onto the published input to better than 1 cm.
    lon, lat = wcrs.gcj02_to_wgs84(*CT_WGS84_TO_GCJ02)
    assert dist_m(lon, lat, *CT_INPUT) < 0.01
    lon, lat = wcrs.bd09_to_gcj02(*CT_GCJ02_TO_BD09)
    assert dist_m(lon, lat, *CT_INPUT) < 0.01


def test_bd09_to_gcj02_close_to_published_closed_form():
    # coordtransform's bd09togcj02 is the approximate closed form (error up to ~0.2 m); ours is exact,
    # so agree within the closed form's error and not more loosely.
    lon, lat = wcrs.bd09_to_gcj02(*CT_INPUT)
    assert dist_m(lon, lat, *CT_BD09_TO_GCJ02) < 0.25


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVIL_TESTS)
def test_eviltransform_pairs(wlat, wlon, glat, glon):
    lon, lat = wcrs.wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-8)  # ~1 mm
    assert lat == pytest.approx(glat, abs=1e-8)
    back_lon, back_lat = wcrs.gcj02_to_wgs84(glon, glat)
    assert dist_m(back_lon, back_lat, wlon, wlat) < 0.01


@pytest.mark.parametrize(("systems", "expected"), list(GCOORD_123_45.items()))
def test_gcoord_123_45(systems, expected):
    source, target = systems
    lon, lat = wcrs.convert_lonlat(123.0, 45.0, source, target)
    assert lon == pytest.approx(expected[0], abs=1e-6)  # < 0.1 m
    assert lat == pytest.approx(expected[1], abs=1e-6)


@pytest.mark.parametrize(("name", "wgs", "gcj", "bd"), GCOORD_CITIES, ids=[c[0] for c in GCOORD_CITIES])
def test_gcoord_city_fixture(name, wgs, gcj, bd):
    # GCJ-02 -> BD-09 is an exact public formula: matches the 7-decimal fixture to rounding.
    lon, lat = wcrs.gcj02_to_bd09(*gcj)
    assert abs(lon - bd[0]) < 2e-7 and abs(lat - bd[1]) < 2e-7, name
    # Our exact BD-09 inverse recovers the fixture's GCJ-02 to fixture rounding (~1 cm).
    assert dist_m(*wcrs.bd09_to_gcj02(*bd), *gcj) < 0.03, name
    # The public GCJ-02 formula reproduces these real-world pairs to ~0.7 m (gcoord itself only checks
    # 4 decimals, ~5 m).
    assert dist_m(*wcrs.wgs84_to_gcj02(*wgs), *gcj) < 1.5, name
    assert dist_m(*wcrs.gcj02_to_wgs84(*gcj), *wgs) < 1.5, name
    assert dist_m(*wcrs.bd09_to_wgs84(*bd), *wgs) < 1.5, name
    assert dist_m(*wcrs.wgs84_to_bd09(*wgs), *bd) < 1.5, name


def test_vectorised_matches_published_pairs_at_once():
    wlat, wlon, glat, glon = (np.array(col) for col in zip(*EVIL_TESTS))
    lon, lat = wcrs.wgs84_to_gcj02(wlon, wlat)
    assert isinstance(lon, np.ndarray) and lon.shape == (3,)
    np.testing.assert_allclose(lon, glon, atol=1e-8)
    np.testing.assert_allclose(lat, glat, atol=1e-8)


# --------------------------------------------------------------------------------------------------
# Invariants
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def china_grid() -> tuple[np.ndarray, np.ndarray]:
    """A 61 x 37 lon/lat grid over China's extent (73.5..134.5 E, 18..54 N), plus a fine local patch."""
    lon, lat = np.meshgrid(np.linspace(73.5, 134.5, 61), np.linspace(18.0, 54.0, 37))
    fine_lon, fine_lat = np.meshgrid(np.linspace(116.2, 116.6, 41), np.linspace(39.7, 40.1, 41))
    return np.concatenate([lon.ravel(), fine_lon.ravel()]), np.concatenate([lat.ravel(), fine_lat.ravel()])


def test_gcj02_round_trip_over_china(china_grid):
    lon, lat = china_grid
    glon, glat = wcrs.wgs84_to_gcj02(lon, lat)
    moved = dist_m(lon, lat, glon, glat)
    assert moved.min() > 1.0  # every grid point really is offset
    back_lon, back_lat = wcrs.gcj02_to_wgs84(glon, glat)
    assert dist_m(lon, lat, back_lon, back_lat).max() < 0.01


def test_bd09_round_trips_over_china(china_grid):
    lon, lat = china_grid
    blon, blat = wcrs.gcj02_to_bd09(lon, lat)
    back_lon, back_lat = wcrs.bd09_to_gcj02(blon, blat)
    assert dist_m(lon, lat, back_lon, back_lat).max() < 0.01
    blon, blat = wcrs.wgs84_to_bd09(lon, lat)
    back_lon, back_lat = wcrs.bd09_to_wgs84(blon, blat)
    assert dist_m(lon, lat, back_lon, back_lat).max() < 0.01


def test_beijing_offset_is_hundreds_of_metres():
    # Tiananmen (WGS 84). GCJ-02 shifts Beijing by several hundred metres; BD-09 by more.
    lon, lat = 116.3912, 39.9065
    gcj_shift = dist_m(lon, lat, *wcrs.wgs84_to_gcj02(lon, lat))
    assert 100.0 < gcj_shift < 700.0
    bd_shift = dist_m(lon, lat, *wcrs.wgs84_to_bd09(lon, lat))
    assert 700.0 < bd_shift < 2000.0


OUTSIDE = [
    (24.94, 60.17),  # Helsinki
    (-73.99, 40.73),  # New York
    (151.21, -33.87),  # Sydney
    (183.0, 45.0),  # gcoord's "not in China" case
    (71.9, 35.0),  # just west of the rectangle
    (100.0, 56.0),  # just north of it
]


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE)
def test_outside_china_unchanged(lon, lat):
    assert wcrs.out_of_china(lon, lat)
    assert wcrs.wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert wcrs.gcj02_to_wgs84(lon, lat) == (lon, lat)
    assert wcrs.convert_lonlat(lon, lat, "gcj02", "wgs84") == (lon, lat)


def test_mixed_array_inside_and_outside():
    lon = np.array([24.94, 116.404, 151.21, 121.5272106])
    lat = np.array([60.17, 39.915, -33.87, 31.1774276])
    glon, glat = wcrs.wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(glon[[0, 2]], lon[[0, 2]])
    np.testing.assert_array_equal(glat[[0, 2]], lat[[0, 2]])
    assert glon[1] == pytest.approx(CT_WGS84_TO_GCJ02[0], abs=1e-9)
    assert glon[3] == pytest.approx(EVIL_TESTS[0][3], abs=1e-8)
    wlon, wlat = wcrs.gcj02_to_wgs84(glon, glat)
    np.testing.assert_array_equal(wlon[[0, 2]], lon[[0, 2]])
    assert dist_m(wlon, wlat, lon, lat).max() < 0.01


# --------------------------------------------------------------------------------------------------
# Shapes, scalars, NaN, dispatch
# --------------------------------------------------------------------------------------------------

FUNCS = [
    wcrs.wgs84_to_gcj02,
    wcrs.gcj02_to_wgs84,
    wcrs.gcj02_to_bd09,
    wcrs.bd09_to_gcj02,
    wcrs.wgs84_to_bd09,
    wcrs.bd09_to_wgs84,
]


@pytest.mark.parametrize("func", FUNCS, ids=[f.__name__ for f in FUNCS])
def test_scalars_and_shapes(func):
    lon, lat = func(116.404, 39.915)
    assert type(lon) is float and type(lat) is float
    grid_lon = np.full((3, 4), 116.404)
    grid_lat = np.full((3, 4), 39.915)
    out_lon, out_lat = func(grid_lon, grid_lat)
    assert out_lon.shape == (3, 4) and out_lat.shape == (3, 4)
    assert np.all(out_lon == lon) and np.all(out_lat == lat)  # same point, same answer everywhere
    list_lon, _ = func([116.404, 116.404], 39.915)  # list + broadcast scalar
    assert isinstance(list_lon, np.ndarray) and list_lon.shape == (2,)
    empty_lon, empty_lat = func(np.array([]), np.array([]))
    assert empty_lon.shape == (0,) and empty_lat.shape == (0,)


@pytest.mark.parametrize("func", FUNCS, ids=[f.__name__ for f in FUNCS])
def test_nan_propagates_without_spoiling_neighbours(func):
    lon, lat = func(np.array([np.nan, 116.404]), np.array([39.9, 39.915]))
    assert np.isnan(lon[0]) and np.isnan(lat[0])
    assert (lon[1], lat[1]) == func(116.404, 39.915)


def test_input_is_not_modified():
    lon = np.array([116.404, 121.5])
    lat = np.array([39.915, 31.2])
    wcrs.gcj02_to_wgs84(lon, lat)
    wcrs.convert_lonlat(lon, lat, "bd09", "gcj02")
    np.testing.assert_array_equal(lon, [116.404, 121.5])
    np.testing.assert_array_equal(lat, [39.915, 31.2])


def test_bad_shapes_raise_input_error():
    with pytest.raises(InputError):
        wcrs.wgs84_to_gcj02([116.0, 117.0, 118.0], [39.0, 40.0])


def test_convert_lonlat_names_and_published_pairs():
    # Published coordtransform pairs reached through the dispatcher, with name variants.
    assert wcrs.convert_lonlat(*CT_INPUT, "WGS-84", "GCJ-02") == pytest.approx(CT_WGS84_TO_GCJ02, abs=1e-9)
    assert wcrs.convert_lonlat(*CT_INPUT, "gcj_02", "BD09") == pytest.approx(CT_GCJ02_TO_BD09, abs=1e-9)
    assert wcrs.convert_lonlat(*CT_INPUT, "cgcs2000", "gcj02") == pytest.approx(CT_WGS84_TO_GCJ02, abs=1e-9)
    lon, lat = wcrs.convert_lonlat(*CT_GCJ02_TO_BD09, "bd09ll", "EPSG:4490")
    # BD-09 -> WGS 84 of the published BD point: the published GCJ input, shifted back by GCJ-02.
    wlon, wlat = wcrs.convert_lonlat(*CT_INPUT, "gcj02")
    assert dist_m(lon, lat, wlon, wlat) < 0.01
    # Default target is WGS 84; CGCS2000 <-> WGS 84 is the identity at this accuracy.
    assert wcrs.convert_lonlat(116.404, 39.915, "cgcs2000") == (116.404, 39.915)
    assert wcrs.convert_lonlat(116.404, 39.915, "wgs84", "epsg4490") == (116.404, 39.915)


def test_convert_lonlat_unknown_name():
    with pytest.raises(InputError, match="bd09mc"):
        wcrs.convert_lonlat(116.4, 39.9, "bd09mc")
    with pytest.raises(InputError, match="target"):
        wcrs.convert_lonlat(116.4, 39.9, "wgs84", "utm")


def test_constants():
    assert wcrs.GCJ02_A == 6378245.0
    assert wcrs.GCJ02_EE == 0.00669342162296594323
    assert math.isclose(wcrs.BD09_X_PI, 52.35987755982988, rel_tol=1e-15)  # pi * 3000 / 180


def test_convert_geometries_moves_every_vertex_like_convert_lonlat():
    """Lines/polygons: each vertex gets exactly the point conversion; None stays None."""
    import shapely

    from wanmi.core.crs import convert_geometries, gcj02_to_wgs84

    line = shapely.LineString([(116.40, 39.91), (116.41, 39.92), (116.42, 39.90)])
    out = convert_geometries([line, None, shapely.Point(24.94, 60.17)], "gcj02")
    xs, ys = gcj02_to_wgs84([116.40, 116.41, 116.42], [39.91, 39.92, 39.90])
    np.testing.assert_allclose(shapely.get_coordinates(out[0]), np.column_stack([xs, ys]), atol=1e-12)
    assert out[1] is None
    assert out[2].equals(shapely.Point(24.94, 60.17))  # outside China: unchanged
