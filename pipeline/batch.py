"""Build many inputs: incremental, parallel across documents (never inside one), one failure
never stopping the rest, a progress bar on a terminal and a summary at the end."""
from __future__ import annotations

import gc
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TextIO

from .artifacts import read_manifest, write_folder
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


def expand(paths: Iterable[str]) -> Iterator[str]:
    """Page files named directly, and the page files inside named folders (sorted, streamed)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in PAGE_SUFFIXES and not child.name.startswith("."):
                    yield str(child)
        else:
            yield p  # a missing or unreadable path fails in build_one, with its reason


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


def build_one(path: str, out: Path, opts: Options, force: bool = False) -> Result:
    """Build one input into ``out/<stem>/``, or skip it when its artifacts are up to date."""
    target = out / Path(path).stem
    try:
        data = Path(path).read_bytes()
        opts = with_overrides(Path(path), opts)
    except PipelineError as e:
        return Result(path, "failed", reason=str(e))
    except IsADirectoryError:
        return Result(path, "failed", reason="is a directory with no page files")
    except FileNotFoundError:
        return Result(path, "failed", reason="no such file")
    except OSError as e:
        return Result(path, "failed", reason=f"cannot read: {e.strerror or e}")
    if not force:
        manifest = read_manifest(target)
        if (manifest and manifest.get("digest") == input_digest(data, opts)
                and all((target / f).exists() for f in manifest.get("outputs", {}).values())):
            return Result(path, "skipped", str(target))
    try:
        files = convert(data, path, opts, target.name)
        write_folder(target, files)
    except PipelineError as e:
        return Result(path, "failed", reason=str(e))
    except Exception as e:  # a bug must not stop the batch; the reason still names it
        return Result(path, "failed", reason=f"internal error: {type(e).__name__}: {e}")
    finally:
        gc.collect()  # renders leave cyclic garbage; collecting keeps a long batch's memory flat
    return Result(path, "built", str(target))


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

    for kind in ("sites", "restore"):
        rules.load(kind)


def build_many(paths: Iterable[str], out: str | Path, opts: Options, jobs: int = 1, force: bool = False,
               progress: TextIO | None = None, on_result: Callable[[Result], None] | None = None) -> Summary:
    """Build every input; at most ``jobs * 2`` documents are in flight, so memory stays flat
    however large the folder is."""
    out = Path(out)
    summary = Summary()
    listed = list(expand(paths))  # names only: the pages themselves are read one at a time
    items = claim_names(listed)
    bar = _progress_bar(progress, len(listed))

    def done(result: Result) -> None:
        summary.results.append(result)
        if bar is not None:
            bar.update(1)
        if on_result:
            on_result(result)

    if jobs <= 1:
        for p, clash in items:
            done(Result(p, "failed", reason=clash) if clash else build_one(p, out, opts, force))
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=warm_up) as pool:
            pending: set[Future[Result]] = set()
            for p, clash in items:
                if clash:
                    done(Result(p, "failed", reason=clash))
                    continue
                pending.add(pool.submit(build_one, p, out, opts, force))
                if len(pending) >= jobs * 2:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        done(f.result())
            for f in wait(pending).done:
                done(f.result())
    if bar is not None:
        bar.close()
    summary.results.sort(key=lambda r: r.input)
    return summary


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
