"""Private: ``proximity compare A B``: the per-area difference B − A, written to a folder."""

from __future__ import annotations

import argparse

from proximity.cli._common import EXIT_OK, out


def cmd_compare(args: argparse.Namespace) -> int:
    """``proximity compare A B``: write the comparison folder, print its table and paths.

    The folder is ``--out DIR``, else ``out/compare-<A>-vs-<B>/``; scenario TOMLs are run
    into its ``runs/``. Every path written is printed (also with ``--quiet``).
    """
    from proximity.cli._run import check_folder_option
    from proximity.scenario import compare

    check_folder_option(args.out, "--out", what="output folder")
    res = compare(
        args.a,
        args.b,
        out_dir=args.out,
        category=args.category,
        profile=args.profile,
        threshold_min=args.threshold,
        quiet=args.quiet,
        publish=bool(getattr(args, "publish", False)),
    )
    out(res.markdown)
    out(f"comparison written to: {res.out_dir}")
    for p in (res.csv_path, res.md_path, res.html_path, res.out_dir / "manifest.json"):
        out(f"  {p}")
    for p in res.runs:
        out(f"  {p}/   (the run of a scenario TOML: tables, maps, report)")
    return EXIT_OK
