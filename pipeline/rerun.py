"""Rerun a build from a stage's saved model: a reviewer changes a rule or an option and
rebuilds only what comes after, without the input page."""
from __future__ import annotations

from pathlib import Path

from . import STAGES
from .artifacts import read_manifest, write_folder
from .convert import assemble, input_digest, resume
from .model import Document, PipelineError
from .options import Options


def rerun(folder: Path, stage: str, opts: Options) -> None:
    names = [s.name for s in STAGES]
    if stage not in names:
        raise PipelineError(f"unknown stage {stage!r}; stages are {', '.join(names)}")
    manifest = read_manifest(folder)
    if manifest is None:
        raise PipelineError("not a build folder (no readable manifest.json)")
    snapshots: dict[str, Document] = {}
    for s in STAGES[: names.index(stage) + 1]:
        try:
            snapshots[s.name] = Document.from_json((folder / f"{s.stem}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise PipelineError(f"cannot load {s.stem}.json: {e}") from e
    snapshots.update(resume(snapshots[stage], opts))
    try:
        digest = input_digest(Path(manifest["input"]).read_bytes(), opts)
    except OSError:
        digest = ""  # the input is gone: the next build of it will rebuild, which is right
    write_folder(folder, assemble(snapshots, opts, folder.name, digest))
