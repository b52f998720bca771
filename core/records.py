"""Per-record validation reports shared by the census (部件) and case (案卷) imports.

Both imports check a whole table with vectorised tests and report every problem of every record as one
row ``(row, <id>, field, problem, detail)``; valid records land, rejected ones carry their reasons.

A validator is a list of named checks (:class:`Check`): each one looks at the whole batch and yields
findings (a boolean mask over the records, the field, the details) for the problem kind it is named after;
:func:`run_checks` runs them in order into a :class:`ProblemCollector`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import pandas as pd

__all__ = ["Check", "Finding", "ProblemCollector", "RecordGeometry", "RecordReport", "run_checks", "word"]

#: One finding of a check: ``(mask over the records, field name, details)`` — details as for
#: :meth:`ProblemCollector.add` (one text, or one per record or per masked record).
Finding = tuple[Any, "str | None", Any]
Batch = TypeVar("Batch")


class RecordGeometry:
    """The locations of a batch of records under validation (``self.norm``: the normalised frame), derived once:
    shared by the census and case validators."""

    norm: Any

    @cached_property
    def geometries(self) -> np.ndarray:
        return self.norm.geometry.to_numpy(dtype=object)

    @cached_property
    def no_geometry(self) -> np.ndarray:
        import shapely

        return shapely.is_missing(self.geometries) | shapely.is_empty(self.geometries)

    @cached_property
    def import_problem(self) -> np.ndarray:
        """The importer's coordinate problem per record (column ``import_problem``), None where none."""
        from .text import clean_texts

        if "import_problem" in self.norm.columns:
            return clean_texts(self.norm["import_problem"]).to_numpy(dtype=object)
        return np.full(len(self.norm), None, dtype=object)

    @cached_property
    def invalid(self) -> np.ndarray:
        """Records with a geometry that is not valid."""
        import shapely

        return ~self.no_geometry & ~shapely.is_valid(np.where(self.no_geometry, None, self.geometries))


@dataclass
class RecordReport:
    """``frame``: the normalised input (all rows, original index); ``problems``: one row per problem, with
    ``row`` (index label of the record), the record id, ``field``, ``problem`` (a key of :attr:`kinds`) and
    ``detail`` (names the value and what is wrong); ``valid_mask``: records without any problem."""

    #: problem kinds in report order (set by each subclass)
    kinds: ClassVar[tuple[str, ...]] = ()

    frame: pd.DataFrame
    problems: pd.DataFrame
    valid_mask: np.ndarray = field(repr=False)

    @property
    def ok(self) -> bool:
        return bool(self.valid_mask.all())

    @property
    def valid(self) -> pd.DataFrame:
        """Records without any problem."""
        return self.frame[self.valid_mask]

    @property
    def rejected(self) -> pd.DataFrame:
        """Records with problems, plus ``problems`` (kinds, ``;``-joined) and ``reason`` (details)."""
        out = self.frame[~self.valid_mask].copy()
        grouped = self.problems.groupby("row", sort=False)
        out["problems"] = grouped["problem"].agg(lambda s: ";".join(dict.fromkeys(s))).reindex(out.index)
        out["reason"] = grouped["detail"].agg("; ".join).reindex(out.index)
        return out

    def summary(self) -> pd.Series:
        """Number of records per problem kind (a record with two problems counts twice)."""
        present = set(self.problems["problem"])
        return self.problems.groupby("problem")["row"].nunique().reindex([k for k in self.kinds if k in present])


class ProblemCollector:
    """Problems accumulated as arrays: one append per check (a boolean mask over the records), not per record."""

    def __init__(self, index: pd.Index, ids: Any, id_column: str, order: Mapping[str, int]) -> None:
        self.index = index
        self.ids = np.asarray(ids, dtype=object)
        self.id_column = id_column
        self.order = order
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: Any, problem: str, field_name: str | None, details: Any) -> None:
        """Report ``problem`` for the records in ``mask``; ``details`` is one text, or one per record (all
        records or just the masked ones)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        pos = np.flatnonzero(mask)
        if isinstance(details, str):
            details = [details] * len(pos)
        else:
            details = np.asarray(details, dtype=object)
            details = list(details[pos] if len(details) == len(mask) else details)
        self.parts.append(pd.DataFrame({"pos": pos, "row": self.index[pos], self.id_column: self.ids[pos],
                                        "field": field_name, "problem": problem, "detail": details}))

    def valid_mask(self) -> np.ndarray:
        """Records without any problem so far."""
        valid = np.ones(len(self.index), dtype=bool)
        for part in self.parts:
            valid[part["pos"].to_numpy()] = False
        return valid

    def frame(self) -> pd.DataFrame:
        """All problems, by record then by kind order."""
        columns = ["row", self.id_column, "field", "problem", "detail"]
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        out = pd.concat(self.parts, ignore_index=True)
        out["order"] = out["problem"].map(self.order)
        out = out.sort_values(["pos", "order"], kind="stable").reset_index(drop=True)
        return out[columns].astype(object)


def word(template: str, *columns: Any) -> np.ndarray:
    """One message per failing record from column arrays (only called on the failing records)."""
    return np.array([template.format(*vals) for vals in zip(*columns)], dtype=object)


@dataclass(frozen=True)
class Check(Generic[Batch]):
    """A named validation rule: ``find(batch)`` yields the findings of problem kind ``problem``."""

    problem: str
    find: Callable[[Batch], Iterable[Finding]]


def run_checks(checks: Iterable[Check[Batch]], batch: Batch, out: ProblemCollector) -> None:
    """Run ``checks`` in order on ``batch``, adding each finding under its check's problem kind."""
    for check in checks:
        for mask, field_name, details in check.find(batch):
            out.add(mask, check.problem, field_name, details)
