"""Input checks of compute_access (proximity.coverage._check): bad categories, population,
thresholds, profiles, areas, geometries and parameters; reprojection of another CRS."""

from __future__ import annotations

import pytest
import shapely
from _coverage_cases import (
    CRS,
    ONE,
    X0,
    Y0,
    conserved,
    hand_access,
    hand_city,
    line_network,
)

from proximity.coverage import (
    TOTAL_AREA_ID,
    Access,
    compute_access,
)
from proximity.errors import CRSError, GeometryError, ParameterError, SchemaError
from proximity.network import WalkNetwork


@pytest.fixture(scope="module")
def hand() -> Access:
    return hand_access()


def test_category_without_services_gives_zero_covered_and_a_note() -> None:
    # youth_centre is built in but the city has none: computed, nobody covered, noted
    acc = compute_access(hand_city(), line_network(), categories=["youth_centre"], profiles=(ONE,))
    assert acc.categories == ("youth_centre",)
    tot = acc.area_table(TOTAL_AREA_ID, threshold_min=10, profile="one_m_s").iloc[0]
    assert (tot.covered, tot.unreachable, tot.unsnapped, tot.unlocated) == (0, 110, 5, 15)
    assert any("no services of category 'youth_centre'" in n for n in acc.provenance["notes"])
    assert any("extra_services" in n for n in acc.provenance["notes"])
    conserved(acc.areas)
    with pytest.raises(ParameterError, match="Did you mean 'library'"):
        compute_access(hand_city(), line_network(), categories=["libary"])


def test_bad_zero_population() -> None:
    city = hand_city()
    city.demand["population"] = 0.0
    with pytest.raises(SchemaError, match="zero total population"):
        compute_access(city, line_network())
    city = hand_city()
    city.demand.loc[0, "population"] = 0.0  # single zero rows are fine
    acc = compute_access(city, line_network(), profiles=(ONE,), thresholds_min=(10,))
    conserved(acc.areas)
    city.demand.loc[1, "population"] = -3.0
    with pytest.raises(SchemaError, match="finite number >= 0") as e:
        compute_access(city, line_network())
    assert e.value.row == "d2"


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf")])
def test_bad_threshold(bad: float) -> None:
    with pytest.raises(ParameterError, match="positive numbers of minutes"):
        compute_access(hand_city(), line_network(), thresholds_min=(10, bad))


def test_bad_profile() -> None:
    with pytest.raises(ParameterError, match="Unknown walking profile 'eldery'") as e:
        compute_access(hand_city(), line_network(), profiles=("adult", "eldery"))
    assert "elderly" in e.value.fix


def test_bad_area(hand: Access) -> None:
    with pytest.raises(ParameterError, match="Unknown area 'C'"):
        hand.area_table("C")
    with pytest.raises(ParameterError, match=r"Unknown area 'a'\.\s*Did you mean 'A'"):
        compute_access(hand_city(), line_network(), areas=["a"])
    with pytest.raises(ParameterError, match="Threshold 7"):
        hand.area_table("A", threshold_min=7)
    with pytest.raises(ParameterError, match="area_level"):
        compute_access(hand_city(), line_network(), area_level="districts")


def test_bad_geometry_and_params() -> None:
    city = hand_city()
    city.demand.loc[2, "geometry"] = shapely.box(X0, Y0, X0 + 10, Y0 + 10)
    with pytest.raises(GeometryError):
        compute_access(city, line_network())
    with pytest.raises(ParameterError, match="detour_factor"):
        compute_access(hand_city(), None, detour_factor=0.8)
    with pytest.raises(ParameterError, match="max_snap_m"):
        compute_access(hand_city(), line_network(), max_snap_m=0)


def test_network_in_another_crs_is_refused() -> None:
    """A network in another CRS than the city's was built for another area or projection:
    refused with a fix (it used to be reprojected silently, with a note)."""
    from pyproj import Transformer

    net = line_network()
    tr = Transformer.from_crs(CRS, "EPSG:32633", always_xy=True)
    x, y = tr.transform(net.node_x, net.node_y)
    net33 = WalkNetwork.from_arrays(
        "EPSG:32633", x, y, net.edge_u, net.edge_v, edge_highway=net.edge_highway
    )
    with pytest.raises(CRSError, match="EPSG:32633 but the city is in EPSG:3006") as e:
        compute_access(hand_city(), net33, profiles=(ONE,), thresholds_min=(11,))
    assert 'crs="EPSG:3006"' in e.value.fix
