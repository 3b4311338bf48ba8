"""One input's bytes in, every artifact of its build folder out: the stages and renderers in
order, with no file I/O, so a process pool or a Dask worker can run it anywhere."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from pipeline.stages import STAGES
from pipeline import __version__
from pipeline.render import fonts
from pipeline import rules
from pipeline.run.artifacts import EDITS, MANIFEST, dumps, edits_jsonl, stage_files
from pipeline.stages.ingest import ingest
from pipeline.model import Document, Flag
from pipeline.errors import PipelineError
from pipeline.options import Options
from pipeline.render import WRITERS
from pipeline.render.presentation import output_stem


def input_digest(data: bytes, opts: Options) -> str:
    """What an incremental build compares: the input, the options, the rules, templates and
    code, the fonts the PDF embeds and the user's reference DOCX. Not the formats: the
    manifest's ``outputs`` tell which the folder holds."""
    h = hashlib.sha256(data)
    h.update(f"{opts.digest(exclude=('formats',))} {rules.digest()} {__version__} {fonts.fingerprint()}".encode())
    if opts.reference_docx:
        try:
            h.update(Path(opts.reference_docx).read_bytes())
        except OSError as e:
            raise PipelineError(f"reference DOCX {opts.reference_docx}: {e.strerror or e}") from e
    return h.hexdigest()[:32]


def run_stages(data: bytes, source: str, opts: Options) -> dict[str, Document]:
    """The document after each stage, keyed by stage name (stages never change their input, so each stays as it was)."""
    doc = ingest(data, source)
    return {"ingest": doc, **resume(doc, opts)}


def resume(doc: Document, opts: Options) -> dict[str, Document]:
    """Rerun the stages after the last one ``doc`` went through (a stage rerun alone)."""
    done = set(doc.stages)
    snapshots = {}
    for stage in STAGES[1:]:
        if stage.name in done:
            continue
        doc = stage.run(doc, opts)
        snapshots[stage.name] = doc
    return snapshots


def render(doc: Document, opts: Options, stem: str) -> tuple[dict[str, bytes], dict[str, Any], list[Flag]]:
    """The rendered files, their page counts for the manifest, and warnings about them."""
    files: dict[str, bytes] = {}
    pages: dict[str, Any] = {"site": doc.meta.pages}
    flags: list[Flag] = []

    def check(label: str, count: int | None) -> None:
        if count is not None and doc.meta.pages and abs(count - doc.meta.pages) > 1:
            flags.append(Flag(stage="render", rule="render.page-count",
                              message=f"the {label} has {count} pages; the site says {doc.meta.pages}"))

    pending = []
    for fmt, writer in WRITERS.items():
        if fmt not in opts.formats:
            continue
        try:
            out = writer.write(doc, opts)
        except Exception as e:  # a PDF that cannot be made never costs the DOCX
            if not files:
                raise
            reason = str(e) if isinstance(e, PipelineError) else f"internal error: {type(e).__name__}: {e}"
            pending.append((None, [Flag(stage="render", rule="render.failed", message=f"no {fmt.upper()}: {reason}")]))
            continue
        files[f"{stem}.{fmt}"] = out.data
        pages.update(out.pages)
        pending.append((writer, out))
    for writer, out in pending:  # in writer order, each once its measurements are in
        if writer is None:
            flags += out
            continue
        measured, notes = out.later() if out.later else ({}, [])
        pages.update(measured)
        flags += out.flags + notes
        check(writer.label, {**out.pages, **measured}.get(writer.pages_key))
    return files, pages, flags


def convert(data: bytes, source: str, opts: Options, name: str, digest: str) -> dict[str, bytes]:
    """All files of one document's build folder. ``name`` is the input's stem, the fallback
    for output names when the page names no file; ``digest`` is its ``input_digest``."""
    return assemble(run_stages(data, source, opts), opts, name, digest)


def assemble(snapshots: dict[str, Document], opts: Options, name: str, digest: str) -> dict[str, bytes]:
    """The build folder's files from the document after each stage: views, models, renders,
    the edit log and the manifest."""
    doc = snapshots[STAGES[-1].name]
    stem = output_stem(doc, name)
    rendered, pages, render_flags = render(doc, opts, stem)
    files = stage_files(snapshots)
    files.update(rendered)
    files[EDITS] = edits_jsonl(doc)
    flags = doc.flags + render_flags
    manifest = {
        "input": doc.source,
        "digest": digest,
        "generator": f"scrape2doc {__version__}",
        "meta": dataclasses.asdict(doc.meta),
        "stages": {s.name: {"view": f"{s.stem}.{s.view}", "model": f"{s.stem}.json"} for s in STAGES},
        "outputs": {Path(f).suffix[1:]: f for f in rendered},
        "pages": pages,
        "edits": {"file": EDITS, "count": len(doc.edits)},
        "info": doc.info,
        "warnings": [
            {"stage": f.stage, "rule": f.rule, "level": f.level, "message": f.message, "block": f.block,
             "text": f.text}
            for f in flags
        ],
    }
    files[MANIFEST] = dumps(manifest).encode()
    return files
