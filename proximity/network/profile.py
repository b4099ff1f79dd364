"""The pedestrian profile: the versioned OSM tag filter deciding which ways are walkable.

See ``docs/notes/network.md`` for the rules and the reasons behind them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Values of ``foot=*`` that explicitly permit walking (override ``access=no|private``).
_FOOT_ALLOW = frozenset({"yes", "designated", "permissive", "destination", "official"})
#: Values of ``foot=*`` that forbid walking (``use_sidepath``: a parallel path must be used,
#: and that path is in the network itself).
_FOOT_DENY = frozenset({"no", "private", "use_sidepath"})
#: Values of ``access=*`` that forbid walking unless ``foot`` explicitly allows it.
_ACCESS_DENY = frozenset({"no", "private"})
#: ``sidewalk=*`` values meaning a sidewalk is part of the road (not mapped separately).
_SIDEWALK_PRESENT = frozenset({"both", "left", "right", "yes"})


@dataclass(frozen=True)
class PedestrianProfile:
    """A versioned OSM tag filter deciding which ways are walkable.

    The rules, applied in this order to a way's tags (see ``docs/notes/network.md``):

    1. No ``highway`` tag, or a lifecycle value (``proposed``, ``construction``, ...):
       not walkable.
    2. ``foot`` in ``no | private | use_sidepath``: not walkable.
    3. ``foot`` in ``yes | designated | permissive | destination | official``: walkable
       (an explicit permission overrides ``access`` and the road class).
    4. ``access`` in ``no | private``, or ``motorroad=yes`` (Swedish *motortrafikled*):
       not walkable.
    5. ``highway`` in :attr:`highways` (footway, path, steps, pedestrian, living street,
       residential, service, track, unclassified, tertiary/secondary/primary and links,
       corridor, bridleway, platform, elevator, road): walkable.
    6. ``highway=cycleway`` without a ``foot`` tag: walkable (Swedish *gång- och cykelväg*
       is usually tagged ``foot=designated`` and is caught by rule 3; an untagged cycle track
       may be used by pedestrians where there is no footway, and including it avoids false
       gaps).
    7. ``highway=trunk|trunk_link`` only with a sidewalk on the road (``sidewalk=both|left|
       right|yes`` or ``sidewalk:<side>=yes``).
    8. Anything else (motorway, busway, raceway, unknown values): not walkable.

    Attributes
    ----------
    version
        Recorded in every network's provenance; bump it when a rule changes.
    highways
        ``highway`` values walkable by default (rule 5).
    conditional
        ``highway`` values walkable only under rules 3, 6, 7 (fetched online, then filtered).
    """

    version: str
    highways: frozenset[str]
    conditional: frozenset[str]

    #: Tag keys the rules read (what an online query must keep on each way).
    tag_keys: tuple[str, ...] = (
        "highway",
        "foot",
        "access",
        "motorroad",
        "sidewalk",
        "sidewalk:both",
        "sidewalk:left",
        "sidewalk:right",
        "area",
    )

    def is_walkable(self, tags: Mapping[str, str]) -> bool:
        """Whether a way with these OSM tags belongs to the walking network.

        Parameters
        ----------
        tags : Mapping of str to str
            The way's OSM tags.

        Returns
        -------
        bool
        """
        hw = tags.get("highway")
        if not hw or (hw not in self.highways and hw not in self.conditional):
            return False
        foot = tags.get("foot")
        if foot in _FOOT_DENY:
            return False
        if foot in _FOOT_ALLOW:
            return True
        if tags.get("access") in _ACCESS_DENY or tags.get("motorroad") == "yes":
            return False
        if hw in self.highways:
            return True
        if hw == "cycleway":
            return foot is None
        if hw in ("trunk", "trunk_link"):
            return tags.get("sidewalk") in _SIDEWALK_PRESENT or any(
                tags.get(f"sidewalk:{side}") == "yes" for side in ("both", "left", "right")
            )
        return False

    def overpass_filter(self) -> str:
        """An Overpass way filter selecting a superset of the walkable ways.

        The exact rules are applied afterwards with :meth:`is_walkable`.
        """
        values = "|".join(sorted(self.highways | self.conditional))
        return f'["highway"~"^({values})$"]["foot"!~"^(no|private|use_sidepath)$"]'

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary (for provenance and documentation)."""
        return {
            "version": self.version,
            "highways": sorted(self.highways),
            "conditional": sorted(self.conditional),
            "foot_allow": sorted(_FOOT_ALLOW),
            "foot_deny": sorted(_FOOT_DENY),
            "access_deny": sorted(_ACCESS_DENY),
        }


#: The pedestrian profile used by default (version ``proximity-walk-1``).
PEDESTRIAN_PROFILE = PedestrianProfile(
    version="proximity-walk-1",
    highways=frozenset(
        {
            "footway",
            "path",
            "steps",
            "pedestrian",
            "living_street",
            "residential",
            "service",
            "track",
            "unclassified",
            "road",
            "tertiary",
            "tertiary_link",
            "secondary",
            "secondary_link",
            "primary",
            "primary_link",
            "corridor",
            "bridleway",
            "platform",
            "elevator",
        }
    ),
    conditional=frozenset({"cycleway", "trunk", "trunk_link", "motorway", "motorway_link"}),
)
