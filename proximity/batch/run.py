"""``proximity batch``: one scenario for many municipalities, as Dask tasks (issue 15).

Steps of :func:`run_batch`:

1. the municipalities (``all`` or codes) from the municipality table, largest first
   (:mod:`proximity.batch.plan`);
2. their extracts, cut from the national file in levels within a memory budget
   (:mod:`proximity.batch.split`; existing extracts are reused);
3. the input hash of each; finished municipalities with the same hash are skipped;
4. the others as Dask tasks (:mod:`proximity.batch.schedule`,
   :mod:`proximity.batch.task`): a failure is retried, then recorded;
5. the national tables (:mod:`proximity.batch.national`) and the national report
   (:mod:`proximity.batch.report`) from every finished municipality;
6. ``<out>/batch.json``: what ran, what was skipped, what failed and why, the split passes
   with their measured memory.

Output folder::

    extracts/<code>.osm.pbf, extracts/lan/<län>.osm.pbf
    municipalities/<code>/{bundle/, scenario.toml, run/, result.json, manifest.json}
    national/kommuner.parquet, national/omraden.parquet, national/rapport.html,
    national/fel.csv
    batch.json
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from proximity._io import atomic_path, write_json_atomic
from proximity._text import terminal_safe
from proximity.batch import national, plan, report, split
from proximity.batch.schedule import ClusterOptions, Outcome, run_jobs
from proximity.batch.task import municipal_scenario, read_result
from proximity.errors import InputFileError, ParameterError


@dataclass(frozen=True)
class BatchOptions:
    """What ``proximity batch`` was asked for.

    Parameters
    ----------
    scenario : Path
        The scenario TOML applied to every municipality (its ``city`` is replaced).
    out : Path
        The batch folder.
    municipalities : str or sequence of str
        ``"all"`` or 4-digit codes.
    osm : Path, optional
        The national extract (needed for municipalities without an extract yet).
    extracts : Path, optional
        Folder of ``<code>.osm.pbf`` extracts (default ``<out>/extracts``).
    areas, population, deso : Path, optional
        National files (clipped per municipality); None: SCB online.
    table : Path, optional
        Another municipality table (default ``data/sweden/kommuner.gpkg``).
    cluster : ClusterOptions
        Where to run.
    split : SplitOptions
        How to split the national extract.
    buffer_m : float
        The bundles' network buffer.
    """

    scenario: Path
    out: Path
    municipalities: str | tuple[str, ...] = "all"
    osm: Path | None = None
    extracts: Path | None = None
    areas: Path | None = None
    population: Path | None = None
    deso: Path | None = None
    table: Path | None = None
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    split: split.SplitOptions = field(default_factory=split.SplitOptions)
    buffer_m: float = 500.0


@dataclass
class BatchResult:
    """What a batch did: done (this run), skipped (done before), failed (with errors)."""

    out: Path
    done: dict[str, dict[str, Any]]
    skipped: list[str]
    failed: dict[str, str]
    order: list[str]
    split: split.SplitReport
    seconds: float
    tables: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None


def _files(opts: BatchOptions) -> dict[str, Path | None]:
    files = dict(
        areas=opts.areas, population=opts.population, deso=opts.deso, municipalities=opts.table
    )
    for k, v in files.items():
        if v is not None and not Path(v).exists():
            raise InputFileError(f"--{k} file not found.", file=v, fix="Check the path.")
    # absolute: the workers of a remote cluster do not share the client's current folder
    return {k: (Path(v).resolve() if v is not None else None) for k, v in files.items()}


def _extracts(
    opts: BatchOptions, munis: Any, say: Callable[[str], None]
) -> tuple[Path, split.SplitReport]:
    folder = Path(opts.extracts).resolve() if opts.extracts else opts.out / "extracts"
    missing = [c for c in munis["kommun_kod"] if not (folder / f"{c}.osm.pbf").exists()]
    if missing and opts.osm is None:
        raise ParameterError(
            f"No extract for {len(missing)} municipality(ies) ({', '.join(missing[:5])}) in "
            f"{folder} and no national extract to cut them from.",
            fix="Pass --osm sweden-latest.osm.pbf (see README, National run).",
        )
    if not missing:
        return folder, split.SplitReport(tool="none (extracts present)")
    return folder, split.split_national(Path(opts.osm), munis, folder, opts.split, say=say)


def _order_line(origin: dict[str, int], by_area: int) -> str:
    """The log line saying where the largest-first order's sizes come from."""
    parts = [
        f"{origin['--population']} by population from --population",
        f"{origin['SCB 2025']} by SCB's population 2025 (data/sweden/population_kommun_2025.csv)",
        f"{by_area} by land area (no population)",
    ]
    kept = [p for p in parts if not p.startswith("0 ")]
    return "order: largest first; " + ", ".join(kept)


def plan_jobs(
    opts: BatchOptions, say: Callable[[str], None] = print
) -> tuple[list[plan.Job], Any, split.SplitReport]:
    """The ordered jobs of a batch (extracts cut where missing), the table and the split."""
    from proximity.bundle.municipality import read_table

    opts = dataclasses.replace(opts, out=Path(opts.out).resolve())
    if not Path(opts.scenario).is_file():
        raise InputFileError("Scenario file not found.", file=opts.scenario, fix="Check it.")
    municipal_scenario(Path(opts.scenario), "0000")  # a bad template fails before any work
    files = _files(opts)
    munis = plan.select(read_table(opts.table), opts.municipalities)
    pop, origin = plan.order_population(opts.population, list(munis["kommun_kod"]))
    order = plan.order_largest_first(munis, pop)
    say(_order_line(origin, len(order) - len(pop)))
    folder, rep = _extracts(opts, munis, say)
    scenario = Path(opts.scenario).resolve()
    jobs = []
    for code, name, people in order:
        osm = folder / f"{code}.osm.pbf"
        h = plan.input_hash(opts.scenario, osm, files, code=code, buffer_m=opts.buffer_m)
        mfolder = opts.out / "municipalities" / code
        jobs.append(plan.Job(code, name, mfolder, scenario, osm, files, opts.buffer_m, people, h))
    return jobs, munis, rep


def run_batch(opts: BatchOptions, *, say: Callable[[str], None] = print) -> BatchResult:
    """Run a batch (see the module docstring).

    Parameters
    ----------
    opts : BatchOptions
        The request.
    say : callable
        Progress lines (one per municipality).

    Returns
    -------
    BatchResult
    """
    t0 = dt.datetime.now(dt.UTC)
    opts = dataclasses.replace(opts, out=Path(opts.out).resolve())
    jobs, munis, rep = plan_jobs(opts, say)
    todo, skipped = [], []
    for j in jobs:
        if plan.is_done(j.folder, j.input_hash):
            skipped.append(j.code)
            say(
                f"skip {terminal_safe(j.code + ' ' + j.name)}: done, same input hash {j.input_hash[:12]}"
            )
        else:
            todo.append(j)
    outcome = run_jobs(todo, opts.cluster, say=say) if todo else Outcome()
    finished = {j.code: j.folder for j in jobs if j.code in skipped or j.code in outcome.results}
    tables = national.gather(finished, munis, opts.out / "national")
    res = BatchResult(
        out=opts.out,
        done=outcome.results,
        skipped=skipped,
        failed=outcome.errors,
        order=[j.code for j in jobs],
        split=rep,
        seconds=round((dt.datetime.now(dt.UTC) - t0).total_seconds(), 3),
        tables=tables,
    )
    names = {j.code: j.name for j in jobs}
    _write_failures(res, names)
    results = {j.code: read_result(j.folder) for j in jobs if j.code in finished}
    empty = {c: names[c] for c, r in results.items() if r.get("services") == 0}
    if len(tables["kommuner"]):
        res.report = report.write_report(
            tables["kommuner"], opts.out / "national" / "rapport.html", no_services=empty
        )
    _write_summary(res, names, results, t0)
    return res


def _write_failures(res: BatchResult, names: dict[str, str]) -> None:
    rows = [dict(kommun_kod=c, kommun_namn=names[c], fel=e) for c, e in sorted(res.failed.items())]
    target = res.out / "national" / "fel.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        pd.DataFrame(rows, columns=["kommun_kod", "kommun_namn", "fel"]).to_csv(tmp, index=False)


def _write_summary(
    res: BatchResult, names: dict[str, str], results: dict[str, Any], started: dt.datetime
) -> None:
    write_json_atomic(
        res.out / "batch.json",
        dict(
            started=started.isoformat(timespec="seconds"),
            seconds=res.seconds,
            order=res.order,
            done=sorted(res.done),
            skipped=res.skipped,
            failed={c: dict(name=names[c], error=e) for c, e in sorted(res.failed.items())},
            no_services=sorted(c for c, r in results.items() if r.get("services") == 0),
            results=results,
            split=dict(tool=res.split.tool, passes=res.split.passes),
        ),
    )
