"""Comparing two runs per area (B − A) into a folder: ``compare.csv``, ``.md``, ``.html``.

The diff (:func:`compare_tables`) matches the two runs' ``areas.csv`` per category ×
profile × threshold × group × area; :func:`compare` runs scenario TOMLs first, picks the
slice shown, and writes the folder like a run's (staged, with a ``manifest.json``; see
:mod:`proximity.scenario.outputs`). The Swedish table is built by
:mod:`proximity.scenario.compare_table`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from proximity._io import slug, write_text_atomic
from proximity._manifest import MANIFEST_NAME, read_manifest
from proximity.errors import InputFileError, OutputError, ScenarioError
from proximity.scenario.compare_table import (
    PRESENT_SV,
    SUMMED_PREFIX,
    compare_html,
    compare_markdown,
)
from proximity.scenario.integrity import verify_run
from proximity.scenario.model import Scenario
from proximity.scenario.parse import load_scenario
from proximity.scenario.tables import AREA_KEYS, sort_key, write_table

__all__ = [
    "COMPARE_METRICS",
    "PRESENT_SV",
    "CompareResult",
    "compare",
    "compare_html",
    "compare_markdown",
    "compare_tables",
    "default_compare_dir",
    "read_run_tables",
]

T = TypeVar("T")

COMPARE_METRICS = (
    ("covered", "delta_covered"),
    ("covered_share", "delta_covered_share"),
    ("mean_min", "delta_mean_min"),
    ("gini_min", "delta_gini"),
)

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
    row["area_name"] = SUMMED_PREFIX + " + ".join(g["area_name"].astype(str))
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


def _pair_name(a: pd.Series, b: pd.Series) -> pd.Series:
    """B's area name, else A's; a row summed from subareas keeps the other run's name.

    ``"Södra staden (Σ Planteringen + Miatorp + …)"`` when one run split the area.
    """
    out = b.fillna(a).astype(object)
    for summed, plain in ((b, a), (a, b)):
        s, p = summed.astype("string"), plain.astype("string")
        both = s.str.startswith(SUMMED_PREFIX) & p.notna() & ~p.str.startswith(SUMMED_PREFIX)
        both = both.fillna(False).astype(bool)
        out[both] = p[both] + " (" + s[both] + ")"
    return out


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
    m["area_name"] = _pair_name(m["area_name_a"], m["area_name_b"])
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


# ============================================================================ slice
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


# ============================================================================ the runs
def _run_name(folder: Path) -> str:
    """The scenario name a run folder records (else the folder's name)."""
    name = folder.name
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        name = str(json.loads((folder / "run.json").read_text("utf-8"))["scenario"]["name"])
    return name


def _load_toml(arg: str | os.PathLike[str]) -> Scenario | None:
    """The scenario of a TOML argument, None for a run folder (refused if neither)."""
    p = Path(arg)
    if p.is_dir():
        return None
    if p.suffix == ".toml" or not p.exists():
        return load_scenario(p)
    raise ScenarioError(
        "Expected a scenario .toml or the output folder of a run.",
        file=p,
        fix="Give a .toml file or a folder written by `proximity run`.",
    )


def _unpublished(sc: Scenario, publish: bool) -> Scenario:
    """``sc`` without its ``outputs.publish`` unless compare was asked to publish."""
    if publish or not sc.outputs.publish:
        return sc
    return dataclasses.replace(sc, outputs=dataclasses.replace(sc.outputs, publish=False))


def default_compare_dir(a_name: str, b_name: str) -> Path:
    """Where :func:`compare` writes without ``out_dir``: ``out/compare-<a>-vs-<b>``.

    Beside the runs' default output folders (``out/<name>``), never in ``maps/``.
    """
    return Path("out") / f"compare-{slug(a_name)}-vs-{slug(b_name)}"


def _check_target(target: Path, inputs: Sequence[Path]) -> None:
    """Refuse a target that holds an input run, or that is another kind of output."""
    t = Path(os.path.abspath(target))
    for d in inputs:
        r = Path(os.path.abspath(d))
        if r == t or t in r.parents:
            raise OutputError(
                "The comparison would replace the folder of one of the runs it compares.",
                file=target,
                fix="Choose another folder with --out.",
            )
    manifest = read_manifest(t) if t.is_dir() else None
    if manifest is not None and manifest.kind != "compare":
        raise OutputError(
            f"The folder holds a proximity output of another kind ({manifest.kind!r}), not a "
            "comparison; refusing to replace it.",
            file=target,
            fix="Choose another folder with --out.",
        )


# ============================================================================ compare
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
    out_dir
        The comparison's folder.
    csv_path, md_path, html_path
        ``compare.csv``, ``compare.md`` and ``compare.html`` in ``out_dir``.
    a_dir, b_dir
        The two runs' output folders (``out_dir/runs/a-<name>`` for a scenario TOML).
    runs
        The run folders this comparison wrote (those of TOML arguments).
    """

    diff: pd.DataFrame
    view: pd.DataFrame
    markdown: str
    out_dir: Path
    csv_path: Path
    md_path: Path
    html_path: Path
    a_dir: Path
    b_dir: Path
    runs: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        """Every path written: the three tables, the manifest and the run folders."""
        return [
            self.csv_path,
            self.md_path,
            self.html_path,
            self.out_dir / MANIFEST_NAME,
            *self.runs,
        ]


def _view(
    diff: pd.DataFrame,
    folders: tuple[Path, Path],
    category: str | None,
    profile: str | None,
    threshold_min: float | None,
) -> tuple[pd.DataFrame, str, str, float]:
    """The shown slice (group ``all``) and its category, profile and threshold."""
    cat, prof, thr = _slice(diff, _preferences(folders), category, profile, threshold_min)
    if cat is None or prof is None or thr is None:
        raise ScenarioError(
            "The two runs have no category × profile × threshold in common.",
            file=folders[1],
            fix="Compare runs of the same city and categories.",
        )
    keep = (
        (diff["category"] == cat)
        & (diff["profile"] == prof)
        & np.isclose(diff["threshold_min"].astype(float), float(thr))
    )
    if "group" in diff.columns:
        keep &= diff["group"].fillna("all").astype(str) == "all"
    return diff[keep].reset_index(drop=True), str(cat), str(prof), float(thr)


def _run_line(label: str, folder: Path) -> str:
    sc = _run_scenario(folder)
    title = sc.get("title") if isinstance(sc.get("title"), str) else ""
    return f"{label}: {_run_name(folder)}" + (f" – {title}" if title else "")


def compare(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    category: str | None = None,
    profile: str | None = None,
    threshold_min: float | None = None,
    quiet: bool = False,
    publish: bool = False,
) -> CompareResult:
    """Compare two runs per area (B − A) and write the comparison to its own folder.

    ``a`` and ``b`` are each the output folder of a finished run, or a scenario TOML, which
    is run first into ``<out_dir>/runs/a-<name>/`` (``b-<name>``); a comparison never
    rewrites the runs' own output folders, and never publishes maps unless ``publish``.

    The folder holds ``compare.csv`` (every category × profile × threshold × group × area),
    ``compare.md`` and ``compare.html`` (one slice, in Swedish: ``category``, default B's
    siting category, else its first map category, else the same of A, else
    ``district_office`` if present, else the first; ``profile``, default B's siting or map
    profile, else A's, else ``adult``; ``threshold_min``, default B's siting or map threshold,
    else A's, else 10 min when computed, else the smallest) and a ``manifest.json``. It is written like a run's folder: staged and
    renamed into place, and an existing folder is replaced only when its manifest vouches
    for every file in it (and it is a comparison). To compare without writing anything, use
    :func:`compare_tables` on :func:`read_run_tables` of two run folders.

    Parameters
    ----------
    a, b
        The runs (output folders or scenario TOMLs).
    out_dir
        The comparison's folder; default :func:`default_compare_dir` (``out/compare-<a>-vs-<b>``,
        relative to the current folder).
    category, profile, threshold_min
        The slice shown in the Markdown and HTML (defaults as above).
    quiet
        No step messages while running TOML arguments.
    publish
        Also publish the maps of TOML arguments to their ``outputs.maps_dir`` (like
        ``proximity run --publish``). Default: a scenario's ``outputs.publish`` is ignored.

    Returns
    -------
    CompareResult

    Raises
    ------
    InputFileError
        A folder that is not a finished run, or whose tables or files differ from the
        sha256 recorded in its ``run.json`` / ``manifest.json`` (edited or truncated after
        the run): it is refused, naming the file, rather than compared.
    OutputError
        The folder cannot be written, holds files proximity did not write, is another kind
        of output, or holds one of the compared runs.
    """
    from proximity.scenario.outputs import publish as publish_folder
    from proximity.scenario.outputs import stage_dir
    from proximity.scenario.pipeline import run  # the pipeline writes with compare_tables

    for arg in (a, b):  # a truncated or edited table is refused, before anything is written
        if Path(arg).is_dir():
            verify_run(arg)
    scs = (_load_toml(a), _load_toml(b))
    names = [sc.name if sc else _run_name(Path(x)) for sc, x in zip(scs, (a, b), strict=True)]
    target = Path(out_dir) if out_dir is not None else default_compare_dir(*names)
    _check_target(target, [Path(x) for x, sc in zip((a, b), scs, strict=True) if sc is None])
    staging = stage_dir(target, "compare")  # fails fast, before any scenario runs
    try:
        dirs, runs = [], []
        for label, arg, sc in zip(("a", "b"), (a, b), scs, strict=True):
            if sc is None:
                dirs.append(Path(arg))
                continue
            rel = Path("runs") / f"{label}-{slug(sc.name)}"
            run(_unpublished(sc, publish), out_dir=staging / rel, quiet=quiet, publish=publish)
            dirs.append(staging / rel)
            runs.append(rel)
        diff = compare_tables(read_run_tables(dirs[0]), read_run_tables(dirs[1]))
        view, cat, prof, thr = _view(diff, (dirs[0], dirs[1]), category, profile, threshold_min)
        title = f"{names[1]} − {names[0]}"
        lines = [_run_line("A", dirs[0]), _run_line("B", dirs[1])]
        md = compare_markdown(view, title, cat, prof, thr, runs=lines)
        write_table(diff, staging / "compare.csv", AREA_KEYS)
        write_text_atomic(staging / "compare.md", md)
        write_text_atomic(
            staging / "compare.html", compare_html(view, title, cat, prof, thr, runs=lines)
        )
        publish_folder(staging, target, "compare")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    a_dir, b_dir = (target / d.relative_to(staging) if staging in d.parents else d for d in dirs)
    return CompareResult(
        diff=diff,
        view=view,
        markdown=md,
        out_dir=target,
        csv_path=target / "compare.csv",
        md_path=target / "compare.md",
        html_path=target / "compare.html",
        a_dir=a_dir,
        b_dir=b_dir,
        runs=[target / r for r in runs],
    )
