"""Build many inputs: incremental, parallel across documents (never inside one), one failure
never stopping the rest, a progress bar on a terminal and a summary at the end."""
from __future__ import annotations

import ctypes
import json
import os
import signal
import stat
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TextIO

from pipeline.run.artifacts import MANIFEST, read_manifest, write_folder
from pipeline.run.convert import convert, input_digest
from pipeline.errors import PipelineError, UsageError
from pipeline.options import FORMATS, Options
from pipeline.render import prepare, wants_office
from pipeline.render.presentation import folder_name

PAGE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".xhtml"}
# A saved page is kilobytes; past this an input is refused unless --max-size raises the limit.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

Status = Literal["built", "skipped", "failed"]


@dataclass(frozen=True)
class Result:
    input: str
    status: Status
    folder: str = ""
    reason: str = ""
    usage: bool = False  # failed on a usage error (an unknown rule id in its overrides file)


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


def target_folder(path: str, out: Path) -> Path:
    """The build folder of an input: ``out/<its stem, made a safe name>``, always inside ``out``."""
    return out / folder_name(Path(path).stem)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def read_input(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A page's bytes: regular files only (a FIFO would block forever, /dev/zero never ends),
    at most ``max_bytes``. Opened without blocking and checked on the open file, so a path
    swapped for a FIFO between a check and the read cannot hang the batch."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise PipelineError("no such file (or a broken link)") from None
    except OSError as e:
        if e.errno == 40:  # ELOOP
            raise PipelineError("a symbolic link loop") from None
        raise PipelineError(f"cannot read: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(info.st_mode):
            raise PipelineError(f"not a regular file ({_kind(info.st_mode)}): not read")
        if info.st_size > max_bytes:
            raise PipelineError(f"{info.st_size} bytes is over the input size limit of {max_bytes} bytes "
                                "(raise it with --max-size MB)")
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise PipelineError(f"cannot read: {e.strerror or e}") from None
    if len(data) > max_bytes:  # a file that grew while being read
        raise PipelineError(f"over the input size limit of {max_bytes} bytes (raise it with --max-size MB)")
    return data


def with_overrides(path: Path, opts: Options) -> Options:
    """A reviewer's per-document decisions, kept beside the page as ``<stem>.overrides.toml``
    (``skip_rules = ["swap.fazhan"]``, ``reject_edits = ["<edit id>"]``): they survive rebuilds,
    which replace the build folder."""
    file = path.with_suffix(".overrides.toml")
    if not file.is_file():
        return opts
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise PipelineError(f"{file.name}: {e}") from e
    skip = data.get("skip_rules", [])
    if not isinstance(skip, list) or not all(isinstance(r, str) for r in skip):
        raise PipelineError(f"{file.name}: skip_rules must be a list of rule ids")
    from pipeline.run.overrides import reject_edits
    from pipeline.rules.ids import unknown_message

    if message := unknown_message(skip):
        raise UsageError(f"{file.name}: {message}")
    return replace(opts, skip_rules=opts.skip_rules | frozenset(skip),
                   reject_edits=opts.reject_edits | reject_edits(data, file.name))


def _formats_to_build(opts: Options, manifest: dict | None) -> Options:
    """The formats asked for plus those the folder already holds: a build of one format must
    not take the other's file away (``make docx`` after ``make pdf`` keeps the PDF, rebuilt
    from the same input so the folder stays one consistent build)."""
    held = set((manifest or {}).get("outputs", {})) & set(FORMATS)
    wanted = set(opts.formats) | held
    return replace(opts, formats=tuple(f for f in FORMATS if f in wanted))


def build_one(path: str, out: Path, opts: Options, force: bool = False, source: str = "",
              max_bytes: int = DEFAULT_MAX_BYTES) -> Result:
    """Build one input into ``out/<stem>/``, or skip it when its artifacts are up to date.
    ``source`` names the input in the manifest and errors when ``path`` is a local copy."""
    source = source or path
    target = target_folder(path, out)
    try:
        data = read_input(path, max_bytes)
        opts = with_overrides(Path(path), opts)
    except UsageError as e:
        return Result(source, "failed", reason=str(e), usage=True)
    except PipelineError as e:
        return Result(source, "failed", reason=str(e))
    except IsADirectoryError:
        return Result(source, "failed", reason=f"a folder with no page files ({', '.join(sorted(PAGE_SUFFIXES))})")
    except OSError as e:
        return Result(source, "failed", reason=f"cannot read: {e.strerror or e}")
    try:
        digest = input_digest(data, opts)
        manifest = read_manifest(target)
        outputs = (manifest or {}).get("outputs", {})
        if (not force and manifest and manifest.get("digest") == digest and set(opts.formats) <= set(outputs)
                and all((target / f).exists() for f in outputs.values())):
            return Result(source, "skipped", str(target))
        opts = _formats_to_build(opts, manifest)
        files = convert(data, source, opts, target.name, digest)
        write_folder(target, files)
    except PipelineError as e:
        return Result(source, "failed", reason=str(e))
    except Exception as e:  # a bug must not stop the batch; the reason still names it
        return Result(source, "failed", reason=f"internal error: {type(e).__name__}: {e}")
    if failed := _render_failure(files):
        return Result(source, "failed", str(target), reason=failed)
    return Result(source, "built", str(target))


def _render_failure(files: dict[str, bytes]) -> str:
    """The reason a render failed while the others were written (a PDF that could not be made
    never costs the DOCX), from the manifest's warnings; "" when every format was rendered."""
    manifest = json.loads(files[MANIFEST])
    return "; ".join(w["message"] for w in manifest["warnings"] if w["rule"] == "render.failed")


def claim_names(paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(path, failure reason or "") — two inputs with one stem would share a build folder."""
    seen: dict[str, str] = {}
    for p in paths:
        name = folder_name(Path(p).stem)
        if name in seen:
            yield p, f"its build folder {name}/ is already taken by {seen[name]}"
        else:
            seen[name] = p
            yield p, ""


def max_jobs() -> int:
    """The processes this machine can run at once (the CPUs this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def warm_up(parent: int | None = None, office: bool = False) -> None:
    """Load the rules once per worker process, not once per document; start the worker's
    LibreOffice first when ``office``. In a pool worker of ``parent``: die with the parent
    (Linux sends the signal however the parent goes, kill -9 included), so killing a build
    never leaves its workers running."""
    if parent is not None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent:  # the parent died before the signal was set up
            os._exit(1)
    if office:
        from pipeline.render.pagecount import start_office

        start_office()
    from pipeline import rules

    for kind in rules.kinds():
        rules.load(kind)


def build_many(paths: Iterable[str], out: str | Path, opts: Options, jobs: int = 1, force: bool = False,
               progress: TextIO | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Summary:
    """Build every input, ``jobs`` at a time in separate processes (never more than the machine
    has CPUs); at most ``jobs * 2`` are in flight, so memory stays flat however large the
    folder is."""
    out = Path(out)
    jobs = max(1, min(jobs, max_jobs()))
    summary = Summary()
    listed = list(expand(paths, out))  # names only: the pages themselves are read one at a time
    bar = _progress_bar(progress, len(listed))

    def done(result: Result) -> None:
        summary.results.append(result)
        if bar is not None:
            bar.update(1)

    items = claim_names(listed)
    if jobs <= 1 and listed:
        prepare(opts)  # LibreOffice and WeasyPrint load while the first document goes through the stages
    if jobs <= 1:
        for p, clash in items:
            done(Result(p, "failed", reason=clash) if clash else build_one(p, out, opts, force, max_bytes=max_bytes))
    else:
        _pooled(items, out, opts, force, jobs, done, max_bytes)
    if bar is not None:
        bar.close()
    summary.results.sort(key=lambda r: r.input)
    return summary


def _pooled(items: Iterator[tuple[str, str]], out: Path, opts: Options, force: bool, jobs: int,
            done: Callable[[Result], None], max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """A worker that dies (out of memory, a crash in a C library) breaks the whole pool: the
    documents then in flight are rebuilt one at a time, alone, so only the one that kills its
    worker fails; the rest go on in a new pool."""
    while True:
        suspects: list[str] = []
        with ProcessPoolExecutor(max_workers=jobs, initializer=warm_up,
                                 initargs=(os.getpid(), wants_office(opts))) as pool:
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
                    pending[pool.submit(build_one, p, out, opts, force, "", max_bytes)] = p
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
            with ProcessPoolExecutor(max_workers=1, initializer=warm_up,
                                 initargs=(os.getpid(), wants_office(opts))) as alone:
                try:
                    done(alone.submit(build_one, p, out, opts, force, "", max_bytes).result())
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
