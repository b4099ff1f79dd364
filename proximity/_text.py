"""Private: make text from data safe for the place it is shown.

Names, sources and notes come from users' files and from OpenStreetMap tags, which are
third-party data. Each output has one function here:

- :func:`terminal_safe` for the CLI: strips terminal control characters and escape
  sequences, so a name cannot move the cursor, recolour or retitle the terminal;
- :func:`html_text` for HTML: escapes ``& < > " '`` (for text nodes and attributes);
- :func:`markdown_text` for Markdown: escapes HTML and the characters that would start
  Markdown markup, so a name shows literally and never becomes raw HTML or a link.
"""

from __future__ import annotations

import html
import re
import unicodedata

# ESC-introduced sequences (CSI, OSC, …) first, then any remaining control character.
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")


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
    return "".join(ch for ch in s if not _is_control(ch))


def html_text(text: object) -> str:
    """``text`` escaped for an HTML text node or a quoted attribute value."""
    return html.escape(terminal_safe(text), quote=True)


def markdown_text(text: object) -> str:
    """``text`` that shows literally in Markdown (and in the HTML rendered from it)."""
    s = terminal_safe(text).replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False))
