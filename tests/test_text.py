"""Text from data is made safe for the terminal, HTML and Markdown (hand-made payloads)."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from proximity._text import html_text, markdown_literal, terminal_safe
from proximity._toml import read_toml

PAYLOADS = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(1)</script>",
    "\x1b]0;pwned\x07\x1b[2J\x1b[31mRöd\x1b[0m",
    "\u202eevil\u202c",
    "a\rb\x00c\x08d",
]


def test_terminal_safe_strips_controls_and_escape_sequences():
    assert terminal_safe(PAYLOADS[2]) == "Röd"
    assert terminal_safe(PAYLOADS[3]) == "evil"
    assert terminal_safe(PAYLOADS[4]) == "abcd"
    assert terminal_safe("Södra staden\tA\nB") == "Södra staden\tA\nB"


@given(st.text())
def test_terminal_safe_leaves_no_control_characters(s):
    out = terminal_safe(s)
    assert "\x1b" not in out and "\r" not in out
    assert all(ch in "\n\t" or ord(ch) >= 32 for ch in out)
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in out)


@given(st.text())
def test_terminal_safe_keeps_every_other_character_in_order(s):
    """Only escape sequences and Cc/Cf characters (not tab, newline, soft hyphen) go; the rest
    stays in order: the same as a character-by-character filter written here."""
    import re
    import unicodedata

    esc = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")

    def keep(ch):
        cat = unicodedata.category(ch)
        return not ((cat == "Cc" and ch not in "\n\t") or (cat == "Cf" and ch != "\u00ad"))

    assert terminal_safe(s) == "".join(ch for ch in esc.sub("", s) if keep(ch))


@given(st.text())
def test_html_text_round_trips_through_an_html_parser(s):
    out = html_text(s)
    assert "<" not in out and ">" not in out and '"' not in out
    assert html.unescape(out) == terminal_safe(s)


def test_markdown_literal_has_no_raw_html_or_links():
    out = markdown_literal('<img src=x onerror="alert(1)"> [klicka](javascript:alert(1)) a|b')
    assert "<" not in out and "](" not in out.replace("\\](", "")
    assert "\\|" in out
    assert markdown_literal("Söder-Tull (norr)") == "Söder-Tull (norr)"


def test_toml_with_a_bom_is_read(tmp_path):
    p = tmp_path / "c.toml"
    p.write_bytes(b'\xef\xbb\xbfname = "Lund"\n')
    assert read_toml(p) == {"name": "Lund"}


def test_malformed_toml_names_line_and_column(tmp_path):
    import pytest

    from proximity.errors import InputFileError

    p = tmp_path / "c.toml"
    p.write_text('name = "Lund"\nx = = 1\n')
    with pytest.raises(InputFileError) as ei:
        read_toml(p)
    assert ei.value.row == "line 2, column 5" and ei.value.fix
