"""Report blocks and their rendering to Markdown and HTML, and writing the report files.

A :class:`Block` is a heading, paragraph, warning, list, table or image; the blocks are
rendered to Markdown and to one self-contained HTML page, and the files are written
atomically.
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from proximity import _io
from proximity._text import html_text, markdown_literal
from proximity.errors import OutputError

__all__ = ["Block", "render_html", "render_md", "write_files"]


# ------------------------------------------------------------------------------ blocks
@dataclass
class Block:
    """One piece of a report, rendered to both Markdown and HTML."""

    kind: str  # h1 h2 p warn ul table img
    text: str = ""
    items: Sequence[str] = ()
    header: Sequence[str] = ()
    rows: Sequence[Sequence[str]] = ()
    numeric: Sequence[bool] = ()
    filename: str = ""
    png: bytes = b""
    caption: str = ""  # an image's visible caption (its text equivalent), if any


def flag_blocks(access: object, *, proxy: bool) -> list[Block]:
    """The warning blocks every report page shows under its heading, when they apply.

    Crow-fly distances, a floor-area population proxy, and a walking network that misses
    more of the population than its warning limit (:func:`~proximity.maps.labels.snap_quality_text`).

    Parameters
    ----------
    access : Access
        The coverage result shown.
    proxy : bool
        Whether the population is a floor-area proxy.

    Returns
    -------
    list of Block
    """
    from proximity.maps.labels import distance_method_text, is_crowfly, snap_quality_text
    from proximity.report.wording import PROXY_FLAG_SV

    blocks = []
    if is_crowfly(access):
        blocks.append(
            Block(
                "warn", f"Avståndsmetod: {distance_method_text(access)} – inte verkliga gångvägar."
            )
        )
    if proxy:
        blocks.append(Block("warn", PROXY_FLAG_SV))
    snap_warning = snap_quality_text(access)
    if snap_warning:
        blocks.append(Block("warn", snap_warning))
    return blocks


def render_md(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown.

    Every text is written literally (:func:`proximity._text.markdown_literal`): names and
    notes from data can neither become raw HTML, links or Markdown markup, nor break a
    table row; ordinary names, ids and URLs are written unchanged.
    """
    md = markdown_literal
    out: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            out.append(f"# {md(b.text)}\n")
        elif b.kind == "h2":
            out.append(f"## {md(b.text)}\n")
        elif b.kind == "p":
            out.append(f"{md(b.text, line_start=True)}\n")
        elif b.kind == "warn":
            out.append(f"> **⚠ {md(b.text)}**\n")
        elif b.kind == "ul":
            out.append("\n".join(f"- {md(i, line_start=True)}" for i in b.items) + "\n")
        elif b.kind == "table":
            align = ["---:" if n else "---" for n in b.numeric]
            lines = [
                "| " + " | ".join(md(h) for h in b.header) + " |",
                "| " + " | ".join(align) + " |",
            ]
            lines += ["| " + " | ".join(md(c) for c in r) + " |" for r in b.rows]
            out.append("\n".join(lines) + "\n")
        elif b.kind == "img":
            out.append(f"![{md(b.text)}]({b.filename})\n")
            if b.caption:
                out.append(f"*{md(b.caption)}*\n")
    return "\n".join(out)


HTML_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  max-width: 56rem; margin: 0 auto; padding: 1rem; line-height: 1.45; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.95rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; }
.warn { color: #8a1c00; background: #fff1e6; border-left: 4px solid #d94801;
  padding: 0.4rem 0.7rem; font-weight: 600; }
figure { margin: 0.8rem 0; }
figcaption { font-size: 0.9rem; color: #333; margin-top: 0.3rem; }
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-right { content: counter(page) " / " counter(pages); font: 8pt sans-serif;
    color: #555; } }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; line-height: 1.35; }
  h1 { font-size: 15pt; } h2 { font-size: 12pt; break-after: avoid; }
  .table-wrap { overflow: visible; }
  table { width: 100%; font-size: 7.5pt; }
  th, td { padding: 0.15rem 0.3rem; overflow-wrap: anywhere; }
  thead { display: table-header-group; }
  tr, figure, .warn { break-inside: avoid; }
  figure img { max-height: 135mm; width: auto; }
  figcaption { font-size: 8pt; }
}
"""


def render_html(blocks: Sequence[Block], title: str) -> str:
    """The blocks as one HTML page (images embedded as ``data:`` URIs).

    Every text is escaped (:func:`proximity._text.html_text`): it shows literally.
    """
    e = html_text
    body: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2"):
            body.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "warn":
            body.append(f"<p class='warn'>⚠ {e(b.text)}</p>")
        elif b.kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "table":
            cls = [" class='num'" if n else "" for n in b.numeric]
            head = "".join(f"<th{c}>{e(h)}</th>" for h, c in zip(b.header, cls, strict=True))
            rows = "".join(
                "<tr>"
                + "".join(f"<td{c}>{e(v)}</td>" for v, c in zip(r, cls, strict=True))
                + "</tr>"
                for r in b.rows
            )
            body.append(
                f"<div class='table-wrap' tabindex='0'><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table></div>"
            )
        elif b.kind == "img":
            uri = "data:image/png;base64," + base64.b64encode(b.png).decode("ascii")
            cap = f"<figcaption>{e(b.caption)}</figcaption>" if b.caption else ""
            body.append(f"<figure><img src='{uri}' alt='{e(b.text)}'>{cap}</figure>")
    return (
        "<!DOCTYPE html>\n<html lang='sv'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{e(title)}</title>\n<style>{HTML_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def write_files(
    folder: str | os.PathLike[str], files: Mapping[str, str | bytes]
) -> dict[str, Path]:
    """Write all files atomically.

    Every file is staged as a temporary file first and only renamed into place when all of
    them were written; on any error all temporary files are removed (no partial files).
    """
    target = Path(folder)
    _io.ensure_writable_dir(target)
    out: dict[str, Path] = {}
    try:
        with contextlib.ExitStack() as stack:
            for name, content in files.items():
                tmp = stack.enter_context(_io.atomic_path(target / name))
                data = content.encode("utf-8") if isinstance(content, str) else content
                tmp.write_bytes(data)
                out[name] = target / name
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write the report: {exc.strerror or exc}",
            file=target,
            fix="Choose a folder you can write to and check the free disk space.",
        ) from exc
    return out
