"""Running the municipal tasks on Dask: any cluster, largest first, retries, skip when done.

A :class:`distributed.LocalCluster` (processes, one thread each, ``memory_limit`` per
worker: the nanny restarts a worker above it) unless ``scheduler`` is a scheduler address
(``tcp://HOST:8786``: dask-jobqueue, dask-kubernetes, ``dask scheduler`` by hand). Tasks are
submitted largest population first with a matching Dask ``priority``; a task that raises is
retried ``retries`` times, and a task whose worker dies is rescheduled by Dask (up to
``distributed.scheduler.allowed-failures`` deaths); after that its error is recorded and the
batch goes on. Dask is imported here only, so the CLI starts fast.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from proximity._text import terminal_safe
from proximity.batch.plan import Job
from proximity.batch.task import run_municipality

#: Appended to a municipality's log line when its bundle holds no service of any kind.
NO_SERVICES_LOG = "; NO SERVICES of any kind in its data: every resident counted without one"


@dataclass(frozen=True)
class ClusterOptions:
    """Where to run: ``"local"`` or a scheduler address; local workers and their memory."""

    scheduler: str = "local"
    workers: int | None = None
    memory_limit: str = "4GB"
    retries: int = 1


@dataclass
class Outcome:
    """What became of each task: results by code, errors by code, timing."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    workers: int = 0


def _client(opts: ClusterOptions) -> tuple[Any, Any]:
    """A connected client and the cluster it started (None when given an address)."""
    from distributed import Client, LocalCluster

    if opts.scheduler != "local":
        return Client(opts.scheduler), None
    import os

    n = opts.workers or max(1, (os.cpu_count() or 2) - 1)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        memory_limit=opts.memory_limit,
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,  # a task's error is printed once, by _collect  # any free port (several batches on one machine)
    )
    return Client(cluster), cluster


def _preload() -> None:
    """Import the task's modules in a worker, so the first task's time is its own work."""
    import importlib

    for name in ("proximity.bundle", "proximity.scenario", "proximity.coverage"):
        importlib.import_module(name)


def _error_text(future: Any) -> str:
    exc = future.exception()
    name = type(exc).__name__
    if name == "KilledWorker":
        return (
            "KilledWorker: the worker running this municipality died repeatedly (memory "
            "limit or crash); raise --memory-limit or run it alone."
        )
    return f"{name}: {exc}"


def run_jobs(
    jobs: Sequence[Job],
    opts: ClusterOptions,
    *,
    say: Callable[[str], None] = print,
    task: Callable[[Job], dict[str, Any]] = run_municipality,
) -> Outcome:
    """Run ``jobs`` (already ordered largest first) on a Dask cluster.

    Parameters
    ----------
    jobs : sequence of Job
        The municipalities to run.
    opts : ClusterOptions
        Cluster and retries.
    say : callable
        One line per finished municipality.
    task : callable
        The task function (the default builds and runs; benchmarks may wrap it).

    Returns
    -------
    Outcome
    """
    from distributed import as_completed

    out = Outcome()
    if not jobs:
        return out
    t0 = time.perf_counter()
    client, cluster = _client(opts)
    try:
        out.workers = len(client.scheduler_info()["workers"])
        client.run(_preload)
        say(f"dask: {out.workers} workers at {client.scheduler.address}")
        futures = {}
        for rank, job in enumerate(jobs):
            f = client.submit(
                task,
                job,
                key=f"municipality-{job.code}-{job.input_hash[:12]}",
                retries=opts.retries,
                priority=len(jobs) - rank,
                pure=False,
            )
            futures[f] = job
        for i, f in enumerate(as_completed(futures), 1):
            job = futures[f]
            _collect(f, job, out, say, f"[{i:>{len(str(len(jobs)))}}/{len(jobs)}]")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    out.seconds = round(time.perf_counter() - t0, 3)
    return out


def _collect(f: Any, job: Job, out: Outcome, say: Callable[[str], None], tag: str) -> None:
    """Record one finished future and print its line."""
    label = terminal_safe(f"{job.code} {job.name}")
    if f.status == "finished":
        r = f.result()
        out.results[job.code] = r
        say(
            f"{tag} {label}: done in {r['seconds']:.1f} s "
            f"(network {r['network_nodes']:,} nodes, {r['network_edges']:,} edges"
            + (NO_SERVICES_LOG if r.get("services") == 0 else "")
            + ")"
        )
        return
    try:
        out.errors[job.code] = _error_text(f)
    except Exception:  # the error itself could not be read back
        out.errors[job.code] = traceback.format_exc(limit=1).strip()
    say(f"{tag} {label}: FAILED after retries: {terminal_safe(out.errors[job.code])}")
