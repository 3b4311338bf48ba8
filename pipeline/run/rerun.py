"""Rerun a build from a stage's saved model: a reviewer changes a rule or an option and
rebuilds only what comes after, without the input page."""
from __future__ import annotations

from pathlib import Path

from pipeline.stages import STAGES
from pipeline.run.artifacts import read_manifest, write_folder
from pipeline.run.batch import _formats_to_build, with_overrides
from pipeline.run.convert import assemble, resume
from pipeline.model import Document
from pipeline.errors import PipelineError
from pipeline.options import Options


def rerun(folder: Path, stage: str, opts: Options) -> None:
    names = [s.name for s in STAGES]
    manifest = read_manifest(folder)
    if manifest is None:
        raise PipelineError("not a build folder (no readable manifest.json)")
    snapshots: dict[str, Document] = {}
    for s in STAGES[: names.index(stage) + 1]:
        try:
            snapshots[s.name] = Document.from_json((folder / f"{s.stem}.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, PipelineError) as e:
            raise PipelineError(f"cannot load {s.stem}.json: {e}") from e
    page = Path(manifest.get("input", ""))
    if page.is_file():
        opts = with_overrides(page, opts)
    opts = _formats_to_build(opts, manifest)  # keep the formats the folder holds
    snapshots.update(resume(snapshots[stage], opts))
    # No digest: the stages kept may come from older rules, so the next build redoes them all.
    write_folder(folder, assemble(snapshots, opts, folder.name, digest=""))
