"""Nearest source per target (:func:`nearest`) and per network node (:func:`node_distances`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from proximity.profiles import to_minutes
from proximity.routing._chains import ChainGraph
from proximity.routing._graph import (
    Attach,
    augmented_graph,
    base_csr,
    check_limit,
    check_points,
    check_sources,
    cost_values,
    representatives,
    resolve_cost,
    same_edge_pairs,
)
from proximity.snap import Snapped

if TYPE_CHECKING:
    from proximity.network import WalkNetwork


@dataclass(frozen=True, eq=False)
class Nearest:
    """Nearest source per target.

    Attributes
    ----------
    distance_m
        Network distance (float64, metres or cost-metres), ``inf`` if unreachable, not
        routable, or beyond ``limit_m``.
    source
        Index into the sources (int64), ``-1`` if none.
    source_id
        The source's id (object array of ``str``), ``""`` if none.
    """

    distance_m: np.ndarray
    source: np.ndarray
    source_id: np.ndarray

    def __len__(self) -> int:
        return int(self.distance_m.shape[0])

    def minutes(self, speed_m_s: float) -> np.ndarray:
        """Walking minutes at ``speed_m_s`` (``inf`` stays ``inf``)."""
        return np.asarray(to_minutes(self.distance_m, speed_m_s))

    def to_frame(self, target_ids: np.ndarray | None = None) -> pd.DataFrame:
        """A DataFrame ``[target_id,] source, source_id, distance_m``."""
        data: dict[str, Any] = {}
        if target_ids is not None:
            data["target_id"] = np.asarray(target_ids).astype(str)
        data.update(
            source=self.source, source_id=self.source_id.astype(str), distance_m=self.distance_m
        )
        return pd.DataFrame(data)


def node_distances(
    network: WalkNetwork,
    sources: Snapped,
    *,
    edge_cost: Any = None,
    limit_m: float = np.inf,
    what: str = "services",
) -> tuple[np.ndarray, np.ndarray]:
    """Distance from the nearest source to every network node, and which source it is.

    The multi-source Dijkstra under :func:`nearest`, exposed for display (reached edges,
    isochrones). Returns ``(distance_m, source)`` per node: ``inf`` / ``-1`` beyond
    ``limit_m`` or unreachable; ``source`` indexes ``sources``.
    """
    check_points(network, sources, what)
    check_sources(sources, what)
    limit = check_limit("limit_m", limit_m)
    cost = resolve_cost(network, edge_cost)
    d, s, _, _ = _multi_source(network, sources, cost, limit)
    return d, s


def _multi_source(
    network: WalkNetwork, sources: Snapped, cost: np.ndarray | None, limit: float
) -> tuple[np.ndarray, np.ndarray, Attach, np.ndarray]:
    """One min-only Dijkstra from all (deduplicated) sources.

    Returns node distances, node → source index (into ``sources``), the attachment of the
    representative sources and, per node, the representative it was reached from (-1).
    """
    c = cost_values(network, cost)
    rep = representatives(network, sources, c)
    n = network.n_nodes
    aug = augmented_graph(base_csr(network, cost), rep)
    virt = np.arange(n, n + rep.u.shape[0])
    dist, _, src = csgraph.dijkstra(
        aug, directed=True, indices=virt, min_only=True, return_predecessors=True, limit=limit
    )
    d = np.asarray(dist[:n], np.float64)
    s_node = np.asarray(src[:n], np.int64)
    rep_of_node = np.where(s_node >= n, s_node - n, -1)
    source = np.where(rep_of_node >= 0, rep.index[np.maximum(rep_of_node, 0)], -1)
    d = np.where(source >= 0, d, np.inf)
    return d, source, rep, rep_of_node


def nearest(
    network: WalkNetwork,
    sources: Snapped,
    targets: Snapped,
    *,
    edge_cost: Any = None,
    limit_m: float = np.inf,
    what: str = "services",
) -> Nearest:
    """Network distance from each target to its nearest source, and which source.

    Parameters
    ----------
    network
        The walking network.
    sources, targets
        Snapped points (e.g. services and demand points). Points with status ``too_far`` never
        connect; ``island`` points are routed normally.
    edge_cost
        Per-edge cost (e.g. ``profile.edge_cost(network)``; ``inf`` = impassable), or a
        :class:`~proximity.profiles.WalkingProfile`. Default: edge lengths.
    limit_m
        Distances above this become ``inf`` (and the search stops there: faster).
    what
        Name of the source set for error messages (e.g. ``"services in category 'library'"``).

    Returns
    -------
    Nearest
        Per target: ``distance_m`` (``inf`` if none within reach), ``source`` (index into
        ``sources``, ``-1`` if none) and ``source_id``.

    Raises
    ------
    SchemaError
        No sources.
    GeometryError
        No source is routable (all too far from the network).
    ParameterError
        ``limit_m`` ≤ 0, a bad ``edge_cost``, or points snapped to another network.
    """
    check_points(network, sources, what)
    check_points(network, targets, "targets")
    check_sources(sources, what)
    limit = check_limit("limit_m", limit_m)
    cost = resolve_cost(network, edge_cost)
    c = cost_values(network, cost)
    rep = representatives(network, sources, c)
    n_t = len(targets)
    out_d = np.full(n_t, np.inf)
    out_s = np.full(n_t, -1, np.int64)
    if targets.routable.any():
        graph = ChainGraph.get(network, cost, c)
        tgt_plan = graph.targets(network, targets, c)
        tgt = tgt_plan[0]
        best, best_r = graph.nearest(rep, tgt_plan, c, limit)
        # same-edge candidates: straight along the shared edge
        big = np.iinfo(np.int64).max
        s_pos, t_pos, direct = same_edge_pairs(rep, tgt, c, tgt_plan[1].edge_order)
        if s_pos.size:
            # per target, the best direct candidate (smallest distance, then smallest rank)
            o = np.lexsort((s_pos, direct, t_pos))
            t_o = t_pos[o]
            first = np.ones(o.shape, bool)
            first[1:] = t_o[1:] != t_o[:-1]
            tp, sp_, dd = t_o[first], s_pos[o][first], direct[o][first]
            cur_r = np.where(best_r[tp] >= 0, best_r[tp], big)
            better = (dd < best[tp]) | ((dd == best[tp]) & (sp_ < cur_r))
            best[tp[better]] = dd[better]
            best_r[tp[better]] = sp_[better]
        within = np.isfinite(best) & (best <= limit) & (best_r >= 0)
        out_d[tgt.index[within]] = best[within]
        out_s[tgt.index[within]] = rep.index[best_r[within]]
    sid = np.full(n_t, "", dtype=object)
    has = out_s >= 0
    sid[has] = sources.ids[out_s[has]]
    return Nearest(distance_m=out_d, source=out_s, source_id=sid)
