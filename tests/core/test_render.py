"""Static maps and charts: files are written, non-trivial, legends match the data, Chinese uses a CJK font."""

from __future__ import annotations

import itertools

import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib import font_manager

from wanmi.core import render
from wanmi.core.evaluation import grade_labels, grades, load_weights
from wanmi.core.render import (
    FontMissingError,
    cjk_font,
    classify,
    jenks_breaks,
    ranking_chart,
    score_map,
    trend_chart,
)
from wanmi.layers.figures import save_figure


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def scores() -> gpd.GeoDataFrame:
    """20 × 15 cells of 100 m with seeded scores; the first 25 have no data."""
    rng = np.random.default_rng(7)
    boxes = [shapely.box(i * 100, j * 100, i * 100 + 100, j * 100 + 100) for j in range(15) for i in range(20)]
    s = rng.uniform(10, 100, len(boxes))
    s[:25] = np.nan
    frame = gpd.GeoDataFrame({"code": [f"110101001001{k:03d}" for k in range(len(boxes))], "level": "cell",
                              "score": s, "grade": grades(s), "density": rng.gamma(2.0, 2.0, len(boxes))},
                             geometry=boxes, crs="EPSG:4548")
    frame.attrs["period"] = "2025-03"
    return frame


def _texts(fig) -> list:
    return [t for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontproperties"))
            if t.get_text()]


def test_grade_map_legend_matches_data(scores):
    cfg = load_weights()
    fig = score_map(scores, "grade", title="东城区单元网格综合评价")
    counts = scores["grade"].value_counts()
    labels = grade_labels(cfg)
    expected = [(labels[g], cfg.grade_colors[g], int(counts.get(g, 0))) for g in [*cfg.grade_names, "无数据"]]
    assert fig.wanmi_classes == expected
    assert sum(n for _, _, n in fig.wanmi_classes) == len(scores)
    legend = fig.wanmi_axes.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [f"{lab}  [{n}]" for lab, _, n in expected]
    face = [tuple(np.round(p.get_facecolor()[:3], 3)) for p in legend.get_patches()]
    want = [tuple(np.round([int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)], 3)) for _, c, _ in expected]
    assert face == want
    # the polygons are filled with exactly the class colours
    fills = fig.wanmi_axes.collections[0].get_facecolors()[:, :3]
    by_grade = {g: [int(cfg.grade_colors[g][i:i + 2], 16) / 255 for i in (1, 3, 5)] for g in counts.index}
    np.testing.assert_allclose(fills, [by_grade[g] for g in scores["grade"]], atol=1e-6)


def test_grade_map_png_and_pdf(scores, tmp_path):
    cfg = load_weights()
    fig = score_map(scores, "grade")
    png, pdf = save_figure(fig, tmp_path / "map.png", pdf=True)
    assert png.stat().st_size > 30_000 and pdf.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF") and b"NotoSansCJK" in pdf.read_bytes()
    img = (mpimg.imread(png)[:, :, :3] * 255).round().astype(int)
    pixels = {tuple(p) for p in img.reshape(-1, 3)}
    assert len(pixels) > 20
    for g in set(scores["grade"]):  # every class colour is on the map (interiors are drawn exactly)
        rgb = tuple(int(cfg.grade_colors[g][i:i + 2], 16) for i in (1, 3, 5))
        assert rgb in pixels, g
    assert not list(tmp_path.glob(".*tmp*"))


def test_chinese_text_uses_the_cjk_font(scores):
    family = cjk_font().get_name()
    fig = score_map(scores, "grade", title="单元网格综合评价等级")
    chinese = [t for t in _texts(fig) if _has_cjk(t.get_text())]
    assert len(chinese) >= 8  # title, legend title, grade words, 无数据, source line, 北
    for t in chinese:
        path = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
        assert font_manager.get_font(path).family_name == family, t.get_text()  # regular or bold face


def test_cjk_font_missing_fails_clearly(monkeypatch):
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    with pytest.raises(FontMissingError, match="fonts-noto-cjk"):
        cjk_font()


def test_map_furniture(scores):
    fig = score_map(scores, "grade")
    ax = fig.wanmi_axes
    assert ax.scale_bar_length_m == 200  # 2 km wide map → about a fifth, rounded to 1/2/5
    assert any(getattr(a, "get_gid", lambda: None)() == "north_arrow" for a in ax.get_children())
    texts = [t.get_text() for t in _texts(fig)]
    assert "200 m" in texts
    assert any(t.startswith("数据来源") for t in texts)
    assert fig._suptitle.get_text() == "单元网格综合评价 2025-03"


def test_density_map_quantile_classes(scores):
    fig = score_map(scores, "density", classes=5, method="quantile")
    classes = fig.wanmi_classes
    assert len(classes) == 5 and [c for _, c, _ in classes] == render.YLORRD[5]
    assert sum(n for *_, n in classes) == len(scores)
    assert all(abs(n - len(scores) / 5) <= 2 for *_, n in classes)  # quantiles: ~equal counts
    idx, breaks = classify(scores["density"].to_numpy(), 5, "quantile")
    assert breaks[-1] == scores["density"].max()
    assert [n for *_, n in classes] == np.bincount(idx, minlength=5).tolist()


def _brute_jenks(values: np.ndarray, k: int) -> float:
    v = np.sort(values)
    best = np.inf
    for cuts in itertools.combinations(range(1, len(v)), k - 1):
        parts = np.split(v, cuts)
        best = min(best, sum(((p - p.mean()) ** 2).sum() for p in parts))
    return best


def test_jenks_is_optimal_on_small_data():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0, 1, 6), rng.normal(10, 1, 5), rng.normal(30, 2, 4)])
    breaks = jenks_breaks(values, 3)
    idx = np.searchsorted(breaks, values, side="left")
    ssd = sum(((values[idx == c] - values[idx == c].mean()) ** 2).sum() for c in range(3))
    assert ssd == pytest.approx(_brute_jenks(values, 3))
    assert len(breaks) == 3 and breaks[-1] == values.max()



def test_jenks_is_optimal_with_a_large_offset():
    """Values like cell areas in m² (a large common offset): still the brute-force optimum (float64 sums)."""
    rng = np.random.default_rng(1)
    values = 1e5 + np.concatenate([rng.normal(0, 1, 6), rng.normal(10, 1, 5), rng.normal(30, 2, 4)])
    breaks = jenks_breaks(values, 3)
    idx = np.searchsorted(breaks, values, side="left")
    ssd = sum(((values[idx == c] - values[idx == c].mean()) ** 2).sum() for c in range(3))
    assert ssd == pytest.approx(_brute_jenks(values, 3))


def test_quantile_bounds_are_interpolated_percentiles():
    """mapclassify's quantiles of 0..9 in 5 classes, by hand: the p-th bound is at position 9·p/5 → 1.8 k."""
    idx, breaks = classify(np.r_[np.arange(10.0), np.nan], 5, "quantile")
    np.testing.assert_allclose(breaks, [1.8, 3.6, 5.4, 7.2, 9.0])
    assert idx.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, -1]
    assert classify(np.array([2.0, 2.0, 2.0]), 5, "quantile")[1].tolist() == [2.0]  # ties: one class

def test_ranking_and_trend_charts(tmp_path):
    cfg = load_weights()
    depts = pd.DataFrame({"code": ["D1", "D2", "D3", "D4"], "dept_name": ["环卫中心", "园林所", "路灯所", "水务所"],
                          "score": [72.0, 91.5, np.nan, 55.0]})
    depts["grade"] = grades(depts["score"].to_numpy())
    fig = ranking_chart(depts)
    ax = fig.wanmi_axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["园林所", "环卫中心", "水务所", "路灯所"]
    widths = [p.get_width() for p in ax.patches]
    assert widths == [91.5, 72.0, 55.0, 0.0]
    colors = [p.get_facecolor()[:3] for p in ax.patches]
    for c, g in zip(colors, ["A", "C", "D", "无数据"]):
        np.testing.assert_allclose(c, [int(cfg.grade_colors[g][i:i + 2], 16) / 255 for i in (1, 3, 5)])
    (path,) = save_figure(fig, tmp_path / "ranking.png")
    assert path.stat().st_size > 10_000
    trend = pd.DataFrame({"month": ["2025-01", "2025-02", "2025-03"], "closure_rate": [90.0, 92.0, 93.72],
                          "on_time_closure_rate": [70.0, 74.0, 75.82], "on_time_disposal_rate": [80.0, 79.0, 78.9]})
    fig = trend_chart(trend)
    lines = fig.wanmi_axes.get_lines()
    assert [ln.get_label() for ln in lines] == ["结案率", "按期结案率", "按期处置率"]
    np.testing.assert_allclose(lines[0].get_ydata(), [90.0, 92.0, 93.72])
    (path,) = save_figure(fig, tmp_path / "trend.png")
    assert path.stat().st_size > 10_000


def test_score_map_refuses_tables_without_polygons():
    from wanmi.core.errors import InputError

    with pytest.raises(InputError, match="polygons"):
        score_map(pd.DataFrame({"grade": ["A"]}))


# Machado, Oliveira & Fernandes (2009) full-severity dichromacy matrices (linear RGB)
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _lab(hex_color: str, matrix=None) -> np.ndarray:
    c = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    if matrix is not None:
        lin = np.clip(np.asarray(matrix) @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", [None, *CVD])
def test_grade_colours_stay_distinct_for_colour_blind_readers(vision):
    """The six classes (A–E + 无数据) differ by ΔE*ab ≥ 20 in normal vision and simulated dichromacy. (The
    green/blue/yellow/orange/red palette in docs/standards.md#43-composite-scores-and-grades fails for protanopes.)"""
    colors = load_weights().grade_colors
    labs = {g: _lab(c, CVD.get(vision)) for g, c in colors.items()}
    worst = min(np.linalg.norm(labs[a] - labs[b]) for a, b in itertools.combinations(labs, 2))
    assert worst >= 20
    old = ["#1a9850", "#4575b4", "#fee08b", "#fc8d59", "#d73027"]
    if vision == "protanopia":
        assert min(np.linalg.norm(_lab(a, CVD[vision]) - _lab(b, CVD[vision]))
                   for a, b in itertools.combinations(old, 2)) < 10
