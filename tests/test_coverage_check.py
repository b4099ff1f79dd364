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
    area_row,
    conserved,
    hand_access,
    hand_city,
    line_network,
)

from proximity.coverage import (
    Access,
    compute_access,
)
from proximity.errors import GeometryError, ParameterError, SchemaError
from proximity.network import WalkNetwork


@pytest.fixture(scope="module")
def hand() -> Access:
    return hand_access()


def test_bad_category_without_services() -> None:
    with pytest.raises(ParameterError, match="no services of category 'youth_centre'") as e:
        compute_access(hand_city(), line_network(), categories=["youth_centre"])
    assert "library" in e.value.fix
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


def test_city_in_another_crs_is_reprojected_and_noted() -> None:
    from pyproj import Transformer

    net = line_network()
    tr = Transformer.from_crs(CRS, "EPSG:32633", always_xy=True)
    x, y = tr.transform(net.node_x, net.node_y)
    net33 = WalkNetwork.from_arrays(
        "EPSG:32633", x, y, net.edge_u, net.edge_v, edge_highway=net.edge_highway
    )
    acc = compute_access(hand_city(), net33, profiles=(ONE,), thresholds_min=(11,))
    assert any("reprojected" in n for n in acc.provenance["notes"])
    # SWEREF 99 TM and UTM 33N differ in scale by < 0.1 %: away from the thresholds the
    # counts are those of the hand-made case (d3 at 10 min is covered at 11)
    assert (area_row(acc, "A", 11).covered, area_row(acc, "B", 11).covered) == (30, 30)
    assert acc.point_table().set_index("demand_id").loc["d2", "minutes"] == pytest.approx(
        6.0, rel=1e-3
    )
