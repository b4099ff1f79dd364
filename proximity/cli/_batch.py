"""Private: ``proximity batch`` (one scenario for many municipalities on Dask).

Dask is imported only when the command runs (:mod:`proximity.batch.schedule`), so every
other command starts without it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from proximity.cli._common import EXIT_INPUT, EXIT_OK, err, info

_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory(text: str) -> str:
    """An argparse ``type`` for a memory size such as ``4GB`` (kept as text for Dask)."""
    if not _MEMORY.match(text.strip()):
        raise argparse.ArgumentTypeError(
            f"must be a memory size such as 4GB or 512MB, got {text!r}. Fix: e.g. "
            "--memory-limit 4GB"
        )
    return text.strip()


def memory_bytes(text: str) -> int:
    """Bytes of a size accepted by :func:`memory`."""
    m = re.match(r"^([\d.]+)\s*([a-zA-Z]+)$", text.strip())
    assert m is not None
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def _count(least: int) -> Any:
    def parse(text: str) -> int:
        if not text.strip().isdigit() or int(text) < least:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {least}, got {text!r}")
        return int(text)

    return parse


def add_batch(sub: Any) -> None:
    """Register ``proximity batch`` on the top-level subparsers."""
    b = sub.add_parser(
        "batch",
        help="run one scenario for many municipalities (all 290) on a Dask cluster",
        description="Cut the national OSM extract into municipal extracts, build each "
        "municipality's bundle, run the scenario on it as a Dask task, and gather national "
        "GeoParquet tables and a national report. A re-run skips finished municipalities.",
    )
    b.add_argument("scenario", help="scenario TOML (its city is replaced by each bundle)")
    b.add_argument(
        "--municipalities", default="all", metavar="all|CODES", help="all, or e.g. 0180,1480"
    )
    b.add_argument("--osm", metavar="FILE.osm.pbf", help="the national extract (Geofabrik)")
    b.add_argument("--extracts", metavar="DIR", help="municipal extracts (default OUT/extracts)")
    b.add_argument("--out", metavar="DIR", required=True, help="the batch folder")
    b.add_argument("--scheduler", default="local", help="local (default) or tcp://HOST:8786")
    b.add_argument("--workers", type=_count(1), default=None, help="local workers (cores - 1)")
    b.add_argument("--memory-limit", type=memory, default="4GB", help="per local worker (4GB)")
    b.add_argument("--retries", type=_count(0), default=1, help="retries of a failed task (1)")
    b.add_argument("--areas", metavar="FILE", help="national reporting areas (else DeSO)")
    b.add_argument("--deso", metavar="FILE", help="national DeSO polygons (desokod)")
    b.add_argument("--population", metavar="FILE", help="population per area (else SCB)")
    b.add_argument("--municipality-table", metavar="FILE", help="another municipality table")
    b.add_argument(
        "--split-memory", type=memory, default="8GB", help="memory budget of a split pass (8GB)"
    )
    b.add_argument("--split-buffer-m", type=float, default=2000.0, help="extract buffer (2000)")
    b.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)
    b.set_defaults(func=cmd_batch)


def cmd_batch(args: argparse.Namespace) -> int:
    """Run ``proximity batch``."""
    from proximity.batch import BatchOptions, ClusterOptions, SplitOptions, run_batch

    def path(v: str | None) -> Path | None:
        return Path(v) if v else None

    opts = BatchOptions(
        scenario=Path(args.scenario),
        out=Path(args.out),
        municipalities=args.municipalities,
        osm=path(args.osm),
        extracts=path(args.extracts),
        areas=path(args.areas),
        population=path(args.population),
        deso=path(args.deso),
        table=path(args.municipality_table),
        cluster=ClusterOptions(args.scheduler, args.workers, args.memory_limit, args.retries),
        split=SplitOptions(
            buffer_m=args.split_buffer_m, budget_bytes=memory_bytes(args.split_memory)
        ),
    )
    res = run_batch(opts, say=lambda m: info(args, m))
    info(
        args,
        f"batch: {len(res.done)} done, {len(res.skipped)} skipped (already done), "
        f"{len(res.failed)} failed in {res.seconds:.0f} s → {res.out}",
    )
    for code, e in sorted(res.failed.items()):
        err(f"failed: {code}: {e.splitlines()[0]}")
    if res.report is not None:
        info(args, f"report: {res.report}")
    return EXIT_INPUT if res.failed else EXIT_OK
