"""Writing a city bundle: GeoParquet layers, ``network.npz``, ``city.toml``, ``manifest.json``.

The folder is written to a staging folder next to ``out`` and moved over it with its
manifest (kind ``"bundle"``, paths relative to the bundle), so a bundle is never half
written and a folder holding files proximity did not write is never replaced.
Every path in ``city.toml`` is relative, so a bundle copied to another machine runs there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd

from proximity._io import slug, today_iso, write_text_atomic
from proximity._manifest import (
    check_replaceable,
    clean_stale_staging,
    mark_staging,
    replace_folder,
)
from proximity.bundle.municipality import Municipality
from proximity.bundle.tags import EXTRA_CATEGORIES, EXTRA_ICONS, TAG_MAPPING_VERSION
from proximity.sources.categories import CATEGORIES, DEFAULT_ICON
from proximity.sources.city_toml import SCHEMA_VERSION

#: The layers written as GeoParquet, ``name -> file``.
LAYERS = {
    "boundary": "boundary.parquet",
    "areas": "areas.parquet",
    "demand": "demand.parquet",
    "services": "services.parquet",
    "nonprofits": "nonprofits.parquet",
}


def _toml_str(v: Any) -> str:
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def city_toml(
    muni: Municipality,
    *,
    year: int | None,
    notes: list[str],
    declared: list[str] | None = None,
    groups: list[str] | None = None,
    no_services: bool = False,
) -> str:
    """The bundle's ``city.toml`` (``builder = "files"``, paths relative to it).

    ``declared``: categories beyond the built-in ones (:data:`~proximity.bundle.tags.EXTRA_CATEGORIES`)
    that the services hold; each gets a ``[categories.<id>]`` with its Swedish label and icon.
    ``groups``: the population's group columns; those not named ``pop_*`` (which are groups
    anyway) are listed as ``[demand] group_cols``. ``no_services``: the services layer is
    empty (no service of any kind was found; a build warning says so), declared with
    ``[services] allow_empty = true`` so that a run accepts it.
    """
    lines = [
        f"# City bundle of {muni.name} ({muni.code}), written by `proximity city build`.",
        "# Every path is relative to this file: the folder runs unchanged on another machine.",
        "# Sources, retrieval times, sizes and sha256: manifest.json.",
        f"schema = {SCHEMA_VERSION}",
        f"name = {_toml_str(muni.name)}",
        'builder = "files"',
        'kind = "municipality"',
        f"kommun_code = {_toml_str(muni.code)}",
        'crs = "EPSG:3006"',
        "",
        "[boundary]",
        'path = "boundary.parquet"',
        "",
        "[areas]",
        'path = "areas.parquet"',
        "",
        "[demand]",
        'path = "demand.parquet"',
    ]
    if year is not None:
        lines.append(f"year = {int(year)}")
    extra = [g for g in groups or () if not str(g).startswith("pop_")]
    if extra:
        lines.append("group_cols = [" + ", ".join(_toml_str(g) for g in extra) + "]")
    lines += [
        "",
        "[services]",
        'path = "services.parquet"',
        *(["allow_empty = true   # no service of any kind found: see the notes"] * no_services),
        "",
        "[nonprofits]",
        'path = "nonprofits.parquet"',
        "",
        "[network]",
        'kind = "npz"',
        'path = "network.npz"',
        "",
        "[provenance]",
        'builder = "proximity city build"',
        f"built = {_toml_str(today_iso())}",
        f"tag_mapping = {_toml_str(TAG_MAPPING_VERSION)}",
    ]
    lines.append("notes = [" + ", ".join(_toml_str(n) for n in notes) + "]")
    for cat in declared or ():
        lines += [
            "",
            f"[categories.{cat}]",
            f"label_sv = {_toml_str(EXTRA_CATEGORIES.get(cat, cat))}",
            f"icon = {_toml_str(EXTRA_ICONS.get(cat, DEFAULT_ICON))}",
        ]
    return "\n".join(lines) + "\n"


def scenario_toml(muni: Municipality, name: str) -> str:
    """A ready scenario next to the bundle's ``city.toml``: ``proximity run <bundle>/scenario.toml``."""
    return "\n".join(
        [
            f"# {muni.name} ({muni.code}): walking access to every service category of the bundle.",
            "# Written by `proximity city build`; copy and edit it (categories, thresholds,",
            "# [siting]) as for any scenario (docs/notes/scenarios.md).",
            "schema = 1",
            f"name = {_toml_str(name)}",
            f"title = {_toml_str(muni.name + ': gångavstånd till service')}",
            'city = "city.toml"   # this bundle',
            "thresholds_min = [5, 10, 15]",
            'profiles = ["adult", "elderly"]',
            "",
            "[network]",
            'source = "required"   # the bundle\'s network.npz; never crow-fly',
            "",
            "[outputs]",
            f"dir = {_toml_str('out/' + name)}   # relative to the folder you run in",
            "map_threshold_min = 10",
            'map_profile = "adult"',
            "",
        ]
    )


def write_bundle(
    out: Path,
    layers: dict[str, Any],
    *,
    muni: Municipality,
    sources: list[dict[str, Any]],
    notes: list[str],
) -> Path:
    """Write the bundle folder ``out`` (see the module docstring).

    Parameters
    ----------
    out : Path
        The bundle folder (replaced when it holds only proximity's own files).
    layers : dict
        ``boundary, areas, demand, services, nonprofits`` (GeoDataFrames in EPSG:3006),
        ``network`` (the ``.npz`` in the work folder), ``population_year``.
    muni : Municipality
        The municipality.
    sources : list of dict
        The manifest's source records.
    notes : list of str
        Warnings of the build, kept in ``city.toml``'s provenance.

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(out.parent, out.name)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    mark_staging(staging)
    try:
        declared = _write_layers(staging, layers)
        npz = Path(layers["network"])
        shutil.copyfile(npz, staging / "network.npz")
        shutil.copyfile(npz.with_suffix(".json"), staging / "network.json")
        text = city_toml(
            muni,
            year=layers.get("population_year"),
            notes=notes,
            declared=declared,
            groups=list(layers.get("population_groups") or []),
            no_services=len(layers["services"]) == 0,
        )
        write_text_atomic(staging / "city.toml", text)
        write_text_atomic(staging / "scenario.toml", scenario_toml(muni, slug(out.name)))
        replace_folder(staging, out, "bundle", sources=sources)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _write_layers(folder: Path, layers: dict[str, Any]) -> list[str]:
    """The GeoParquet layers; the categories beyond the built-in ones that the services hold."""
    for name, file in LAYERS.items():
        gpd.GeoDataFrame(layers[name]).reset_index(drop=True).to_parquet(folder / file)
    present = set(layers["services"]["category"].astype(str))
    return [c for c in EXTRA_CATEGORIES if c in present] + sorted(
        present - set(CATEGORIES) - set(EXTRA_CATEGORIES)
    )
