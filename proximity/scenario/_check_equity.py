"""Private: the group-equity keys of a scenario checked against the city's areas (issue 14).

``[equity]`` groupings and named groups, ``[siting] candidate_areas`` and
``[siting.need_weights]`` name area attributes (columns of ``City.areas``) and their values;
each must exist, else a :class:`~proximity.errors.ScenarioError` names the key, the unknown
name and the names the city has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

from proximity.errors import did_you_mean
from proximity.scenario._common import scenario_error
from proximity.scenario.model import Scenario

if TYPE_CHECKING:
    from proximity.sources.city import City

__all__ = ["area_attribute_values", "check_equity_keys"]

_SKIP = {"geometry", "area_id", "name"}


def area_attribute_values(areas: pd.DataFrame, column: str) -> set[str]:
    """The non-empty values of ``areas[column]`` as text."""
    v = areas[column].dropna().astype(str)
    return set(v[v != ""])


def _columns(areas: pd.DataFrame) -> list[str]:
    return [c for c in areas.columns if c not in _SKIP]


def _check_column(scenario: Scenario, areas: pd.DataFrame, column: str, key: str) -> None:
    if column in areas.columns and column != "geometry":
        return
    cols = _columns(areas)
    hint = did_you_mean(column, cols)
    raise scenario_error(
        scenario,
        f"{key}: the city's areas have no attribute {column!r}.",
        key=key,
        fix=(f"Did you mean {hint!r}? " if hint else "")
        + f"Area attributes of this city: {', '.join(cols) or '(none)'}.",
    )


def _check_values(
    scenario: Scenario, areas: pd.DataFrame, column: str, values: Iterable[str], key: str
) -> None:
    _check_column(scenario, areas, column, key)
    have = area_attribute_values(areas, column)
    for v in values:
        if v not in have:
            hint = did_you_mean(v, sorted(have))
            shown = sorted(have)
            raise scenario_error(
                scenario,
                f"{key}: no area has {column} = {v!r}.",
                key=key,
                fix=(f"Did you mean {hint!r}? " if hint else "")
                + f"Values of {column}: {', '.join(shown[:40])}"
                + (f" and {len(shown) - 40} more." if len(shown) > 40 else "."),
            )


def _check_rank(scenario: Scenario, areas: pd.DataFrame, column: str, key: str) -> None:
    _check_column(scenario, areas, column, key)
    raw = areas[column].astype(str).str.strip()
    num = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    bad = sorted(set(raw[num.isna() & areas[column].notna() & (raw != "")]))
    if bad or num.notna().sum() == 0:
        raise scenario_error(
            scenario,
            f"{key}: the rank column {column!r} must hold numbers (1 = least favoured)"
            + (f"; it holds {bad[:5]}." if bad else "; it is empty."),
            key=key,
            fix="Name a numeric rank column of the areas (empty = not classified).",
        )


def check_equity_keys(scenario: Scenario, city: City) -> None:
    """Check ``[equity]`` and the ``[siting]`` area keys against ``city.areas``.

    Raises
    ------
    ScenarioError
        An unknown area attribute, an attribute value no area has, or a rank column that
        is not numeric; the message names the key and the fix lists what the city has.
    """
    areas = city.areas
    eq = scenario.equity
    if eq is not None:
        for col in eq.groups:
            _check_column(scenario, areas, col, "equity.groups")
        for col, rank in eq.rank_columns:
            _check_rank(scenario, areas, rank, f"equity.rank_columns.{col}")
        for g in eq.named_groups:
            key = f"equity.named_groups.{g.name}.{g.column}"
            _check_values(scenario, areas, g.column, g.values, key)
    s = scenario.siting
    if s is None:
        return
    for col, values in s.candidate_areas:
        _check_values(scenario, areas, col, values, f"siting.candidate_areas.{col}")
    if s.need_weights is not None:
        nw = s.need_weights
        key = "siting.need_weights.weights"
        _check_column(scenario, areas, nw.column, "siting.need_weights.column")
        _check_values(scenario, areas, nw.column, [v for v, _w in nw.weights], key)
