"""Build the embedded Göteborg city from the official areas in ``../shared/data/goteborg``.

Run from anywhere::

    python data/goteborg/build.py [--facts PATH] [--sweden PATH] [--out PATH]

The facts folders default to ``<repo>/../shared/data/goteborg`` and ``<repo>/../shared/data/
sweden``; the output folder defaults to the folder of this script. The package reads only the
committed output files, never the facts.

What the script does (deterministic; see README.md in this folder):

1. Areas: the 96 primärområden of Göteborgs Stad (polygons as published, 2025-01-01), each with
   its mellanområde, stadsområde and socio-economic class (socioekonomisk områdesindelning,
   codes 1-6 and 99 = "Ej klassificerat"). The study area is their union.
   ``city.toml`` reads the study area from ``areas.geojson`` too (the union of its features),
   so the polygons are stored once.
2. Demand: population 2025-01-01 per basområde, placed at the representative point (a point
   guaranteed to lie inside the polygon, ``shapely.point_on_surface``) of the basområde polygon.
   Population rows without a polygon go to ``unlocated.csv`` (the rows with people) or are counted
   in ``build_summary.json`` (the rows with 0 people); the polygon without a population row is
   reported there too. Nothing is dropped silently.
3. Services: the OSM health points of 2020 (``health_facilities_osm_2020.csv``) that the file
   assigns to Göteborg (``kommun_kod`` 1480), plus the points without a municipality in the file
   that lie inside Göteborg's official polygons. ``amenity=clinic`` and ``amenity=doctors`` are
   ``health_centre`` (the rule of :data:`proximity.sources.categories.OSM_CATEGORY_TAGS`); pharmacies,
   dentists and the hospital are not among the categories and go to ``excluded_facts.csv``. Every
   other category has no offline data and is declared as a gap in ``services_unlocated.csv``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def _shared_data() -> Path:
    """``shared/data`` next to the repository (or next to an ancestor, for a git worktree)."""
    for up in REPO.parents:
        if (up / "shared" / "data" / "goteborg").is_dir():
            return up / "shared" / "data"
    return REPO.parent / "shared" / "data"


DEFAULT_FACTS = _shared_data() / "goteborg"
DEFAULT_SWEDEN = _shared_data() / "sweden"
sys.path.insert(0, str(REPO))  # the categories of this checkout, not of an installed copy

from proximity.maps.labels import category_label  # noqa: E402
from proximity.sources.categories import CATEGORIES  # noqa: E402

CRS = "EPSG:3006"
KOMMUN_CODE = "1480"
POPULATION_YEAR = 2025
REPO_SRC = (
    "globalfunlearning/gothenburg_maps @ d0d851b4ea172f765aa65294cea5fc14c33c639f "
    "(MIT, © Henrik Söderholm, stadsledningskontoret Göteborgs Stad)"
)
AREA_SOURCE = f"Göteborgs Stad, områdesindelning 2025-01-01, via {REPO_SRC}"
CLASS_SOURCE = (
    f"Göteborgs Stad, socioekonomisk områdesindelning (gbg_socioekonomisk_omr_kod), via {REPO_SRC}"
)
POP_SOURCE = (
    "Västfolket och Göteborgs Stad: befolkning per basområde 2025-01-01 (jan_1), "
    f"population_basomrade_2025.csv via {REPO_SRC}"
)
OSM_SOURCE = (
    "© OpenStreetMap contributors, ODbL 1.0; snapshot 2020-09-04 (HOT export) via "
    "domikani/Sweden-Health-Facilities @ 22c7ee6f, src/app/facilities.ts"
)
OSM_LICENCE = "© OpenStreetMap contributors, ODbL 1.0"
NETWORK_NOTE = "Göteborgs kommun, Västra Götalands län, Sverige"
#: OSM amenity -> category (the rule of OSM_CATEGORY_TAGS); None = not a category.
AMENITY_CATEGORY = {"clinic": "health_centre", "doctors": "health_centre"}
UNCLASSIFIED_CODE = "99"
#: Norra Hisingen (the former stadsdelsnämnd area), from ../shared/data/goteborg/README.md.
NORRA_HISINGEN_MELLANOMRADEN = ("Backa", "Kärra-Rödbo", "Tuve-Säve")


def _read(facts: Path) -> dict[str, pd.DataFrame]:
    """The area layers and the population table (codes as text)."""
    out: dict[str, pd.DataFrame] = {}
    for name in ("primaromraden", "basomraden", "mellanomraden", "stadsomraden"):
        g = gpd.read_file(facts / f"{name}.gpkg")
        if str(g.crs) != CRS:
            sys.exit(f"{name}.gpkg is not in {CRS}")
        out[name] = g
    for name in ("population_basomrade_2025", "population_primaromrade_2025"):
        out[name] = pd.read_csv(facts / f"{name}.csv", dtype={"omrade_kod": str})
    return out


def _areas(f: dict[str, pd.DataFrame]) -> gpd.GeoDataFrame:
    """The 96 primärområden with mellanområde, stadsområde and class, sorted by code."""
    p = f["primaromraden"].sort_values("omrade_kod").reset_index(drop=True)
    mell = f["mellanomraden"].set_index("omrade_kod")["omrade_namn"]
    stad = f["stadsomraden"].set_index("omrade_kod")["omrade_namn"]
    if (p["mellanomrade_kod"].map(mell) != p["mellanomrade_namn"]).any():
        sys.exit("mellanområde names of primaromraden.gpkg differ from mellanomraden.gpkg")
    if (p["stadsomrade_kod"].map(stad) != p["stadsomrade_namn"]).any():
        sys.exit("stadsområde names of primaromraden.gpkg differ from stadsomraden.gpkg")
    code = p["gbg_socioekonomisk_omr_kod"].astype(str)
    areas = gpd.GeoDataFrame(
        dict(
            area_id=p["omrade_kod"].astype(str),
            name=p["omrade_namn"],
            mellanomrade_kod=p["mellanomrade_kod"].astype(str),
            mellanomrade=p["mellanomrade_namn"],
            stadsomrade_kod=p["stadsomrade_kod"].astype(str),
            stadsomrade=p["stadsomrade_namn"],
            socioek_kod=code,
            socioek_klass=p["gbg_socioekonomisk_omr_namn"],
            # rank 1 (stora socioekonomiska utmaningar) .. 6 (särskilt goda förutsättningar);
            # empty for "Ej klassificerat" (code 99), which has no place in the order
            socioek_rank=code.where(code != UNCLASSIFIED_CODE, ""),
            boundary_quality="official (Göteborgs Stad primärområde 2025-01-01)",
            source=AREA_SOURCE + "; class: " + CLASS_SOURCE,
        ),
        geometry=p.geometry.values,
        crs=CRS,
    )
    return areas


def _population_join(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Population rows outer-joined with the basområde polygons (``_merge`` says which)."""
    pop = f["population_basomrade_2025"][["omrade_kod", "jan_1"]]
    b = f["basomraden"][["omrade_kod", "omrade_namn", "primaromrade_kod", "geometry"]]
    return pop.merge(b, on="omrade_kod", how="outer", indicator=True)


def _demand(j: pd.DataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One point per basområde with a population row and a polygon."""
    both = j[j["_merge"] == "both"].sort_values("omrade_kod").reset_index(drop=True)
    pts = shapely.point_on_surface(both["geometry"].to_numpy())
    d = gpd.GeoDataFrame(
        dict(
            demand_id=both["omrade_kod"],
            subarea_id=both["omrade_kod"],
            name=both["omrade_namn"],
            area_id=both["primaromrade_kod"].astype(str),
            population=both["jan_1"].astype(int),
            population_year=POPULATION_YEAR,
            population_date="2025-01-01",
            location_quality="representative point of the basområde polygon",
            location_note=(
                "all residents of the basområde (about 600) placed at one point inside its "
                "official polygon (shapely point_on_surface); not their addresses"
            ),
            x=shapely.get_x(pts).round(2),
            y=shapely.get_y(pts).round(2),
            source=POP_SOURCE + "; point: " + AREA_SOURCE + " (basområde polygon)",
        ),
        geometry=gpd.points_from_xy(shapely.get_x(pts).round(2), shapely.get_y(pts).round(2)),
        crs=CRS,
    )
    hit = gpd.sjoin(
        d[["demand_id", "area_id", "geometry"]],
        areas[["area_id", "geometry"]],
        predicate="within",
        how="left",
        lsuffix="pt",
        rsuffix="poly",
    )
    wrong = hit[hit["area_id_pt"] != hit["area_id_poly"]]
    if len(wrong):
        sys.exit(f"{len(wrong)} basområde point(s) outside their primärområde: {wrong.head()}")
    return d


def _unlocated(j: pd.DataFrame, pop_prim: pd.DataFrame, area_ids: set[str]) -> pd.DataFrame:
    """Population rows with people but no basområde polygon, with the reason."""
    rows = []
    no_poly = j[(j["_merge"] == "left_only") & (j["jan_1"] > 0)].sort_values("omrade_kod")
    prim_pop = pop_prim.set_index("omrade_kod")["jan_1"]
    for r in no_poly.itertuples():
        code = str(r.omrade_kod)
        prim = code[:3]
        if prim in area_ids:
            area_id = prim
            reason = (
                f"basområde {code} has a population row ({int(r.jan_1)} on 2025-01-01) but no "
                f"polygon in basomraden.gpkg; its primärområde {prim} (first three digits, and "
                "the primärområde population table includes it) has a polygon, so the residents "
                "are counted in that area, never as covered"
            )
        else:
            area_id = "__unassigned__"
            hits = prim_pop[prim_pop == r.jan_1]
            same = ", ".join(f"primärområde {c}" for c in hits.index if c not in area_ids)
            reason = (
                f"population code {code} ({int(r.jan_1)} on 2025-01-01) has no basområde polygon"
                f"; the primärområde table has the same number under {same or '(none)'}, which "
                "has no primärområde polygon either; what the code stands for is not stated in "
                "the sources; counted in the municipality total only, never as covered"
            )
        rows.append(
            dict(
                area_id=area_id,
                basomrade_kod=code,
                population=int(r.jan_1),
                population_year=POPULATION_YEAR,
                reason=reason,
                source=POP_SOURCE,
            )
        )
    return pd.DataFrame(rows)


def _health_points(sweden: Path, study: object) -> gpd.GeoDataFrame:
    """The OSM health points of the file in Göteborg, and where each lies (flagged)."""
    h = pd.read_csv(
        sweden / "health_facilities_osm_2020.csv", dtype={"kommun_kod": str, "osm_node_id": str}
    )
    g = gpd.GeoDataFrame(h, geometry=gpd.points_from_xy(h["lon"], h["lat"]), crs="EPSG:4326")
    g = g.to_crs(CRS)
    inside = g.within(study)
    in_file = g["kommun_kod"] == KOMMUN_CODE
    no_kommun = g["kommun_kod"].isna()
    g["in_official_polygons"] = inside
    g["selection"] = ""
    g.loc[in_file, "selection"] = "kommun_kod 1480 in the file"
    g.loc[no_kommun & inside, "selection"] = (
        "no municipality in the file (outside SCB's simplified polygons); inside Göteborg's "
        "official area polygons"
    )
    g = g[g["selection"] != ""].copy()
    dist = g.geometry.distance(study.boundary).round(0).astype(int)
    g["location_note"] = [
        "inside Göteborg's official area polygons"
        if ins
        else f"outside Göteborg's official area polygons by {d} m (the file's municipality "
        "comes from SCB's simplified polygons); kept as the file assigns it"
        for ins, d in zip(g["in_official_polygons"], dist, strict=True)
    ]
    return g.sort_values("osm_node_id", key=lambda s: s.astype(int)).reset_index(drop=True)


def _services(g: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(services, excluded)``: health_centre rows and the other health points."""
    cat = g["amenity"].map(AMENITY_CATEGORY)
    s = g[cat.notna()].copy()
    services = pd.DataFrame(
        dict(
            service_id="osm" + s["osm_node_id"] + ":health_centre",
            place_id="osm" + s["osm_node_id"],
            name=s["name"],
            category="health_centre",
            osm_amenity=s["amenity"],
            category_note=(
                "amenity=" + s["amenity"] + " -> health_centre (the OSM rule of the package); "
                "as tagged, not curated: clinics include BVC, rehab and private specialist clinics"
            ),
            location_quality="exact (OSM node), 2020 snapshot",
            location_note=s["location_note"],
            selection=s["selection"],
            snapshot=s["snapshot"],
            lat=s["lat"],
            lon=s["lon"],
            source=OSM_SOURCE + "; node " + s["osm_node_id"],
            licence=OSM_LICENCE,
        )
    )
    e = g[cat.isna()]
    excluded = pd.DataFrame(
        dict(
            fact="OSM node " + e["osm_node_id"] + " amenity=" + e["amenity"] + ": " + e["name"],
            reason_excluded=(
                "amenity=" + e["amenity"] + " is not among the service categories (no OSM rule "
                "maps it; as in data/helsingborg, pharmacies, dentists and hospitals are kept out)"
            ),
            osm_node_id=e["osm_node_id"],
            amenity=e["amenity"],
            name=e["name"],
            lat=e["lat"],
            lon=e["lon"],
            selection=e["selection"],
            location_note=e["location_note"],
            source=OSM_SOURCE + "; node " + e["osm_node_id"],
        )
    )
    return services.reset_index(drop=True), excluded.reset_index(drop=True)


def _gaps(present: set[str]) -> pd.DataFrame:
    """One declared data gap per category without any located service offline."""
    rows = [
        dict(
            service_id=f"gap:{c}",
            name=f"(inga uppgifter om {category_label(c).lower()} offline)",
            category=c,
            reason=(
                "data gap: no located source for this category in ../shared/data/goteborg or "
                "../shared/data/sweden; online (OSM) or a municipality bundle brings it in"
            ),
            source="(none offline: declared data gap, build.py)",
        )
        for c in CATEGORIES
        if c not in present
    ]
    return pd.DataFrame(rows)


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """GeoJSON in EPSG:3006 (named in its ``crs`` member), coordinates to the millimetre.

    The polygons stay in the CRS they were published in: a round trip through EPSG:4326 at
    7 decimals (RFC 7946) made some of them invalid.
    """
    if path.exists():
        path.unlink()
    gdf.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=3)


def _sources(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every distinct source head (before "; node"/"; point"/"; class") and its files."""
    known = {
        AREA_SOURCE: "MIT (repository); Göteborgs Stad open area divisions",
        CLASS_SOURCE: "MIT (repository); Göteborgs Stad",
        POP_SOURCE: "MIT (repository); Västfolket och Göteborgs Stad",
        OSM_SOURCE: OSM_LICENCE,
    }
    used: dict[str, set[str]] = {}
    for fname, df in tables.items():
        for src in df["source"].dropna().astype(str):
            heads = [k for k in known if k in src] or [src]
            for h in heads:
                used.setdefault(h, set()).add(fname)
    rows = [
        dict(source=k, licence=known.get(k, "(no data)"), used_in=";".join(sorted(v)))
        for k, v in sorted(used.items())
    ]
    return pd.DataFrame(rows)


def build(facts: Path, sweden: Path, out: Path) -> dict[str, object]:
    """Build every output file from the facts folders; return a summary."""
    f = _read(facts)
    areas = _areas(f)
    study = areas.geometry.union_all()
    j = _population_join(f)
    demand = _demand(j, areas)
    unlocated = _unlocated(j, f["population_primaromrade_2025"], set(areas["area_id"]))
    points = _health_points(sweden, study)
    services, excluded = _services(points)
    gaps = _gaps(set(services["category"]))
    no_pop_polygons = j[j["_merge"] == "right_only"]
    zero_codes = j[(j["_merge"] == "left_only") & (j["jan_1"] == 0)]
    total = int(f["population_basomrade_2025"]["jan_1"].sum())
    located, unloc = int(demand["population"].sum()), int(unlocated["population"].sum())
    if located + unloc != total:
        sys.exit(f"accounting: {located} + {unloc} != {total}")
    check = _primary_check(f, demand, unlocated)

    out.mkdir(parents=True, exist_ok=True)
    _write_geojson(areas, out / "areas.geojson")
    demand.drop(columns="geometry").to_csv(out / "demand.csv", index=False)
    unlocated.to_csv(out / "unlocated.csv", index=False)
    services.to_csv(out / "services.csv", index=False)
    gaps.to_csv(out / "services_unlocated.csv", index=False)
    excluded.to_csv(out / "excluded_facts.csv", index=False)
    tables = {
        "areas.geojson": areas,
        "demand.csv": demand,
        "unlocated.csv": unlocated,
        "services.csv": services,
        "services_unlocated.csv": gaps,
        "excluded_facts.csv": excluded,
    }
    _sources(tables).to_csv(out / "sources.csv", index=False)
    summary = dict(
        n_areas=len(areas),
        areas_by_class=areas.groupby("socioek_kod").size().to_dict(),
        norra_hisingen_primaromraden=sorted(
            areas.loc[areas["mellanomrade"].isin(NORRA_HISINGEN_MELLANOMRADEN), "name"]
        ),
        study_area_km2=round(study.area / 1e6, 3),
        n_basomrade_polygons=int((j["_merge"] != "left_only").sum()),
        n_population_rows=int((j["_merge"] != "right_only").sum()),
        n_demand=len(demand),
        n_demand_zero_population=int((demand["population"] == 0).sum()),
        population_total=total,
        population_located=located,
        population_unlocated=unloc,
        unlocated_rows={r.basomrade_kod: r.population for r in unlocated.itertuples()},
        population_codes_without_polygon=len(j[j["_merge"] == "left_only"]),
        population_codes_without_polygon_zero_population=len(zero_codes),
        polygons_without_population_row=[
            f"{r.omrade_kod} ({r.omrade_namn}, primärområde {_prim_of(r.geometry, areas)} by "
            "location; no primaromrade_kod in the file)"
            for r in no_pop_polygons.itertuples()
        ],
        primaromrade_table_check=check,
        n_health_points=len(points),
        health_points_by_selection=points.groupby("selection").size().to_dict(),
        health_points_outside_official_polygons=int((~points["in_official_polygons"]).sum()),
        n_services=len(services),
        services_by_category=services["category"].value_counts().sort_index().to_dict(),
        n_excluded_health_points=len(excluded),
        excluded_by_amenity=excluded["amenity"].value_counts().sort_index().to_dict(),
        categories_declared_gap=list(gaps["category"]),
    )
    (out / "build_summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return summary


def _prim_of(geom: object, areas: gpd.GeoDataFrame) -> str:
    """The primärområde whose polygon holds the representative point of ``geom``."""
    pt = shapely.point_on_surface(geom)
    hit = areas.loc[areas.geometry.contains(pt), "area_id"]
    return str(hit.iloc[0]) if len(hit) else "(none)"


def _primary_check(
    f: dict[str, pd.DataFrame], demand: pd.DataFrame, unlocated: pd.DataFrame
) -> str:
    """Compare located + unlocated per primärområde with the primärområde population table."""
    per = (
        pd.concat([demand[["area_id", "population"]], unlocated[["area_id", "population"]]])
        .groupby("area_id")["population"]
        .sum()
    )
    tab = f["population_primaromrade_2025"].set_index("omrade_kod")["jan_1"].astype(int)
    common = per.index.intersection(tab.index)
    diff = (per[common] - tab[common]).abs()
    missing = sorted(set(tab.index) - set(per.index))
    if diff.max() > 0:
        sys.exit(f"primärområde sums differ from the primärområde table: {diff[diff > 0]}")
    return (
        f"{len(common)} primärområden: basområde sums (located + unlocated) equal the "
        f"primärområde table exactly; in the table but not an area: {missing} "
        f"({int(tab[missing].sum())} people, in unlocated as __unassigned__)"
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--facts", type=Path, default=DEFAULT_FACTS)
    ap.add_argument("--sweden", type=Path, default=DEFAULT_SWEDEN)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args(argv)
    summary = build(args.facts, args.sweden, args.out)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
