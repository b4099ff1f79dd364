"""Private: the group-equity keys of a scenario file (issue 14).

``[equity]`` (groupings, rank columns, named groups), and in ``[siting]``:
``candidate_areas`` (candidates restricted by an area attribute) and
``[siting.need_weights]`` (need weights per area class and their sweep). Used by
:mod:`proximity.scenario.parse` and :mod:`proximity.scenario._parse_sections`; the values are
checked against the city's areas by :mod:`proximity.scenario._check_equity`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from proximity.scenario._parse_fields import (
    ParseContext,
    Raw,
    check_keys,
    get_list,
    get_str,
    get_strs,
    require_str,
    type_name,
)
from proximity.scenario.model import EquitySpec, NamedGroup, NeedWeights

__all__ = ["EQUITY_KEYS", "parse_candidate_areas", "parse_equity", "parse_need_weights"]

EQUITY_KEYS = ("groups", "rank_columns", "named_groups")
NAMED_GROUP_KEYS = ("label", "rest")
NEED_WEIGHT_KEYS = ("column", "weights", "sweep")
_GROUP_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_]*")


def _table(ctx: ParseContext, raw: Raw, key: str, section: str, example: str) -> Mapping[str, Raw]:
    if not isinstance(raw, dict):
        raise ctx.error(
            f"'{key}' must be a table, got {type_name(raw)}.",
            key=key,
            section=section,
            fix=f"Write it as a table, e.g. {example}.",
        )
    return raw


def _str_values(ctx: ParseContext, d: Mapping[str, Raw], key: str, section: str) -> tuple[str, ...]:
    """``d[key]``: one string or a non-empty list of unique strings."""
    v = get_list(ctx, d, key, section, str)
    assert v is not None
    return tuple(str(x) for x in v)


def _parse_rank_columns(ctx: ParseContext, raw: Raw) -> tuple[tuple[str, str], ...]:
    table = _table(ctx, raw, "rank_columns", "equity", 'rank_columns = {socioek_klass = "rank"}')
    return tuple((str(k), require_str(ctx, table, k, "equity.rank_columns")) for k in table)


def _parse_named_group(ctx: ParseContext, name: str, raw: Raw) -> NamedGroup:
    section = f"equity.named_groups.{name}"
    example = f'[{section}] mellanomrade = ["Backa", "Kärra-Rödbo"]'
    table = _table(ctx, raw, name, "equity.named_groups", example)
    if not _GROUP_NAME_RE.fullmatch(name):
        raise ctx.error(
            f"Named group {name!r}: the name must be lower-case letters, digits and _.",
            section=section,
            fix="Rename the table, e.g. [equity.named_groups.norra_hisingen]; put the shown "
            'label in label = "...".',
        )
    attrs = [k for k in table if k not in NAMED_GROUP_KEYS]
    if len(attrs) != 1:
        raise ctx.error(
            f"Named group {name!r} must name exactly one area attribute and its values "
            f"(got {len(attrs)}: {', '.join(attrs) or 'none'}).",
            section=section,
            fix=f"Write e.g. {example} (optional keys: label, rest).",
        )
    col = attrs[0]
    label = get_str(ctx, table, "label", section, None) or name.replace("_", " ").capitalize()
    rest = get_str(ctx, table, "rest", section, None) or "Övriga"
    if rest == label:
        raise ctx.error(
            f"Named group {name!r}: label and rest are both {label!r}.",
            key="rest",
            section=section,
            fix='Give the rest another label, e.g. rest = "Övriga".',
        )
    return NamedGroup(name, col, _str_values(ctx, table, col, section), label, rest)


def parse_equity(ctx: ParseContext, raw: Raw) -> EquitySpec:
    """The ``[equity]`` table: ``groups``, ``rank_columns``, ``[equity.named_groups.<name>]``."""
    table = _table(ctx, raw, "equity", "", '[equity] groups = ["socioek_klass"]')
    check_keys(ctx, table, EQUITY_KEYS, "equity")
    groups = get_strs(ctx, table, "groups", "equity") or ()
    ranks = _parse_rank_columns(ctx, table["rank_columns"]) if "rank_columns" in table else ()
    unused = sorted({c for c, _r in ranks} - set(groups))
    if unused:
        raise ctx.error(
            f"rank_columns names {unused}, which are not in groups {list(groups)}.",
            key="rank_columns",
            section="equity",
            fix="Add them to groups, or remove them from rank_columns.",
        )
    named_raw = table.get("named_groups", {})
    named = _table(ctx, named_raw, "named_groups", "equity", "[equity.named_groups.name]")
    spec = EquitySpec(
        groups=groups,
        rank_columns=ranks,
        named_groups=tuple(_parse_named_group(ctx, n, v) for n, v in named.items()),
    )
    clash = sorted(set(spec.groups) & {g.name for g in spec.named_groups})
    if clash:
        raise ctx.error(
            f"{clash} is both an area attribute in groups and a named group.",
            section="equity",
            fix="Rename the named group.",
        )
    if not spec.groups and not spec.named_groups:
        raise ctx.error(
            "[equity] names no grouping.",
            section="equity",
            fix='Add groups = ["<area attribute>"] or an [equity.named_groups.<name>] table.',
        )
    return spec


def parse_candidate_areas(ctx: ParseContext, raw: Raw) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``candidate_areas = {attribute = "value" | ["v1", "v2"], ...}`` in ``[siting]``."""
    example = 'candidate_areas = {stadsomrade = "Hisingen"}'
    table = _table(ctx, raw, "candidate_areas", "siting", example)
    if not table:
        raise ctx.error(
            "'candidate_areas' is empty.",
            key="candidate_areas",
            section="siting",
            fix=f"Name an area attribute and its value, e.g. {example}, or drop the key.",
        )
    out = []
    for col, v in table.items():
        if isinstance(v, str):
            v = [v]
        out.append(
            (str(col), _str_values(ctx, {"candidate_areas": v}, "candidate_areas", "siting"))
        )
    return tuple(out)


def _weight(ctx: ParseContext, value: str, w: Raw, section: str) -> float:
    if isinstance(w, bool) or not isinstance(w, int | float) or not 1 <= w <= 100:
        raise ctx.error(
            f"need weight of {value!r} must be a number from 1 to 100, got {type_name(w)} {w!r}.",
            key=value,
            section=section,
            fix="Write e.g. 2.0 (residents there count twice); 1 = no extra weight.",
        )
    return float(w)


def parse_need_weights(ctx: ParseContext, raw: Raw) -> NeedWeights:
    """``[siting.need_weights]``: ``column``, ``weights = {value = w}``, ``sweep = [...]``."""
    section = "siting.need_weights"
    example = '[siting.need_weights] column = "socioek_klass", weights = {"<class>" = 2.0}'
    table = _table(ctx, raw, "need_weights", "siting", example)
    check_keys(ctx, table, NEED_WEIGHT_KEYS, section)
    column = require_str(ctx, table, "column", section)
    if "weights" not in table:
        raise ctx.error(
            "Missing required key 'weights'.",
            section=section,
            fix='Add weights = {"<value of the column>" = 2.0, ...}.',
        )
    wt = _table(ctx, table["weights"], "weights", section, 'weights = {"<value>" = 2.0}')
    weights = tuple((str(v), _weight(ctx, str(v), w, section)) for v, w in wt.items())
    if not weights or max(w for _v, w in weights) <= 1:
        raise ctx.error(
            "need weights give no value a weight above 1 (that is plain MCLP).",
            key="weights",
            section=section,
            fix="Give the classes in most need a weight above 1, e.g. 2.0 and 1.5.",
        )
    sweep = get_list(ctx, table, "sweep", section, float, positive=True) or ()
    for s in sweep:
        assert isinstance(s, int | float)
        if not 1 <= s <= 100:
            raise ctx.error(
                f"'sweep' holds {s!r}; every scale must be from 1 to 100.",
                key="sweep",
                section=section,
                fix="Write e.g. sweep = [1, 1.5, 2, 3] (1 = plain MCLP).",
            )
    return NeedWeights(column, weights, tuple(float(s) for s in sweep))  # type: ignore[arg-type]
