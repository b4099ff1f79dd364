"""``load_city``: build a :class:`City` from a city TOML (``data/<name>/city.toml``).

A city TOML names the files of a city and how to read them; paths are relative to the TOML.
Two kinds exist:

- ``builder = "files"`` (default): areas, sub-areas, demand, unlocated, services, area
  statistics from files (see ``data/helsingborg/city.toml`` and ``docs/notes/data.md``);
- ``builder = "osm_pbf"``: everything from one OSM extract (see ``data/helsinki-demo/city.toml``).

Built-in names (``"helsingborg"``, ``"helsinki-demo"``) are looked up in the repository's
``data/`` folder, found relative to this package (an editable install, ``pip install -e .``, is
assumed, as in the README) or in ``$PROXIMITY_DATA_DIR``.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from proximity._io import file_sha256
from proximity.errors import InputFileError, ParameterError, SchemaError
from proximity.sources.categories import CATEGORIES, suggest_category
from proximity.sources.city import (
    AREA_STATS_COLUMNS,
    NONPROFIT_COLUMNS,
    UNLOCATED_COLUMNS,
    City,
    empty_gdf,
    kind_from_config,
)
from proximity.sources.loaders import (
    load_areas,
    load_population,
    load_services,
    load_subareas,
)
from proximity.sources.read import load_table, read_geo

BUILTIN_CITIES = ("helsingborg", "helsinki-demo")
_CACHE: dict[tuple[str, float], City] = {}


def data_dir() -> Path:
    """The folder holding the built-in city folders (``$PROXIMITY_DATA_DIR`` or ``<repo>/data``)."""
    env = os.environ.get("PROXIMITY_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"


def builtin_cities() -> list[str]:
    """Names of the built-in cities: :data:`BUILTIN_CITIES` and every ``data/*/city.toml``."""
    names = set(BUILTIN_CITIES)
    with contextlib.suppress(OSError):
        names |= {d.name for d in data_dir().glob("*") if (d / "city.toml").exists()}
    return sorted(names)


def city_config_path(name_or_path: str | os.PathLike[str]) -> Path:
    """Resolve a built-in city name, a city folder or a TOML path to the TOML file."""
    s = str(name_or_path)
    p = Path(s)
    if s in BUILTIN_CITIES or (not p.suffix and not p.exists() and "/" not in s):
        cand = data_dir() / s / "city.toml"
        if cand.exists():
            return cand
        known = sorted(d.name for d in data_dir().glob("*") if (d / "city.toml").exists())
        sug = suggest_category(s, known) if known else None
        raise ParameterError(
            f"Unknown city {s!r}." + (f" Did you mean {sug!r}?" if sug else ""),
            file=cand,
            fix=f"Use one of {', '.join(known) or BUILTIN_CITIES} or a path to a city.toml "
            "(data/ is found next to the package: install with pip install -e .).",
        )
    if p.is_dir():
        p = p / "city.toml"
    if not p.exists():
        raise InputFileError(
            "City configuration not found.",
            file=p,
            fix="Give a path to a city.toml or a built-in city name.",
        )
    return p


def load_city(name_or_path: str | os.PathLike[str], *, cache: bool = True) -> City:
    """Load a city: ``"helsingborg"``, ``"helsinki-demo"`` or a path to a ``city.toml``.

    Parameters
    ----------
    name_or_path
        Built-in name, city folder or TOML path.
    cache
        Re-use an already loaded city in this process (a deep copy is returned, so callers may
        modify it freely).

    Returns
    -------
    City

    Raises
    ------
    ParameterError, InputFileError, SchemaError, GeometryError, CRSError
    """
    path = city_config_path(name_or_path)
    # the key changes when the TOML or any file next to it changes (e.g. after build.py)
    stamp = max(f.stat().st_mtime for f in path.parent.iterdir() if f.is_file())
    key = (str(path.resolve()), stamp)
    if cache and key in _CACHE:
        return _copy_city(_CACHE[key])
    try:
        cfg = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(
            f"City TOML is malformed: {exc}",
            file=path,
            fix="Fix the TOML syntax (see data/helsingborg/city.toml).",
        ) from exc
    builder = cfg.get("builder", "files")
    if builder == "files":
        city = _city_from_files(cfg, path)
    elif builder == "osm_pbf":
        from proximity.sources.osm_city import city_from_pbf_config

        city = city_from_pbf_config(cfg, path)
    else:
        raise SchemaError(
            f"Unknown builder {builder!r}.", file=path, fix="Use builder = 'files' or 'osm_pbf'."
        )
    if cache:
        _CACHE[key] = city
        return _copy_city(city)
    return city


def _copy_city(c: City) -> City:
    fields = {}
    for f in dataclasses.fields(c):
        v = getattr(c, f.name)
        fields[f.name] = v.copy() if isinstance(v, pd.DataFrame) else copy.deepcopy(v)
    return City(**fields)


def _section(cfg: dict[str, Any], key: str, path: Path, required: bool = True) -> dict[str, Any]:
    sec = cfg.get(key)
    if sec is None:
        if required:
            raise SchemaError(
                f"City TOML has no [{key}] section.",
                file=path,
                fix=f"Add a [{key}] section with at least path = '...'.",
            )
        return {}
    if "path" not in sec:
        raise SchemaError(f"[{key}] has no 'path'.", file=path, fix=f"Add path = '...' to [{key}].")
    return dict(sec)


def _resolve(base: Path, rel: str) -> Path:
    p = Path(rel)
    return p if p.is_absolute() else (base.parent / p)


def _city_from_files(cfg: dict[str, Any], path: Path) -> City:
    name = cfg.get("name", path.parent.name)
    kind, kommun_code = kind_from_config(cfg, path)
    crs = cfg.get("crs")
    if crs is None:
        raise SchemaError(
            "City TOML has no 'crs'.",
            file=path,
            fix="Add crs = 'EPSG:3006' (Sweden) or the local UTM zone.",
        )
    files: dict[str, str] = {}

    # boundary
    bsec = _section(cfg, "boundary", path)
    bpath = _resolve(path, bsec["path"])
    bgdf = read_geo(bpath, crs=bsec.get("crs"))
    for k, v in bsec.get("where", {}).items():
        bgdf = bgdf.loc[bgdf[k] == v]
    if bgdf.empty:
        raise SchemaError(
            "The boundary file has no matching feature.",
            file=bpath,
            fix="Check the [boundary] where = {...} filter.",
        )
    boundary = bgdf.to_crs(crs).geometry.union_all()
    files["boundary"] = str(bpath)

    def opts(sec: dict[str, Any], *keys: str) -> dict[str, Any]:
        return {k: sec[k] for k in keys if k in sec}

    asec = _section(cfg, "areas", path)
    apath = _resolve(path, asec["path"])
    areas = load_areas(
        apath,
        target_crs=crs,
        boundary=boundary,
        boundary_crs=crs,
        **opts(asec, "id_col", "name_col", "crs", "layer", "repair"),
    )
    files["areas"] = str(apath)

    ssec = _section(cfg, "subareas", path, required=False)
    if ssec:
        spath = _resolve(path, ssec["path"])
        subareas = load_subareas(
            spath,
            target_crs=crs,
            boundary=boundary,
            boundary_crs=crs,
            **opts(ssec, "id_col", "name_col", "area_col", "crs", "layer"),
        )
        files["subareas"] = str(spath)
    else:
        subareas = empty_gdf(["subarea_id", "name", "area_id", "boundary_quality", "source"], crs)

    dsec = _section(cfg, "demand", path)
    dpath = _resolve(path, dsec["path"])
    demand = load_population(
        dpath,
        target_crs=crs,
        boundary=boundary,
        boundary_crs=crs,
        areas=areas,
        **opts(
            dsec,
            "id_col",
            "population_col",
            "area_col",
            "year_col",
            "crs",
            "layer",
            "outside",
            "year",
        ),
    )
    files["demand"] = str(dpath)

    usec = _section(cfg, "unlocated", path, required=False)
    if usec:
        upath = _resolve(path, usec["path"])
        unlocated = load_table(upath, required=UNLOCATED_COLUMNS, what="unlocated population")
        bad = pd.to_numeric(unlocated["population"], errors="coerce")
        if (bad.isna() | (bad < 0)).any():
            i = int((bad.isna() | (bad < 0)).to_numpy().nonzero()[0][0])
            raise SchemaError(
                "Missing or negative population in the unlocated table.",
                file=upath,
                row=f"data row {i + 1}",
                fix="Use numbers >= 0.",
            )
        files["unlocated"] = str(upath)
    else:
        unlocated = pd.DataFrame(columns=UNLOCATED_COLUMNS)

    vsec = _section(cfg, "services", path)
    vpath = _resolve(path, vsec["path"])
    services = load_services(
        vpath,
        target_crs=crs,
        boundary=boundary,
        boundary_crs=crs,
        category_map=vsec.get("category_map"),
        **opts(
            vsec,
            "id_col",
            "name_col",
            "category_col",
            "crs",
            "layer",
            "outside",
            "outside_tolerance_m",
        ),
    )
    files["services"] = str(vpath)
    services["area_id"] = _area_of(services, areas)

    usv = _section(cfg, "services_unlocated", path, required=False)
    services_unlocated = None
    if usv:
        uspath = _resolve(path, usv["path"])
        services_unlocated = load_table(
            uspath,
            required=["service_id", "name", "category", "reason", "source"],
            what="unlocated services",
        )
        files["services_unlocated"] = str(uspath)

    nsec = _section(cfg, "nonprofits", path, required=False)
    if nsec:
        npath = _resolve(path, nsec["path"])
        g = read_geo(npath, crs=nsec.get("crs")).to_crs(crs)
        nonprofits = gpd.GeoDataFrame(g, geometry="geometry", crs=crs)
        files["nonprofits"] = str(npath)
    else:
        nonprofits = empty_gdf(NONPROFIT_COLUMNS, crs)

    ssec2 = _section(cfg, "area_stats", path, required=False)
    if ssec2:
        stpath = _resolve(path, ssec2["path"])
        area_stats = load_table(stpath, required=AREA_STATS_COLUMNS, what="area statistics")
        files["area_stats"] = str(stpath)
    else:
        area_stats = pd.DataFrame(columns=AREA_STATS_COLUMNS)

    net = cfg.get("network")
    network_source = None
    if net:
        network_source = dict(net)
        if network_source.get("kind") == "pbf" and "path" in network_source:
            network_source["path"] = str(_resolve(path, network_source["path"]))

    for df in (demand, services):
        for c in df.columns:
            if c != "geometry" and df[c].dtype == object:
                df[c] = df[c].fillna("")

    prov: dict[str, Any] = dict(cfg.get("provenance", {}))
    prov.update(
        config=str(path),
        files=files,
        sha256={k: file_sha256(v) for k, v in files.items()},
        categories_known=list(CATEGORIES),
    )
    return City(
        name=name,
        crs=crs,
        boundary=boundary,
        areas=areas,
        subareas=subareas,
        demand=demand,
        unlocated=unlocated,
        services=services,
        nonprofits=nonprofits,
        area_stats=area_stats,
        network_source=network_source,
        provenance=prov,
        services_unlocated=services_unlocated,
        kind=kind,
        kommun_code=kommun_code,
    )


def _area_of(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    if points.empty:
        return pd.Series([], dtype=object, index=points.index)
    j = gpd.sjoin(
        points[["geometry"]], areas[["area_id", "geometry"]], predicate="within", how="left"
    )
    s = j["area_id"].groupby(level=0).first()
    return s.reindex(points.index).fillna("").astype(str)
