"""Processing: Convert web-map coordinates (GCJ-02 / BD-09 → WGS84)."""

from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
)

from ..core.enums import WEB_COORD_SYSTEMS
from .base import WanmiAlgorithm, fields_for, source_to_gdf, tr, wkb_type_for, write_gdf_to_sink

SOURCES = WEB_COORD_SYSTEMS


class ConvertWebMapCoordinates(WanmiAlgorithm):
    NAME = "convert_coordinates"
    DISPLAY = "Convert GCJ-02 / BD-09 coordinates to WGS84"
    GROUP = "Census"
    GROUP_ID = "census"
    HELP = (
        "Chinese web maps and phone apps (Amap/Tencent: GCJ-02, Baidu: BD-09) shift coordinates by several "
        "hundred metres. This removes the shift from a layer whose longitudes/latitudes were collected in such "
        "an app and writes true WGS84 (≈ CGCS2000) coordinates. The inverse is iterative and accurate to "
        "better than a centimetre. Points outside China are left unchanged, as the offset is only applied there."
    )
    INPUT = "INPUT"
    SOURCE = "SOURCE"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802
        source = QgsProcessingParameterFeatureSource(
            self.INPUT, tr("Layer with web-map longitude/latitude"), [QgsProcessing.TypeVectorAnyGeometry])
        source.setMetadata({"wanmi": {"geographic": True}})  # the dock pre-fills only lon/lat layers
        self.addParameter(source)
        self.addParameter(QgsProcessingParameterEnum(
            self.SOURCE, tr("Coordinates were collected in"),
            [tr("GCJ-02 (Amap, Tencent, Google China)"), tr("BD-09 (Baidu)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Converted (WGS84)")))

    def execute(self, parameters, context, feedback):
        from ..core.crs import convert_geometries

        source = self.parameterAsSource(parameters, self.INPUT, context)
        crs = source.sourceCrs()
        if not crs.isGeographic():
            raise QgsProcessingException(tr(
                "{layer}: the layer is in {crs}, a projected system in metres; GCJ-02/BD-09 conversion needs "
                "longitudes/latitudes as the web map gave them (a layer in EPSG:4326). Nothing was written.")
                .format(layer=source.sourceName(), crs=crs.authid() or crs.description() or "?"))
        feedback.window(0, 50)
        frame = source_to_gdf(source, feedback)
        converted = convert_geometries(
            frame.geometry.values, SOURCES[self.parameterAsEnum(parameters, self.SOURCE, context)], "wgs84")
        frame = frame.set_geometry(converted)
        fields = fields_for(frame)
        sink, dest_id = self.parameterAsSink(
            parameters, self.OUTPUT, context, fields, source.wkbType() if len(frame) == 0 else wkb_type_for(frame),
            QgsCoordinateReferenceSystem("EPSG:4326"))
        feedback.window(50, 100)
        write_gdf_to_sink(frame, sink, fields, feedback)
        return {self.OUTPUT: dest_id}
