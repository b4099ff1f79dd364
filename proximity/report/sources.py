"""The report's "Datakällor": source citations grouped by kind and deduplicated.

The citations are the ``source`` values of the city's demand, services and unlocated
services (``access.provenance["data_sources"]``). One citation may hold several parts
(``"a; location: b"``). Each part goes to one kind, in this order:

- **OpenStreetMap**: every part that cites an OSM object (``"<licence>: node 123,
  snapshot 2020-09-04"`` or ``"<licence>: way/123"``) or names OpenStreetMap; one line with
  the number of distinct objects, the licence (ODbL) and the snapshot dates;
- **SCB**: Statistics Sweden's data;
- **Öppna data**: other open data (the city's own registers);
- **Webbsidor**: web pages, counted per site (``sv.wikipedia.org (25 sidor)``), each
  distinct address counted once;
- **Övrigt**: everything else (local files), each distinct text once.

English phrases of the shipped citations are put in Swedish
(:func:`proximity.maps.wording_sv.source_sv`).
"""

from __future__ import annotations

import re
from typing import Any

from proximity.maps.labels import fmt_int
from proximity.maps.wording_sv import source_sv

__all__ = ["source_groups", "source_items"]

#: Whole-part translations (local file names and placeholders of the bundles).
_PART_SV = ((re.compile(r"^file\s+"), "fil "), (re.compile(r"^area polygon$"), "områdespolygon"))

_OSM_OBJECT = re.compile(
    r"^(?:(?P<licence>.*?):\s*)?(?P<type>node|nod|way|relation)[/ ](?P<id>\d+)"
    r"(?:,\s*(?:snapshot|ögonblicksbild)\s+(?P<snapshot>\S+))?$"
)
_URL = re.compile(r"^https?://([^/\s]+)(\S*)")
_OSM_LICENCE_SV = "© OpenStreetMap-bidragsgivare, ODbL 1.0"

#: The kinds, in the order the report lists them.
KINDS = ("OpenStreetMap", "SCB", "Öppna data", "Webbsidor", "Övrigt")


def _parts(src: Any) -> list[str]:
    """One citation split into its parts: ``"a; location: b"`` → ``["a", "b"]``."""
    parts = []
    for part in str(src).split("; "):
        part = re.sub(r"^(location|point|läge|tätorter|stadsdelar):\s*", "", part.strip())
        part = source_sv(part)
        for pattern, sv in _PART_SV:
            part = pattern.sub(sv, part)
        if part:
            parts.append(part)
    return parts


def _host(host: str) -> str:
    return host.lower().removeprefix("www.").replace(".m.wikipedia", ".wikipedia")


class _Collect:
    """The parts sorted into kinds while they are read."""

    def __init__(self) -> None:
        self.osm_objects: set[tuple[str, str]] = set()
        self.osm_snapshots: set[str] = set()
        self.osm_other: list[str] = []
        self.hosts: dict[str, set[str]] = {}
        self.texts: dict[str, list[str]] = {"SCB": [], "Öppna data": [], "Övrigt": []}

    def add(self, part: str, *, osm: bool = False) -> None:
        """Sort one part; ``osm``: the citation names OpenStreetMap (a bare ``node 1`` is OSM's)."""
        m = _OSM_OBJECT.match(part)
        if m and (
            osm if m.group("licence") is None else "openstreetmap" in m.group("licence").lower()
        ):
            self.osm_objects.add(
                ({"nod": "node"}.get(m.group("type"), m.group("type")), m.group("id"))
            )
            if m.group("snapshot"):
                self.osm_snapshots.add(m.group("snapshot"))
            return
        url = _URL.match(part)
        if url:
            self.hosts.setdefault(_host(url.group(1)), set()).add(url.group(2))
            return
        low = part.lower()
        if "openstreetmap" in low or low.startswith(("osm", "ögonblicksbild")):
            kind = "osm"
        elif re.search(r"\bSCB\b", part):
            kind = "SCB"
        elif "öppna data" in part.lower():
            kind = "Öppna data"
        else:
            kind = "Övrigt"
        target = self.osm_other if kind == "osm" else self.texts[kind]
        if part not in target:
            target.append(part)

    def osm_line(self) -> str:
        if not self.osm_objects:
            return "; ".join(self.osm_other)
        n = len(self.osm_objects)
        line = f"{fmt_int(n)} objekt ({_OSM_LICENCE_SV}"
        if self.osm_snapshots:
            line += ", ögonblicksbild " + ", ".join(sorted(self.osm_snapshots))
        line += ")"
        others = [p for p in self.osm_other if not p.startswith("© OpenStreetMap")]
        return "; ".join([line, *others])


def source_groups(sources: Any) -> list[tuple[str, str]]:
    """The citations as ``(kind, text)`` pairs, one per kind that has any (see module doc)."""
    c = _Collect()
    for src in sources or ():
        osm = "openstreetmap" in str(src).lower()
        for part in _parts(src):
            c.add(part, osm=osm and not _URL.match(part))
    lines = {
        "OpenStreetMap": c.osm_line(),
        **{k: "; ".join(v) for k, v in c.texts.items()},
        "Webbsidor": "; ".join(
            f"{h} ({fmt_int(len(p))} {'sida' if len(p) == 1 else 'sidor'})"
            for h, p in sorted(c.hosts.items(), key=lambda hp: -len(hp[1]))
        ),
    }
    return [(k, lines[k]) for k in KINDS if lines[k]]


def source_items(sources: Any) -> list[str]:
    """The report's list items: ``"Datakällor, OpenStreetMap: 6 objekt (…)."`` per kind."""
    return [f"Datakällor, {kind}: {text}." for kind, text in source_groups(sources)]
