"""The build folder of one document: what files it holds, and writing it all-or-nothing.

A document's artifacts are computed in memory first (``convert``), then written to a temporary
folder beside the target and renamed into place, so a failed or killed build never leaves a
half-written document behind.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from . import STAGES
from .model import Document, markdown_view

MANIFEST = "manifest.json"
EDITS = "edits.jsonl"


def dumps(obj: Any) -> str:
    """Canonical JSON for artifacts: sorted keys, real characters, trailing newline."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


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
        lines.append(json.dumps({"stage": e.stage, "rule": e.rule, "block": e.block, "start": e.start,
                                 "end": e.end, "before": e.before, "after": e.after, "note": e.note},
                                ensure_ascii=False, sort_keys=True))
    return "".join(line + "\n" for line in lines).encode()


def write_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write every file to a temporary sibling folder, then swap it in for ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.tmp-"
    for stale in target.parent.glob(glob.escape(prefix) + "*"):  # left by a build that was killed
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700: others on a shared disk must read it
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        old = None
        if target.exists():
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
