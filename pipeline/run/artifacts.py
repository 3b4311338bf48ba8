"""The build folder of one document: what files it holds, and writing it all-or-nothing.

A document's artifacts are computed in memory first (``convert``), then written to a temporary
folder beside the target and renamed into place, so a failed or killed build never leaves a
half-written document behind. Writers of one output folder take turns (a lock on the folder),
so two builds of the same page at once never delete each other's work, and the new folder is
swapped in with one atomic exchange, so the target never vanishes, even for a moment.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import glob
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.render.markdown import markdown_view
from pipeline.stages import STAGES
from pipeline.errors import PipelineError
from pipeline.model import Document, canonical_json
from pipeline.edit_ids import of as edit_id

MANIFEST = "manifest.json"
EDITS = "edits.jsonl"


dumps = canonical_json  # the build folder's JSON files are the model's canonical JSON


def write_file(target: Path, data: bytes) -> None:
    """One file written atomically (a temp sibling renamed over it): a reader never sees half a
    file, and a failed write leaves the old one. The build folder's own writer is write_folder."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):  # never written, or its folder is no folder: the cause below says why
            tmp.unlink()
        if isinstance(e, OSError):
            raise PipelineError(f"cannot write {target}: {e.strerror or e}") from e
        raise


def stage_files(snapshots: dict[str, Document]) -> dict[str, bytes]:
    """Each stage's reviewable view and its model as JSON, named ``NN-stage.ext``."""
    files: dict[str, bytes] = {}
    for stage in STAGES:
        doc = snapshots.get(stage.name)
        if doc is None:
            continue
        view = markdown_view(doc) if stage.view == "md" else doc.text_view()
        files[f"{stage.stem}.{stage.view}"] = view.encode()
        files[f"{stage.stem}.json"] = doc.to_json().encode()
    return files


def edits_jsonl(doc: Document) -> bytes:
    lines = []
    for e in doc.edits:
        lines.append(json.dumps({"id": edit_id(e), "stage": e.stage, "rule": e.rule, "block": e.block, "start": e.start,
                                 "end": e.end, "before": e.before, "after": e.after, "note": e.note},
                                ensure_ascii=False, sort_keys=True))
    return "".join(line + "\n" for line in lines).encode()


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (the output folder) while swapping a document in:
    the lock is the folder's own, so nothing is left behind, and the kernel drops it when a
    writer dies, even by kill -9."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


_RENAME_EXCHANGE = 2
_libc: Any = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        rc = _libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), _RENAME_EXCHANGE)  # AT_FDCWD
    except (AttributeError, OSError):
        return False
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def write_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write every file to a temporary sibling folder, then swap it in for ``target``. Under
    the output folder's lock a temporary sibling can only be one a killed build left: those
    are swept; a concurrent build's is never touched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.tmp-"
    with locked(target.parent):
        for stale in target.parent.glob(glob.escape(prefix) + "*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
        try:
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700: others on a shared disk must read it
            for name, data in files.items():
                (tmp / name).write_bytes(data)
            if target.is_dir() and not target.is_symlink() and _exchange(tmp, target):
                shutil.rmtree(tmp, ignore_errors=True)  # now the old folder
                return
            old = None
            if target.exists() or target.is_symlink():
                old = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent)) / "old"
                os.replace(target, old)
            os.replace(tmp, target)
            if old is not None:
                shutil.rmtree(old.parent, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
