"""Build many inputs: incremental, parallel across documents (never inside one), one failure
never stopping the rest, a progress bar on a terminal and a summary at the end."""
from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TextIO

from .artifacts import MANIFEST, read_manifest, write_folder
from .convert import convert, input_digest
from .model import PipelineError
from .options import Options

PAGE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".xhtml"}

Status = Literal["built", "skipped", "failed"]


@dataclass(frozen=True)
class Result:
    input: str
    status: Status
    folder: str = ""
    reason: str = ""


@dataclass
class Summary:
    results: list[Result] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    def report(self) -> str:
        return f"built {self.count('built')}, skipped {self.count('skipped')} (up to date), failed {self.count('failed')}"


def is_page(path: Path) -> bool:
    return path.suffix.lower() in PAGE_SUFFIXES and not path.name.startswith(".")


def expand(paths: Iterable[str], out: Path | None = None) -> Iterator[str]:
    """Page files named directly, and the page files inside named folders, sorted. Build
    folders (a ``manifest.json`` inside, or the output folder itself) are never inputs; a
    folder with no page files is passed on as itself, to fail with that reason."""
    skip = out.resolve() if out is not None else None
    for p in paths:
        path = Path(p)
        if not path.is_dir():
            yield p  # a missing or unreadable path fails in build_one, with its reason
            continue
        found = False
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() != skip
                             and not (here / d / MANIFEST).exists())
            for name in sorted(files):
                if is_page(here / name):
                    found = True
                    yield str(here / name)
        if not found:
            yield p


def with_overrides(path: Path, opts: Options) -> Options:
    """A reviewer's per-document decisions, kept beside the page as ``<stem>.overrides.toml``
    (``skip_rules = ["swap.fazhan"]``): they survive rebuilds, which replace the build folder."""
    file = path.with_suffix(".overrides.toml")
    if not file.is_file():
        return opts
    try:
        skip = tomllib.loads(file.read_text(encoding="utf-8")).get("skip_rules", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise PipelineError(f"{file.name}: {e}") from e
    if not isinstance(skip, list) or not all(isinstance(r, str) for r in skip):
        raise PipelineError(f"{file.name}: skip_rules must be a list of rule ids")
    return replace(opts, skip_rules=opts.skip_rules | frozenset(skip))


def build_one(path: str, out: Path, opts: Options, force: bool = False, source: str = "") -> Result:
    """Build one input into ``out/<stem>/``, or skip it when its artifacts are up to date.
    ``source`` names the input in the manifest and errors when ``path`` is a local copy."""
    source = source or path
    target = out / Path(path).stem
    try:
        data = Path(path).read_bytes()
        opts = with_overrides(Path(path), opts)
    except PipelineError as e:
        return Result(source, "failed", reason=str(e))
    except IsADirectoryError:
        return Result(source, "failed", reason=f"a folder with no page files ({', '.join(sorted(PAGE_SUFFIXES))})")
    except FileNotFoundError:
        return Result(source, "failed", reason="no such file")
    except OSError as e:
        return Result(source, "failed", reason=f"cannot read: {e.strerror or e}")
    try:
        digest = input_digest(data, opts)
        manifest = None if force else read_manifest(target)
        if (manifest and manifest.get("digest") == digest
                and all((target / f).exists() for f in manifest.get("outputs", {}).values())):
            return Result(source, "skipped", str(target))
        write_folder(target, convert(data, source, opts, target.name, digest))
    except PipelineError as e:
        return Result(source, "failed", reason=str(e))
    except Exception as e:  # a bug must not stop the batch; the reason still names it
        return Result(source, "failed", reason=f"internal error: {type(e).__name__}: {e}")
    return Result(source, "built", str(target))


def claim_names(paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(path, failure reason or "") — two inputs with one stem would share a build folder."""
    seen: dict[str, str] = {}
    for p in paths:
        stem = Path(p).stem
        if stem in seen:
            yield p, f"its build folder {stem}/ is already taken by {seen[stem]}"
        else:
            seen[stem] = p
            yield p, ""


def warm_up() -> None:
    """Load rules once per worker process, not once per document."""
    from . import rules

    for kind in rules.kinds():
        rules.load(kind)


def build_many(paths: Iterable[str], out: str | Path, opts: Options, jobs: int = 1, force: bool = False,
               progress: TextIO | None = None) -> Summary:
    """Build every input, ``jobs`` at a time in separate processes; at most ``jobs * 2`` are
    in flight, so memory stays flat however large the folder is."""
    out = Path(out)
    summary = Summary()
    listed = list(expand(paths, out))  # names only: the pages themselves are read one at a time
    bar = _progress_bar(progress, len(listed))

    def done(result: Result) -> None:
        summary.results.append(result)
        if bar is not None:
            bar.update(1)

    items = claim_names(listed)
    if jobs <= 1:
        for p, clash in items:
            done(Result(p, "failed", reason=clash) if clash else build_one(p, out, opts, force))
    else:
        _pooled(items, out, opts, force, jobs, done)
    if bar is not None:
        bar.close()
    summary.results.sort(key=lambda r: r.input)
    return summary


def _pooled(items: Iterator[tuple[str, str]], out: Path, opts: Options, force: bool, jobs: int,
            done: Callable[[Result], None]) -> None:
    """A worker that dies (out of memory, a crash in a C library) breaks the whole pool: the
    documents then in flight are rebuilt one at a time, alone, so only the one that kills its
    worker fails; the rest go on in a new pool."""
    while True:
        suspects: list[str] = []
        with ProcessPoolExecutor(max_workers=jobs, initializer=warm_up) as pool:
            pending: dict[Future[Result], str] = {}

            def collect(finished: Iterable[Future[Result]]) -> None:
                for f in finished:
                    p = pending.pop(f)
                    try:
                        done(f.result())
                    except BrokenProcessPool:
                        suspects.append(p)

            for p, clash in items:
                if clash:
                    done(Result(p, "failed", reason=clash))
                    continue
                try:
                    pending[pool.submit(build_one, p, out, opts, force)] = p
                except BrokenProcessPool:
                    suspects.append(p)
                    break
                if len(pending) >= jobs * 2:
                    collect(wait(pending, return_when=FIRST_COMPLETED).done)
                if suspects:
                    break
            collect(wait(pending).done)
        if not suspects:
            return
        for p in suspects:
            with ProcessPoolExecutor(max_workers=1, initializer=warm_up) as alone:
                try:
                    done(alone.submit(build_one, p, out, opts, force).result())
                except BrokenProcessPool:
                    done(Result(p, "failed", reason="the worker process building it died"))


def _progress_bar(stream: TextIO | None, total: int):  # -> tqdm | None
    """A bar with rate and ETA on a terminal; nothing when output is piped."""
    if stream is None or not stream.isatty() or total < 2:
        return None
    from tqdm import tqdm

    return tqdm(total=total, file=stream, unit="doc", desc="build", dynamic_ncols=True)


def print_summary(summary: Summary, stream: TextIO = sys.stderr) -> None:
    for r in summary.failed:
        print(f"error: {r.input}: {r.reason}", file=stream)
    print(summary.report(), file=stream)
