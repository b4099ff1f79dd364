"""``proximity city build``: a city bundle from open data or local files.

Steps (each one's output is kept in the work folder, :mod:`proximity.bundle.work`):

1. **boundary**: ``--boundary FILE``, else the municipality's polygon (online: OSM
   admin_level 7; offline: ``data/sweden/kommuner.gpkg``, simplified);
2. **areas** (reporting): ``--areas FILE``, else DeSO (``--deso FILE`` or SCB's WFS);
   **pop_areas** (carry the population): DeSO when given, else the areas;
3. **population** per population area: ``--population FILE`` or SCB's PxWebApi;
4. **osm** features: ``--osm FILE`` (a local extract) or Overpass;
5. **demand**: the population shared out over residential buildings
   (:mod:`proximity.bundle.demand`);
6. **services** (OSM through :mod:`proximity.bundle.tags`, merged with ``--services FILE``),
   **nonprofits**;
7. **network**: the walking network (from the extract, or osmnx/Overpass) as ``network.npz``.

The bundle (:mod:`proximity.bundle.write`) is then written to a staging folder and moved
over ``--out`` with its ``manifest.json`` (kind ``"bundle"``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from proximity import __version__, config
from proximity._io import file_sha256, slug, write_json_atomic
from proximity._manifest import check_replaceable
from proximity.bundle import demand as dem
from proximity.bundle import inputs, osm, write
from proximity.bundle.fetch import download_bar, network_source_record
from proximity.bundle.municipality import (
    Municipality,
    population_check,
    resolve_municipality,
)
from proximity.bundle.tags import HOUSING_OPERATORS, TAG_MAPPING_VERSION
from proximity.bundle.work import Work, work_key
from proximity.errors import InputFileError
from proximity.sources.loaders import area_id_of

CRS = inputs.CRS
#: Below this share of the municipality inside the extract, the build warns.
COVERAGE_WARN = 0.99


@dataclass
class BuildOptions:
    """What ``proximity city build`` was asked for (paths are local files; None: online).

    Parameters
    ----------
    municipality : str
        Name or 4-digit code.
    out : Path, optional
        The bundle folder (default ``bundles/<slug of the name>``).
    osm, areas, population, services, boundary, deso : Path, optional
        Local files replacing the online sources.
    areas_id, population_id : str, optional
        Id columns of the areas and population files.
    municipalities : Path, optional
        Another municipality table (tests).
    housing_operators : tuple of str
        The municipal housing company's names (default :data:`HOUSING_OPERATORS`).
    buffer_m : float
        Network buffer around the boundary.
    regso : bool
        Report by SCB's RegSO 2025 areas (from the WFS, named), population still per DeSO.
    """

    municipality: str
    out: Path | None = None
    osm: Path | None = None
    areas: Path | None = None
    population: Path | None = None
    services: Path | None = None
    boundary: Path | None = None
    deso: Path | None = None
    areas_id: str | None = None
    population_id: str | None = None
    municipalities: Path | None = None
    housing_operators: tuple[str, ...] = ()
    buffer_m: float = 500.0
    regso: bool = False

    def local_files(self) -> dict[str, Path]:
        """The local input files given, by option name."""
        names = ("osm", "areas", "population", "services", "boundary", "deso")
        return {n: Path(getattr(self, n)) for n in names if getattr(self, n) is not None}


@dataclass
class BuildResult:
    """The bundle written, what was reused, and the warnings of the build."""

    out: Path
    municipality: Municipality
    work: Path
    steps_run: list[str]
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Ctx:
    opts: BuildOptions
    muni: Municipality
    work: Work
    warn: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)

    def warning(self, text: str) -> None:
        self.warn.append(text)
        warnings.warn(text, UserWarning, stacklevel=3)


def build_bundle(opts: BuildOptions, *, say: Callable[[str], None] = print) -> BuildResult:
    """Build a city bundle (see the module docstring).

    Parameters
    ----------
    opts : BuildOptions
        The request.
    say : callable
        Prints a progress message.

    Returns
    -------
    BuildResult

    Raises
    ------
    ParameterError, InputFileError, SchemaError, OfflineError, OutputError
    """
    muni = resolve_municipality(opts.municipality, table=opts.municipalities)
    out = Path(opts.out) if opts.out else Path("bundles") / slug(muni.name)
    check_replaceable(out)  # before the work, not only before the swap
    files = opts.local_files()
    for name, p in files.items():
        if not p.exists():
            raise InputFileError(f"--{name} file not found.", file=p, fix="Check the path.")
    key = work_key(
        dict(
            code=muni.code,
            files={n: file_sha256(p) for n, p in files.items()},
            opts=[
                opts.areas_id,
                opts.population_id,
                opts.housing_operators,
                opts.buffer_m,
                opts.regso,
            ],
            mapping=TAG_MAPPING_VERSION,
            proximity=__version__,
        )
    )
    ctx = _Ctx(opts, muni, Work(config.cache_dir() / "bundles" / f"{muni.code}-{key}", say=say))
    layers = _run_steps(ctx)
    write.write_bundle(out, layers, muni=muni, sources=_sources(ctx), notes=ctx.warn)
    return BuildResult(
        out=out,
        municipality=muni,
        work=ctx.work.folder,
        steps_run=list(ctx.work.ran),
        warnings=ctx.warn,
        counts={k: len(v) for k, v in layers.items() if isinstance(v, pd.DataFrame)},
    )


def _run_steps(ctx: _Ctx) -> dict[str, Any]:
    w = ctx.work
    bframe = w.frame("boundary", lambda: _boundary(ctx))
    boundary = bframe.geometry.iloc[0]
    areas = w.frame("areas", lambda: _areas(ctx, boundary))
    pop_areas = w.frame("pop_areas", lambda: _pop_areas(ctx, boundary, areas))
    population = _population(ctx, pop_areas)
    features = _features(ctx)
    _check_coverage(ctx, features, boundary)
    buildings = w.frame(
        "buildings", lambda: osm.buildings_from(features, crs=CRS, boundary=boundary)
    )
    demand = w.frame("demand", lambda: _demand(pop_areas, population, buildings, areas))
    _check_population(ctx, population, pop_areas)
    services = w.frame("services", lambda: _services(ctx, features, boundary))
    _check_services(ctx, services)
    nonprofits = w.frame(
        "nonprofits", lambda: osm.nonprofits_from(features, crs=CRS, boundary=boundary)
    )
    network = _network(ctx, boundary)
    return dict(
        boundary=bframe.assign(kommun_code=ctx.muni.code, name=ctx.muni.name),
        areas=areas,
        demand=demand,
        services=services,
        nonprofits=nonprofits,
        network=network,
        population_groups=population.groups,
        population_year=population.year,
    )


def _boundary(ctx: _Ctx) -> gpd.GeoDataFrame:
    o = ctx.opts
    if o.boundary is not None:
        geom, src = inputs.read_boundary(o.boundary), f"file {o.boundary.name}"
    elif o.osm is not None or o.areas is not None:  # offline build: the municipality table
        geom = gpd.GeoSeries([ctx.muni.geometry], crs=ctx.muni.crs).to_crs(CRS).iloc[0]
        src = ctx.muni.source
    else:
        from proximity.bundle import online

        geom, src = online.osm_boundary(ctx.muni, ctx.work)
    return gpd.GeoDataFrame(dict(source=[src]), geometry=[geom], crs=CRS)


def _areas(ctx: _Ctx, boundary: Any) -> gpd.GeoDataFrame:
    o = ctx.opts
    if o.areas is not None:
        return inputs.read_areas(o.areas, boundary=boundary, id_col=o.areas_id)
    if o.regso:
        from proximity.bundle import online

        return online.wfs_areas(ctx.muni, ctx.work, boundary=boundary, layer="regso")
    if o.deso is not None:
        return inputs.read_areas(o.deso, boundary=boundary, id_col="desokod")
    from proximity.bundle import online

    return online.deso_areas(ctx.muni, ctx.work, boundary=boundary)


def _pop_areas(ctx: _Ctx, boundary: Any, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas that carry the population: DeSO when the areas are the city's own."""
    o = ctx.opts
    own_areas = o.areas is not None or o.regso
    if o.deso is not None and own_areas:
        a = inputs.read_areas(o.deso, boundary=boundary, id_col="desokod")
    elif own_areas and o.population is None:  # SCB's population is per DeSO
        from proximity.bundle import online

        a = online.deso_areas(ctx.muni, ctx.work, boundary=boundary)
    else:
        a = areas
    return a[["area_id", "geometry"]].rename(columns={"area_id": "pop_area_id"})


def _population(ctx: _Ctx, pop_areas: gpd.GeoDataFrame) -> dem.PopulationTable:
    o = ctx.opts
    if o.population is not None:
        return dem.read_population(o.population, id_col=o.population_id)
    from proximity.bundle import online

    return online.deso_population(ctx.muni, ctx.work, ids=list(pop_areas["pop_area_id"]))


def _features(ctx: _Ctx) -> gpd.GeoDataFrame:
    def make() -> gpd.GeoDataFrame:
        if ctx.opts.osm is not None:
            f = osm.scan_features(ctx.opts.osm)
        else:
            from proximity.bundle import online

            b = ctx.work.frame("boundary", lambda: _boundary(ctx)).geometry.iloc[0]
            f = online.overpass_features(b, ctx.work)
        return f.assign(tags=f["tags"].map(_json))

    f = ctx.work.frame("osm_features", make)
    return f.assign(tags=f["tags"].map(_unjson))


def _json(tags: dict[str, str]) -> str:
    return json.dumps(tags, ensure_ascii=False, sort_keys=True)


def _unjson(text: str) -> dict[str, str]:
    return json.loads(text)


def _check_coverage(ctx: _Ctx, features: gpd.GeoDataFrame, boundary: Any) -> None:
    if ctx.opts.osm is None:
        return
    header = inputs.osm_header(ctx.opts.osm)
    cover = inputs.extract_coverage(header["bbox"], features, boundary)
    if cover < COVERAGE_WARN:
        ctx.warning(
            f"The OSM extract {ctx.opts.osm.name} covers only {cover:.1%} of {ctx.muni.name} "
            f"({ctx.muni.code}): outside it there are no buildings, services or paths, and the "
            "population of areas without buildings sits at their representative points."
        )


def _demand(
    pop_areas: gpd.GeoDataFrame,
    population: dem.PopulationTable,
    buildings: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    d = dem.share_out(pop_areas, population, buildings)
    aid = area_id_of(d, areas)
    blank = aid == ""
    if blank.any():  # on an edge or outside every reporting area: the nearest one
        near = gpd.sjoin_nearest(d.loc[blank, ["geometry"]], areas[["area_id", "geometry"]])
        aid.loc[blank] = near["area_id"].groupby(level=0).first()
    d.insert(1, "area_id", aid.astype(str).to_numpy())
    d["subarea_id"] = ""
    return d.sort_values("demand_id").reset_index(drop=True)


def _check_population(ctx: _Ctx, population: dem.PopulationTable, pop_areas: Any) -> None:
    known = set(pop_areas["pop_area_id"].astype(str))
    lost = population.totals.loc[~population.totals.index.isin(known), "population"]
    if lost.sum() > 0:
        ctx.warning(
            f"{len(lost)} population area(s) of the table are not among the areas "
            f"({lost.sum():,.0f} persons left out), e.g. {', '.join(lost.index[:3])}."
        )
    empty = known - set(population.totals.index)
    if empty:
        ctx.warning(f"{len(empty)} area(s) have no row in the population table (0 persons).")
    kept = population.totals.loc[population.totals.index.isin(known), "population"].sum()
    if (msg := population_check(float(kept), ctx.muni)) is not None:
        ctx.warning(msg)


def _services(ctx: _Ctx, features: gpd.GeoDataFrame, boundary: Any) -> gpd.GeoDataFrame:
    ops = ctx.opts.housing_operators or HOUSING_OPERATORS.get(ctx.muni.code, ())
    s = osm.services_from(features, crs=CRS, boundary=boundary, housing_operators=ops)
    if ctx.opts.services is not None:  # the registry first: it wins the merge
        reg = inputs.read_registry(ctx.opts.services, boundary=boundary)
        s = osm.merge_duplicates(pd.concat([reg, s], ignore_index=True), osm.MERGE_DISTANCE_M)
    return gpd.GeoDataFrame(s, geometry="geometry", crs=CRS)


def _check_services(ctx: _Ctx, services: gpd.GeoDataFrame) -> None:
    """Warn when the bundle has no service of any kind (a sparse municipality, a small tile)."""
    if len(services):
        return
    where = f"the OSM extract {ctx.opts.osm.name}" if ctx.opts.osm else "OpenStreetMap"
    registry = f" nor in {ctx.opts.services.name}" if ctx.opts.services else ""
    ctx.warning(
        f"No service of any kind in {ctx.muni.name} ({ctx.muni.code}): none in {where}"
        f"{registry} (tag mapping {TAG_MAPPING_VERSION}). services.parquet is empty and "
        "city.toml says so ([services] allow_empty = true); a run counts every resident as "
        "without a service within walking distance. Check that the extract covers the "
        "municipality, or add a service registry with --services FILE."
    )


def _network(ctx: _Ctx, boundary: Any) -> Path:
    """``network.npz`` (+ its ``network.json``) in the work folder, built unless both exist."""
    from proximity.network import load_network

    npz = ctx.work.folder / "network.npz"
    if npz.exists() and npz.with_suffix(".json").exists():
        ctx.work.say(f"network: reusing {npz}")
        return npz
    ctx.work.say("network: building the walking network")
    b = gpd.GeoSeries([boundary], crs=CRS)
    if ctx.opts.osm is not None:
        net = load_network(ctx.opts.osm, boundary=b, buffer_m=ctx.opts.buffer_m, crs=CRS)
    else:
        poly = b.buffer(ctx.opts.buffer_m).to_crs("EPSG:4326").iloc[0]
        with download_bar("walking network (Overpass via osmnx)"):
            net = load_network(poly, buffer_m=0.0, crs=CRS)
        write_json_atomic(ctx.work.folder / "network_source.json", network_source_record())
    ctx.work.ran.append("network")
    return net.save(npz)


def _sources(ctx: _Ctx) -> list[dict[str, Any]]:
    o = ctx.opts
    online_json = ctx.work.folder / "online_sources.json"
    recs = json.loads(online_json.read_text(encoding="utf-8")) if online_json.exists() else []
    lic = {"osm": inputs.OSM_LICENCE}
    for name, p in o.local_files().items():
        extra: dict[str, Any] = {}
        if name == "osm":
            extra["osm_replication_timestamp"] = inputs.osm_header(p)["replication_timestamp"]
        recs.append(inputs.file_source(name, p, licence=lic.get(name, "as supplied"), **extra))
    if o.boundary is None:
        recs.append(
            dict(
                name="municipality",
                file=ctx.muni.table.name,
                licence="CC0 (SCB); MIT (table)",
                description=ctx.muni.source,
                sha256=file_sha256(ctx.muni.table),
            )
        )
    net_json = ctx.work.folder / "network_source.json"
    if o.osm is None and net_json.exists():
        recs.append(json.loads(net_json.read_text(encoding="utf-8")))
    recs.append(
        dict(name="tag_mapping", version=TAG_MAPPING_VERSION, file="docs/notes/tag-mapping.md")
    )
    return recs
