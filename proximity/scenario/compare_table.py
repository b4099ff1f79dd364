"""The Swedish compare table (``compare.md``, ``compare.html``) of one slice of a comparison.

Numbers in the report's Swedish format (:func:`proximity.maps.labels.fmt_int` /
:func:`~proximity.maps.labels.fmt_num` / :func:`~proximity.maps.labels.fmt_pct`: decimal
commas, no-break-space thousands), areas by name, the category and walking profile by their
Swedish labels, and the inequality measure named and explained with the report's wording
(:data:`proximity.report.overview.INEQUALITY_SV`). The blocks are rendered by the report's
renderer (:mod:`proximity.report.blocks`), which escapes every text from data.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pandas as pd

from proximity.maps.labels import (
    category_label,
    distance_method_text,
    fmt_int,
    fmt_num,
    fmt_pct,
    is_crowfly,
    profile_label,
    threshold_text,
)
from proximity.report.blocks import Block, render_html, render_md
from proximity.report.overview import INEQUALITY_SV, minutes_text
from proximity.report.wording import PROXY_FLAG_SV, WORDS
from proximity.sources.city import TOTAL_AREA_ID

__all__ = [
    "PRESENT_SV",
    "SUMMED_PREFIX",
    "compare_blocks",
    "compare_html",
    "compare_markdown",
]

#: ``present`` (compare.csv) → the Swedish wording of the "Finns i" column.
PRESENT_SV = {"both": "båda", "a": "bara A", "b": "bara B"}

#: How :func:`~proximity.scenario.compare.compare_tables` names a row summed from subareas.
SUMMED_PREFIX = "Σ "

#: Why the walking-time inequality can rise although everyone walks less far.
_WALK_TIME_RISE_SV = (
    "Måttet är relativt: det kan stiga när en ny tjänst kortar vägen mycket för en del av "
    "området men mindre för resten, även när medeltiden sjunker för alla."
)


def _signed(value: object, decimals: int) -> str:
    """``+12,3`` / ``-4,0`` / ``0,0`` / ``–`` (missing), in the report's number format."""
    v = float(value)  # type: ignore[arg-type]
    if not np.isfinite(v):
        return "–"
    text = fmt_num(v, decimals)
    return f"+{text}" if round(v, decimals) > 0 else text


def _signed_int(value: object) -> str:
    v = float(value)  # type: ignore[arg-type]
    if not np.isfinite(v):
        return "–"
    return f"+{fmt_int(v)}" if round(v) > 0 else fmt_int(v)


def _count(value: object) -> str:
    v = float(value)  # type: ignore[arg-type]
    return fmt_int(v) if np.isfinite(v) else "–"


_SV_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y"})


def _sv_key(name: str) -> str:
    """A sort key that puts å, ä, ö after z, as in Swedish."""
    return str(name).casefold().translate(_SV_ORDER)


def _ordered(diff: pd.DataFrame) -> pd.DataFrame:
    """Areas in both runs by Swedish name, then areas in one run only, the total last."""
    key = pd.DataFrame(
        {
            "total": diff["area_id"].astype(str) == TOTAL_AREA_ID,
            "one_side": diff["present"].astype(str) != "both",
            "name": diff["area_name"].fillna(diff["area_id"]).astype(str).map(_sv_key),
        },
        index=diff.index,
    )
    order = key.sort_values(["total", "one_side", "name"], kind="mergesort").index
    return diff.loc[order]


def _units(diff: pd.DataFrame) -> list[str]:
    return sorted(
        {
            str(x)
            for c in ("population_unit_a", "population_unit_b")
            if c in diff.columns
            for x in diff[c].dropna()
        }
    )


def _methods(diff: pd.DataFrame) -> list[str]:
    cols = [c for c in ("distance_method_a", "distance_method_b") if c in diff.columns]
    return sorted({str(x) for c in cols for x in diff[c].dropna()})


def _header(proxy: bool) -> list[str]:
    count = WORDS["proxy" if proxy else "persons"]["covered"]  # the report's words
    delta = "Δ täckt m²" if proxy else "Δ täckta"
    return [
        "Område",
        "Finns i",
        f"{count} A",
        f"{count} B",
        delta,
        "Andel A",
        "Andel B",
        "Δ andel (procentenheter)",
        "Medeltid B (min)",
        "Δ medeltid (min)",
        "Ojämlikhet i gångtid B (Gini)",
        "Δ ojämlikhet i gångtid",
    ]


_NUMERIC = [False, False, *([True] * 10)]


def _row(r: pd.Series) -> list[str]:
    return [
        str(r["area_name"]) if pd.notna(r["area_name"]) else str(r["area_id"]),
        PRESENT_SV.get(str(r["present"]), str(r["present"])),
        _count(r["covered_a"]),
        _count(r["covered_b"]),
        _signed_int(r["delta_covered"]),
        fmt_pct(r["covered_share_a"]),
        fmt_pct(r["covered_share_b"]),
        _signed(100.0 * float(r["delta_covered_share"]), 1),
        minutes_text(r["mean_min_b"]),
        _signed(r["delta_mean_min"], 1),
        fmt_num(r["gini_b"], 3),
        _signed(r["delta_gini"], 3),
    ]


def _notes(diff: pd.DataFrame) -> list[str]:
    walk_name, walk_direction = INEQUALITY_SV["walk_time"]
    notes = [
        "Δ = B − A. Andelarna är av hela befolkningen i området; Δ andel i procentenheter. "
        "Medeltid: genomsnittlig gångtid i minuter till närmaste tjänst för dem som kan nå "
        "en (”<\u00a01” = under en minut, ”–” = ingen kan nå en).",
        f"{walk_name}: {walk_direction} {_WALK_TIME_RISE_SV}",
    ]
    if (
        diff["area_name"].astype(str).str.startswith(SUMMED_PREFIX).any()
        or diff["area_name"].astype(str).str.contains(f"({SUMMED_PREFIX}", regex=False).any()
    ):
        notes.append(
            "Ett område som är uppdelat i delområden i den ena körningen summeras (Σ) så att "
            "det kan jämföras; antal summeras, medeltiden vägs, ojämlikheten kan inte summeras "
            "och lämnas tom."
        )
    return notes


def compare_blocks(
    diff: pd.DataFrame,
    title: str,
    category: str,
    profile: str,
    threshold: float,
    *,
    runs: Sequence[str] = (),
) -> list[Block]:
    """The report blocks of one slice of :func:`~proximity.scenario.compare.compare_tables`.

    Parameters
    ----------
    diff
        One category × profile × threshold (group ``all``) of the comparison.
    title
        The heading, e.g. ``"helsingborg-motion − helsingborg-baseline"``.
    category, profile, threshold
        The slice, named in Swedish in the text.
    runs
        Lines naming run A and run B (shown under the heading).

    Returns
    -------
    list of Block
    """
    units = _units(diff)
    proxy = any(u != "persons" for u in units)
    methods = _methods(diff)
    blocks = [
        Block("h1", f"Jämförelse per område: {title}"),
        *[Block("p", line) for line in runs],
        Block(
            "p",
            f"Tjänst: {category_label(category)}. Gångprofil: {profile_label(profile)}. "
            f"Inom {threshold_text(threshold)} minuters promenad.",
        ),
    ]
    for m in methods:
        method = SimpleNamespace(distance_method=m)
        text = f"Avståndsmetod: {distance_method_text(method)}"
        blocks.append(
            Block("warn", f"{text} – inte verkliga gångvägar.")
            if is_crowfly(method)
            else Block("p", f"{text}.")
        )
    if proxy:
        blocks.append(Block("warn", f"{PROXY_FLAG_SV} Jämför andelarna."))
    rows = [_row(r) for _, r in _ordered(diff).iterrows()]
    blocks.append(Block("table", header=_header(proxy), rows=rows, numeric=_NUMERIC))
    blocks += [Block("p", n) for n in _notes(diff)]
    return blocks


def compare_markdown(
    diff: pd.DataFrame,
    title: str,
    category: str,
    profile: str,
    threshold: float,
    *,
    runs: Sequence[str] = (),
) -> str:
    """The Swedish Markdown of one slice (``compare.md``); see :func:`compare_blocks`."""
    return render_md(compare_blocks(diff, title, category, profile, threshold, runs=runs))


def compare_html(
    diff: pd.DataFrame,
    title: str,
    category: str,
    profile: str,
    threshold: float,
    *,
    runs: Sequence[str] = (),
) -> str:
    """The same as one self-contained HTML page (``compare.html``, ``lang="sv"``)."""
    blocks = compare_blocks(diff, title, category, profile, threshold, runs=runs)
    return render_html(blocks, f"Jämförelse per område: {title}")
