"""The run's equity document ``jamlikhet.md``/``.html`` (Swedish; issue 14).

Per ``[equity]`` grouping, at the map's category, profile and threshold: covered share,
mean and median walking time per group, the gap between the most and the least favoured
class, Theil's T with its between/within decomposition and the Erreygers index; and the
need-weight sweep of ``[siting.need_weights]`` (sites and class gap before any new site, for
plain MCLP and each need weight). Every number comes from the run's tables
(``tables/equity_groups*.csv``, ``tables/need_weights.csv``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from proximity.equity.group_tables import GroupEquity
from proximity.maps.labels import (
    category_label,
    distance_method_text,
    fmt_int,
    fmt_num,
    fmt_pct,
    profile_label,
)
from proximity.report.blocks import Block, flag_blocks, render_html, render_md, write_files
from proximity.sources.city import TOTAL_AREA_ID

if TYPE_CHECKING:
    from proximity.scenario.pipeline import RunResult

__all__ = ["equity_blocks", "sweep_blocks", "write_equity_document"]

_WHOLE = "Hela området"
_RUN_SV = {"before": "Före (inga nya platser)", "plain MCLP": "Vanlig MCLP (alla väger 1)"}


def _pp(v: float) -> str:
    return "–" if v is None or not np.isfinite(float(v)) else f"{fmt_num(float(v), 1)} p.e."


def _group_table(r: GroupEquity) -> Block:
    rows = []
    for g in r.table.itertuples():
        label = _WHOLE if g.group == TOTAL_AREA_ID else str(g.group)
        rows.append(
            [
                label,
                fmt_int(g.population),
                fmt_int(g.covered),
                fmt_pct(g.covered_share, 1),
                fmt_num(g.mean_min, 1),
                fmt_num(g.median_min, 1),
                fmt_int(g.unreachable),
                fmt_int(g.unlocated),
            ]
        )
    header = [
        "Grupp",
        "Invånare",
        f"Når inom {fmt_num(r.threshold_min, 0)} min",
        "Andel",
        "Medeltid (min)",
        "Median (min)",
        "Kan inte nå",
        "Utan läge",
    ]
    return Block("table", header=header, rows=rows, numeric=[False] + [True] * 7)


def _measures(r: GroupEquity) -> list[str]:
    s = r.summary
    items = []
    if "class_gap_pp" in s:
        items.append(
            f"Skillnad mellan mest gynnade ({s['most_favoured']}) och minst gynnade "
            f"({s['least_favoured']}) klass: {_pp(s['class_gap_pp'])} i andel som når."
        )
    if "range_pp" in s:
        items.append(
            f"Största skillnad mellan grupper: {_pp(s['range_pp'])} "
            f"({s['best_group']} – {s['worst_group']})."
        )
    t = r.theil
    items.append(
        f"Theils T för gångtid (bland {fmt_int(s['theil_population'])} som kan nå): "
        f"{fmt_num(t.total, 4)} = mellan grupper {fmt_num(t.between, 4)} + inom grupper "
        f"{fmt_num(t.within, 4)}."
    )
    if r.ci is not None:
        items.append(
            f"Koncentrationsindex (Erreygers) för att nå inom tiden: {fmt_num(r.ci.erreygers, 4)} "
            "(positivt: de mer gynnade klasserna når oftare); utan klass ej med: "
            f"{fmt_int(s.get('ci_excluded_unranked', 0) + s.get('ci_excluded_no_area', 0))} "
            "invånare."
        )
    items.append(
        f"Kan inte nå: {fmt_int(s['unreachable_population'])}; utan läge (ej lokaliserade): "
        f"{fmt_int(s['unlocated_population'])} invånare, redovisade här och inte i måtten ovan."
    )
    return items


def equity_blocks(
    results: Sequence[GroupEquity], category: str, threshold_min: float, profile: str
) -> list[Block]:
    """One section per grouping at ``category``, ``threshold_min`` and ``profile``."""
    blocks: list[Block] = []
    for r in results:
        if (r.category, float(r.threshold_min), r.profile) != (
            category,
            float(threshold_min),
            profile,
        ):
            continue
        blocks.append(Block("h2", f"Per grupp: {r.spec.name}"))
        blocks.append(_group_table(r))
        blocks.append(Block("ul", items=_measures(r)))
    return blocks


def _class_columns(sweep: pd.DataFrame) -> list[str]:
    return [c for c in sweep.columns if c.startswith("share[") and c != f"share[{TOTAL_AREA_ID}]"]


def sweep_blocks(res: RunResult, sweep: pd.DataFrame) -> list[Block]:
    """The need-weight sweep: sites, share and class gap per run."""
    s = res.scenario.siting
    assert s is not None and s.need_weights is not None
    nw = s.need_weights
    where = ", ".join(f"{c} = {' / '.join(v)}" for c, v in s.candidate_areas) or "hela kommunen"
    stated = "; ".join(f"{v}: {fmt_num(w, 1)}" for v, w in nw.weights)
    blocks = [
        Block("h2", "Behovsviktad placering"),
        Block(
            "p",
            f"{s.k} nya {category_label(s.category).lower()} inom {where}, inom "
            f"{fmt_num(float(s.threshold_min), 0)} minuters gång ({profile_label(s.profile)}). "
            f"Invånare i områden med större behov räknas tyngre när platserna väljs "
            f"(vikter i scenariot: {stated}; övriga 1). Vikt s: klassen med högst vikt räknas "
            "s, de andra skalas i samma proportion. Andelar och skillnader räknas alltid i "
            "personer, inom området ovan.",
        ),
    ]
    cls = _class_columns(sweep)
    header = [
        "Körning",
        "Valda platser (område)",
        "Andel som når",
        "Skillnad mest–minst gynnad",
        "Koncentrationsindex (Erreygers)",
    ]
    header += [c[len("share[") : -1] for c in cls]
    rows = []
    for r in sweep.itertuples(index=False):
        d = r._asdict()
        run = str(d["run"])
        label = _RUN_SV.get(run, f"Behovsvikt {fmt_num(float(d['weight']), 1)}")
        chosen = d.get("chosen_areas")
        rows.append(
            [
                label,
                str(chosen).replace(";", ", ") if isinstance(chosen, str) and chosen else "–",
                fmt_pct(d["covered_share"], 1),
                _pp(d["class_gap_pp"]),
                fmt_num(d["ci_erreygers"], 3),
                *[fmt_pct(v, 1) for v in sweep.loc[sweep["run"] == run, cls].iloc[0]],
            ]
        )
    blocks.append(
        Block("table", header=header, rows=rows, numeric=[False, False] + [True] * (len(cls) + 3))
    )
    first = sweep.iloc[0]
    if pd.notna(first.get("least_favoured")):
        blocks.append(
            Block(
                "p",
                f"Skillnad = andel som når i mest gynnade klassen ({first['most_favoured']}) "
                f"minus i minst gynnade ({first['least_favoured']}), i procentenheter: "
                "negativ när de minst gynnade når oftare.",
            )
        )
    return blocks


def write_equity_document(res: RunResult, results: Sequence[GroupEquity], folder: Path) -> Path:
    """``jamlikhet.md`` and ``jamlikhet.html`` into ``folder``; the Markdown file's path."""
    from proximity.scenario.documents import map_settings

    cats, thr, prof = map_settings(res.scenario, res.access)
    title = f"{res.scenario.title or res.scenario.name}: jämlikhet mellan grupper"
    blocks = [
        Block("h1", title),
        Block(
            "p",
            f"Andel som når {category_label(cats[0]).lower()} inom {fmt_num(float(thr), 0)} "
            f"minuters gång ({profile_label(prof)}), per grupp av områden. Avståndsmetod: "
            f"{distance_method_text(res.access)}.",
        ),
        *flag_blocks(res.access, proxy=False),
        *equity_blocks(results, cats[0], float(thr), prof),
    ]
    sweep = getattr(res, "need_weight_sweep", None)
    if sweep is not None:
        blocks += sweep_blocks(res, sweep)
    blocks.append(
        Block(
            "p",
            "Alla grupper, profiler och tider: tables/equity_groups.csv, "
            "tables/equity_groups_summary.csv, tables/equity_groups_theil.csv"
            + (
                ", tables/need_weights.csv, tables/need_weight_sites.csv."
                if sweep is not None
                else "."
            ),
        )
    )
    out = write_files(
        folder, {"jamlikhet.md": render_md(blocks), "jamlikhet.html": render_html(blocks, title)}
    )
    return out["jamlikhet.md"]
