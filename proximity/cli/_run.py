"""Private: ``proximity run`` and ``check`` (``compare``: :mod:`proximity.cli._compare`)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from proximity._text import terminal_safe
from proximity.cli._common import EXIT_OK, err, fmt, info, out


def check_folder_option(value: str | None, option: str, *, what: str) -> None:
    """Refuse a folder option (``--out``, ``--maps-dir``) that cannot be written, before work.

    Raises
    ------
    OutputError
        Naming the folder and the option that chooses another one.
    """
    if value is None:
        return
    from proximity._io import check_folder_writable
    from proximity.errors import OutputError

    folder = Path(value)
    fix = f"Choose a folder you can write to with {option} DIR."
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"The {what} ({option}) exists and is not a folder.", file=folder, fix=fix
        )
    check_folder_writable(folder, fix=fix, what=f"the {what} ({option})")


def cmd_run(args: argparse.Namespace) -> int:
    """``proximity run SCENARIO``: run it and print the summary, sites and output files."""
    from proximity.maps.labels import snap_quality_text
    from proximity.scenario import load_scenario, population_unit, run

    t0 = time.perf_counter()
    check_folder_option(args.out, "--out", what="output folder")
    check_folder_option(args.maps_dir, "--maps-dir", what="maps folder")
    scenario = load_scenario(args.scenario)
    res = run(
        scenario,
        out_dir=args.out,
        maps_dir=args.maps_dir,
        quiet=args.quiet,
        publish=bool(getattr(args, "publish", False)),
    )
    out(f"{scenario.title or scenario.name}")
    out(
        f"distance method: {res.distance_method}"
        + ("   <-- CROW-FLY APPROXIMATION, NOT A WALKING NETWORK" if res.crowfly else "")
    )
    snap_warning = snap_quality_text(res.access, "en")
    if snap_warning:
        err(f"WARNING: {snap_warning} Those residents count as unreachable.")
    unit = population_unit(res.access, res.city)
    proxy = unit != "persons"
    if proxy:
        out(
            f"population unit: {unit}   <-- RESIDENTIAL FLOOR AREA (m2) FROM OSM, A POPULATION "
            "PROXY, NOT PERSONS: counts are m2, compare the shares"
        )
    _print_total_table(scenario, res, proxy=proxy)
    if res.siting is not None:
        _print_sites(res.siting, proxy=proxy)
    _print_outputs(res)
    info(args, f"finished in {time.perf_counter() - t0:.1f} s")
    return EXIT_OK


def _print_total_table(scenario: Any, res: Any, *, proxy: bool) -> None:
    """Coverage of the whole study area at the threshold and profile the maps show."""
    from proximity.scenario import map_settings
    from proximity.sources.city import TOTAL_AREA_ID, total_area_label

    _cats, thr, prof = map_settings(scenario, res.access)
    areas = res.areas()
    total = areas[(areas["area_id"] == TOTAL_AREA_ID) & (areas.get("group", "all") == "all")]
    view = total[
        (total["threshold_min"].astype(float) == float(thr)) & (total["profile"] == str(prof))
    ]
    if not len(view):
        return
    out(f"\n{total_area_label(res.city)}, {prof}, within {fmt(thr, 0)} min:")
    rows = view.sort_values("category").itertuples()
    if proxy:  # the share is the main figure; the count is floor area
        out(f"  {'category':<24s} {'share':>7s} {'covered m2':>11s} {'mean min':>9s}")
        for r in rows:
            out(
                f"  {terminal_safe(r.category):<24s} {float(r.covered_share) * 100:>6.1f}%"
                f" {int(r.covered):>11d} {fmt(r.mean_min):>9s}"
            )
    else:
        out(f"  {'category':<24s} {'covered persons':>15s} {'share':>7s} {'mean min':>9s}")
        for r in rows:
            out(
                f"  {terminal_safe(r.category):<24s} {int(r.covered):>15d}"
                f" {float(r.covered_share) * 100:>6.1f}% {fmt(r.mean_min):>9s}"
            )


def _print_sites(siting: Any, *, proxy: bool) -> None:
    """The ranked new sites with their marginal gains."""
    out(
        f"\nRanked new sites ({siting.model}, k={len(siting.chosen)}, "
        f"gap {fmt(getattr(siting, 'gap', float('nan')) * 100, 2)}%):"
    )
    gains = list(getattr(siting, "marginal_gain", []))
    gain_suffix = ""
    if proxy:  # marginal gains are in the demand's unit: m2 of floor area (× min)
        p_median = getattr(siting, "model", "mclp") == "p_median"
        gain_suffix = " m2 floor area" + (" × min" if p_median else "")
    per = getattr(siting, "per_site", None)
    names = {}
    if per is not None and "name" in per.columns:
        names = dict(zip(per["candidate_id"].astype(str), per["name"].astype(str), strict=False))
    for i, cid in enumerate(siting.chosen, start=1):
        gain = fmt(gains[i - 1], 0) if i - 1 < len(gains) else "?"
        out(f"  {i}. {cid}  {names.get(str(cid), '')}  (+{gain}{gain_suffix})")


def _print_outputs(res: Any) -> None:
    """The output folder, the files written and the published maps."""
    out(f"\noutputs: {res.out_dir}")
    for p in [
        *res.tables.values(),
        *res.maps,
        *([res.report] if res.report else []),
        *([res.out_dir / "report.pdf"] if (res.out_dir / "report.pdf").is_file() else []),
        *res.area_profiles,
    ]:
        out(f"  {p}")
    if res.published_maps:
        out(f"\nmaps published to: {res.published_maps[0].parent}")
        for p in res.published_maps:
            out(f"  {p}")


def cmd_check(args: argparse.Namespace) -> int:
    """``proximity check SCENARIO``: validate it against its city without running it."""
    from proximity.scenario import check_against_city, load_scenario
    from proximity.sources import load_city

    scenario = load_scenario(args.scenario)
    city = load_city(scenario.city)
    check_against_city(scenario, city)
    out(
        f"{args.scenario}: OK ({scenario.name}; city {city.name}; "
        f"{len(scenario.interventions)} intervention(s); "
        f"network {scenario.network.source}"
        + (f", fallback {scenario.network.fallback}" if scenario.network.source == "auto" else "")
        + ")"
    )
    return EXIT_OK
