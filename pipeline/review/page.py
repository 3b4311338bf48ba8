"""The review page: one self-contained HTML file (no network, opens from file://) with the
warnings first, each pair of consecutive stages side by side, every edit filterable by stage
and rule, the removed site chrome, and the PDF's first pages as images.

Scraped text goes into the page, so the template is rendered with autoescape on.
"""
from __future__ import annotations

import base64
import io
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from pipeline import __version__
from pipeline.review.chardiff import CONTEXT, Placed
from pipeline.render.fonts import available_faces, font_dir
from pipeline.errors import PipelineError
from pipeline.resources import TEMPLATES
from pipeline.review.stagediff import SPLITTER, STAGE_NAMES, BuildFolder, PairDiff, Removed, Unit, pair_diff
from pipeline.text import FONT_RANGES
from pipeline.edit_ids import of as edit_id

PDF_PAGES = 2  # first pages shown as images
# The embedded face serves these ranges only (CJK, its punctuation, full-width forms); listing
# it first with a unicode-range makes Chromium use it from the first paint instead of
# shaping the first CJK runs with a Latin fallback.
PDF_DPI = 50


@dataclass
class Segment:
    """A run of one side of a block: plain, deleted or inserted, and the rules behind it."""

    text: str
    kind: str = ""  # "", "del" or "ins"
    rules: str = ""  # space-separated rule ids; empty for a change no edit explains


def sides(u: Unit) -> tuple[list[Segment], list[Segment]]:
    """The old and the new text of a block, with its changes marked on each side."""
    old: list[Segment] = []
    new: list[Segment] = []
    ia = ib = 0
    for h in u.hunks:
        old.append(Segment(u.old[ia:h.a_start]))
        new.append(Segment(u.new[ib:h.b_start]))
        rules = " ".join(dict.fromkeys(p.edit.get("rule", "") for p in h.edits))
        for tag, a, b in h.ops:
            if tag == "equal":
                old.append(Segment(a))
                new.append(Segment(b))
                continue
            if a:
                old.append(Segment(a, "del", rules))
            if b:
                new.append(Segment(b, "ins", rules))
        ia, ib = h.a_end, h.b_end
    old.append(Segment(u.old[ia:]))
    new.append(Segment(u.new[ib:]))
    return [s for s in old if s.text], [s for s in new if s.text]


@dataclass
class EditRow:
    index: int
    edit: dict[str, Any]
    left: str = ""
    right: str = ""
    found: bool = False


def edit_rows(edits: list[dict[str, Any]], diffs: list[PairDiff], raw: str) -> list[EditRow]:
    """Every edit of edits.jsonl, in order, with the text around it where it was made. An
    edit no block shows (chrome taken out by clean) is found in the ingested text ``raw``,
    which clean's offsets index."""
    placed: dict[int, Placed] = {}
    for d in diffs:
        for u in d.units:
            for h in u.hunks:
                placed.update((p.edit["index"], p) for p in h.edits)
    rows = []
    for e in edits:
        p = placed.get(e["index"])
        s, t = e.get("start", 0), e.get("end", 0)
        if p:
            rows.append(EditRow(e["index"], e, p.left, p.right, True))
        elif e.get("stage") == SPLITTER and 0 <= s <= t <= len(raw) and raw[s:t] == e.get("before"):
            rows.append(EditRow(e["index"], e, raw[max(0, s - CONTEXT):s], raw[t:t + CONTEXT], True))
        else:
            rows.append(EditRow(e["index"], e))
    return rows


def pdf_images(build: BuildFolder) -> tuple[list[str], str]:
    """The rendered PDF's first pages as data: URIs, or why there are none."""
    name = build.manifest.get("outputs", {}).get("pdf")
    pdf = build.folder / name if name else None
    if pdf is None or not pdf.is_file():
        return [], "No PDF in this build (built without the pdf format)."
    exe = shutil.which("pdftoppm")
    if exe is None:
        return [], "pdftoppm (poppler-utils) is not installed: no page images."
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([exe, "-png", "-r", str(PDF_DPI), "-l", str(PDF_PAGES), str(pdf), f"{tmp}/page"],
                           check=True, capture_output=True, timeout=120)
        except (subprocess.SubprocessError, OSError) as e:
            return [], f"pdftoppm could not render {pdf.name}: {e}"
        pngs = sorted(Path(tmp).glob("page*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[-1]))
        return [f"data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}" for p in pngs], ""


def embedded_font(chars: set[str]) -> str:
    """A CJK face cut down to the page's own characters, as a data: URI (~100 KB for a
    document), so the page reads the same on a machine without Chinese fonts. Empty when
    the fonts are not fetched: the browser's own fonts are used then."""
    faces = [path for face, path in available_faces(font_dir()) if face.role == "黑" and face.weight == 400]
    wanted = "".join(sorted(c for c in chars if any(lo <= ord(c) <= hi for lo, hi in FONT_RANGES)))
    if not faces or not wanted:
        return ""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    opts.flavor = "woff2"
    opts.layout_features = []  # horizontal text in the face's own (SC) forms needs none
    try:
        with TTFont(faces[0], lazy=True) as font:
            sub = subset.Subsetter(opts)
            sub.populate(text=wanted)
            sub.subset(font)
            font.flavor = "woff2"
            buf = io.BytesIO()
            font.save(buf)
    except Exception as e:  # fontTools raises many kinds; a broken font file is a setup problem
        raise PipelineError(f"cannot subset {faces[0].name} for the review page: {e}") from e
    return f"data:font/woff2;base64,{base64.b64encode(buf.getvalue()).decode()}"


def page_context(build: BuildFolder) -> dict[str, Any]:
    have = build.stages
    diffs = [pair_diff(build, a, b) for a, b in zip(have, have[1:])]
    chrome: list[Removed] = [r for d in diffs for r in d.chrome]
    edits = build.edits
    for e in edits:  # a folder built before edit ids were written: the same ids, computed
        e.setdefault("id", edit_id(e))
    first = build.model(STAGE_NAMES[0]) if STAGE_NAMES[0] in have else None
    rows = edit_rows(edits, diffs, first.raw if first else build.view(STAGE_NAMES[0]))
    rule_counts = Counter(e.get("rule", "") for e in edits)
    images, pdf_note = pdf_images(build)
    warnings = sorted(build.warnings, key=lambda w: w.get("level") != "warning")
    pairs = [{"id": f"pair-{i}", "diff": d, "rows": [(u, *sides(u)) for u in d.units],
              "changes": sum(len(u.hunks) for u in d.units)} for i, d in enumerate(diffs)]
    busiest = max(pairs, key=lambda p: (sum(len(h.edits) for u in p["diff"].units for h in u.hunks), p["changes"]),
                  default=None)
    return {
        "name": build.name,
        "manifest": build.manifest,
        "meta": build.manifest.get("meta", {}),
        "warnings": warnings,
        "pairs": pairs,
        "selected": busiest["id"] if busiest else "",  # the pair with the most recorded edits
        "rows": rows,
        "stages": [s for s in STAGE_NAMES if any(e.get("stage") == s for e in edits)],
        "rules": sorted(rule_counts.items()),
        "chrome": chrome,
        "images": images,
        "pdf_note": pdf_note,
        "context": CONTEXT,
        "generator": f"scrape2doc {__version__}",
    }


def render_review(build: BuildFolder) -> str:
    """The page, rendered twice: the first pass tells which characters the font must hold."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = env.get_template("review.html.j2")
    context = page_context(build)
    draft = template.render(context, font="")
    ranges = ", ".join(f"U+{lo:04X}-{hi:04X}" for lo, hi in FONT_RANGES)
    return template.render(context, font=embedded_font(set(draft)), font_ranges=ranges)


def write_review(build: BuildFolder, target: Path) -> None:
    """Render the page, then write it atomically: a reader never sees half a page."""
    from pipeline.run.artifacts import write_file

    write_file(target, render_review(build).encode("utf-8"))
