"""Make the screenshots of docs/notes/maps.md (issue 13's checklist) in headless Chromium.

Run from the repository root: ``PYTHONPATH=. python docs/notes/img/shoot.py``. It runs the
shipped Helsingborg baseline and motion scenarios and the Helsinki demo into a temporary
folder (offline), opens the maps and the report over the DevTools protocol (the harness of
``tests/test_a11y.py``) at exactly 1366×900 or 390×844 and writes small PNGs (64-colour
palette, at most 150 kB each) beside this file.
"""

from __future__ import annotations

import base64
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from test_a11y import SIZES, Chromium  # noqa: E402

LIMIT = 150_000


def _save(png: bytes, name: str, crop: tuple[int, int, int, int] | None = None) -> None:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    if crop:
        img = img.crop(crop)
    for colours in (64, 32, 16):
        buf = io.BytesIO()
        img.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(
            buf, "PNG", optimize=True
        )
        if buf.tell() <= LIMIT:
            break
    (HERE / name).write_bytes(buf.getvalue())
    print(f"{name}: {buf.tell()} bytes")


def _shot(b: Chromium, clip: dict | None = None) -> bytes:
    params = {"format": "png"}
    if clip:
        params.update(clip={**clip, "scale": 1}, captureBeyondViewport=True)
    return base64.b64decode(b.send("Page.captureScreenshot", **params)["data"])


def _rect(b: Chromium, selector: str, pad: int = 8) -> dict:
    r = b.js(
        f"(function () {{ var r = document.querySelector({selector!r}).getBoundingClientRect();"
        " return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })()"
    )
    return {"x": max(0, r[0] - pad), "y": max(0, r[1] - pad), "width": r[2] + 2 * pad,
            "height": r[3] + 2 * pad}


def _run(scenario: str, out: Path) -> Path:
    from proximity.cli import main

    code = main(["run", str(ROOT / "scenarios" / scenario), "--out", str(out)])
    assert code == 0, (scenario, code)
    return out


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="proximity-shots-"))
    motion = _run("helsingborg-motion.toml", tmp / "motion")
    base = _run("helsingborg-baseline.toml", tmp / "baseline")
    demo = _run("helsinki-demo.toml", tmp / "demo")
    motion_map = next((motion / "maps").glob("*.html"))
    demo_map = next((demo / "maps").glob("*.html"))
    b = Chromium(tmp / "profile")
    try:
        for kind in SIZES:  # named sites, area names, boundary, fit under the panels
            b.open(motion_map, SIZES[kind])
            _save(_shot(b), f"motion-{kind}.png")
            b.open(demo_map, SIZES[kind])
            _save(_shot(b), f"helsinki-{kind}.png")
        b.open(motion_map, SIZES["desktop"])  # the legend, as drawn
        _save(_shot(b, _rect(b, "#px-legend")), "legend.png")
        b.js(  # a proposed site's popup, opened as a user does
            "var s = document.querySelector('.leaflet-marker-icon.px-site');"
            "s.dispatchEvent(new MouseEvent('click', {bubbles: true, view: window,"
            " clientX: s.getBoundingClientRect().left + 5,"
            " clientY: s.getBoundingClientRect().top + 5})); 1"
        )
        b.js("new Promise(function (r) { setTimeout(r, 400); })", wait=True)
        _save(_shot(b, _rect(b, ".leaflet-popup", 12)), "site-popup.png")
        b.open(motion_map, SIZES["phone"])  # on a phone: one panel open at a time
        b.js("document.querySelectorAll('button.px-toggle')[0].click(); 1")
        b.js("document.querySelectorAll('button.px-toggle')[1].click(); 1")
        _save(_shot(b), "phone-one-panel.png")
        b.open(motion_map, SIZES["desktop"])  # the layer control opened from the keyboard
        for _ in range(30):
            b.key("Tab")
            if b.js("document.activeElement.classList.contains('leaflet-control-layers-toggle')"):
                break
        b.key("Enter")
        _save(_shot(b, _rect(b, ".leaflet-control-layers", 10)), "layers-keyboard.png")
        titles = []
        for path in sorted((base / "maps").glob("*.html"))[:4]:  # four baseline titles
            b.open(path, SIZES["desktop"])
            titles.append(Image.open(io.BytesIO(_shot(b, _rect(b, "#px-title", 4)))))
        sheet = Image.new("RGB", (max(t.width for t in titles), sum(t.height for t in titles)),
                          "white")
        y = 0
        for t in titles:
            sheet.paste(t, (0, y))
            y += t.height
        buf = io.BytesIO()
        sheet.save(buf, "PNG")
        _save(buf.getvalue(), "baseline-titles.png")
        b.open(motion / "report.html", SIZES["desktop"])  # summary matrix and robustness
        for heading, name in (("Översikt", "report-overview.png"), ("Robusthet", "report-robustness.png")):
            b.js(
                "(function () { var h = Array.prototype.filter.call("
                "document.querySelectorAll('h2'), function (e) {"
                f" return e.textContent.indexOf({heading!r}) === 0; }})[0];"
                " var end = h.nextElementSibling; var box = document.createElement('div');"
                " box.id = 'px-shot'; h.parentNode.insertBefore(box, h); box.appendChild(h);"
                " while (end && end.tagName !== 'H2') { var n = end.nextElementSibling;"
                " box.appendChild(end); end = n; } return 1; })()"
            )
            _save(_shot(b, _rect(b, "#px-shot", 6)), name)
            b.js("document.getElementById('px-shot').removeAttribute('id'); 1")
        parts = []  # the two inequality measures, each named with its better direction
        for k in range(2):
            b.js(
                "(function () { var ps = Array.prototype.filter.call("
                "document.querySelectorAll('p'), function (e) {"
                " return e.textContent.indexOf('Ojämlikhet i') >= 0; });"
                f" ps[{k}].id = 'px-shot-{k}'; return ps.length; }})()"
            )
            parts.append(Image.open(io.BytesIO(_shot(b, _rect(b, f"#px-shot-{k}", 6)))))
        sheet = Image.new("RGB", (max(t.width for t in parts), sum(t.height for t in parts)),
                          "white")
        y = 0
        for t in parts:
            sheet.paste(t, (0, y))
            y += t.height
        buf = io.BytesIO()
        sheet.save(buf, "PNG")
        _save(buf.getvalue(), "report-gini.png")
    finally:
        b.close()


if __name__ == "__main__":
    main()
