"""The regular square lattice (规则格网) behind lattice cells and arithmetic point location.

A :class:`Lattice` is an infinite set of square boxes of ``side`` metres anchored at
(``origin_x``, ``origin_y``) — by default the origin of the metric CRS, so a box's position, and hence a
cell's code, does not depend on the extent of the data. Box ``(i, j)`` is the half-open square

    ``[ox + i·s, ox + (i+1)·s) × [oy + j·s, oy + (j+1)·s)``

so every point of the plane lies in exactly one box, found by arithmetic (:meth:`Lattice.index`). A point
on the vertical line ``x = ox + i·s`` belongs to box column ``i`` (the box to its east), a point on the
horizontal line ``y = oy + j·s`` to row ``j`` (the box to its north).

Floating point: the box edges are the numbers ``ox + i * s`` exactly as :meth:`Lattice.boxes` computes
them, and :meth:`Lattice.index` corrects ``floor((x - ox) / s)`` by one step where rounding would put a
point on the wrong side of such an edge. So a point whose coordinate *is* an edge coordinate of
``boxes(i, j)`` always gets that box, which keeps arithmetic and geometric location consistent. The
correction is computed only for points whose ``(x - ox) / s`` lies within ``10⁻⁹`` (relative to the
magnitudes involved) of an integer; all others are certainly strictly inside box ``floor``, so a million
points cost a few float operations each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

__all__ = ["Lattice"]


@dataclass(frozen=True)
class Lattice:
    """Square boxes of ``side`` metres anchored at (``origin_x``, ``origin_y``); see the module docstring."""

    side: float
    origin_x: float = 0.0
    origin_y: float = 0.0

    def __post_init__(self) -> None:
        for name in ("side", "origin_x", "origin_y"):
            value = getattr(self, name)
            if not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
                raise ValueError(f"Lattice {name} must be a finite number, got {value!r}.")
            object.__setattr__(self, name, float(value))
        if self.side <= 0.0:
            raise ValueError(f"Lattice side must be positive, got {self.side!r} m.")

    @classmethod
    def for_area(cls, target_area: float, origin_x: float = 0.0, origin_y: float = 0.0) -> Lattice:
        """The lattice whose boxes have area ``target_area`` m² (side ``√A``; 10,000 m² → 100 m)."""
        area = float(target_area)
        if not math.isfinite(area) or area <= 0.0:
            raise ValueError(f"Target cell area must be a positive number of m², got {target_area!r}.")
        return cls(math.sqrt(area), origin_x, origin_y)

    def _exact_axis(self, v: np.ndarray, origin: float) -> tuple[np.ndarray, np.ndarray]:
        """Box number along one axis (float64 holding integers) and whether ``v`` is on the box's lower edge.

        ``floor((v - origin) / side)``, corrected by one where rounding put ``v`` on the wrong side of the
        edge ``origin + k * side`` (the number :meth:`edges` computes).
        """
        s = self.side
        k = np.floor((v - origin) / s)
        lo = k * s
        lo += origin
        low = np.flatnonzero(v < lo)  # rounding put v just below the box's lower edge
        if len(low):
            k[low] -= 1.0
            lo[low] = origin + k[low] * s
        hi = k + 1.0
        hi *= s
        hi += origin
        high = np.flatnonzero(v >= hi)  # ... or at/after its upper edge
        if len(high):
            k[high] += 1.0
            lo[high] = hi[high]
        return k, v == lo

    def _axis(self, v: np.ndarray, origin: float, scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_exact_axis`, but exact arithmetic only near box edges (a few points), plain floor elsewhere.

        ``t = (v - origin) / side`` is within ``~4.5e-16 · (|t| + |origin| / side)`` of its true value and of
        the edges' positions, so a point whose fractional part ``t - floor(t)`` is farther than
        ``tol = 1e-14 · scale`` (scale ≥ that magnitude; at least ``tol = 1e-9``) from 0 and 1 is certainly
        strictly inside box ``floor(t)``. ``scale`` defaults to the data's largest finite ``|t|``.
        """
        s = self.side
        t = np.subtract(v, origin)
        t /= s
        k = np.floor(t)
        t -= k  # fractional part; NaN for non-finite input
        if scale is None:
            finite = k[np.isfinite(k)]
            scale = float(np.abs(finite).max()) if len(finite) else 0.0
        tol = max(1e-9, 1e-14 * (scale + abs(origin) / s + 1.0))
        edge = np.zeros(len(v), dtype=bool)
        if tol >= 0.25:  # absurd magnitudes: exact everywhere
            return self._exact_axis(v, origin)
        near = t < tol
        near |= t > 1.0 - tol
        near = np.flatnonzero(near)
        if len(near):
            k[near], edge[near] = self._exact_axis(v[near], origin)
        return k, edge

    def locate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(i, j, on_west, on_south)``: box indices (int64) and whether the point lies on the box's west
        (``x = x_min``) or south (``y = y_min``) edge. Non-finite coordinates give meaningless numbers."""
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        y = np.atleast_1d(np.asarray(y, dtype=np.float64))
        with np.errstate(invalid="ignore"):
            i, west = self._axis(x, self.origin_x)
            j, south = self._axis(y, self.origin_y)
            return i.astype(np.int64), j.astype(np.int64), west, south

    def index(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Box column ``i`` and row ``j`` (int64 arrays) of points (x, y), half-open as documented.

        Non-finite coordinates give meaningless numbers: mask them first.
        """
        i, j, _, _ = self.locate(x, y)
        return i, j

    def edges(self, i: Any, j: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(xmin, ymin, xmax, ymax)`` of boxes ``(i, j)``: the exact numbers :meth:`boxes` uses."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        s, x0, y0 = self.side, self.origin_x, self.origin_y
        return x0 + i * s, y0 + j * s, x0 + (i + 1) * s, y0 + (j + 1) * s

    def boxes(self, i: Any, j: Any) -> np.ndarray:
        """The closed squares of boxes ``(i, j)`` as shapely polygons (object array)."""
        return shapely.box(*self.edges(i, j))

    def index_range(self, bounds: Any) -> tuple[int, int, int, int]:
        """``(i_min, j_min, i_max, j_max)``: the boxes holding points of ``bounds`` (xmin, ymin, xmax, ymax)."""
        xmin, ymin, xmax, ymax = (float(v) for v in bounds)
        i, j = self.index([xmin, xmax], [ymin, ymax])
        return int(i[0]), int(j[0]), int(i[1]), int(j[1])
