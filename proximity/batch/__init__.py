"""National runs: one scenario for many municipalities as Dask tasks (issue 15).

``proximity batch SCENARIO --municipalities all --osm sweden-latest.osm.pbf --out DIR``
(:func:`run_batch`). Modules: :mod:`~proximity.batch.split` (the national extract cut in
levels within a memory budget, osmium-tool), :mod:`~proximity.batch.clip` (the pyosmium
fallback), :mod:`~proximity.batch.plan` (selection, largest-first order, input hash,
done-markers), :mod:`~proximity.batch.task` (one municipality: bundle, scenario, tables),
:mod:`~proximity.batch.schedule` (Dask: any cluster, retries, progress),
:mod:`~proximity.batch.national` (national GeoParquet tables), :mod:`~proximity.batch.report`
(the Swedish national report) and :mod:`~proximity.batch.run` (the steps). Dask is imported
only when tasks are scheduled. See docs/notes/national.md.
"""

from proximity.batch.run import BatchOptions, BatchResult, plan_jobs, run_batch
from proximity.batch.schedule import ClusterOptions
from proximity.batch.split import SplitOptions

__all__ = [
    "BatchOptions",
    "BatchResult",
    "ClusterOptions",
    "SplitOptions",
    "plan_jobs",
    "run_batch",
]
