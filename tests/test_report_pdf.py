"""``report.pdf`` (proximity.report.pdf and its hook in proximity.scenario.outputs).

The shipped baseline and motion scenarios are run once per session (conftest's ``runs``);
their PDFs are read back with pypdf, their headline checked against the run's own
``tables/areas.csv`` (summed here, independently of the report code), and page 1 rendered
with pypdfium2 to ``test-artifacts/report/`` (printed). The no-engine path, the
``[outputs] pdf = false`` switch, the date fixing of Chromium's output and, when present,
Chromium itself are tested on their own, and so is the worker process that prints the PDF
while a run writes its maps (:class:`~proximity.report.pdf.BackgroundPdf`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from proximity import cli
from proximity.report import pdf as report_pdf

pypdf = pytest.importorskip("pypdf")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "report"

needs_weasyprint = pytest.mark.skipif(
    not report_pdf._weasyprint_usable(),
    reason="WeasyPrint cannot load (Pango missing): .ci/run installs libpango-1.0-0",
)


def _text(pdf_path: Path, page: int | None = None) -> str:
    """The PDF's text (one page or all), with every kind of space made a plain space."""
    reader = pypdf.PdfReader(pdf_path)
    pages = reader.pages if page is None else [reader.pages[page]]
    text = "\n".join(p.extract_text() for p in pages)
    return re.sub(r"[\u00a0\u202f\u2009 ]+", " ", text)


def _headline_numbers(out_dir: Path, category: str, threshold_min: float) -> tuple[int, int, int]:
    """(covered, population, rounded %) for the whole municipality, from ``areas.csv``.

    Summed over the area rows (the total row excluded), with the total row's unlocated
    residents added to the population: they are counted but never covered.
    """
    t = pd.read_csv(out_dir / "tables" / "areas.csv")
    t = t[(t["category"] == category) & (t["profile"] == "adult")]
    t = t[t["threshold_min"] == threshold_min]
    areas = t[t["area_id"] != "__total__"]
    unlocated = float(t.loc[t["area_id"] == "__total__", "unlocated"].iloc[0])
    covered = int(areas["covered"].sum())
    population = int(areas["population"].sum() + unlocated)
    return covered, population, round(100 * covered / population)


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


@needs_weasyprint
def test_motion_pdf_has_the_title_and_the_headline(runs):
    base, motion = runs
    pdf = motion.out_dir / "report.pdf"
    page1 = _text(pdf, 0)
    assert "Motionen: fem nya stadsdelskontor, ett per område" in page1
    covered, population, pct = _headline_numbers(motion.out_dir, "district_office", 15)
    _, _, pct_before = _headline_numbers(base.out_dir, "district_office", 15)
    assert (covered, population) == (52337, 149280)  # the README's figures, by hand
    expected = (
        f"{pct} % av invånarna ({_thousands(covered)} personer) når ett stadsdelskontor "
        f"inom 15 min, i dag {pct_before} %"
    )
    assert expected in page1, page1[:600]


@needs_weasyprint
def test_motion_pdf_holds_the_map_figure_and_the_sites(runs):
    _, motion = runs
    text = _text(motion.out_dir / "report.pdf")
    assert "Karta över resultatet" in text
    assert "Föreslagna platser i rangordning" in text  # the figure's caption
    sites = pd.read_csv(motion.out_dir / "tables" / "sites.csv")
    first = str(sites.sort_values("rank")["name"].iloc[0])
    assert first.split()[-1] in text  # "… bibliotek"
    reader = pypdf.PdfReader(motion.out_dir / "report.pdf")
    images = [img for page in reader.pages for img in page.images]
    assert len(images) >= 3  # the map, the bar chart and the Lorenz curve


@needs_weasyprint
def test_pdf_is_tagged_in_swedish_with_the_run_date(runs):
    _, motion = runs
    reader = pypdf.PdfReader(motion.out_dir / "report.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert str(root["/Lang"]) == "sv"
    run = json.loads((motion.out_dir / "run.json").read_text(encoding="utf-8"))
    stamp = "D:" + run["date"].replace("-", "")
    assert str(reader.metadata["/CreationDate"]).startswith(stamp)
    assert str(reader.metadata["/ModDate"]).startswith(stamp)
    assert run["report_pdf"] == {"file": "report.pdf", "engine": "weasyprint"}


@needs_weasyprint
def test_pdf_is_listed_in_the_manifest(runs):
    _, motion = runs
    pdf = motion.out_dir / "report.pdf"
    manifest = json.loads((motion.out_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = {f["path"]: f for f in manifest["files"]}["report.pdf"]
    assert entry["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert entry["bytes"] == pdf.stat().st_size


@needs_weasyprint
def test_page_one_renders_to_png(runs):
    pdfium = pytest.importorskip("pypdfium2")
    from PIL import Image

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for res in runs:
        doc = pdfium.PdfDocument(str(res.out_dir / "report.pdf"))
        w_pt, h_pt = doc[0].get_size()
        assert abs(w_pt - 595.3) < 1 and abs(h_pt - 841.9) < 1  # A4 portrait, in points
        image = doc[0].render(scale=1.5).to_pil()
        path = ARTIFACTS / f"{res.scenario.name}-page1.png"
        image.save(path)
        doc.close()
        print(f"page 1 of the PDF: {path}")
        grey = Image.open(path).convert("L")
        lo, hi = grey.getextrema()
        assert lo < 60 and hi > 240  # dark text on a white page
        dark = sum(grey.histogram()[:128]) / (grey.width * grey.height)
        assert 0.005 < dark < 0.5


@needs_weasyprint
def test_same_html_and_date_give_the_same_bytes(runs, tmp_path):
    _, motion = runs
    html = motion.out_dir / "report.html"
    a = report_pdf.write_pdf(html, tmp_path / "a.pdf", date="2025-12-03")
    b = report_pdf.write_pdf(html, tmp_path / "b.pdf", date="2025-12-03")
    c = report_pdf.write_pdf(html, tmp_path / "c.pdf", date="2026-01-31")
    assert a.engine == b.engine == c.engine == "weasyprint"
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() != (tmp_path / "c.pdf").read_bytes()
    meta = pypdf.PdfReader(tmp_path / "c.pdf").metadata
    assert str(meta["/CreationDate"]).startswith("D:20260131")


# ---------------------------------------------------------------- without an engine, or off
REPORT_ONLY = """
name = "pdfcase"
city = "helsingborg"
categories = ["district_office"]
thresholds_min = [15]
profiles = ["adult"]
[outputs]
maps = false
{extra}
"""


def _scenario(tmp_path: Path, extra: str = "") -> Path:
    p = tmp_path / "pdfcase.toml"
    p.write_text(REPORT_ONLY.format(extra=extra), encoding="utf-8")
    return p


def test_no_engine_warns_and_exits_0(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report_pdf, "find_engine", lambda: None)
    out = tmp_path / "out"
    rc = cli.main(["run", str(_scenario(tmp_path)), "--out", str(out), "-q"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "no report.pdf written" in cap.err and "libpango-1.0-0" in cap.err
    assert (out / "report.html").is_file() and not (out / "report.pdf").exists()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["report_pdf"] is None
    assert any("no report.pdf written" in w for w in run["warnings"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "report.pdf" not in {f["path"] for f in manifest["files"]}
    assert not list(out.glob(".*"))  # no temporary file left behind


@pytest.mark.parametrize(
    "exc", [OSError("cannot load library 'libpango-1.0-0'"), AssertionError("layout bug")]
)
def test_failing_engine_warns_and_leaves_no_file(tmp_path, monkeypatch, exc):
    def broken(html_path, date):
        raise exc

    monkeypatch.setattr(report_pdf, "find_engine", lambda: ("weasyprint", None))
    monkeypatch.setattr(report_pdf, "_weasyprint_bytes", broken)
    html = tmp_path / "r.html"
    html.write_text("<!DOCTYPE html><html lang='sv'><title>x</title><p>x</p></html>")
    res = report_pdf.write_pdf(html, tmp_path / "r.pdf", date="2025-12-03")
    assert res.engine is None and "weasyprint failed" in res.warning
    assert type(exc).__name__ in res.warning and str(exc) in res.warning
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_pdf_false_writes_no_pdf_and_no_warning(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(report_pdf, "find_engine", lambda: calls.append(1))
    out = tmp_path / "out"
    rc = cli.main(["run", str(_scenario(tmp_path, "pdf = false")), "--out", str(out), "-q"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert calls == [] and "report.pdf" not in cap.err
    assert (out / "report.html").is_file() and not (out / "report.pdf").exists()
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["report_pdf"] is None


def test_pdf_key_must_be_a_boolean(tmp_path, capsys):
    rc = cli.main(["run", str(_scenario(tmp_path, 'pdf = "no"')), "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "pdf" in capsys.readouterr().err


# ---------------------------------------------------------------- Chromium's dates
def test_fix_dates_replaces_equally_long_dates_only():
    stamp = b"(D:20261203170635+00'00')"
    pdf = b"%PDF-1.4\n<< /CreationDate " + stamp + b" /ModDate " + stamp + b" /X (D:2026) >>"
    fixed = report_pdf.fix_dates(pdf, "2025-12-03")
    assert len(fixed) == len(pdf)
    assert fixed.count(b"(D:20251203000000+00'00')") == 2
    assert b"(D:2026)" in fixed  # not a full date: left alone
    odd = b"<< /CreationDate (D:20261203170635Z) >>"  # another length: left alone
    assert report_pdf.fix_dates(odd, "2025-12-03") == odd


@pytest.mark.slow
@pytest.mark.skipif(
    not any(shutil.which(n) for n in report_pdf.CHROMIUM_NAMES), reason="Chromium not installed"
)
def test_chromium_fallback_is_tagged_and_reproducible(runs, tmp_path, monkeypatch):
    _, motion = runs
    monkeypatch.setattr(report_pdf, "_weasyprint_usable", lambda: False)
    assert report_pdf.find_engine()[0] == "chromium"
    html = motion.out_dir / "report.html"
    a = report_pdf.write_pdf(html, tmp_path / "a.pdf", date="2025-12-03")
    if a.engine is None:
        pytest.skip(f"Chromium cannot print here: {a.warning}")
    report_pdf.write_pdf(html, tmp_path / "b.pdf", date="2025-12-03")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    reader = pypdf.PdfReader(io.BytesIO((tmp_path / "a.pdf").read_bytes()))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert str(reader.metadata["/CreationDate"]).startswith("D:20251203")
    assert "Motionen: fem nya stadsdelskontor" in reader.pages[0].extract_text()


# ---------------------------------------------------------------- in a worker process
def _fake_engine(html_path, date):
    """A stand-in engine: the "PDF" names the process that printed it."""
    return f"{os.getpid()} {Path(html_path).name} {date}".encode()


def test_background_pdf_prints_in_another_process(tmp_path, monkeypatch):
    monkeypatch.setattr(report_pdf, "find_engine", lambda: ("weasyprint", None))
    monkeypatch.setattr(report_pdf, "_weasyprint_bytes", _fake_engine)
    html = tmp_path / "r.html"
    html.write_text("<!DOCTYPE html><html lang='sv'><title>x</title><p>x</p></html>")
    with report_pdf.BackgroundPdf() as job:
        job.submit(html, tmp_path / "r.pdf", date="2025-12-03")
        assert job.result() == report_pdf.PdfResult("weasyprint")
    pid, name, date = (tmp_path / "r.pdf").read_text().split()
    assert (name, date) == ("r.html", "2025-12-03")
    if sys.platform.startswith("linux"):
        assert int(pid) != os.getpid()  # printed by the worker
    else:
        assert int(pid) == os.getpid()  # no fork: printed here


def test_background_pdf_prints_here_when_the_worker_died(tmp_path, monkeypatch):
    monkeypatch.setattr(report_pdf, "find_engine", lambda: ("weasyprint", None))
    monkeypatch.setattr(report_pdf, "_weasyprint_bytes", _fake_engine)
    html = tmp_path / "r.html"
    html.write_text("<!DOCTYPE html><html lang='sv'><title>x</title><p>x</p></html>")
    with report_pdf.BackgroundPdf() as job:
        if job._proc is None:
            pytest.skip("no fork on this platform: nothing runs in a worker")
        job._proc.kill()
        job._proc.join()
        job.submit(html, tmp_path / "r.pdf", date="2025-12-03")
        assert job.result() == report_pdf.PdfResult("weasyprint")
    assert int((tmp_path / "r.pdf").read_text().split()[0]) == os.getpid()


@needs_weasyprint
def test_background_pdf_gives_the_same_bytes_as_write_pdf(runs, tmp_path):
    _, motion = runs
    html = motion.out_dir / "report.html"
    report_pdf.write_pdf(html, tmp_path / "here.pdf", date="2025-12-03")
    with report_pdf.BackgroundPdf() as job:
        job.submit(html, tmp_path / "worker.pdf", date="2025-12-03")
        assert job.result().engine == "weasyprint"
    assert (tmp_path / "worker.pdf").read_bytes() == (tmp_path / "here.pdf").read_bytes()


def _in_daemon(html: Path, queue) -> None:
    with report_pdf.BackgroundPdf() as job:
        job.submit(html, html.with_suffix(".pdf"), date="2025-12-03")
        queue.put((job._proc is None, job.result()))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux only")
def test_background_pdf_in_a_daemonic_process_prints_there(tmp_path, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(report_pdf, "find_engine", lambda: ("weasyprint", None))
    monkeypatch.setattr(report_pdf, "_weasyprint_bytes", _fake_engine)
    html = tmp_path / "r.html"
    html.write_text("<!DOCTYPE html><html lang='sv'><title>x</title><p>x</p></html>")
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_in_daemon, args=(html, queue), daemon=True)  # may have no child
    proc.start()
    no_pool, res = queue.get(timeout=60)
    proc.join()
    assert no_pool and res == report_pdf.PdfResult("weasyprint")
    assert int((tmp_path / "r.pdf").read_text().split()[0]) == proc.pid
