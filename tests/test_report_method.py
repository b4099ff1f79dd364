"""Tests of proximity.report.method: the known data gaps and the method section."""

from __future__ import annotations

import _maps_common as mc
import pytest


@pytest.fixture(scope="module")
def report(report_inputs, tmp_path_factory):
    return mc.default_report(report_inputs, tmp_path_factory.mktemp("report"))


def test_known_data_gaps_section_and_method(report):
    _, paths = report
    md = paths["report.md"].read_text("utf-8")
    gaps = mc.section(md, "Kända luckor i data")
    assert "Tjänster som finns men saknar läge i underlaget ingår inte i beräkningen" in gaps
    assert "Bibliotek: 2 kända utan läge (Bokbussen, Huvudbiblioteket)." in gaps
    assert (
        "Socialtjänst: ingen lokaliserad tjänst – ingen täckning beräknad "
        "(1 känd utan läge: Familjecentral)."
    ) in gaps
    method = mc.section(md, "Metod och data")
    assert "Kända tjänster utan läge (ingår inte i beräkningen" in method
    assert "Bibliotek 2 (Bokbussen, Huvudbiblioteket)" in method
    assert "Socialtjänst: ingen lokaliserad tjänst – ingen täckning beräknad" in method
    # the gaps come before the method section, which stays last
    assert md.index("## Kända luckor i data") < md.index("## Metod och data")


def test_no_age_data_is_stated(report, report_inputs, tmp_path):
    import dataclasses

    _, paths = report
    assert "Åldersgrupper: uppgifter saknas" not in paths["report.md"].read_text("utf-8")
    access = dataclasses.replace(
        report_inputs["access"],
        provenance={**report_inputs["access"].provenance, "age_groups": "no age data"},
    )
    md = mc.write(tmp_path, report_inputs, access=access)
    line = "Åldersgrupper: uppgifter saknas – ingen uppdelning per ålder."
    assert line in mc.section(md, "Kända luckor i data")
