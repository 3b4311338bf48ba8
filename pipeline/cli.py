"""``python -m pipeline``: build, rerun, diff and review. Exit 0 when every input built, 1 when
any failed, 2 on usage errors; each failure is one line ``error: PATH: reason`` on stderr."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from pipeline.stages import STAGE_NAMES
from pipeline.errors import PipelineError
from pipeline.options import FORMATS, PDF_VARIANTS, Options




def _formats(value: str) -> tuple[str, ...]:
    got = tuple(f.strip() for f in value.split(",") if f.strip())
    bad = [f for f in got if f not in FORMATS]
    if bad or not got:
        raise argparse.ArgumentTypeError(f"formats are {','.join(FORMATS)}; got {value!r}")
    return got


def _add_build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--formats", type=_formats, default=FORMATS, help="comma-separated: docx,pdf (default both)")
    p.add_argument("--no-restore", action="store_true", help="skip the restore stage (no word or punctuation repairs)")
    p.add_argument("--skip-rule", action="append", default=[], metavar="RULE_ID",
                   help="rebuild without this rule (repeatable; a trailing dot skips a family, e.g. swap.)")
    p.add_argument("--to-simplified", action="store_true",
                   help="fold a Traditional-script page (a mirror of a simplified site) to Simplified (OpenCC)")
    p.add_argument("--drop-summary", action="store_true", help="leave the site's inserted summary out of the renders")
    p.add_argument("--no-heading-numbers", action="store_true", help="do not add 一、二、 to unnumbered headings")
    p.add_argument("--pdf-variant", choices=PDF_VARIANTS, help="archival (pdf/a-3u) or accessible (pdf/ua-1) PDF")
    p.add_argument("--no-page-count", action="store_true", help="do not measure the DOCX's pages with LibreOffice")
    p.add_argument("--reference-docx", default="", metavar="FILE", help="take DOCX styles from this document")


def _options(a: argparse.Namespace) -> Options:
    return Options(formats=a.formats, restore=not a.no_restore, skip_rules=frozenset(a.skip_rule),
                   keep_summary=not a.drop_summary, to_simplified=a.to_simplified, number_headings=not a.no_heading_numbers,
                   pdf_variant=a.pdf_variant, page_count=not a.no_page_count, reference_docx=a.reference_docx)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m pipeline", description="Rebuild documents from scraped pages.")
    sub = ap.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build page files or folders of them")
    b.add_argument("paths", nargs="+", metavar="PATH")
    b.add_argument("--out", default="build", type=Path, help="build folder (default: build)")
    b.add_argument("--jobs", "-j", type=int, default=1,
                   help="documents built in parallel (processes; at most the machine's CPUs)")
    b.add_argument("--max-size", type=float, default=20, metavar="MB",
                   help="refuse input files larger than this many megabytes (default 20)")
    b.add_argument("--force", action="store_true", help="rebuild even when the artifacts are up to date")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on Dask: 'local' starts a LocalCluster, tcp://HOST:8786 uses a running one")
    _add_build_options(b)

    r = sub.add_parser("rerun", help="rerun the stages after STAGE from a build folder's saved model")
    r.add_argument("folder", type=Path)
    r.add_argument("stage", choices=STAGE_NAMES,
                   help="the last stage to keep, e.g. clean reruns restore, structure and the renders")
    _add_build_options(r)

    d = sub.add_parser("diff", help="character-level diff between stage artifacts")
    d.add_argument("folder", type=Path)
    d.add_argument("stages", nargs="*", metavar="STAGE",
                   help=f"two of {', '.join(STAGE_NAMES)} (default: each consecutive pair)")
    d.add_argument("--stat", action="store_true", help="counts per stage and rule")
    d.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    v = sub.add_parser("review", help="write a self-contained HTML review page")
    v.add_argument("folder", type=Path)
    v.add_argument("--output", "-o", type=Path, help="default: FOLDER/review.html (FOLDER/review.docx with --docx)")
    v.add_argument("--docx", action="store_true",
                   help="write review.docx: the DOCX with every edit a tracked change, every warning a comment")

    c = sub.add_parser("accept", help="record the edits a reviewer rejected (review.docx or the review page's "
                                      "decisions file) in the page's overrides file, and rebuild the document")
    c.add_argument("folder", type=Path)
    c.add_argument("reviewed", type=Path, metavar="REVIEWED", help="the reviewed review.docx, or a decisions .toml")
    c.add_argument("--input", type=Path, help="the page (default: the input the manifest names)")
    _add_build_options(c)
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    a = ap.parse_args(argv)
    if a.command == "build":
        if a.jobs < 1:
            ap.error("--jobs must be at least 1")
        if not a.max_size > 0:
            ap.error("--max-size must be a positive number of megabytes")
        if a.out.exists() and not a.out.is_dir():
            ap.error(f"--out {a.out} is a file, not a folder")
    if a.command == "diff" and (unknown := [s for s in a.stages if s not in STAGE_NAMES]):
        ap.error(f"unknown stage {unknown[0]!r}; stages are {', '.join(STAGE_NAMES)}")
    if a.command == "accept" and not a.reviewed.is_file():
        print(f"error: {a.reviewed}: no such file", file=sys.stderr)
        return 2
    if a.command in ("build", "rerun", "accept") and a.reference_docx and not Path(a.reference_docx).is_file():
        ap.error(f"--reference-docx {a.reference_docx}: no such file")
    if a.command in ("build", "rerun", "accept") and a.skip_rule:
        from pipeline.rules.ids import unknown_message

        try:
            message = unknown_message(a.skip_rule)
        except PipelineError:  # a broken rule file: the build reports it, naming the file
            message = ""
        if message:
            ap.error(f"--skip-rule: {message}")
    try:
        if a.command == "build":
            return _build(a)
        if a.command == "rerun":
            from pipeline.run.rerun import rerun

            rerun(a.folder, a.stage, _options(a))
            return 0
        if a.command == "diff":
            from pipeline.review.terminal import diff_command

            return diff_command(a.folder, a.stages, stat=a.stat, color=a.color)
        if a.command == "accept":
            return _accept(a)
        from pipeline.review.terminal import review_command

        return review_command(a.folder, a.output, docx=a.docx)
    except PipelineError as e:
        print(f"error: {getattr(a, 'folder', '')}: {e}", file=sys.stderr)
        return 1


def _build(a: argparse.Namespace) -> int:
    opts = _options(a)
    if a.scheduler:
        try:
            from pipeline.run.cluster import build_on_dask
        except ImportError as e:
            print(f"error: --scheduler needs Dask ({e.name} is missing): pip install '.[dask]'", file=sys.stderr)
            return 2
        try:
            summary = build_on_dask(a.paths, a.out, opts, a.scheduler, force=a.force)
        except PipelineError as e:
            print(f"error: {a.scheduler}: {e}", file=sys.stderr)
            return 1
    else:
        if a.jobs <= 1 and any(Path(p).exists() for p in a.paths):
            from pipeline.render import prepare

            prepare(opts)  # LibreOffice starts before the pipeline's modules load (0.1 s sooner)
        from pipeline.run.batch import build_many, max_jobs

        if a.jobs > max_jobs():
            print(f"note: --jobs {a.jobs} is more than this machine's {max_jobs()} CPUs: using {max_jobs()}",
                  file=sys.stderr)
        summary = build_many(a.paths, a.out, opts, jobs=a.jobs, force=a.force, progress=sys.stderr,
                             max_bytes=int(a.max_size * 1024 * 1024))
    from pipeline.run.batch import print_summary

    print_summary(summary)
    if any(r.usage for r in summary.failed):
        return 2  # an unknown rule id in an overrides file: the user's request, not the page, is wrong
    return 1 if summary.failed else 0


def _accept(a: argparse.Namespace) -> int:
    """Read the reviewer's decisions, record them beside the page, rebuild that one document."""
    from pipeline.run.artifacts import read_manifest
    from pipeline.run.batch import Summary, build_one, print_summary, target_folder
    from pipeline.review.accept import accept_command

    opts = _options(a)
    folder = a.folder

    def rebuild(page: Path) -> int:
        if target_folder(str(page), folder.parent).resolve() != folder.resolve():
            raise PipelineError(f"{page} builds into {target_folder(str(page), folder.parent)}, not this folder")
        held = tuple(f for f in FORMATS if f in (read_manifest(folder) or {}).get("outputs", {}))
        result = build_one(str(page), folder.parent, replace(opts, formats=held or opts.formats))
        print_summary(Summary([result]))
        if result.status == "failed":
            return 2 if result.usage else 1
        from pipeline.review.stagediff import BuildFolder

        for w in BuildFolder(folder).warnings:
            if w.get("rule") == "review.stale-decision":
                print(f"note: {w.get('message')}", file=sys.stderr)
        return 0

    return accept_command(folder, a.reviewed, a.input, rebuild)
