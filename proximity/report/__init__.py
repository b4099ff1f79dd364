"""Readable reports per scenario and per area, in Swedish (Markdown + self-contained HTML).

:func:`write_report` writes ``report.md`` and ``report.html`` (with the charts as PNG files
next to the Markdown and embedded as ``data:`` URIs in the HTML): a static map of the result
(:mod:`~proximity.report.figure`), coverage per area (table + bar chart), a Lorenz curve of
walking times, the ranked proposed sites, the method and data
provenance, and a short "Vad betyder detta?" paragraph built only from the numbers in the
tables.

:func:`area_profile` writes a one-page profile of one area (stadsdel): population, coverage
of every category, the gaps, the nearest services and the candidate sites inside it.

All content is built in memory first; the files are then written through
:func:`proximity._io.atomic_path`, so an error never leaves a partial file behind.
The inputs are duck-typed like in :mod:`proximity.maps`, whose public labels and data views
(:mod:`proximity.maps.labels`, :mod:`proximity.maps.views`,
:mod:`proximity.maps.site_views`) the report uses.

Modules: :mod:`~proximity.report.scenario_report` and :mod:`~proximity.report.area` (one
block builder per section), :mod:`~proximity.report.method` (method and known data gaps),
:mod:`~proximity.report.wording`, :mod:`~proximity.report.charts` and
:mod:`~proximity.report.blocks` (Markdown/HTML rendering and atomic writing),
:mod:`~proximity.report.figure` (the static map) and :mod:`~proximity.report.pdf` (the HTML
report printed to ``report.pdf``: WeasyPrint's tagged PDF/UA-1, else headless Chromium).
"""

from __future__ import annotations

from proximity.report.area import area_profile
from proximity.report.charts import lorenz_points
from proximity.report.method import has_no_age_data
from proximity.report.scenario_report import write_report
from proximity.report.wording import PROXY_FLAG_SV

__all__ = ["PROXY_FLAG_SV", "area_profile", "has_no_age_data", "lorenz_points", "write_report"]
