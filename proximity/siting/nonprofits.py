"""Non-profit organisations within walking distance of the chosen sites, and their labels.

A city without any non-profit data gets ``nonprofits_n = NaN`` and the label
:data:`NONPROFITS_NO_DATA_SV` (never "0"); with data and none in reach, 0 and
``"inga inom T min"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from proximity.siting.distances import _Distances, _edge_cost, _to_min, _xy

if TYPE_CHECKING:  # pragma: no cover
    from proximity.network import WalkNetwork

NONPROFITS_NO_DATA_SV = "ingen data om ideella organisationer"
NONPROFITS_NO_DATA_EN = "no data on non-profits"
#: Columns of :attr:`~proximity.siting.ranking.SitingResult.nonprofits`.
NONPROFIT_COLUMNS = [
    "candidate_id",
    "org_id",
    "name",
    "kind",
    "distance_m",
    "minutes",
    "distance_method",
]


def nonprofits_label_sv(n: int, threshold_min: float) -> str:
    """Swedish map label for ``n`` non-profits within ``threshold_min`` minutes' walk.

    For a city with non-profit data: ``"inga inom 10 min"``, ``"1 ideell organisation inom 10
    min"``, ``"3 ideella organisationer inom 10 min"``. No data at all is
    :data:`NONPROFITS_NO_DATA_SV` instead.

    Parameters
    ----------
    n
        Number of non-profits in reach.
    threshold_min
        The walking-time threshold in minutes.

    Returns
    -------
    str
    """
    t = f"{float(threshold_min):g}"
    if n <= 0:
        return f"inga inom {t} min"
    if n == 1:
        return f"1 ideell organisation inom {t} min"
    return f"{int(n)} ideella organisationer inom {t} min"


def nonprofits_label_en(n: int, threshold_min: float) -> str:
    """English counterpart of :func:`nonprofits_label_sv`.

    ``"none within 10 min"``, ``"1 non-profit within 10 min"``, ``"3 non-profits within 10
    min"``.

    Parameters
    ----------
    n
        Number of non-profits in reach.
    threshold_min
        The walking-time threshold in minutes.

    Returns
    -------
    str
    """
    t = f"{float(threshold_min):g}"
    if n <= 0:
        return f"none within {t} min"
    return f"{int(n)} non-profit{'s' if n != 1 else ''} within {t} min"


def nonprofits_near(
    city: Any,
    network: WalkNetwork | None,
    dist: _Distances,
    sites: tuple[str, np.ndarray, Sequence[str]],
    order: np.ndarray,
    *,
    profile: Any,
    threshold_min: float,
) -> tuple[pd.DataFrame, bool]:
    """The city's non-profits within ``threshold_min`` of the chosen sites.

    Parameters
    ----------
    city, network, dist
        The study area, the walking network (or None) and its distance measure.
    sites
        The candidates as ``(key, xy, ids)`` (their snapping is cached under ``key``).
    order
        Indices of the chosen candidates, in rank order.
    profile, threshold_min
        Walking profile and threshold ``T``.

    Returns
    -------
    nonprofits, available
        Site × organisation rows (:data:`NONPROFIT_COLUMNS`), sorted by site, minutes and
        id; and whether the city has any non-profit data.
    """
    npo = getattr(city, "nonprofits", None)
    available = npo is not None and len(npo) > 0
    rows: list[dict[str, Any]] = []
    if available:
        npo = npo.reset_index(drop=True)
        targets = ("nonprofits", _xy(npo), npo["org_id"].astype(str).tolist())
        speed = profile.speed_m_s
        m = _to_min(
            dist.matrix(sites, targets, threshold_min * 60.0 * speed, _edge_cost(network, profile)),
            speed,
        )
        chosen_ids = [sites[2][j] for j in order.tolist()]
        mcoo = m[order].tocoo()
        for r, c, v in zip(mcoo.row, mcoo.col, mcoo.data, strict=True):
            rows.append(
                {
                    "candidate_id": chosen_ids[r],
                    "org_id": str(npo["org_id"].iloc[c]),
                    "name": str(npo["name"].iloc[c]) if pd.notna(npo["name"].iloc[c]) else "",
                    "kind": str(npo["kind"].iloc[c]) if "kind" in npo.columns else "",
                    "distance_m": float(v) * 60.0 * speed,
                    "minutes": float(v),
                    "distance_method": dist.method,
                }
            )
    table = (
        pd.DataFrame(rows, columns=NONPROFIT_COLUMNS)
        .sort_values(["candidate_id", "minutes", "org_id"], kind="stable")
        .reset_index(drop=True)
    )
    return table, bool(available)


def add_nonprofit_columns(
    per_site: pd.DataFrame,
    nonprofits: pd.DataFrame,
    *,
    available: bool,
    threshold_min: float,
    method: str,
) -> None:
    """Add the ``nonprofits_*`` columns to ``per_site`` (in place).

    Parameters
    ----------
    per_site
        One row per chosen site, with ``candidate_id``.
    nonprofits
        The :func:`nonprofits_near` table.
    available
        Whether the city has non-profit data (else the count is ``NaN`` and the labels say
        there is no data).
    threshold_min
        The threshold ``T`` of the labels.
    method
        The distance-method label.
    """
    chosen_ids = per_site["candidate_id"].tolist()
    T = threshold_min
    if available:
        grp = nonprofits.groupby("candidate_id")
        counts = [len(grp.get_group(c)) if c in grp.groups else 0 for c in chosen_ids]
        per_site["nonprofits_n"] = np.array(counts, dtype=np.int64)
        per_site["nonprofits_names"] = [
            "; ".join(n for n in grp.get_group(c)["name"].tolist() if n) if c in grp.groups else ""
            for c in chosen_ids
        ]
        per_site["nonprofits_label"] = [
            f"{n} non-profit(s) within {T:g} min ({method})" for n in counts
        ]
        per_site["nonprofits_label_sv"] = [nonprofits_label_sv(n, T) for n in counts]
        per_site["nonprofits_label_en"] = [nonprofits_label_en(n, T) for n in counts]
        per_site["nonprofits_note"] = ""
    else:
        # no data is not "none nearby": NaN count and a note saying so
        per_site["nonprofits_n"] = np.full(len(chosen_ids), np.nan)
        per_site["nonprofits_names"] = ""
        per_site["nonprofits_label"] = NONPROFITS_NO_DATA_EN
        per_site["nonprofits_label_sv"] = NONPROFITS_NO_DATA_SV
        per_site["nonprofits_label_en"] = NONPROFITS_NO_DATA_EN
        per_site["nonprofits_note"] = NONPROFITS_NO_DATA_SV
    per_site["nonprofit_distance_method"] = method
