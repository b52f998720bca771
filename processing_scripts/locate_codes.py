"""Processing: Locate component codes (部件编码定位): code → the component, its class, status and place."""

from __future__ import annotations

import re

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterString,
)

from .base import WanmiAlgorithm, fields_for, qgis_crs, source_to_gdf, style_output, tr, wkb_type_for, write_gdf_to_sink
from .census_common import SCHEMES, scheme_parameter


class LocateCodes(WanmiAlgorithm):
    NAME = "locate_codes"
    DISPLAY = "Locate component codes"
    GROUP = "Census"
    GROUP_ID = "census"
    HELP = (
        "Finds components by their codes (separate codes with spaces, commas or new lines) and outputs them "
        "with their class name, status, department, unit cell and WGS84 longitude/latitude. A code that is not "
        "found is reported with the reason (malformed, naming the wrong segment, or not in the census)."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource("INPUT", tr("Components (census layer)"),
                                                              [QgsProcessing.TypeVectorAnyGeometry]))
        self.addParameter(QgsProcessingParameterString("CODES", tr("Component codes"), multiLine=True))
        self.addParameter(scheme_parameter())
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", tr("Located components"),
                                                            QgsProcessing.TypeVectorAnyGeometry))
        self.addOutput(QgsProcessingOutputNumber("FOUND", tr("Codes found")))

    def execute(self, parameters, context, feedback):
        import geopandas as gpd

        from ..core.placement import locate_codes

        codes = [c for c in re.split(r"[\s,;，；]+", self.parameterAsString(parameters, "CODES", context)) if c]
        feedback.window(0, 60)
        components = source_to_gdf(self.parameterAsSource(parameters, "INPUT", context), feedback)
        found = locate_codes(codes, components, SCHEMES[self.parameterAsEnum(parameters, "SCHEME", context)])
        for row in found.itertuples():
            if row.found:
                feedback.info(f"{row.code}: {row.class_name or ''} {row.name or ''} [{row.status}] "
                              f"{row.lon:.6f}, {row.lat:.6f}")
            else:
                feedback.warning(f"{row.query}: {row.problem}")
        hits = found[found["found"]].drop(columns=["found", "problem"])
        out = gpd.GeoDataFrame(hits, geometry=gpd.points_from_xy(hits["x"], hits["y"]), crs=components.crs)
        fields = fields_for(out)
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, wkb_type_for(out)
                                             if len(out) else 1, qgis_crs(components.crs))
        feedback.window(60, 100)
        write_gdf_to_sink(out, sink, fields, feedback)
        style_output(context, dest_id, "components.qml")
        return {"OUTPUT": dest_id, "FOUND": len(out)}
