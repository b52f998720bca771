"""Census and grid layers as persisted things: GeoPackage/PostGIS stores, QML styles, the sample dataset."""

from pathlib import Path

LAYERS_DIR = Path(__file__).resolve().parent
SAMPLE_DIR = LAYERS_DIR / "sample"
STYLES_DIR = LAYERS_DIR / "styles"
