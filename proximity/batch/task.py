"""One municipality's task (runs on a Dask worker, or in-process for a single run).

``<folder>/bundle/`` (:func:`proximity.bundle.build_bundle` from the municipality's
extract; its build steps are cached, so a retried task resumes), ``<folder>/scenario.toml``
(the batch scenario with ``city`` set to the bundle and the per-municipality maps and report
off: the national report replaces them), ``<folder>/run/`` (:func:`proximity.scenario.run`),
then ``<folder>/manifest.json`` as the done-marker (:mod:`proximity.batch.plan`). While the
task runs, ``<folder>/.running`` holds the worker's process id.
"""

from __future__ import annotations

import json
import os
import resource
import time
import warnings
from pathlib import Path
from typing import Any

from proximity._io import slug, write_json_atomic, write_text_atomic
from proximity._manifest import build_manifest, write_manifest
from proximity._toml import read_toml
from proximity.batch.plan import BATCH_SOURCE, Job
from proximity.errors import ScenarioError

RUNNING = ".running"
#: What the national tables need; maps and reports are made nationally.
_OUTPUTS = dict(maps=False, report=False, tables=True, publish=False)


def municipal_scenario(template: Path, code: str) -> str:
    """The TOML text of the batch scenario for one municipality's bundle.

    ``city`` becomes ``"bundle/city.toml"`` (next to the written file), ``name`` gets the
    code appended, ``[outputs]`` keeps its table settings with maps, report and publishing
    off and no ``dir``/``maps_dir``. A ``baseline`` is refused (it names one city).
    """
    import tomli_w

    raw = read_toml(template, error=ScenarioError, fix="Fix the TOML syntax at that place.")
    if "baseline" in raw:
        raise ScenarioError(
            "A batch scenario cannot have a baseline (it names one city's scenario).",
            file=template,
            fix="Remove 'baseline'; compare national runs with two batches instead.",
        )
    raw["city"] = "bundle/city.toml"
    raw["name"] = f"{slug(str(raw.get('name', template.stem)))}-{code}"
    outputs = {k: v for k, v in dict(raw.get("outputs", {})).items() if k != "maps_dir"}
    outputs.pop("dir", None)
    outputs.update(_OUTPUTS)
    raw["outputs"] = outputs
    head = f"# Written by `proximity batch` from {template.name} for municipality {code}.\n"
    return head + tomli_w.dumps(raw)


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_municipality(job: Job) -> dict[str, Any]:
    """Build (or reuse) the bundle, run the scenario and mark the folder done.

    Parameters
    ----------
    job : Job
        The municipality and its inputs.

    Returns
    -------
    dict
        ``code``, ``seconds``, ``network_nodes``, ``network_edges``, ``demand_points``,
        ``services`` (located services in the bundle; 0: none of any kind, every resident
        without one), ``peak_rss_bytes`` (the worker process's peak so far), ``pid``,
        ``warnings``.

    Raises
    ------
    ProximityError
        Any input problem (corrupt extract, bad scenario); Dask retries, then records it.
    """
    from proximity.bundle import BuildOptions, build_bundle
    from proximity.scenario import run

    t0 = time.perf_counter()
    folder = Path(job.folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / RUNNING, f"{os.getpid()}\n")
    (folder / "manifest.json").unlink(missing_ok=True)  # not done until the end
    opts = BuildOptions(
        job.code,
        out=folder / "bundle",
        osm=Path(job.osm),
        buffer_m=job.buffer_m,
        **{k: Path(v) for k, v in job.files.items() if v is not None},
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built = build_bundle(opts, say=lambda m: None)
        write_text_atomic(folder / "scenario.toml", municipal_scenario(job.scenario, job.code))
        res = run(folder / "scenario.toml", out_dir=folder / "run", quiet=True)
    summary = res.network_provenance or {}
    result = dict(
        code=job.code,
        name=job.name,
        seconds=round(time.perf_counter() - t0, 3),
        network_nodes=int(summary.get("n_nodes", 0) or 0),
        network_edges=int(summary.get("n_edges", 0) or 0),
        demand_points=int(built.counts.get("demand", 0)),
        services=int(built.counts.get("services", 0)),
        peak_rss_bytes=_peak_rss_bytes(),
        pid=os.getpid(),
        warnings=sorted({str(w.message) for w in caught}),
    )
    write_json_atomic(folder / "result.json", result)
    (folder / RUNNING).unlink(missing_ok=True)
    source = dict(name=BATCH_SOURCE, input_hash=job.input_hash, scenario=Path(job.scenario).name)
    write_manifest(folder, build_manifest(folder, "run", sources=[source]))
    return result


def read_result(folder: Path) -> dict[str, Any]:
    """The ``result.json`` a finished task wrote."""
    return json.loads((Path(folder) / "result.json").read_text(encoding="utf-8"))
