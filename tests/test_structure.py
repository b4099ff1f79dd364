"""The house rules of the code base, checked: room sizes and one home for every fact.

These are the size limits of issue 10 (no module over 600 lines, no function over 80 lines,
counted from the first statement after the docstring to the last line) and a grep for each
fact that once had several homes. A failure names the file and line to fix.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import sys
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "proximity"
SOURCES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _function_lengths(path: Path) -> list[tuple[str, int, int]]:
    """``(name, first line, length)`` of every function, docstring excluded."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            first = body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                body = body[1:]
            if body:
                out.append((node.name, node.lineno, node.end_lineno - body[0].lineno + 1))
    return out


def test_the_package_has_modules():
    assert len(SOURCES) > 30


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_size(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_MODULE_LINES, f"{path}: {n} lines; split it by job (limit {MAX_MODULE_LINES})"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_function_size(path):
    long = [(name, line, n) for name, line, n in _function_lengths(path) if n > MAX_FUNCTION_LINES]
    assert not long, (
        f"{path}: functions over {MAX_FUNCTION_LINES} lines (name, line, length): {long}"
    )


def test_function_length_counter_on_a_hand_made_function(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('def f():\n    """Doc\n    string."""\n    a = 1\n\n    # c\n    return a\n')
    assert _function_lengths(src) == [("f", 1, 4)]


@functools.cache
def _code_lines(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of the code, with comments and docstrings left out.

    A string literal is kept only when it is not a docstring (an expression statement of
    its own); each literal is reported as its source text, e.g. ``'"__total__"'``.
    """
    src = path.read_text(encoding="utf-8")
    docstrings = {
        node.value.lineno
        for node in ast.walk(ast.parse(src))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            continue
        if tok.type == tokenize.STRING and tok.start[0] in docstrings:
            continue
        if tok.type in (tokenize.STRING, tokenize.NAME, tokenize.OP):
            out.append((tok.start[0], tok.string))
    return out


def _hits(pattern: str) -> list[str]:
    rx = re.compile(pattern)
    hits = set()
    for p in SOURCES:
        toks = _code_lines(p)
        by_line: dict[int, list[str]] = {}
        for line, text in toks:
            by_line.setdefault(line, []).append(text)
        for line, parts in by_line.items():
            if rx.search(" ".join(parts)):
                hits.add(f"{p.relative_to(PACKAGE)}:{line}")
    return sorted(hits)


# (regex over code tokens joined by spaces, the one file allowed to hold it)
ONE_HOME = {
    "total row id": (r"^[\"']__total__[\"']$|[ (=,][\"']__total__[\"']", "sources/city.py"),
    "total row labels": (r"[\"']Hela (kommunen|studieområdet)[\"']", "sources/city.py"),
    "gini definition": (r"^def (weighted_)?gini \(", "equity/measures.py"),
    "distance-method label": (r"crowfly×", "distance_method.py"),
    "network cache folder": (r"[\"']networks[\"']", "config.py"),
    "overpass probe": (r"create_connection", "_overpass.py"),
    "metric CRS rule": (r"^def metric_crs_for \(", "crs.py"),
    "progress override": (r"_progress_override", "config.py"),
}


@pytest.mark.parametrize("fact", sorted(ONE_HOME))
def test_one_home_per_fact(fact):
    pattern, home = ONE_HOME[fact]
    hits = _hits(pattern)
    assert hits, f"{fact}: its home {home} no longer defines it"
    strays = [h for h in hits if not h.startswith(home + ":")]
    assert not strays, f"{fact} must live only in proximity/{home}; also found at {strays}"


def test_fact_finder_skips_docstrings_and_comments(tmp_path, monkeypatch):
    f = tmp_path / "m.py"
    f.write_text('"""Rows "__total__"."""\n# "__total__"\nX = "__total__"\n')
    monkeypatch.setattr(sys.modules[__name__], "SOURCES", [f])
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    assert _hits(ONE_HOME["total row id"][0]) == ["m.py:3"]


def _is_module(package: str, name: str) -> bool:
    base = PACKAGE.parent.joinpath(*package.split("."), name)
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def test_no_private_imports_across_modules():
    """No module imports another module's ``_private`` name; private *modules* are fine."""
    bad = []
    for p in SOURCES:
        own_package = p.parent.relative_to(PACKAGE.parent).as_posix().replace("/", ".")
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.ImportFrom) and (node.module or "").startswith("proximity")
            ):
                continue
            if own_package != "proximity" and node.module.startswith(own_package):
                continue  # the modules of one subpackage may share private helpers
            bad += [
                f"{p.relative_to(PACKAGE)}:{node.lineno} {node.module}.{a.name}"
                for a in node.names
                if a.name.startswith("_")
                and not a.name.startswith("__")
                and not _is_module(node.module, a.name)
            ]
    assert not bad, f"private names imported across modules: {bad}"
