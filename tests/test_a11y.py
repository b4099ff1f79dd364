"""WCAG 2.1 AA of the HTML map and report, checked in real headless Chromium.

The pages are driven over the Chrome DevTools Protocol on a pipe (``--remote-debugging-pipe``,
no port is opened): the viewport is exactly 1366×900 (desktop) or 390×844 (phone, mobile
emulation), keys are real key presses (``Input.dispatchKeyEvent``), and every host name maps
to "not found", so the pages load fully offline.

- **axe-core** (from the npm registry, pinned to :data:`AXE_VERSION`) runs with the tags
  ``wcag2a, wcag2aa, wcag21a, wcag21aa`` on a generated map (at load, then with every panel,
  the layer control and a popup open) and on the HTML report and an area profile. Any
  violation fails the test and is listed. axe-core is looked for in
  ``~/.cache/proximity-tests/axe`` (or ``$PROXIMITY_AXE_DIR``); when absent it is installed
  there once with ``npm install`` (a test tool, like Chromium from apt; nothing of the
  project goes online). The test is skipped, saying why, only when Chromium or npm is absent
  or the install fails.
- **Keyboard**: the legend and "Om kartan" panels and the layer control are reached with Tab
  and open and close with Enter, Space and Escape.

The inputs are the synthetic city of ``tests/fixtures/maps/synthetic.py`` (hand-made).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from _maps_common import default_report, full_map, map_inputs, report_inputs

from proximity.maps import save_map
from proximity.report.pdf import CHROMIUM_NAMES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "a11y"
AXE_VERSION = "4.14.1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = {"desktop": (1366, 900, False), "phone": (390, 844, True)}


def _chromium() -> str | None:
    for name in CHROMIUM_NAMES:  # the names report.pdf looks for: one list
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM = _chromium()
if CHROMIUM is None:
    pytest.skip(
        "headless Chromium is not installed (apt-get install -y chromium)",
        allow_module_level=True,
    )


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, profile_dir: Path) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()

        def fds() -> None:  # runs in the child: the protocol's fixed descriptors
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile_dir}",
                "--host-resolver-rules=MAP * ~NOTFOUND",  # fully offline
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(3, 4, to_child_r, from_child_w),
            preexec_fn=fds,  # the child's fds 3 and 4 (no threads run yet)
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._w = os.fdopen(to_child_w, "wb", buffering=0)
        self._r = os.fdopen(from_child_r, "rb", buffering=0)
        self._buf = b""
        self._n = 0
        self.session: str | None = None

    def send(self, method: str, **params):
        """Send one command (to the page's session once attached) and return its result."""
        self._n += 1
        msg = {"id": self._n, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        self._w.write(json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                chunk = self._r.read(1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._n:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def open(self, page: Path, size: tuple[int, int, bool]) -> None:
        """Load ``page`` in a fresh tab with a viewport of exactly ``size``."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        width, height, mobile = size
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        self.send("Emulation.setFocusEmulationEnabled", enabled=True)
        self.send("Page.navigate", url=page.resolve().as_uri())
        deadline = time.monotonic() + 30
        while self.js("document.readyState") != "complete":
            assert time.monotonic() < deadline, "the page did not load"
            time.sleep(0.05)
        time.sleep(0.6)  # deferred layout steps (labels spread after the markers moved)

    def js(self, expression: str, *, wait: bool = False):
        """The value of a JavaScript expression (awaited when ``wait``)."""
        out = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=wait
        )
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expression[:80]}: {out['exceptionDetails']}")
        return out["result"].get("value")

    def key(self, name: str, *, shift: bool = False) -> None:
        """Press and release one key, as a keyboard does."""
        codes = {"Tab": 9, "Enter": 13, "Escape": 27, " ": 32}
        text = {"Enter": "\r", " ": " "}.get(name, "")
        common = {
            "key": name,
            "code": "Space" if name == " " else name,
            "windowsVirtualKeyCode": codes[name],
            "modifiers": 8 if shift else 0,
        }
        self.send("Input.dispatchKeyEvent", type="keyDown", text=text, **common)
        self.send("Input.dispatchKeyEvent", type="keyUp", **common)
        time.sleep(0.05)

    def screenshot(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        data = self.send("Page.captureScreenshot", format="png")["data"]
        target.write_bytes(base64.b64decode(data))
        return target

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        self._w.close()
        self._r.close()


@pytest.fixture
def browser(tmp_path):
    b = Chromium(tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script, installed once into the cache folder with npm when missing."""
    folder = Path(
        os.environ.get("PROXIMITY_AXE_DIR", Path.home() / ".cache" / "proximity-tests" / "axe")
    )
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot get axe-core (apt-get install -y npm)")
        folder.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(folder),
                "--no-audit",
                "--no-fund",
                "--silent",
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode or not script.exists():
            pytest.skip(f"npm could not install axe-core@{AXE_VERSION}: {out.stderr[-500:]}")
    return script.read_text("utf-8")


AXE_RUN = """axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
  .then(function (res) { return {
    violations: res.violations.map(function (v) { return {id: v.id, impact: v.impact,
      help: v.help, nodes: v.nodes.map(function (n) {
        return {target: n.target.join(" "), why: n.failureSummary}; })}; }),
    passes: res.passes.map(function (p) { return p.id; }), version: axe.version}; })"""


def _axe(b: Chromium, axe_source: str) -> dict:
    if not b.js("typeof axe !== 'undefined'"):
        b.js(axe_source)
    return b.js(AXE_RUN % json.dumps(AXE_TAGS), wait=True)


def _listed(result: dict) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['why']}" for n in v["nodes"])
        for v in result["violations"]
    )


@pytest.fixture(scope="module")
def map_page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("a11y-map")
    return save_map(full_map(map_inputs()), folder / "karta.html")


@pytest.fixture(scope="module")
def report_pages(tmp_path_factory) -> dict[str, Path]:
    from proximity.report import area_profile

    inputs = report_inputs()
    folder = tmp_path_factory.mktemp("a11y-report")
    _, paths = default_report(inputs, folder)
    area = area_profile(
        folder / "area", inputs["city"], inputs["access"], "A1", siting=inputs["siting"]
    )
    html = [p for p in area.values() if str(p).endswith(".html")]
    return {"report": paths["report.html"], "area_profile": html[0]}


OPEN_ALL = """(function () {
  document.querySelectorAll("button.px-toggle[aria-expanded=false]").forEach(function (b) {
    if (window.innerWidth >= 640) { b.click(); } });
  var ctl = document.querySelector(".leaflet-control-layers");
  ctl.classList.add("leaflet-control-layers-expanded");
  var site = document.querySelector(".leaflet-marker-icon.px-site");
  site.dispatchEvent(new MouseEvent("click", {bubbles: true, view: window,
    clientX: site.getBoundingClientRect().left + 5, clientY: site.getBoundingClientRect().top + 5}));
  return document.querySelectorAll(".leaflet-popup-content").length;
})()"""


@pytest.mark.parametrize("kind", list(SIZES))
def test_map_has_no_wcag_aa_violations(browser, axe_source, map_page, kind):
    browser.open(map_page, SIZES[kind])
    at_load = _axe(browser, axe_source)
    assert at_load["version"] == AXE_VERSION
    assert at_load["violations"] == [], "at load:\n" + _listed(at_load)
    # the checks that ran include the ones this page could fail
    for rule in ("html-has-lang", "html-lang-valid", "color-contrast", "button-name"):
        assert rule in at_load["passes"], (rule, at_load["passes"])
    assert browser.js(OPEN_ALL) == 1  # the site's popup is open
    opened = _axe(browser, axe_source)
    assert opened["violations"] == [], "panels, layers and a popup open:\n" + _listed(opened)
    shot = browser.screenshot(ARTIFACTS / f"map-open-{kind}.png")
    print(f"\nscreenshot: {shot}")


@pytest.mark.parametrize("name", ["report", "area_profile"])
def test_report_has_no_wcag_aa_violations(browser, axe_source, report_pages, name):
    browser.open(report_pages[name], SIZES["desktop"])
    result = _axe(browser, axe_source)
    assert result["violations"] == [], _listed(result)
    assert "html-has-lang" in result["passes"]
    assert browser.js("document.documentElement.lang") == "sv"
    # every image has a text equivalent
    alts = browser.js("Array.prototype.map.call(document.images, function (i) { return i.alt; })")
    assert all(a and a.strip() for a in alts), alts


# ---- keyboard -------------------------------------------------------------------------

FOCUSED = """(function () { var e = document.activeElement;
  return {tag: e.tagName, cls: String(e.className), text: e.textContent.trim().slice(0, 40),
          expanded: e.getAttribute("aria-expanded")}; })()"""

PANEL_STATE = """Array.prototype.map.call(document.querySelectorAll("button.px-toggle"),
  function (b) { return [b.textContent, b.getAttribute("aria-expanded"),
                          document.getElementById(b.getAttribute("aria-controls")).hidden]; })"""

LAYERS_STATE = """(function () { var c = document.querySelector(".leaflet-control-layers");
  var t = c.querySelector(".leaflet-control-layers-toggle");
  return [c.classList.contains("leaflet-control-layers-expanded"),
          t.getAttribute("aria-expanded"), document.activeElement === t]; })()"""


def _tab_to(b: Chromium, match, limit: int = 60) -> dict:
    """Press Tab until the focused element satisfies ``match``; the focused element."""
    seen = []
    for _ in range(limit):
        b.key("Tab")
        now = b.js(FOCUSED)
        if match(now):
            return now
        seen.append((now["tag"], now["text"][:20]))
    raise AssertionError(f"never focused; the focus went through {seen}")


@pytest.mark.parametrize("kind", list(SIZES))
def test_panels_open_and_close_from_the_keyboard(browser, map_page, kind):
    browser.open(map_page, SIZES[kind])
    start = "false" if kind == "phone" else "true"  # closed on a phone, open on a desktop
    before = browser.js(PANEL_STATE)
    assert [s[1] for s in before] == [start, start], before
    assert [s[2] for s in before] == [start == "false"] * 2, before
    flip = {"true": "false", "false": "true"}
    for i, label in enumerate(("Teckenförklaring", "Om kartan")):
        now = _tab_to(browser, lambda f, label=label: f["tag"] == "BUTTON" and f["text"] == label)
        assert now["expanded"] == browser.js(PANEL_STATE)[i][1]
        was = browser.js(PANEL_STATE)[i][1]
        browser.key("Enter")
        state = browser.js(PANEL_STATE)[i]
        assert state[1] == flip[was] and state[2] == (flip[was] == "false"), (label, state)
        browser.key(" ")
        state = browser.js(PANEL_STATE)[i]
        assert state[1] == was and state[2] == (was == "false"), (label, state)
    # the layer control: Tab reaches its toggle, Enter opens it, Escape closes it
    browser.open(map_page, SIZES[kind])
    assert browser.js(LAYERS_STATE) == [False, "false", False]
    now = _tab_to(browser, lambda f: "leaflet-control-layers-toggle" in f["cls"])
    assert now["text"] == "" and now["expanded"] == "false"
    label = browser.js(
        "document.querySelector('.leaflet-control-layers-toggle').getAttribute('aria-label')"
    )
    assert label == "Kartlager"
    inside = "document.querySelector('.leaflet-control-layers').contains(document.activeElement)"
    for key in ("Enter", " "):
        browser.key(key)  # opens; the toggle hides, the focus moves to the first switch
        assert browser.js(LAYERS_STATE) == [True, "true", False], key
        assert browser.js(inside) and browser.js(FOCUSED)["tag"] == "INPUT", key
        browser.key("Escape")  # closes; the focus is back on the toggle
        assert browser.js(LAYERS_STATE) == [False, "false", True], key
    # leaving the open list with Tab closes it too
    browser.key("Enter")
    for _ in range(40):
        browser.key("Tab")
        if not browser.js(inside):
            break
    assert browser.js(LAYERS_STATE)[:2] == [False, "false"]
