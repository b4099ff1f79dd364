"""Scenarios: one typed, validated object per TOML file, and the pipeline that runs it.

A scenario names the city (or its input files), the walking network and its fallback policy,
the categories, thresholds and walking profiles, a list of interventions (add or close a
service, change a walking speed, split an area into its stadsdelar), an optional siting
request and the outputs. :func:`load_scenario` reads and checks a file; :func:`run` executes

    city → interventions → network → coverage → equity → siting → coverage with the new sites
    → tables, maps and report

into a staging folder next to the output folder and renames it into place only at the end, so
an interrupted run (Ctrl-C, crash) never leaves half-written outputs.

TOML layout (every key is optional except ``name`` and ``city``)::

    schema = 1                             # the file format version (absent: 1)
    name = "helsingborg-motion"           # slug: folder name of the outputs
    title = "Motionen: nya stadsdelskontor"
    city = "helsingborg"                   # a built-in city or a path to a city TOML
    categories = ["district_office", "library"]   # default: every category of the city
    thresholds_min = [5, 10, 15, 20]
    profiles = ["adult", "elderly", "winter"]
    baseline = "helsingborg-baseline.toml" # optional: deltas against another scenario

    [network]
    source = "auto"        # "auto" | "required" | "crowfly" | a file (.osm/.osm.pbf/.npz)
                           # | "place:<name>"
    fallback = "crowfly"   # what "auto" does when no network can be had: "crowfly" | "error"

    [[interventions]]
    type = "split_area"
    area_id = "..."

    [siting]
    model = "mclp"         # "mclp" | "p_median"
    k = 5
    threshold_min = 10
    category = "district_office"
    one_per_area = true
    candidates = "services:library,meeting_place"   # | "grid:500" | a file
    candidate_areas = { stadsomrade = "Hisingen" }  # only candidates in these areas

    [siting.need_weights]  # the need-weight sweep (tables/need_weights.csv)
    column = "socioek_klass"
    weights = { "Områden med stora socioekonomiska utmaningar" = 2.0 }
    sweep = [1, 1.5, 2, 3]

    [equity]               # group tables (tables/equity_groups*.csv, jamlikhet.md)
    groups = ["socioek_klass"]
    rank_columns = { socioek_klass = "socioek_rank" }
    [equity.named_groups.norra_hisingen]
    mellanomrade = ["Backa", "Kärra-Rödbo", "Tuve-Säve"]

    [outputs]
    dir = "out/helsingborg-motion"   # relative to the current folder
    maps_dir = "maps"                # also publish the maps to maps/<name>/ (current folder)
    area_profiles = ["B022"]         # omrade_<id>.md/.html: area or subarea (stadsdel) ids

Relative file paths inside a scenario (``city``, network files, candidate files, ``baseline``)
are resolved against the scenario file's folder; the output folder and ``maps_dir`` against
the current folder (like ``--out``).

Modules: :mod:`~proximity.scenario.model` (the dataclasses), :mod:`~proximity.scenario.parse`
(TOML → :class:`Scenario`), :mod:`~proximity.scenario.checks` (against the city),
:mod:`~proximity.scenario.interventions`, :mod:`~proximity.scenario.network` (the network
policy), :mod:`~proximity.scenario.analysis` (coverage and siting steps),
:mod:`~proximity.scenario.tables`, :mod:`~proximity.scenario.documents` (maps, report, area
profiles), :mod:`~proximity.scenario.outputs` (staging, publishing with ``manifest.json``,
``run.json``), :mod:`~proximity.scenario.portable` (no local paths in the provenance),
:mod:`~proximity.scenario.pipeline` (:func:`compute`, :func:`run`),
:mod:`~proximity.scenario.integrity` (a run folder is as written),
:mod:`~proximity.scenario.equity_run` and :mod:`~proximity.scenario.equity_report` (the
``[equity]`` and need-weight outputs) and
:mod:`~proximity.scenario.compare`.
"""

from proximity import _io
from proximity.scenario.analysis import candidate_table
from proximity.scenario.checks import check_against_city
from proximity.scenario.compare import (
    COMPARE_METRICS,
    PRESENT_SV,
    CompareResult,
    compare,
    compare_tables,
    read_run_tables,
)
from proximity.scenario.documents import map_isochrones, map_settings
from proximity.scenario.interventions import apply_interventions
from proximity.scenario.model import (
    DEFAULT_PROFILES,
    DEFAULT_THRESHOLDS_MIN,
    AddService,
    CandidateSpec,
    CloseService,
    Intervention,
    NetworkSpec,
    OutputSpec,
    Scenario,
    SetSpeed,
    SitingSpec,
    SplitArea,
)
from proximity.scenario.network import NetworkOrigin, network_cache_path, resolve_network
from proximity.scenario.parse import RENAMED_KEYS, SCHEMA_VERSION, load_scenario
from proximity.scenario.pipeline import CROWFLY_BANNER, RunResult, compute, run
from proximity.scenario.tables import (
    AREA_KEYS,
    NO_SERVICE_STATUS,
    area_gini_table,
    areas_table,
    canonical_table,
    categories_table,
    population_unit,
    total_area_label,
    write_table,
)
from proximity.sources import registry
from proximity.sources.city import is_municipality

__all__ = [
    "AREA_KEYS",
    "COMPARE_METRICS",
    "CROWFLY_BANNER",
    "DEFAULT_PROFILES",
    "DEFAULT_THRESHOLDS_MIN",
    "NO_SERVICE_STATUS",
    "PRESENT_SV",
    "RENAMED_KEYS",
    "SCHEMA_VERSION",
    "AddService",
    "CandidateSpec",
    "CloseService",
    "CompareResult",
    "Intervention",
    "NetworkOrigin",
    "NetworkSpec",
    "OutputSpec",
    "RunResult",
    "Scenario",
    "SetSpeed",
    "SitingSpec",
    "SplitArea",
    "_io",
    "apply_interventions",
    "area_gini_table",
    "areas_table",
    "candidate_table",
    "canonical_table",
    "categories_table",
    "check_against_city",
    "compare",
    "compare_tables",
    "compute",
    "is_municipality",
    "load_scenario",
    "map_isochrones",
    "map_settings",
    "network_cache_path",
    "population_unit",
    "read_run_tables",
    "registry",
    "resolve_network",
    "run",
    "total_area_label",
    "write_table",
]
