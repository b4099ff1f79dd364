"""City bundles: any Swedish municipality from open data or local files (issue 12).

``proximity city build <name or code>`` (:func:`build_bundle`) writes a folder with
``city.toml``, GeoParquet layers, the walking network and ``manifest.json`` that
:func:`proximity.sources.load_city` and ``proximity run`` use offline. See
:mod:`proximity.bundle.build` for the steps and docs/notes/tag-mapping.md for the OSM tags.
"""

from proximity.bundle.build import BuildOptions, BuildResult, build_bundle
from proximity.bundle.demand import AGE_GROUPS, age_groups
from proximity.bundle.municipality import Municipality, resolve_municipality
from proximity.bundle.tags import TAG_MAPPING_VERSION, service_category

__all__ = [
    "AGE_GROUPS",
    "TAG_MAPPING_VERSION",
    "BuildOptions",
    "BuildResult",
    "Municipality",
    "age_groups",
    "build_bundle",
    "resolve_municipality",
    "service_category",
]
