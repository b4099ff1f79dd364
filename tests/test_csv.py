"""Reading CSV files as Swedish users have them (hand-made, synthetic files)."""

from __future__ import annotations

import pytest

from proximity._csv import read_csv, sniff
from proximity.errors import InputFileError

ROWS = "service_id;name;lat;lon;population\r\n007;Bibliotek Söder;56,04;12,70;1,5\r\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (ROWS.encode("cp1252"), "cp1252"),  # Excel: "CSV (semikolonavgränsad)"
        (b"\xef\xbb\xbf" + ROWS.encode("utf-8"), "utf-8-sig"),  # Excel: "CSV UTF-8"
        (ROWS.encode("utf-8"), "utf-8"),
    ],
)
def test_swedish_excel_exports(tmp_path, raw, encoding):
    p = tmp_path / "services.csv"
    p.write_bytes(raw)
    df = read_csv(p, str_cols=["service_id"])
    assert list(df.columns) == ["service_id", "name", "lat", "lon", "population"]
    assert df.loc[0, "service_id"] == "007"
    assert df.loc[0, "name"] == "Bibliotek Söder"
    assert df.loc[0, "lat"] == pytest.approx(56.04) and df.loc[0, "population"] == 1.5
    assert df.attrs["csv_dialect"].encoding == encoding


def test_utf8_bom_with_commas(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"\xef\xbb\xbfid,lat,lon\n1,56.04,12.7\n")
    df = read_csv(p)
    assert list(df.columns) == ["id", "lat", "lon"] and df.loc[0, "lat"] == 56.04


def test_quoted_commas_do_not_decide_the_separator(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('"name, long";id;x\n"a, b";1;2,5\n')
    assert sniff(p)[1].sep == ";"
    assert read_csv(p).loc[0, "x"] == 2.5


def test_empty_and_ragged_files_name_the_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("  \n")
    with pytest.raises(InputFileError, match="empty") as ei:
        read_csv(p)
    assert ei.value.file is not None and "empty.csv" in str(ei.value.file)
    q = tmp_path / "ragged.csv"
    q.write_text("a,b\n1,2,3,4\n")
    with pytest.raises(InputFileError, match="separator"):
        read_csv(q)
