"""Case tables ↔ QGIS for the case algorithms: timestamps travel as QDateTime (not dates) both ways."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qgis.core import QgsFeature, QgsFeatureSink, QgsField, QgsFields, QgsGeometry, QgsProcessingException
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant

_KINDS = {"i": QVariant.LongLong, "u": QVariant.LongLong, "f": QVariant.Double, "b": QVariant.Bool}


def case_fields(frame) -> QgsFields:
    """QGIS fields of a (Geo)DataFrame: datetime64 columns as DateTime, numbers as numbers, the rest text."""
    fields = QgsFields()
    geom = getattr(frame, "_geometry_column_name", None)
    for column in frame.columns:
        if column == geom:
            continue
        kind = frame[column].dtype.kind
        fields.append(QgsField(str(column), QVariant.DateTime if kind == "M" else _KINDS.get(kind, QVariant.String)))
    return fields


def _value(value: Any) -> Any:
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, dt.datetime):
        return QDateTime(QDate(value.year, value.month, value.day),
                         QTime(value.hour, value.minute, value.second, value.microsecond // 1000))
    if isinstance(value, dt.date):
        return QDate(value.year, value.month, value.day)
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def write_cases_to_sink(frame, sink: QgsFeatureSink, fields: QgsFields, feedback=None) -> None:
    """Every row of ``frame`` to ``sink`` (fields from :func:`case_fields`); geometry optional."""
    import pandas as pd
    import shapely

    geom = getattr(frame, "_geometry_column_name", None)
    wkbs = shapely.to_wkb(frame.geometry.values, output_dimension=2) if geom else [None] * len(frame)
    columns = [c for c in frame.columns if c != geom]
    converted = []
    for c in columns:  # timestamps → python datetimes once per column (NaT → None)
        col = frame[c]
        if col.dtype.kind == "M":
            converted.append([None if pd.isna(v) else v.to_pydatetime() for v in col])
        else:
            converted.append(col.to_numpy(dtype=object))
    total = len(frame)
    for i in range(total):
        if feedback is not None and i % 2000 == 0:
            feedback.step(i, total)
        feature = QgsFeature(fields)
        if wkbs[i] is not None:
            g = QgsGeometry()
            g.fromWkb(wkbs[i])
            feature.setGeometry(g)
        feature.setAttributes([_value(col[i]) for col in converted])
        if not sink.addFeature(feature, QgsFeatureSink.FastInsert):
            raise QgsProcessingException(f"could not write feature {i} to the output")
