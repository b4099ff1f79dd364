"""Swedish wording of data texts the maps and reports show: quality values and sources.

- :data:`QUALITY_SV` / :func:`quality_sv`: known ``boundary_quality`` /
  ``location_quality`` values (whole values, then known English openings such as
  ``"official (…)"``); unknown values are shown as they are;
- :data:`SOURCE_SV` / :func:`source_sv`: English phrases inside source citations
  ("open data", "as bundled (commit …) in https://…"); the rest of a citation (names,
  addresses) is quoted as it is.
"""

from __future__ import annotations

import re

__all__ = ["QUALITY_PREFIX_SV", "QUALITY_SV", "SOURCE_SV", "quality_sv", "source_sv"]

#: Swedish wording of known ``boundary_quality`` / ``location_quality`` values (keys in lower
#: case). Unknown values are shown as they are (see :func:`quality_label`).
QUALITY_SV: dict[str, str] = {
    "district reference point": "stadsdelens referenspunkt",
    "locality reference point": "tätortens referenspunkt",
    "building reference point": "byggnadens referenspunkt",
    "exact (osm node)": "exakt (OSM-nod)",
    "exact": "exakt",
    "official": "officiell",
    "approximate": "ungefärlig",
    "surveyed": "inmätt",
    "address": "adress",
    "grid": "rutnät",
    "as supplied": "som levererat",
    "approximate (voronoi of reference points, clipped to scb boundary + seaward allowance)": (
        "ungefärliga (Voronoi-områden kring referenspunkter, klippta mot SCB:s kommungräns "
        "+ marginal mot havet)"
    ),
    "regular 500 m grid (no complete administrative boundaries in the extract)": (
        "regelbundet rutnät på 500 m (inga kompletta administrativa gränser i OSM-utdraget)"
    ),
    "building (osm footprint, representative point)": (
        "byggnad (OSM-fotavtryck, representativ punkt)"
    ),
    "building (osm footprint clipped by the extract, representative point)": (
        "byggnad (OSM-fotavtryck avskuret av utdraget, representativ punkt)"
    ),
    "osm area (representative point)": "OSM-yta (representativ punkt)",
    "osm area clipped by the extract (point of the part inside)": (
        "OSM-yta avskuren av utdraget (punkt i delen innanför)"
    ),
    "okänd": "okänd",
    "city open data point": "punkt från kommunens öppna data",
    "exact (osm node), 2020 snapshot": "exakt (OSM-nod), ögonblicksbild 2020",
    "representative point of the basområde polygon": "basområdets representativa punkt",
    "area representative point (no residential building in the osm data)": (
        "områdets representativa punkt (ingen bostadsbyggnad i OSM-data)"
    ),
    "as supplied, clipped to the municipality": "som levererat, klippt mot kommungränsen",
}

#: Known English openings of longer quality values (lower case) and their Swedish wording.
QUALITY_PREFIX_SV = (("official (", "officiell ("), ("exact (", "exakt ("))

#: English phrases in source citations, in Swedish (applied in this order).
SOURCE_SV = (
    ("point = locality reference point", "punkt = tätortens referenspunkt"),
    ("open data", "öppna data"),
    ("Wikipedia infoboxes", "Wikipedias faktarutor"),
    ("fi.wikipedia mirror", "spegel av fi.wikipedia"),
    ("as bundled (commit", "kopia från (commit"),
    (") in http", "): http"),
    ("© OpenStreetMap contributors", "© OpenStreetMap-bidragsgivare"),
    ("snapshot", "ögonblicksbild"),
    ("HOT export", "HOT-export"),
)


def quality_sv(text: str) -> str:
    """A quality value in Swedish when known (whole value or opening), else unchanged."""
    low = text.lower()
    if low in QUALITY_SV:
        return QUALITY_SV[low]
    for en, sv in QUALITY_PREFIX_SV:
        if low.startswith(en):
            return sv + text[len(en) :]
    return text


def source_sv(text: str) -> str:
    """A source citation with its known English phrases in Swedish (:data:`SOURCE_SV`)."""
    for en, sv in SOURCE_SV:
        text = text.replace(en, sv)
    return re.sub(r"\bnode (?=\d)", "nod ", text)
