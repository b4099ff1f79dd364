"""Network distances between snapped points, on ``scipy.sparse.csgraph``.

Distance definition
-------------------
For a source ``s`` snapped onto edge ``e_s = (u_s, v_s)`` at fraction ``a`` and a target
``t`` on ``e_t = (u_t, v_t)`` at fraction ``b`` (fraction = ``offset_m`` / segment length),
with per-edge cost ``c`` (metres, or a profile's equivalent metres)::

    d(s, t) = access_s + min over the ways out of e_s and into e_t of the path cost
              + access_t

where leaving ``e_s`` towards ``u_s`` costs ``a·c(e_s)`` and towards ``v_s`` costs
``(1 − a)·c(e_s)`` (likewise into ``e_t``), and, when ``e_s == e_t``, the straight way along
the edge, ``|a − b|·c(e)``, is a further candidate. Access legs are plain metres (factor 1).
A partial edge of zero length costs 0 even on an impassable (``inf``) edge, so a point sitting
exactly on a node is always connected to that node.

Technique
---------
The network's symmetric CSR is *augmented* with one virtual node per routable source, with two
directed edges out of it: to ``u`` (``access + a·c``) and to ``v`` (``access + (1 − a)·c``).
Nothing points back into a virtual node, so no path can pass through another source.

- :func:`nearest` runs **one** multi-source Dijkstra from all virtual nodes
  (``csgraph.dijkstra(..., min_only=True)``), which returns per node the distance to the
  closest source and which source it is; each target then takes
  ``access_t + min(D[u] + b·c, D[v] + (1 − b)·c)``, and the same-edge candidates are
  computed exactly, pair by pair, for sources and targets that share an edge. The search runs
  on the network with its degree-2 chains contracted (:class:`ChainGraph`, cached per
  network and edge cost; exact, see there), about 2.5× fewer nodes on OSM walking networks.
- :func:`bounded_matrix` runs Dijkstra with ``limit=cutoff_m`` from chunks of virtual nodes.
  Only the *reached* nodes of each row (finite entries of the dense ``chunk × n_nodes``
  output) are mapped to the targets hanging off them (a node → target index in CSR form), so
  the work per source is proportional to what it reaches, not to the number of targets;
  same-edge pairs are added exactly; entries ≤ cutoff go into a CSR matrix. Memory is bounded
  by the chunk size, lowered automatically so one chunk's dense output stays under 64 MB.
  Sources are taken in Z-order of their positions, and each chunk is searched on the subgraph
  inside the bounding box of its sources' reach discs (radius ``cutoff / r_min``, where
  ``r_min`` is the smallest cost / segment-length ratio): exact, since no path within the
  cutoff can leave that box, and it cuts csgraph's O(n_nodes) set-up per source.

csgraph drops explicit zeros from its input, so all weights (network edges and virtual
edges) are raised to :data:`~proximity.network.MIN_EDGE_WEIGHT_M` (1e-9 m); distances are
exact to well below 1e-6 m.

Ties
----
Sources that share a snapped position (same edge, offset and access leg, e.g. two offices in
one building) are merged for :func:`nearest` and represented by the lowest id, so such ties go
to the lowest id. Between a graph path and a same-edge (or same-chain) path, and between the
``u`` and ``v`` ends of a target's edge (or the two ends of its chain), equal distances also go
to the lowest source id. Other exact ties
(different positions at exactly the same float distance) are resolved by the Dijkstra's
deterministic order, which favours the source with the lower id but does not guarantee it.
"""

from __future__ import annotations

from proximity.profiles import to_minutes
from proximity.routing._chains import ChainGraph
from proximity.routing.matrix import bounded_matrix
from proximity.routing.search import Nearest, nearest, node_distances

__all__ = ["ChainGraph", "Nearest", "bounded_matrix", "nearest", "node_distances", "to_minutes"]
