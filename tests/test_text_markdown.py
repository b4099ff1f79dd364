"""proximity._text.markdown_literal: text from data shows literally in the report's Markdown.

Only what Markdown would read as markup is escaped, so ordinary names, ids and the URLs of
source citations are written unchanged (the shipped reports stay byte-identical, and
GitHub's autolinks, which do not undo backslash escapes, keep working).
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from proximity._text import markdown_literal, terminal_safe
from proximity.report.blocks import Block, render_md

ORDINARY = [
    "Södra staden",
    "Drottninghög (norr)",
    "Söder-Tull",
    "Idé A – Drottninghögs bibliotek",
    "svc:idea_drottninghog:library",
    "svc:osm_n1380779190",
    "http://sv.wikipedia.org/wiki/Söder,_Helsingborg",
    "http://wikipedia.ddns.net:12345/content/wikipedia_fi_all_maxi_2023-05/A/Helsingborgin_kunta",
    "https://sverigesradio.se/sida/artikel.aspx?programid=96&artikel=2776794",
    "https://regionskane.mynewsdesk.com/tag/laekarbesoek?tags_tab=stories",
    "0,977 → 0,869 (-0,108)",
    "Ruta 3-1 +499 014 m²",
    "AGMA - Luovan talouden agentit ja managerit RY",
    "fågelvägsavstånd × 1,3 (uppskattning) (crowfly×1.3)",
]

_DECODE = re.compile(r"&(lt|gt|amp);|\\([!-/:-@\[-`{-~])")


def _decode(md: str) -> str:
    """What a CommonMark reader shows for ``md`` (entities and backslash escapes only)."""
    return _DECODE.sub(
        lambda m: {"lt": "<", "gt": ">", "amp": "&"}[m.group(1)] if m.group(1) else m.group(2),
        md,
    )


def _unescaped(md: str, chars: str) -> list[str]:
    """Characters of ``chars`` in ``md`` that no backslash escapes."""
    found, i = [], 0
    while i < len(md):
        if md[i] == "\\":
            i += 2
            continue
        if md[i] in chars:
            found.append(md[i])
        i += 1
    return found


def test_ordinary_names_ids_and_urls_are_unchanged():
    for text in ORDINARY:
        assert markdown_literal(text) == text
        assert markdown_literal(text, line_start=True) == text


def test_markup_from_data_is_escaped():
    assert markdown_literal('<img src=x onerror="a">') == '&lt;img src=x onerror="a"&gt;'
    assert markdown_literal("</script><script>x</script>").count("<") == 0
    assert markdown_literal("[klicka](javascript:alert(1))") == r"\[klicka\](javascript:alert(1))"
    assert markdown_literal("a|b") == r"a\|b"
    assert markdown_literal("*fet* `kod`") == r"\*fet\* \`kod\`"
    assert markdown_literal("_kursiv_") == r"_kursiv\_"  # the opener alone is literal
    assert markdown_literal("~~struken~~") == r"~~struken\~\~"
    assert markdown_literal("&amp; &#60; & x") == "&amp;amp; &amp;#60; & x"
    assert markdown_literal("rad 1\nrad 2") == "rad 1 rad 2"
    assert markdown_literal("a\\b") == "a\\\\b"


def test_line_start_markers_are_escaped():
    assert markdown_literal("# rubrik", line_start=True) == r"\# rubrik"
    assert markdown_literal("- punkt", line_start=True) == r"\- punkt"
    assert markdown_literal("1. punkt", line_start=True) == r"1\. punkt"
    assert markdown_literal("___", line_start=True) == r"\___"
    assert markdown_literal("   + x", line_start=True) == r"\+ x"
    assert markdown_literal("2024 invånare", line_start=True) == "2024 invånare"


@given(st.text(), st.booleans())
def test_markdown_literal_reads_back_as_the_text(s, line_start):
    out = markdown_literal(s, line_start=line_start)
    expected = terminal_safe(s).replace("\n", " ")
    assert _decode(out) == (expected.lstrip() if line_start else expected)
    assert "<" not in out and ">" not in out
    assert _unescaped(out, "[]*`|") == []


def test_render_md_writes_ordinary_texts_unchanged():
    blocks = [
        Block("h1", ORDINARY[0]),
        Block("p", " ".join(ORDINARY)),
        Block("warn", ORDINARY[1]),
        Block("ul", items=ORDINARY),
        Block("table", header=["Område", "Id"], rows=[ORDINARY[:2], ORDINARY[4:6]], numeric=[0, 0]),
    ]
    md = render_md(blocks)
    expected = (
        f"# {ORDINARY[0]}\n\n{' '.join(ORDINARY)}\n\n> **⚠ {ORDINARY[1]}**\n\n"
        + "\n".join(f"- {t}" for t in ORDINARY)
        + "\n\n| Område | Id |\n| --- | --- |\n"
        + f"| {ORDINARY[0]} | {ORDINARY[1]} |\n| {ORDINARY[4]} | {ORDINARY[5]} |\n"
    )
    assert md == expected
