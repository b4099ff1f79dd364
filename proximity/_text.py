"""Private: make text from data safe for the place it is shown.

Names, sources and notes come from users' files and from OpenStreetMap tags, which are
third-party data. Each output has one function here:

- :func:`terminal_safe` for the CLI: strips terminal control characters and escape
  sequences, so a name cannot move the cursor, recolour or retitle the terminal;
- :func:`html_text` for HTML: escapes ``& < > " '`` (for text nodes and attributes);
- :func:`markdown_literal` for Markdown: no raw HTML, no link, no emphasis from data,
  escaping only where a character would be read as markup (an ``_`` inside a word, an ``&`` that starts no entity and the URLs in
  source citations stay as they are: GitHub's autolinks do not undo backslash escapes).
"""

from __future__ import annotations

import html
import re
import unicodedata

# ESC-introduced sequences (CSI, OSC, …) first, then any remaining control character.
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")
# Characters that may be controls: ASCII controls other than tab and newline, and anything
# beyond ASCII (tested one by one); printable ASCII never is, so most text is not looked at.
_MAYBE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\U0010ffff]")


def _is_control(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # Cc: C0/C1 controls; Cf: format characters such as the bidi overrides U+202E
    return (cat == "Cc" and ch not in "\n\t") or (cat == "Cf" and ch != "\u00ad")


def terminal_safe(text: object) -> str:
    """``text`` without escape sequences or control characters (newline and tab kept).

    Parameters
    ----------
    text : object
        Any value; it is converted with ``str``.

    Returns
    -------
    str
    """
    s = _ESCAPES.sub("", str(text))
    return _MAYBE_CONTROL.sub(_drop_control, s)


def _drop_control(match: re.Match[str]) -> str:
    ch = match.group()
    return "" if _is_control(ch) else ch


def html_text(text: object) -> str:
    """``text`` escaped for an HTML text node or a quoted attribute value."""
    return html.escape(terminal_safe(text), quote=True)


# Markdown, escaping only what would be read as markup -----------------------------------

#: One match per character (or run of ``_``) that :func:`markdown_literal` may rewrite.
_MD_MARKUP = re.compile(
    r"_+|~+|[<>\\`*\[\]|]"
    r"|&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)"
)
_MD_LINE_START = re.compile(r"^(?:([#+\-=_])|(\d{1,9})([.)])(?=\s|$))")
_HTML_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _md_space(ch: str) -> bool:
    return not ch or ch.isspace()


def _md_punct(ch: str) -> bool:
    return bool(ch) and unicodedata.category(ch)[0] in "PS"


def _can_close(run: str, before: str, after: str) -> bool:
    """Whether a run of ``_`` or ``~`` between ``before`` and ``after`` can close.

    CommonMark's delimiter rules: a right-flanking run closes; a run of ``_`` that is
    also left-flanking only when followed by punctuation (GFM's ``~`` strike-through
    follows the rule of ``*``). A string boundary counts as white space.
    """
    right = not _md_space(before) and (
        not _md_punct(before) or _md_space(after) or _md_punct(after)
    )
    if run[0] == "~":
        return right
    left = not _md_space(after) and (not _md_punct(after) or _md_space(before) or _md_punct(before))
    return right and (not left or _md_punct(after))


def markdown_literal(text: object, *, line_start: bool = False) -> str:
    r"""``text`` that shows literally in Markdown, with as few escapes as possible.

    ``< >`` become entities (no raw HTML, no ``<…>`` autolink), an ``&`` only when it
    would start an entity; ``\ ` * [ ] |`` are backslash-escaped (no code, emphasis or
    link, no broken table row), and a run of ``_`` or ``~`` only when it could close
    emphasis or strike-through, so ``svc:idea_drottninghog`` and URLs keep their
    underscores. Newlines become spaces.

    Parameters
    ----------
    text : object
        Any value; it is converted with ``str`` and :func:`terminal_safe`.
    line_start : bool
        The text starts a Markdown line (a paragraph or a list item): a leading ``#``,
        ``+``, ``-``, ``=``, ``_`` or ``1.``/``1)`` is escaped too, so it cannot start a
        heading, a list or a thematic break.

    Returns
    -------
    str
    """
    s = terminal_safe(text).replace("\n", " ")
    if line_start:
        s = s.lstrip()

    def escape(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok[0] in "_~":
            before = s[m.start() - 1] if m.start() else ""
            after = s[m.end()] if m.end() < len(s) else ""
            return "".join("\\" + c for c in tok) if _can_close(tok, before, after) else tok
        return _HTML_ENTITY.get(tok) or "\\" + tok

    out = _MD_MARKUP.sub(escape, s)
    if line_start:
        out = _MD_LINE_START.sub(
            lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3),
            out,
            count=1,
        )
    return out
