"""Writing a run: staging, publishing and ``run.json``.

The tables, maps, report and ``run.json`` go into a staging folder, published atomically
(renamed over the output folder, and the maps copied to the shared maps folder) only when
everything was written. Both folders are published through :mod:`proximity._manifest`
(kinds ``"run"`` and ``"maps"``): each gets a ``manifest.json``, and a folder holding files
its manifest does not vouch for is refused, naming them. Provenance paths are made portable
(:mod:`proximity.scenario.portable`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from proximity._io import ensure_writable_dir, file_sha256, write_json_atomic
from proximity._manifest import (
    MANIFEST_NAME,
    check_replaceable,
    clean_stale_staging,
    foreign_files,
    mark_staging,
    replace_folder,
)
from proximity.errors import OutputError, ProximityError
from proximity.scenario._common import StepReporter
from proximity.scenario.compare import compare_tables
from proximity.scenario.documents import write_area_profiles, write_maps, write_report
from proximity.scenario.model import JSONValue
from proximity.scenario.portable import portable_paths, provenance_bases
from proximity.scenario.tables import (
    AREA_KEYS,
    areas_table,
    categories_table,
    equity_frame,
    population_unit,
    siting_tables,
    write_table,
)

if TYPE_CHECKING:
    import pandas as pd

    from proximity.report.pdf import BackgroundPdf, PdfResult
    from proximity.scenario.pipeline import RunResult


# ============================================================================ staging, publishing
#: The option that chooses each kind of folder, named by the fixes.
OPTIONS = {
    "run": "--out",
    "maps": "--maps-dir (or outputs.maps_dir in the scenario)",
    "compare": "--out",
}
_WHAT = {"run": "output", "maps": "maps", "compare": "comparison"}


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def open_up(folder: Path) -> None:
    """Give a staging folder (``mkdtemp``: 0700) the mode a normal ``mkdir`` would have.

    That is ``0o777 & ~umask``, so that published outputs and maps can be shared.
    """
    os.chmod(folder, 0o777 & ~_current_umask())


def _absolute(target: Path) -> Path:
    """``target`` as an absolute path (``--out .`` has no name and no parent otherwise)."""
    return Path(os.path.abspath(target))


def _refuse_old_output(target: Path, kind: str) -> None:
    """Refuse a folder an older proximity wrote: it has no manifest to tell its files apart."""
    if not target.is_dir() or (target / MANIFEST_NAME).exists():
        return
    files = foreign_files(target)  # without a manifest: every file, relative
    old = (
        "run.json" in files
        if kind == "run"
        else bool(files) and all(f.endswith(".html") for f in files)
    )
    if old:
        shown = ", ".join(files[:10]) + (f" and {len(files) - 10} more" if len(files) > 10 else "")
        raise OutputError(
            f"The {_WHAT[kind]} folder was written by an older version of proximity: it has "
            "no manifest.json, so proximity cannot tell its own files from yours "
            f"({shown}); refusing to replace it.",
            file=target,
            fix="Move the folder elsewhere or delete it (after saving any files of yours in "
            f"it), then run again; or choose another folder with {OPTIONS[kind]}.",
        )


def check_target(target: Path, kind: str) -> None:
    """Refuse to replace ``target`` unless it is absent, empty or wholly proximity's own.

    Parameters
    ----------
    target
        The run's output folder (``kind = "run"``) or ``<maps_dir>/<name>`` (``"maps"``).
    kind
        ``"run"`` or ``"maps"``.

    Raises
    ------
    OutputError
        The folder holds files its ``manifest.json`` does not vouch for (naming them), or
        is an older output without a manifest, or is a file; the fix names the option.
    """
    target = _absolute(target)
    _refuse_old_output(target, kind)
    check_replaceable(target, option=OPTIONS[kind])


def _cannot_write(target: Path, kind: str, exc: BaseException) -> OutputError:
    cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else exc
    if isinstance(cause, OSError):
        detail = cause.strerror or str(cause)
    else:
        detail = exc.message if isinstance(exc, ProximityError) else str(exc)
    return OutputError(
        f"Cannot write the {_WHAT[kind]} folder: {detail}",
        file=target,
        fix=f"Choose a folder you can write to with {OPTIONS[kind]}.",
    )


def _prepare(target: Path, kind: str) -> None:
    """The parent exists; stale staging of killed writers is gone; the target may be replaced."""
    try:
        ensure_writable_dir(target.parent)
        clean_stale_staging(target.parent, target.name)
    except (ProximityError, OSError) as exc:
        raise _cannot_write(target, kind, exc) from exc
    try:
        check_target(target, kind)
    except OSError as exc:
        raise _cannot_write(target, kind, exc) from exc


def _new_staging(target: Path) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    mark_staging(staging)  # a later run removes it if this process is killed
    return staging


def check_maps_target(target: Path) -> None:
    """Fail fast if ``<maps_dir>/<name>`` cannot be (re)published.

    It must be absent, empty, or an earlier publication of proximity (every file listed in
    its ``manifest.json``, unchanged); its parent writable. Staging folders that a killed
    run left next to it are removed.
    """
    _prepare(_absolute(target), "maps")


def stage_maps(maps: Sequence[Path], target: Path) -> Path:
    """Copy the run's maps into a staging folder next to ``target`` (published later)."""
    staging = _new_staging(_absolute(target))
    try:
        for m in maps:
            shutil.copyfile(m, staging / m.name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def stage_dir(target: Path, kind: str = "run") -> Path:
    """A new hidden staging folder next to the output folder ``target``.

    Fails fast if ``target`` cannot be written or replaced (a file, a folder holding files
    proximity did not write, an older output without ``manifest.json``). Staging folders
    that a killed run left next to it are removed first. ``kind`` is ``"run"`` or
    ``"compare"`` (the folder of ``proximity compare``).
    """
    target = _absolute(target)
    _prepare(target, kind)
    try:
        return _new_staging(target)
    except OSError as exc:
        raise _cannot_write(target, kind, exc) from exc


def missing_folders(*targets: Path) -> list[Path]:
    """The folders above ``targets`` that do not exist yet, deepest first.

    A run creates them (for its staging folders); :func:`remove_empty` takes away those
    left empty when the run fails.
    """
    out: set[Path] = set()
    for t in targets:
        p = _absolute(t).parent
        while not p.exists() and p != p.parent:
            out.add(p)
            p = p.parent
    return sorted(out, key=lambda p: len(p.parts), reverse=True)


def remove_empty(folders: Sequence[Path]) -> None:
    """Remove each of ``folders`` that exists and is empty (deepest first)."""
    for d in folders:
        with contextlib.suppress(OSError):
            d.rmdir()


def publish(staging: Path, target: Path, kind: str = "run") -> None:
    """Move the staging folder over ``target`` with its ``manifest.json``.

    The folder is checked again just before (only proximity's own files are replaced);
    ``target`` may be the current folder (``--out .``).
    """
    open_up(staging)
    replace_folder(staging, _absolute(target), kind, option=OPTIONS[kind])


# ============================================================================ writing a run
def _write_siting_tables(res: RunResult, tables_dir: Path, staging: Path) -> None:
    if res.siting is None:
        return
    unit = population_unit(res.access, res.city)
    for key, df in siting_tables(res.siting, res.method, population_unit=unit).items():
        res.tables[key] = write_table(
            df,
            tables_dir / f"{key}.csv",
            [c for c in ("rank", "area_id", "candidate_id") if c in df.columns],
        )
    portable = portable_paths(res.siting.provenance, provenance_bases(res.scenario))
    dataclasses.replace(res.siting, provenance=portable).write(staging / "data" / "siting")


def _write_tables(
    res: RunResult,
    staging: Path,
    areas: pd.DataFrame,
    baseline_areas: pd.DataFrame | None,
    *,
    date: str,
) -> None:
    """``tables/*.csv`` and ``data/`` (the layers' own outputs), into ``staging``."""
    scenario, city = res.scenario, res.city
    tables_dir = staging / "tables"
    res.tables["areas"] = write_table(areas, tables_dir / "areas.csv", AREA_KEYS)
    res.tables["categories"] = write_table(
        categories_table(city, scenario, res.added_sites), tables_dir / "categories.csv"
    )
    res.tables["equity"] = write_table(
        equity_frame(res.access, city),
        tables_dir / "equity.csv",
        ["category", "profile", "threshold_min"],
    )
    if scenario.outputs.nonprofits_near:
        from proximity.scenario.districts import nonprofits_near_table

        res.tables["nonprofits_near"] = write_table(
            nonprofits_near_table(scenario, city, res.network, res.profiles),
            tables_dir / "nonprofits_near.csv",
        )
    if res.access_before_siting is not None:
        res.tables["areas_before_siting"] = write_table(
            areas_table(res.access_before_siting, city, date=date),
            tables_dir / "areas_before_siting.csv",
            AREA_KEYS,
        )
    _write_siting_tables(res, tables_dir, staging)
    from proximity.scenario.equity_run import write_equity_outputs  # [equity], need weights

    res.tables.update(write_equity_outputs(res, staging))
    if baseline_areas is not None:
        diff = compare_tables(baseline_areas, areas)
        res.tables["delta_vs_baseline"] = write_table(
            diff, tables_dir / "delta_vs_baseline.csv", AREA_KEYS
        )
    portable = portable_paths(res.access.provenance, provenance_bases(res.scenario))
    dataclasses.replace(res.access, provenance=portable).write(staging / "data")


def _run_json(
    res: RunResult, staging: Path, date: str, maps_target: Path | None
) -> dict[str, JSONValue]:
    """The contents of ``run.json`` (with portable paths: :mod:`~proximity.scenario.portable`)."""
    method = res.method
    obj: dict[str, JSONValue] = {
        "proximity_run": 1,
        "scenario": res.scenario.to_dict(),
        "date": date,
        "distance_method": method.label,
        "crowfly": method.is_crowfly,
        "population_unit": population_unit(res.access, res.city),
        "network": res.network_origin.to_dict(),
        "network_provenance": res.network_provenance,
        "city": {
            "name": getattr(res.city, "name", None),
            "provenance": getattr(res.city, "provenance", None),
        },
        "interventions": res.log,
        "warnings": res.warnings,
        "tables": {
            k: {"file": p.relative_to(staging).as_posix(), "sha256": file_sha256(p)}
            for k, p in sorted(res.tables.items())
        },
        "maps": [p.relative_to(staging).as_posix() for p in res.maps],
        "maps_isochrones": (
            "reached network (isochrone polygons) of the mapped categories"
            if res.network is not None
            else "none: crow-fly mode has no network to reach along"
        ),
        "published_maps": (
            [(maps_target / p.name).as_posix() for p in res.maps] if maps_target else []
        ),
        "area_profiles": [p.relative_to(staging).as_posix() for p in res.area_profiles],
    }
    return portable_paths(obj, provenance_bases(res.scenario))


def write_outputs(
    res: RunResult,
    staging: Path,
    *,
    date: str,
    steps: StepReporter,
    maps_target: Path | None = None,
) -> None:
    """Write every output of the computed run ``res`` into ``staging``.

    Tables (``areas.csv`` also without ``[outputs] tables``: compare needs it), maps, report,
    area profiles and ``run.json``; the paths are recorded in ``res``.
    """
    scenario = res.scenario
    baseline = res.baseline
    baseline_access = baseline.access if baseline is not None else None
    baseline_areas = areas_table(baseline.access, baseline.city) if baseline is not None else None

    steps.step("writing tables")
    (staging / "tables").mkdir()
    areas = areas_table(res.access, res.city, date=date)
    if scenario.outputs.tables:
        _write_tables(res, staging, areas, baseline_areas, date=date)
    else:
        write_table(areas, staging / "tables" / "areas.csv", AREA_KEYS)  # compare needs it
    with contextlib.ExitStack() as stack:
        job = None
        if scenario.outputs.report and scenario.outputs.pdf:
            job = stack.enter_context(_pdf_job())  # its worker imports the engine meanwhile
        if scenario.outputs.report:  # before the maps: the PDF prints while they are written
            steps.step("report")
            res.report = write_report(scenario, res, staging, baseline_access)
            if job is not None and res.report is not None:
                job.submit(staging / "report.html", staging / "report.pdf", date=date)
            else:
                job = None
        if scenario.outputs.maps:
            steps.step("maps")
            res.maps = write_maps(scenario, res, staging / "maps", baseline_access)
        if scenario.outputs.area_profiles:
            steps.step("area profiles")
            res.area_profiles = write_area_profiles(scenario, res, staging)
        pdf = None
        if job is not None:
            steps.step("report.pdf")
            pdf = _pdf_entry(res, job.result())
    obj = _run_json(res, staging, date, maps_target)
    obj["report_pdf"] = pdf
    write_json_atomic(staging / "run.json", obj)


def _pdf_job() -> BackgroundPdf:
    """A :class:`~proximity.report.pdf.BackgroundPdf` (imported only when a PDF is wanted)."""
    from proximity.report.pdf import BackgroundPdf

    return BackgroundPdf()


def _pdf_entry(res: RunResult, done: PdfResult) -> dict[str, JSONValue] | None:
    """``report.pdf``'s entry in ``run.json`` (:mod:`proximity.report.pdf`); a warning if none.

    Returns ``{"file": "report.pdf", "engine": …}``, or None when no engine could print it
    (the warning is printed and recorded; the run still succeeds).
    """
    if done.engine is None:
        msg = f"warning: {done.warning}"
        print(msg, file=sys.stderr, flush=True)
        res.warnings.append(msg)
        return None
    return {"file": "report.pdf", "engine": done.engine}
