"""The result of snapping: :class:`Snapped`, one entry per point, and its QA table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from proximity.errors import ParameterError

__all__ = ["STATUSES", "Snapped"]

#: The possible values of :attr:`Snapped.status`.
STATUSES = ("ok", "too_far", "island")

_QA_COLUMNS = [
    "id",
    "x",
    "y",
    "snap_x",
    "snap_y",
    "access_m",
    "edge",
    "offset_m",
    "component",
    "status",
    "off_island",
]


@dataclass(frozen=True, eq=False)
class Snapped:
    """Points snapped onto a :class:`~proximity.network.WalkNetwork` (one entry per point).

    Attributes
    ----------
    ids
        Point ids (object array of ``str``), in input order.
    x, y
        Input coordinates (metres, network CRS).
    edge
        Edge id (int64), ``-1`` if unsnapped (``too_far``).
    offset_m
        Distance along the edge from ``edge_u`` to the projection (``nan`` if unsnapped).
    access_m
        Point → edge distance in metres (always computed).
    snap_x, snap_y
        The projection on the edge (``nan`` if unsnapped).
    component
        Connected-component label of the edge (int64), ``-1`` if unsnapped.
    status
        ``"ok"``, ``"too_far"`` or ``"island"`` (object array of ``str``).
    crs
        The network CRS the points were snapped in.
    n_network_edges
        Edge count of the network they were snapped to (a guard against mixing networks).
    max_snap_m
        The snapping threshold used.
    off_island
        Per point (bool): its nearest edge lies on a small component, but an edge of the
        main network within ``max_snap_m`` was taken instead (default all False).
    largest_component_share
        Share of the network's nodes in its largest connected component (``nan`` unknown).
    island_threshold
        Components with fewer nodes than this (and not the largest) are islands.
    """

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge: np.ndarray
    offset_m: np.ndarray
    access_m: np.ndarray
    snap_x: np.ndarray
    snap_y: np.ndarray
    component: np.ndarray
    status: np.ndarray
    crs: str = ""
    n_network_edges: int = -1
    max_snap_m: float = float("nan")
    off_island: np.ndarray = None  # type: ignore[assignment]
    largest_component_share: float = float("nan")
    island_threshold: float = float("nan")

    def __post_init__(self) -> None:
        if self.off_island is None:
            object.__setattr__(self, "off_island", np.zeros(len(self.ids), dtype=bool))

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def routable(self) -> np.ndarray:
        """Boolean mask: points that take part in routing (status is not ``"too_far"``)."""
        return self.status != "too_far"

    @property
    def counts(self) -> dict[str, int]:
        """Number of points per status (all statuses present, possibly 0)."""
        return {s: int(np.count_nonzero(self.status == s)) for s in STATUSES}

    def subset(self, mask: np.ndarray | Sequence[int] | Sequence[bool]) -> Snapped:
        """A new :class:`Snapped` with the points selected by a boolean mask or indices."""
        sel = np.asarray(mask)
        if sel.dtype == bool and sel.shape != (len(self),):
            raise ParameterError(
                f"Boolean mask has shape {sel.shape}, expected ({len(self)},).",
                fix="Pass one boolean per snapped point, or integer indices.",
            )
        if sel.dtype != bool:
            sel = sel.astype(np.int64)
        return Snapped(
            ids=self.ids[sel],
            x=self.x[sel],
            y=self.y[sel],
            edge=self.edge[sel],
            offset_m=self.offset_m[sel],
            access_m=self.access_m[sel],
            snap_x=self.snap_x[sel],
            snap_y=self.snap_y[sel],
            component=self.component[sel],
            status=self.status[sel],
            crs=self.crs,
            n_network_edges=self.n_network_edges,
            max_snap_m=self.max_snap_m,
            off_island=self.off_island[sel],
            largest_component_share=self.largest_component_share,
            island_threshold=self.island_threshold,
        )

    def qa_table(self) -> pd.DataFrame:
        """One row per point, for quality checks.

        Returns
        -------
        pandas.DataFrame
            ``id, x, y, snap_x, snap_y, access_m, edge, offset_m, component, status,
            off_island``.
        """
        return pd.DataFrame(
            {
                "id": self.ids.astype(str),
                "x": self.x,
                "y": self.y,
                "snap_x": self.snap_x,
                "snap_y": self.snap_y,
                "access_m": self.access_m,
                "edge": self.edge,
                "offset_m": self.offset_m,
                "component": self.component,
                "status": self.status.astype(str),
                "off_island": self.off_island,
            },
            columns=_QA_COLUMNS,
        )
