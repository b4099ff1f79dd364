"""``report.pdf``: the HTML report printed for council papers.

Two engines, in order (:func:`find_engine`):

1. **WeasyPrint** (a base dependency; needs the system's Pango library): a tagged PDF in
   PDF/UA-1 mode (structure tree, ``/MarkInfo``, document language from ``lang="sv"``), the
   creation and modification dates set to the run date. WeasyPrint writes no other date
   or random identifier, so a re-run with the same ``SOURCE_DATE_EPOCH`` gives the same bytes.
2. **Headless Chromium** (``chromium``, ``chromium-browser``, ``google-chrome``) with
   ``--print-to-pdf``, when WeasyPrint cannot be imported. Chromium tags its PDFs too. It
   stamps the current time as the dates; they are replaced by the run date (same length, so
   the cross-reference offsets stay valid), which makes its output reproducible as well.

When neither engine can run, :func:`write_pdf` returns a warning and writes nothing: the
run still succeeds. Output is atomic (:func:`proximity._io.atomic_path`).

:class:`BackgroundPdf` runs :func:`write_pdf` in a forked worker process (Linux), so a run
prints the PDF while it writes its maps: the same call, the same bytes, about 0.9 s less
wall time on two cores (``docs/notes/performance.md``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proximity import _io

__all__ = [
    "CHROMIUM_NAMES",
    "NO_ENGINE",
    "PDF_VARIANT",
    "BackgroundPdf",
    "PdfResult",
    "find_engine",
    "fix_dates",
    "write_pdf",
]

#: Executable names of headless Chromium, in the order tried.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: The PDF variant WeasyPrint writes: tagged, for screen readers (PDF/UA-1).
PDF_VARIANT = "pdf/ua-1"
_CHROMIUM_TIMEOUT_S = 120
_PDF_DATE = re.compile(rb"\(D:\d{14}[+\-Z][^)]{0,8}\)")
#: The warning when no engine can print the report (the run still succeeds).
NO_ENGINE = (
    "no report.pdf written: neither WeasyPrint (it needs the system library Pango; on Debian "
    "`apt-get install libpango-1.0-0 libpangoft2-1.0-0`) nor headless Chromium (`chromium`) "
    "is available. The HTML report is complete; print it from a browser, or install one of "
    "them and run again."
)


@dataclass(frozen=True)
class PdfResult:
    """What :func:`write_pdf` did: the engine used (None: no PDF) and any warning."""

    engine: str | None
    warning: str | None = None


def _weasyprint_usable() -> bool:
    """Whether WeasyPrint imports (it loads Pango through cffi: OSError when missing)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def find_engine() -> tuple[str, str | None] | None:
    """The PDF engine to use: ``("weasyprint", None)``, ``("chromium", path)`` or None."""
    if _weasyprint_usable():
        return ("weasyprint", None)
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return ("chromium", path)
    return None


def _pdf_date(date: str) -> str:
    """The run date ``YYYY-MM-DD`` as a PDF date at midnight UTC: ``D:20261203000000+00'00'``."""
    return "D:" + date.replace("-", "") + "000000+00'00'"


def _weasyprint_bytes(html_path: Path, date: str) -> bytes:
    import weasyprint

    doc = weasyprint.HTML(filename=str(html_path)).render()
    doc.metadata.created = f"{date}T00:00:00Z"
    doc.metadata.modified = f"{date}T00:00:00Z"
    return doc.write_pdf(pdf_variant=PDF_VARIANT)


def fix_dates(pdf: bytes, date: str) -> bytes:
    """``pdf`` with every ``(D:…)`` date string replaced by the run date, when equally long.

    Parameters
    ----------
    pdf : bytes
        A PDF file.
    date : str
        The run date, ``YYYY-MM-DD``.

    Returns
    -------
    bytes
        The same length as ``pdf``: a date of another length is left unchanged, so the
        cross-reference table's byte offsets stay valid.
    """
    new = f"({_pdf_date(date)})".encode("ascii")
    return _PDF_DATE.sub(lambda m: new if len(m.group(0)) == len(new) else m.group(0), pdf)


def _chromium_bytes(chromium: str, html_path: Path, date: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="proximity-pdf-") as tmp:
        out = Path(tmp) / "report.pdf"
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            html_path.resolve().as_uri(),
        ]
        subprocess.run(
            cmd,
            check=True,
            capture_output=True,
            timeout=_CHROMIUM_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        if not out.is_file() or out.stat().st_size == 0:
            raise OSError("Chromium wrote no PDF")
        return fix_dates(out.read_bytes(), date)


def write_pdf(
    html_path: str | os.PathLike[str], target: str | os.PathLike[str], *, date: str
) -> PdfResult:
    """Print the HTML report ``html_path`` to ``target`` (atomically).

    Parameters
    ----------
    html_path : path-like
        The self-contained HTML report (images embedded).
    target : path-like
        The PDF to write, e.g. ``report.pdf`` beside the HTML report.
    date : str
        The run date ``YYYY-MM-DD`` (:func:`proximity._io.today_iso`, which honours
        ``SOURCE_DATE_EPOCH``): the PDF's creation and modification date.

    Returns
    -------
    PdfResult
        The engine used, or ``engine=None`` and a warning when no engine is available or
        the engine failed (any exception but an interrupt, named in the warning); then no
        file is written.
    """
    engine = find_engine()
    if engine is None:
        return PdfResult(None, NO_ENGINE)
    name, path = engine
    html_path = Path(html_path)
    try:
        if name == "weasyprint":
            data = _weasyprint_bytes(html_path, date)
        else:
            assert path is not None
            data = _chromium_bytes(path, html_path, date)
    except Exception as exc:  # the PDF is a by-product: any engine failure is a warning
        detail = f"{type(exc).__name__}: {exc}"
        return PdfResult(None, f"no report.pdf written: {name} failed ({detail}).")
    _io.write_bytes_atomic(target, data)
    return PdfResult(name)


def _worker(conn: Any) -> None:
    """The worker of :class:`BackgroundPdf`: import the engine, then print what is sent."""
    _weasyprint_usable()  # the engine's import, while the caller writes the report
    try:
        job = conn.recv()
    except EOFError:  # the caller is gone or stopped the worker
        return
    if job is None:
        return
    try:
        res = write_pdf(job[0], job[1], date=job[2])
    except Exception as exc:  # the caller prints again in its process and sees the error
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("done", res))


class BackgroundPdf:
    """:func:`write_pdf` in a worker process, overlapping the caller's other work.

    Create it before the HTML report exists: the worker (forked, so it shares the caller's
    state, with no helper thread in the caller) imports the engine meanwhile.
    :meth:`submit` starts the printing, :meth:`result` waits for it. Without ``fork`` (not
    Linux), where a process may have no children (a daemonic worker), or when the worker
    dies or fails, :meth:`result` prints in this process instead: the outcome is the same,
    only slower. Use it as a context manager, which stops the worker.

    Examples
    --------
    >>> with BackgroundPdf() as job:  # doctest: +SKIP
    ...     write_html("report.html")
    ...     job.submit("report.html", "report.pdf", date="2026-12-03")
    ...     write_maps()
    ...     done = job.result()
    """

    def __init__(self) -> None:
        self._proc: Any = None
        self._conn: Any = None
        self._sent = False
        self._args: tuple[Path, Path, str] | None = None
        if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self._conn, child = ctx.Pipe()
            try:
                self._proc = ctx.Process(target=_worker, args=(child,), daemon=True)
                self._proc.start()
            except Exception:  # e.g. inside a daemonic worker (no children): print here
                self._proc = None
                self.close()
            child.close()

    def submit(
        self, html_path: str | os.PathLike[str], target: str | os.PathLike[str], *, date: str
    ) -> None:
        """Start printing ``html_path`` to ``target`` (the arguments of :func:`write_pdf`)."""
        self._args = (Path(html_path), Path(target), date)
        if self._proc is not None:
            try:
                self._conn.send(self._args)
                self._sent = True
            except OSError:  # a dead worker: :meth:`result` prints here
                self.close()

    def result(self) -> PdfResult:
        """The :class:`PdfResult` of the submitted job, once ``target`` is written (or not)."""
        if self._args is None:
            raise RuntimeError("BackgroundPdf.result() before submit()")
        if self._sent:
            self._sent = False
            try:
                kind, value = self._conn.recv()
            except (EOFError, OSError):  # the worker died: print here instead
                kind, value = "error", None
            if kind == "done":
                return value
        html_path, target, date = self._args
        return write_pdf(html_path, target, date=date)

    def close(self) -> None:
        """Stop the worker (a job not yet started is not printed)."""
        if self._proc is not None:
            if not self._sent:
                with contextlib.suppress(OSError):
                    self._conn.send(None)
            self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
            self._proc = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> BackgroundPdf:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
