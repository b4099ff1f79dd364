"""Snapping points (residents, services, candidate sites) onto the walking network.

Every point is snapped onto its nearest *edge* (a straight segment between two OSM nodes),
not its nearest node: the point is projected perpendicularly onto the segment, and routing
later splits the edge at that projection. Per point we keep

- ``edge`` — the edge id (index into the network's edge arrays), ``-1`` if unsnapped;
- ``offset_m`` — distance along the segment from its ``edge_u`` end to the projection
  (``0 ≤ offset_m ≤`` segment length, metres in the network CRS);
- ``access_m`` — the straight "access leg" from the point to the projection (always
  computed, also for unsnapped points); routing adds it to every distance;
- ``status`` — ``"ok"``, ``"too_far"`` (``access_m > max_snap_m``: reported, never moved and
  never routed) or ``"island"`` (snapped onto a small disconnected component: routed, but
  flagged, because such a point usually reaches nothing).

**Nearest edge.** A KD-tree over sample points along every segment proposes candidate
segments; exact point–segment distances (GEOS's formula, bit-identical to
``shapely.distance``) decide, and a distance bound certifies per point that no other segment
can be as close (else a wider ball search runs). Among equidistant segments the lowest edge id
wins, so results are deterministic and equal to a brute-force scan of all segments. The
projection itself is vectorised numpy.

**Island rule.** A component is small when it has fewer nodes than
``max(min_component_share × n_nodes, min_component_nodes or 0)``; the largest component never
is. A point whose nearest edge lies on a small component (an isolated platform, an elevator,
a footway cut off at the extract's edge) is snapped to the nearest edge of the main
components instead when that edge is within ``max_snap_m`` (a second exact search restricted
to those edges; ``off_island`` in the QA table). Only a point with no main-network edge within
``max_snap_m`` keeps its small component and the status ``"island"``.

**Geometry rule.** Only points are accepted. Polygons and lines raise
:class:`~proximity.errors.GeometryError`: turning a building into a point (centroid,
representative point, entrance) is a decision the data loader must make and record, not
something snapping should do silently.

**Input checks.** GeoDataFrames/GeoSeries must carry ``network.crs``; arrays are taken to be
in ``network.crs`` and are checked for lon/lat degrees and for swapped x/y (lat/lon).
"""

from __future__ import annotations

from proximity._geom import segment_length
from proximity.snap.core import snap
from proximity.snap.snapped import STATUSES, Snapped

__all__ = ["STATUSES", "Snapped", "segment_length", "snap"]
