"""Comparing two runs per area (B − A): ``compare.csv`` and the Swedish ``compare.md``."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from proximity._io import ensure_writable_dir, write_text_atomic
from proximity.distance_method import DistanceMethod
from proximity.errors import InputFileError, ParameterError, ScenarioError
from proximity.scenario._common import fmt_float
from proximity.scenario.integrity import verify_run
from proximity.scenario.parse import load_scenario
from proximity.scenario.tables import AREA_KEYS, md_table, sort_key, write_table

__all__ = [
    "COMPARE_METRICS",
    "PRESENT_SV",
    "CompareResult",
    "compare",
    "compare_tables",
    "read_run_tables",
]

T = TypeVar("T")

COMPARE_METRICS = (
    ("covered", "delta_covered"),
    ("covered_share", "delta_covered_share"),
    ("mean_min", "delta_mean_min"),
    ("gini_min", "delta_gini"),
)

#: ``present`` (compare.csv) → the Swedish wording of compare.md's "finns i" column.
PRESENT_SV = {"both": "båda", "a": "bara A", "b": "bara B"}

_COUNT_COLUMNS = ("population", "covered", "uncovered", "unsnapped", "unreachable", "unlocated")
_PREPARED_COLUMNS = (
    "area_name",
    "population",
    "covered",
    "covered_share",
    "mean_min",
    "gini_min",
    "distance_method",
    "population_unit",
)
_DIFF_COLUMNS = (
    "area_name",
    "present",
    "population_a",
    "population_b",
    "covered_a",
    "covered_b",
    "delta_covered",
    "covered_share_a",
    "covered_share_b",
    "delta_covered_share",
    "mean_min_a",
    "mean_min_b",
    "delta_mean_min",
    "gini_a",
    "gini_b",
    "delta_gini",
    "distance_method_a",
    "distance_method_b",
    "population_unit_a",
    "population_unit_b",
)
#: compare.md's columns: compare.csv's name → the Swedish heading.
_MARKDOWN_COLUMNS = {
    "area_id": "area",
    "area_name": "namn",
    "present": "finns i",
    "covered_a": "täckta A",
    "covered_b": "täckta B",
    "delta_covered": "Δ täckta",
    "covered_share_a": "andel A %",
    "covered_share_b": "andel B %",
    "delta_covered_share": "Δ andel (p.e.)",
    "mean_min_b": "medel min B",
    "delta_mean_min": "Δ medel min",
    "gini_b": "Gini B",
    "delta_gini": "Δ Gini",
}


def read_run_tables(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``tables/areas.csv`` of a finished run.

    Parameters
    ----------
    folder
        The output folder of ``proximity run``.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputFileError
        If the folder is not the output of a finished ``proximity run``.
    """
    f = Path(folder)
    path = f / "tables" / "areas.csv"
    if not path.exists():
        raise InputFileError(
            "Not the output folder of a finished run (tables/areas.csv is missing).",
            file=f,
            fix="Give a scenario .toml, or the output folder of `proximity run` (default "
            "out/<name>).",
        )
    return pd.read_csv(
        path,
        dtype={
            "area_id": str,
            "area_name": str,
            "category": str,
            "profile": str,
            "distance_method": str,
        },
        keep_default_na=False,
        na_values=[""],
    )


# ============================================================================ the table diff
def _rollup_row(
    parent: str, kv: Sequence[object], g: pd.DataFrame, df: pd.DataFrame
) -> dict[str, object]:
    """One summed row of the subareas ``g`` of ``parent`` (keys ``kv``)."""
    keys = [k for k in AREA_KEYS if k != "area_id" and k in df.columns]
    counts = {c: float(g[c].astype(float).sum()) for c in _COUNT_COLUMNS if c in df.columns}
    row: dict[str, object] = dict(zip(keys, kv, strict=True))
    row.update(counts)
    row["area_id"] = str(parent)
    row["parent_area_id"] = str(parent)
    row["area_name"] = "Σ " + " + ".join(g["area_name"].astype(str))
    pop = counts.get("population", 0.0)
    row["covered_share"] = counts["covered"] / pop if pop else float("nan")
    if {"mean_min", "covered", "uncovered"} <= set(g.columns):
        w = g["covered"].astype(float) + g["uncovered"].astype(float)
        mm = g["mean_min"].astype(float)
        ok = (w > 0) & np.isfinite(mm)
        row["mean_min"] = float((mm[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else float("nan")
    for col in ("distance_method", "population_unit"):
        if col in g.columns:
            row[col] = str(g[col].iloc[0])
    return row


def _rollup_split(df: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """``df`` with one summed row per area it split into subareas and ``other`` has whole.

    Uses ``parent_area_id``, so that the split area can be compared. Counts are summed;
    ``covered_share = covered / population``; ``mean_min`` is weighted by the reachable
    residents (covered + uncovered), as in :mod:`proximity.coverage`; medians, percentiles
    and the Gini cannot be summed and are left empty. The row's ``area_name`` says which
    subareas it sums.
    """
    if "parent_area_id" not in df.columns or not len(df):
        return df
    ids = set(df["area_id"].astype(str))
    wanted = set(other["area_id"].astype(str)) - ids
    split = df[
        df["parent_area_id"].astype(str).isin(wanted)
        & (df["parent_area_id"].astype(str) != df["area_id"].astype(str))
    ]
    if split.empty:
        return df
    keys = [k for k in AREA_KEYS if k != "area_id" and k in df.columns]
    rows = [
        _rollup_row(parent, kv, g, df)
        for (parent, *kv), g in split.groupby(["parent_area_id", *keys], sort=True, dropna=False)
    ]
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)


def _prepare(
    df: pd.DataFrame,
    category: str | None,
    profile: str | None,
    threshold_min: float | None,
) -> pd.DataFrame:
    """One side of the diff: typed keys, the chosen slice, the compared columns."""
    df = df.copy()
    for c in ("area_id", "category", "profile"):
        df[c] = df[c].astype(str)
    df["threshold_min"] = df["threshold_min"].astype(float)
    if category is not None:
        df = df[df["category"] == category]
    if profile is not None:
        df = df[df["profile"] == profile]
    if threshold_min is not None:
        df = df[np.isclose(df["threshold_min"], float(threshold_min))]
    if "gini_min" not in df.columns:
        df["gini_min"] = np.nan
    cols = [*AREA_KEYS, *_PREPARED_COLUMNS]
    return df[[c for c in cols if c in df.columns]]


def compare_tables(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    category: str | None = None,
    profile: str | None = None,
    threshold_min: float | None = None,
) -> pd.DataFrame:
    """Per-area difference B − A of two ``areas.csv`` tables.

    Rows are matched on ``category, profile, threshold_min, area_id`` (outer join: an area
    present in only one run, e.g. after a split, gets empty deltas and ``present`` =
    ``"a"`` or ``"b"``).

    Parameters
    ----------
    a, b
        The two runs' ``areas.csv`` (:func:`read_run_tables`).
    category, profile, threshold_min
        Keep only this slice (default: all).

    Returns
    -------
    pandas.DataFrame
        ``category, profile, threshold_min, area_id, area_name, present, population_a,
        population_b, covered_a, covered_b, delta_covered, covered_share_a, covered_share_b,
        delta_covered_share, mean_min_a, mean_min_b, delta_mean_min, gini_a, gini_b,
        delta_gini, distance_method_a, distance_method_b``.
    """
    keys = list(AREA_KEYS)
    a, b = _rollup_split(a, b), _rollup_split(b, a)
    m = _prepare(a, category, profile, threshold_min).merge(
        _prepare(b, category, profile, threshold_min),
        on=keys,
        how="outer",
        suffixes=("_a", "_b"),
        indicator=True,
    )
    m["area_name"] = m["area_name_b"].fillna(m["area_name_a"])
    m["present"] = (
        m["_merge"].map({"both": "both", "left_only": "a", "right_only": "b"}).astype(str)
    )
    for col, dcol in COMPARE_METRICS:
        m[dcol] = m[f"{col}_b"].astype(float) - m[f"{col}_a"].astype(float)
    m = m.rename(columns={"gini_min_a": "gini_a", "gini_min_b": "gini_b"})
    cols = [*keys, *_DIFF_COLUMNS]
    m = m[[c for c in cols if c in m.columns]]
    m = m.sort_values(keys, key=sort_key, kind="mergesort")
    return m.reset_index(drop=True)


# ============================================================================ compare.md
def _is_crowfly(label: str) -> bool:
    try:
        return DistanceMethod.parse(label).is_crowfly
    except ParameterError:
        return False


def _markdown_head(
    diff: pd.DataFrame, title: str, category: str, profile: str, threshold: float
) -> str:
    methods = sorted(
        {str(x) for x in pd.concat([diff["distance_method_a"], diff["distance_method_b"]]).dropna()}
    )
    return (
        f"### {title}: {category}, {profile}, {fmt_float(float(threshold))} min\n\n"
        f"Avståndsmetod: {', '.join(methods) or 'okänd'}"
        + (
            " — **fågelvägsapproximation, inte gångnät**"
            if any(_is_crowfly(m) for m in methods)
            else ""
        )
        + "\n\n"
    )


def compare_markdown(
    diff: pd.DataFrame,
    title: str,
    category: str,
    profile: str,
    threshold: float,
) -> str:
    """The Swedish Markdown table of one slice of :func:`compare_tables`.

    ``title`` is e.g. ``"B − A"``: the heading names it with the slice and the distance
    method (loudly when crow-fly); a floor-area proxy population is said to be one.
    """
    view = diff[list(_MARKDOWN_COLUMNS)].copy()
    for c in ("covered_share_a", "covered_share_b", "delta_covered_share"):
        view[c] = view[c] * 100.0
    # the CSV keeps the machine-readable present = both|a|b; the human table is Swedish
    view["present"] = view["present"].map(PRESENT_SV).fillna(view["present"])
    view = view.rename(columns=_MARKDOWN_COLUMNS)
    for c in view.columns:
        if view[c].dtype.kind == "f":
            view[c] = view[c].round(3 if "Gini" in c else 1)
    head = _markdown_head(diff, title, category, profile, threshold)
    units = sorted(
        {
            str(x)
            for c in ("population_unit_a", "population_unit_b")
            if c in diff.columns
            for x in diff[c].dropna()
        }
    )
    if any(u != "persons" for u in units):
        head += (
            f"Enhet: {', '.join(units)} — **täckta = m² bostadsyta (proxy för befolkning), "
            "inte antal personer**; jämför andelarna\n\n"
        )
        view = view.rename(
            columns={"täckta A": "täckt m² A", "täckta B": "täckt m² B", "Δ täckta": "Δ täckt m²"}
        )
    return head + md_table(view)


# ============================================================================ compare
def _resolve_run(
    arg: str | os.PathLike[str], out_root: Path | None, label: str, *, quiet: bool
) -> tuple[Path, str]:
    """The output folder and scenario name of a run folder, or of a scenario TOML run now."""
    from proximity.scenario.pipeline import run  # the pipeline writes with compare_tables

    p = Path(arg)
    if p.is_dir():
        name = p.name
        with contextlib.suppress(OSError, ValueError, KeyError):
            name = json.loads((p / "run.json").read_text("utf-8"))["scenario"]["name"]
        return p, name
    if p.suffix == ".toml" or not p.exists():
        sc = load_scenario(p)
        out = (out_root / "runs" / f"{label}-{sc.name}") if out_root else None
        r = run(sc, out_dir=out, quiet=quiet)
        return r.out_dir, sc.name
    raise ScenarioError(
        "Expected a scenario .toml or the output folder of a run.",
        file=p,
        fix="Give a .toml file or a folder written by `proximity run`.",
    )


def _table(d: object, key: str) -> dict[str, object]:
    """``d[key]`` when both are JSON objects, else ``{}``."""
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, dict) else {}


def _run_scenario(folder: Path) -> dict[str, object]:
    """The ``scenario`` summary in a run's ``run.json`` (``{}`` if unreadable)."""
    try:
        data = json.loads((folder / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return _table(data, "scenario")


def _preferences(folders: Iterable[Path]) -> dict[str, str | float]:
    """The slice the runs' scenarios point at: the last one's siting, else its map settings."""
    pref: dict[str, str | float] = {}
    for d in folders:
        sc = _run_scenario(d)
        outs, sit = _table(sc, "outputs"), _table(sc, "siting")
        cats = outs.get("map_categories")
        first_map = cats[0] if isinstance(cats, list) and cats else None
        for key, v in (
            ("category", sit.get("category") or first_map),
            ("profile", sit.get("profile") or outs.get("map_profile")),
            ("threshold_min", sit.get("threshold_min") or outs.get("map_threshold_min")),
        ):
            wanted = (int, float) if key == "threshold_min" else (str,)
            if isinstance(v, wanted) and not isinstance(v, bool):
                pref[key] = v
    return pref


def _pick(values: Iterable[T], preferred: Sequence[T | None]) -> T | None:
    """The first of ``preferred`` among ``values``, else the smallest value."""
    vals = list(values)
    for p in preferred:
        if p in vals:
            return p
    return sorted(vals)[0] if vals else None


def _slice(
    diff: pd.DataFrame,
    pref: dict[str, str | float],
    category: str | None,
    profile: str | None,
    threshold_min: float | None,
) -> tuple[str | None, str | None, float | None]:
    """The shown slice: the arguments, else the runs' preferences, else the defaults."""
    both = diff[diff["present"] == "both"]
    cat = category or _pick(both["category"].unique(), [pref.get("category"), "district_office"])
    prof = profile or _pick(both["profile"].unique(), [pref.get("profile"), "adult"])
    thr_pref = [float(pref["threshold_min"])] if "threshold_min" in pref else []
    thr = (
        threshold_min
        if threshold_min is not None
        else _pick(both["threshold_min"].unique(), [*thr_pref, 10.0])
    )
    return cat, prof, thr


@dataclass
class CompareResult:
    """What :func:`compare` produced: the full diff, the shown slice and the files.

    Attributes
    ----------
    diff
        Every category × profile × threshold × group × area (``compare.csv``).
    view
        The shown slice.
    markdown
        The shown slice as Swedish Markdown (``compare.md``).
    csv_path, md_path
        The written files (None without ``out_dir``).
    a_dir, b_dir
        The two runs' output folders.
    """

    diff: pd.DataFrame
    view: pd.DataFrame
    markdown: str
    csv_path: Path | None
    md_path: Path | None
    a_dir: Path
    b_dir: Path


def compare(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    category: str | None = None,
    profile: str | None = None,
    threshold_min: float | None = None,
    quiet: bool = False,
) -> CompareResult:
    """Compare two runs per area (B − A).

    ``a`` and ``b`` are each either the output folder of a finished run, or a scenario TOML,
    which is run first (into ``<out_dir>/runs/`` when ``out_dir`` is given, else into its own
    output folder).

    The CSV holds every category × profile × threshold; the Markdown (and the printed table)
    one slice: ``category`` (default: B's siting category, else ``district_office`` if
    present, else the first), ``profile`` (default ``adult``) and ``threshold_min`` (default
    10 or the first).

    Writes ``compare.csv`` and ``compare.md`` into ``out_dir`` when given.

    Parameters
    ----------
    a, b
        The runs (output folders or scenario TOMLs).
    out_dir
        Where to write ``compare.csv``, ``compare.md`` and the runs of TOML arguments.
    category, profile, threshold_min
        The slice shown in the Markdown (defaults as above).
    quiet
        No step messages while running TOML arguments.

    Returns
    -------
    CompareResult

    Raises
    ------
    InputFileError
        A folder that is not a finished run, or whose tables or files differ from the
        sha256 recorded in its ``run.json`` / ``manifest.json`` (edited or truncated after
        the run): it is refused, naming the file, rather than compared.
    """
    for arg in (a, b):  # a truncated or edited table is refused, before anything is written
        if Path(arg).is_dir():
            verify_run(arg)
    out_root = Path(out_dir) if out_dir is not None else None
    if out_root is not None:
        ensure_writable_dir(out_root)  # fail before running anything
    a_dir, a_name = _resolve_run(a, out_root, "a", quiet=quiet)
    b_dir, b_name = _resolve_run(b, out_root, "b", quiet=quiet)
    diff = compare_tables(read_run_tables(a_dir), read_run_tables(b_dir))
    # B's choices win: its siting, else its map settings
    cat, prof, thr = _slice(diff, _preferences((a_dir, b_dir)), category, profile, threshold_min)
    if cat is None or prof is None or thr is None:
        raise ScenarioError(
            "The two runs have no category × profile × threshold in common.",
            file=b_dir,
            fix="Compare runs of the same city and categories.",
        )
    view = diff[
        (diff["category"] == cat)
        & (diff["profile"] == prof)
        & np.isclose(diff["threshold_min"], float(thr))
    ]
    md = compare_markdown(view, f"{b_name} − {a_name}", cat, prof, float(thr))
    csv_path = md_path = None
    if out_root is not None:
        csv_path = write_table(diff, out_root / "compare.csv", AREA_KEYS)
        md_path = write_text_atomic(out_root / "compare.md", md)
    return CompareResult(
        diff=diff,
        view=view.reset_index(drop=True),
        markdown=md,
        csv_path=csv_path,
        md_path=md_path,
        a_dir=a_dir,
        b_dir=b_dir,
    )
