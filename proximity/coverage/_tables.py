"""The per-point and per-area tables of :func:`~proximity.coverage.compute_access`.

Counting rules and statistics are documented in :mod:`proximity.coverage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from proximity.coverage._route import TOO_FAR, PerCategory
from proximity.coverage.access import COUNT_COLUMNS, GROUP_ORDER, TOTAL_AREA_ID, TOTAL_AREA_NAME
from proximity.errors import SchemaError

if TYPE_CHECKING:  # pragma: no cover
    from proximity.profiles import WalkingProfile


def group_columns(demand: Any, extra: Sequence[str] = ()) -> dict[str, str]:
    """The population groups of ``demand``: group name -> column, in reporting order.

    Every ``pop_<group>`` column is a group (``pop_0_19`` -> ``0_19``): the known age groups
    first (:data:`~proximity.coverage.access.GROUP_ORDER`), then the others in column order;
    then ``extra`` columns by their own names (a local population file's ``men``,
    ``women``, ...; :func:`declared_group_columns`). Missing ``extra`` columns are skipped.
    """
    found = {str(c)[4:]: str(c) for c in demand.columns if str(c).startswith("pop_")}
    found.pop("area_id", None)  # pop_area_id: the area that carried the population, no group
    ordered = {g: found[g] for g in GROUP_ORDER if g in found}
    ordered.update({g: c for g, c in found.items() if g not in ordered})
    for c in extra:
        if c in demand.columns and c not in ordered.values() and c not in ordered:
            ordered[str(c)] = str(c)
    return ordered


def declared_group_columns(city: Any) -> list[str]:
    """Extra group columns a city declares (``provenance["group_columns"]``; ``[]`` if none)."""
    prov = getattr(city, "provenance", None) or {}
    got = prov.get("group_columns") if isinstance(prov, dict) else None
    return [str(c) for c in got or ()]


def group_weights(
    demand: Any, extra: Sequence[str] = ()
) -> tuple[list[str], np.ndarray, str | None]:
    """The groups reported (``"all"`` first) and the weight of each point in each group.

    Groups: :func:`group_columns`. Without any, only ``"all"`` (and a "no age data" note).
    """
    pop = demand["population"].to_numpy(dtype=float)
    cols = group_columns(demand, extra)
    if not cols:
        return ["all"], pop[:, None], "no age data: only the group 'all' is reported"
    w = [pop]
    note = None
    for col in cols.values():
        v = pd.to_numeric(demand[col], errors="coerce").to_numpy(dtype=float)
        if (v < 0).any():
            raise SchemaError(
                f"Negative values in group column {col!r}.",
                row=demand["demand_id"].iloc[int(np.flatnonzero(v < 0)[0])],
                fix="Correct the population by age.",
            )
        missing = ~np.isfinite(v)
        if missing.any():
            note = (
                f"group data missing for {int(missing.sum())} demand rows: counted as 0 in "
                "the groups (they are in 'all')"
            )
            v = np.where(missing, 0.0, v)
        w.append(v)
    return ["all", *cols], np.column_stack(w), note


def repeat_categorical(values: Any, m: int) -> pd.Categorical:
    """``np.repeat(values, m)`` as a Categorical (fast to build and to write)."""
    cat = pd.Categorical(np.asarray(values, dtype=object))
    return pd.Categorical.from_codes(np.repeat(cat.codes, m), categories=cat.categories)


def _code_dtype(n_categories: int) -> type[np.signedinteger]:
    """The code dtype pandas gives a Categorical of ``n_categories`` (no cast needed then)."""
    for dt in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(dt).max:
            return dt
    return np.int64


def points_table(
    demand: Any,
    per_cat: PerCategory,
    *,
    cats: Sequence[str],
    profs: Sequence[WalkingProfile],
    service_ids: np.ndarray,
    status_names: np.ndarray,
    distance_method: str,
    group_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Long per-point table sorted by demand_id, category, profile.

    ``group_cols``: the demand's group columns to carry (default: the ``pop_*`` columns).

    String columns are pandas Categoricals (900k rows build in milliseconds); ``service_id``
    is ``""`` where no service is reachable.
    """
    n = len(demand)
    prof_names = sorted(p.name for p in profs)
    speed = {p.name: float(p.speed_m_s) for p in profs}
    combos = [(c, p) for c in sorted(cats) for p in prof_names]
    m = len(combos)
    # (n, m) in C order: one transposed copy each instead of m strided column writes
    dist = np.array([per_cat[cp][0] for cp in combos], dtype=np.float64).T.copy()
    sidx = np.array([per_cat[cp][1] for cp in combos], dtype=np.int64).T.copy()
    mins = dist / np.array([speed[p] for _, p in combos]) / 60.0
    sub = demand["subarea_id"] if "subarea_id" in demand.columns else pd.Series([None] * n)
    svc_cats = ["", *[str(x) for x in service_ids]]
    combo_i = np.arange(m, dtype=np.int64)
    data: dict[str, Any] = {
        "demand_id": pd.Categorical.from_codes(
            np.repeat(np.arange(n, dtype=_code_dtype(n)), m),
            categories=demand["demand_id"].astype(str).tolist(),
        ),
        "area_id": repeat_categorical(demand["area_id"].astype(object), m),
        "subarea_id": repeat_categorical(sub.astype(object), m),
        "category": pd.Categorical.from_codes(
            np.tile((combo_i // len(prof_names)).astype(_code_dtype(len(cats))), n),
            categories=sorted(cats),
        ),
        "profile": pd.Categorical.from_codes(
            np.tile((combo_i % len(prof_names)).astype(_code_dtype(len(prof_names))), n),
            categories=prof_names,
        ),
        "service_id": pd.Categorical.from_codes(
            (sidx.ravel() + 1).astype(_code_dtype(len(svc_cats))), categories=svc_cats
        ),
        "distance_m": dist.ravel(),
        "minutes": mins.ravel(),
        "snap_status": repeat_categorical(status_names, m),
        "population": np.repeat(demand["population"].to_numpy(dtype=float), m),
    }
    for col in group_columns(demand).values() if group_cols is None else group_cols:
        if col in demand.columns:
            data[col] = np.repeat(pd.to_numeric(demand[col], errors="coerce").to_numpy(float), m)
    data["distance_method"] = pd.Categorical.from_codes(
        np.zeros(n * m, dtype=np.int64), categories=[distance_method]
    )
    # the columns are fresh arrays: no copy, and no consolidation into 2-D blocks (~10 ms)
    return pd.DataFrame(data, copy=False)


def unlocated_population(
    city: Any, unit_col: str, unit_ids: Sequence[str], groups: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Unlocated population per unit and group (units × groups) and in total (groups)."""
    per_unit = np.zeros((len(unit_ids), len(groups)))
    total = np.zeros(len(groups))
    tab = getattr(city, "unlocated", None)
    if tab is None or len(tab) == 0:
        return per_unit, total, None
    pop = pd.to_numeric(tab["population"], errors="coerce").to_numpy(dtype=float)
    if (~np.isfinite(pop) | (pop < 0)).any():
        raise SchemaError(
            "City.unlocated has missing or negative population.",
            fix="Correct the unlocated population table.",
        )
    cols = [pop]
    for g in groups[1:]:
        col = f"pop_{g}" if f"pop_{g}" in tab.columns else g
        cols.append(
            pd.to_numeric(tab[col], errors="coerce").fillna(0.0).to_numpy(float)
            if col in tab.columns
            else np.zeros(len(tab))
        )
    w = np.column_stack(cols)
    total[:] = w.sum(axis=0)
    key = unit_col if unit_col in tab.columns else None
    note = None
    if key is None:
        note = f"unlocated population has no {unit_col}: counted in the municipality total only"
        return per_unit, total, note
    pos = {u: i for i, u in enumerate(unit_ids)}
    ids = tab[key]
    idx = np.array([pos.get(str(u), -1) if pd.notna(u) else -1 for u in ids], dtype=np.int64)
    ok = idx >= 0
    np.add.at(per_unit, idx[ok], w[ok])
    if (~ok).any():
        note = (
            f"{w[~ok, 0].sum():.0f} unlocated residents have no known {unit_col}: "
            "counted in the municipality total only"
        )
    return per_unit, total, note


def weighted_stats(
    minutes: np.ndarray, w: np.ndarray, idx: np.ndarray, n_units: int, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Population-weighted mean, median and p90 per unit over finite minutes.

    ``order`` sorts the points by (unit, minutes). Quantile ``q`` of a unit is the smallest
    time whose cumulative weight reaches ``q`` of the unit's weight (inverted CDF).
    """
    mean = np.full(n_units, np.nan)
    med = np.full(n_units, np.nan)
    p90 = np.full(n_units, np.nan)
    m, ww, ii = minutes[order], w[order], idx[order]
    ok = np.isfinite(m) & (ww > 0)
    if not ok.any():
        return mean, med, p90
    m, ww, ii = m[ok], ww[ok], ii[ok]
    tot = np.bincount(ii, weights=ww, minlength=n_units)
    sm = np.bincount(ii, weights=ww * m, minlength=n_units)
    has = tot > 0
    mean[has] = sm[has] / tot[has]
    cum = np.cumsum(ww)
    units = np.arange(n_units)
    starts = np.searchsorted(ii, units, side="left")
    ends = np.searchsorted(ii, units, side="right")
    base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    for q, out in ((0.5, med), (0.9, p90)):
        target = base + q * tot
        # small relative tolerance against cumulative rounding
        pos = np.searchsorted(cum, target - 1e-9 * np.maximum(tot, 1.0), side="left")
        pos = np.clip(pos, starts, np.maximum(ends - 1, starts))
        out[has] = m[pos[has]]
    return mean, med, p90


@dataclass(frozen=True)
class UnitTable:
    """The reporting units: each demand point's unit, the unit ids and names, which to keep.

    ``unlocated`` holds the unlocated population per unit and group (units × groups),
    ``unlocated_total`` per group for the whole municipality.
    """

    idx: np.ndarray
    ids: list[str]
    names: pd.Series
    keep: list[str]
    unlocated: np.ndarray
    unlocated_total: np.ndarray
    total_name: str = TOTAL_AREA_NAME  # the city's total label (total_area_label)


@dataclass
class _AreaCounts:
    """Counts and statistics per ``[scope, combo, threshold, group]``, filled combo by combo.

    Scopes are the units (``0..nu-1``) and the municipality total (``nu``). Thresholds are
    the minute thresholds ``thr`` then the metre thresholds ``thr_m`` (walking metres:
    ``dist <= m``, whatever the speed). What does not depend on the speed is computed once
    per group (``fixed``) or once per distance array, i.e. per cost group (``orders``, keyed
    by ``id(dist)``: the sort orders, unreachable weights and quantile positions).
    """

    unit_idx: np.ndarray
    total_idx: np.ndarray
    nu: int
    weights: np.ndarray
    unsnapped: np.ndarray
    thr: np.ndarray
    unl: np.ndarray  # (n_scope, n_g)
    thr_m: np.ndarray
    res: dict[str, np.ndarray]
    stats: dict[str, np.ndarray]
    orders: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    fixed: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _bins: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def empty(
        cls,
        units: UnitTable,
        *,
        n_combos: int,
        thresholds: Sequence[float],
        weights: np.ndarray,
        unsnapped: np.ndarray,
        thresholds_m: Sequence[float] = (),
    ) -> _AreaCounts:
        """Zero counts and NaN statistics for ``n_combos`` category × profile combinations."""
        nu = len(units.ids)
        thr = np.asarray(thresholds, dtype=float)
        thr_m = np.asarray(thresholds_m, dtype=float)
        shape = (nu + 1, n_combos, thr.size + thr_m.size, weights.shape[1])  # last scope: total
        return cls(
            unit_idx=units.idx,
            total_idx=np.full(units.idx.shape[0], nu, dtype=np.int64),
            nu=nu,
            weights=weights,
            unsnapped=unsnapped,
            thr=thr,
            thr_m=thr_m,
            unl=np.vstack([units.unlocated, units.unlocated_total[None, :]]),
            res={k: np.zeros(shape) for k in COUNT_COLUMNS},
            stats={k: np.full(shape, np.nan) for k in ("mean_min", "median_min", "p90_min")},
        )

    def add(self, ci: int, dist: np.ndarray, speed_m_s: float) -> None:
        """Fill combo ``ci`` from its distances and the profile's speed.

        Every scope (the units and the total) and every threshold are counted by one
        ``np.bincount`` per group; each bin sums its points in point order, as a
        per-scope, per-threshold ``np.bincount`` would, so the sums are bit-identical.
        """
        minutes = dist / speed_m_s / 60.0
        finite = np.isfinite(minutes)
        n, nt = minutes.shape[0], self.thr.size
        cov = np.empty((n, nt + self.thr_m.size), dtype=bool)
        np.less_equal(minutes[:, None], self.thr[None, :], out=cov[:, :nt])
        np.less_equal(dist[:, None], self.thr_m[None, :], out=cov[:, nt:])
        cov &= finite[:, None]
        prep = self._prepared(dist, finite)
        for gi in range(self.weights.shape[1]):
            self._add_group(ci, gi, minutes, cov, prep[gi])

    def _prepared(self, dist: np.ndarray, finite: np.ndarray) -> list[dict[str, Any]]:
        """Per group, what does not depend on the speed (cached per distance array).

        ``minutes`` are ``dist / speed``: the same order and the same finite points for
        every profile that shares ``dist``.
        """
        key = id(dist)
        if key in self.orders:
            return self.orders[key]
        by_min = _stable_argsort(dist)
        units = self.unit_idx[by_min]
        if self.nu < 2**15:  # small ints: numpy's stable sort is then a radix sort
            units = units.astype(np.int16)
        by_unit = by_min[np.argsort(units, kind="stable")]
        unreach = ~finite & ~self.unsnapped
        prep = []
        for gi in range(self.weights.shape[1]):
            w = self.weights[:, gi]
            fixed = self._fixed(gi)
            prep.append(
                {
                    "located": fixed[0],
                    "unsnapped": fixed[1],
                    "unreachable": _both_scopes(self.unit_idx, self.nu, w * unreach),
                    "stats": (
                        _StatsPlan.of(finite, w, self.unit_idx, self.nu, by_unit),
                        _StatsPlan.of(finite, w, self.total_idx, self.nu + 1, by_min),
                    ),
                }
            )
        self.orders[key] = prep
        return prep

    def _fixed(self, gi: int) -> tuple[np.ndarray, np.ndarray]:
        """Located and unsnapped weight per scope of group ``gi`` (independent of distances)."""
        if gi not in self.fixed:
            w = self.weights[:, gi]
            self.fixed[gi] = (
                _both_scopes(self.unit_idx, self.nu, w),
                _both_scopes(self.unit_idx, self.nu, w * self.unsnapped),
            )
        return self.fixed[gi]

    def _add_group(
        self, ci: int, gi: int, minutes: np.ndarray, cov: np.ndarray, prep: dict[str, Any]
    ) -> None:
        """One group's counts and statistics for every scope and threshold of combo ``ci``."""
        nu, nthr = self.nu, cov.shape[1]
        w = self.weights[:, gi]
        wc = (w[:, None] * cov).ravel()
        if self._bins is None:  # bin of each (point, threshold): per unit, and in total
            thr_i = np.arange(nthr, dtype=np.int64)
            self._bins = (
                (self.unit_idx[:, None] * nthr + thr_i).ravel(),
                np.tile(thr_i, w.size),
            )
        covered = np.empty((nu + 1, nthr))
        covered[:nu] = np.bincount(self._bins[0], weights=wc, minlength=nu * nthr).reshape(nu, nthr)
        covered[nu] = np.bincount(self._bins[1], weights=wc, minlength=nthr)
        located, unsn, unre = prep["located"], prep["unsnapped"], prep["unreachable"]
        reach = located - unsn - unre
        unl = self.unl[:, gi]
        res, stats = self.res, self.stats
        res["covered"][:, ci, :, gi] = covered
        res["uncovered"][:, ci, :, gi] = np.maximum(reach[:, None] - covered, 0.0)
        res["unsnapped"][:, ci, :, gi] = unsn[:, None]
        res["unreachable"][:, ci, :, gi] = unre[:, None]
        res["unlocated"][:, ci, :, gi] = unl[:, None]
        res["population"][:, ci, :, gi] = (located + unl)[:, None]
        units, total = (plan.stats(minutes) for plan in prep["stats"])
        for name, a, b in zip(("mean_min", "median_min", "p90_min"), units, total, strict=True):
            stats[name][:, ci, :, gi] = np.concatenate([a, b[nu:]])[:, None]


def _stable_argsort(a: np.ndarray) -> np.ndarray:
    """``np.argsort(a, kind="stable")`` of a float array, from two unstable sorts.

    numpy's stable sort of floats is a merge sort, its default one vectorised (≈ 7×
    faster); equal values are put back in index order by sorting ``(run of equal values,
    index)`` keys, which are all distinct. NaN (never equal to itself) takes the stable sort.
    """
    n = a.shape[0]
    if n < 2 or np.isnan(a).any():
        return np.argsort(a, kind="stable")
    o = np.argsort(a)
    s = a[o]
    run = np.zeros(n, dtype=np.int64)
    np.cumsum(s[1:] != s[:-1], out=run[1:])
    return o[np.argsort(run * n + o)]


def _both_scopes(unit_idx: np.ndarray, nu: int, w: np.ndarray) -> np.ndarray:
    """Sum of ``w`` per unit (``0..nu-1``) and in total (``nu``), each in point order."""
    idx = np.concatenate([unit_idx, np.full(unit_idx.shape[0], nu, dtype=unit_idx.dtype)])
    return np.bincount(idx, weights=np.concatenate([w, w]), minlength=nu + 1)


@dataclass(frozen=True)
class _StatsPlan:
    """:func:`weighted_stats` split in what depends on the speed and what does not.

    The points kept (finite, weight > 0) in ``order``, their bins and weights, each bin's
    weight and the positions of its median and p90 (from the cumulative weights only).
    ``stats(minutes)`` then gives exactly ``weighted_stats(minutes, w, idx, n_units, order)``.
    """

    sel: np.ndarray
    bins: np.ndarray
    w: np.ndarray
    n_units: int
    tot: np.ndarray
    has: np.ndarray
    pos: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(
        cls, finite: np.ndarray, w: np.ndarray, idx: np.ndarray, n_units: int, order: np.ndarray
    ) -> _StatsPlan:
        ok = finite[order] & (w[order] > 0)
        sel = order[ok]
        ww, ii = w[sel], idx[sel]
        tot = np.bincount(ii, weights=ww, minlength=n_units)
        pos = []
        if sel.size:
            cum = np.cumsum(ww)
            units = np.arange(n_units)
            starts = np.searchsorted(ii, units, side="left")
            ends = np.searchsorted(ii, units, side="right")
            base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
            for q in (0.5, 0.9):
                target = base + q * tot
                p = np.searchsorted(cum, target - 1e-9 * np.maximum(tot, 1.0), side="left")
                pos.append(np.clip(p, starts, np.maximum(ends - 1, starts)))
        return cls(sel, ii, ww, n_units, tot, tot > 0, tuple(pos))  # type: ignore[arg-type]

    def stats(self, minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Population-weighted mean, median and p90 per unit (NaN where none)."""
        out = tuple(np.full(self.n_units, np.nan) for _ in range(3))
        if not self.sel.size:
            return out
        m = minutes[self.sel]
        has = self.has
        sm = np.bincount(self.bins, weights=self.w * m, minlength=self.n_units)
        out[0][has] = sm[has] / self.tot[has]
        out[1][has] = m[self.pos[0][has]]
        out[2][has] = m[self.pos[1][has]]
        return out


def area_table(
    per_cat: PerCategory,
    units: UnitTable,
    *,
    cats: Sequence[str],
    profs: Sequence[WalkingProfile],
    thresholds: Sequence[float],
    groups: Sequence[str],
    weights: np.ndarray,
    status_codes: np.ndarray,
    distance_method: str,
    thresholds_m: Sequence[float] = (),
) -> pd.DataFrame:
    """Per unit (and total) × category × profile × threshold × group counts and statistics.

    Rows come out sorted: units by id then the total row; within, category, profile,
    threshold (minutes, then metres), group (in ``groups`` order). With ``thresholds_m``, a
    ``threshold_m`` column follows ``threshold_min``: a row has one of the two (the other is
    missing, a nullable integer or NaN).
    """
    speed = {p.name: float(p.speed_m_s) for p in profs}
    combos = [(c, p) for c in sorted(cats) for p in sorted(speed)]
    counts = _AreaCounts.empty(
        units,
        n_combos=len(combos),
        thresholds=thresholds,
        weights=weights,
        unsnapped=status_codes == TOO_FAR,
        thresholds_m=thresholds_m,
    )
    for ci, (cat, pname) in enumerate(combos):
        counts.add(ci, per_cat[(cat, pname)][0], speed[pname])
    return _area_frame(
        counts, units, combos=combos, thresholds=thresholds, groups=groups, method=distance_method
    )


def _area_frame(
    counts: _AreaCounts,
    units: UnitTable,
    *,
    combos: list[tuple[str, str]],
    thresholds: Sequence[float],
    groups: Sequence[str],
    method: str,
) -> pd.DataFrame:
    """The long area table from the filled counts; only kept units and the total."""
    res, stats, nu = counts.res, counts.stats, counts.nu
    ids = np.array([*units.ids, TOTAL_AREA_ID], dtype=object)
    names = np.array(
        [*units.names.reindex(list(units.ids)).astype(str), units.total_name], dtype=object
    )
    s_i, c_i, t_i, g_i = (a.ravel() for a in np.indices(res["population"].shape))
    thr_vals, thr_m_vals = _threshold_columns(counts.thr, counts.thr_m)
    pop = res["population"].ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(pop > 0, res["covered"].ravel() / np.where(pop > 0, pop, 1.0), np.nan)
    df = pd.DataFrame(
        {
            "area_id": ids[s_i],
            "area_name": names[s_i],
            "category": np.array([c for c, _ in combos], dtype=object)[c_i],
            "profile": np.array([p for _, p in combos], dtype=object)[c_i],
            "threshold_min": thr_vals[t_i],
            **({"threshold_m": thr_m_vals[t_i]} if counts.thr_m.size else {}),
            "group": np.array(list(groups), dtype=object)[g_i],
            "population": pop,
            "covered": res["covered"].ravel(),
            "uncovered": res["uncovered"].ravel(),
            "unsnapped": res["unsnapped"].ravel(),
            "unreachable": res["unreachable"].ravel(),
            "unlocated": res["unlocated"].ravel(),
            "covered_share": share,
            "mean_min": stats["mean_min"].ravel(),
            "median_min": stats["median_min"].ravel(),
            "p90_min": stats["p90_min"].ravel(),
            "distance_method": method,
        }
    )
    keep = (s_i == nu) | np.isin(ids[s_i], np.asarray(list(units.keep), dtype=object))
    return df[keep].reset_index(drop=True)


def _threshold_columns(thr: np.ndarray, thr_m: np.ndarray) -> tuple[Any, Any]:
    """``threshold_min`` and ``threshold_m`` per threshold index (minutes, then metres).

    Whole numbers are written as ints (only where int64 holds them exactly). Without metre
    thresholds the minutes are a plain array, as before; with them both columns are nullable
    (``pd.NA`` on the other kind's rows, or NaN when not whole).
    """

    def whole(v: np.ndarray) -> bool:
        return all(float(t).is_integer() and abs(float(t)) < 2.0**53 for t in v)

    if not thr_m.size:
        return (thr.astype(np.int64) if whole(thr) else thr), None
    na_m, na_min = np.full(thr.size, np.nan), np.full(thr_m.size, np.nan)
    mins = np.concatenate([thr, na_min])
    metres = np.concatenate([na_m, thr_m])
    return (
        pd.array(mins, dtype="Int64") if whole(thr) else mins,
        pd.array(metres, dtype="Int64") if whole(thr_m) else metres,
    )
