"""The DOCX a user would have downloaded: the structured Document set in the reference
document's styles (templates/docx/reference.docx, GB/T 9704 house style, or the user's own).

Paragraphs use Word's built-in style names (Title, Heading 1–3, Normal; Abstract for the
site's summary, as pandoc names it), so the navigation pane, a TOC and another reference
document all work. Each run also names its style's fonts, East Asian slot included, because
python-docx never writes ``w:eastAsia`` and some readers ignore style fonts.
"""
from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from .model import Block, Document, PipelineError
from .ooxml import APP_XML, RPR_ORDER, put, reproducible_zip, set_fonts, style_fonts
from .options import Options
from .presentation import heading_prefixes, properties, rendered_blocks, title_lines

REFERENCE = Path(__file__).parent.parent / "templates" / "docx" / "reference.docx"
DEEPEST_HEADING = 3  # GB §7.3.3: level 4 （1） is set as body text, run-in


def style_name(b: Block) -> str:
    if b.kind == "title":
        return "Title"
    if b.kind == "summary":
        return "Abstract"
    if b.kind == "heading":
        return f"Heading {min(max(b.level, 1), DEEPEST_HEADING)}"
    return "Normal"


@functools.lru_cache(maxsize=4)
def _reference_bytes(path: Path, mtime_ns: int) -> bytes:  # read once per process, not per document
    return path.read_bytes()


def load_reference(opts: Options) -> docx.document.Document:
    path = Path(opts.reference_docx) if opts.reference_docx else REFERENCE
    try:
        return docx.Document(io.BytesIO(_reference_bytes(path, path.stat().st_mtime_ns)))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:  # not a zip / not a DOCX
        raise PipelineError(f"reference DOCX {path}: {e}") from e


def render_docx(doc: Document, opts: Options) -> bytes:
    blocks = rendered_blocks(doc, opts)
    if not blocks:
        raise PipelineError("nothing to render: the document has no body text")
    out = load_reference(opts)
    names = {style_name(b) for b in blocks}
    missing = sorted(n for n in names if n not in out.styles)
    if missing:
        raise PipelineError(f"reference DOCX lacks the style(s) {', '.join(missing)}")
    body = out.element.body
    for child in list(body):  # the reference's sample content, if any; keep its page setup
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    fonts = {n: style_fonts(out.styles[n]) for n in names}
    style_ids = {n: out.styles[n].style_id for n in names}
    prefixes = heading_prefixes(doc, opts)
    # Each paragraph goes in just before the section properties, found once: python-docx's
    # add_paragraph looks for them among all the body's children every time (quadratic).
    sect = body.find(qn("w:sectPr"))
    for b in blocks:
        name = style_name(b)
        p_el = OxmlElement("w:p")
        if sect is not None:
            sect.addprevious(p_el)
        else:
            body.append(p_el)
        par = Paragraph(p_el, out._body)
        p_el.get_or_add_pPr().style = style_ids[name]
        runs = b.runs
        if b.kind == "title":  # a long title in balanced lines, words whole (§7.3.1); "\n" is w:br
            runs = [("\n".join(title_lines(b.text)), False)]
        if b.id in prefixes:
            runs = [(prefixes[b.id] + runs[0][0], runs[0][1])] + runs[1:]
        for text, bold in runs:
            try:
                run = par.add_run(text)
            except ValueError as e:  # lxml: control characters are not XML
                raise PipelineError(f"block {b.id} cannot go into a DOCX: {e}") from e
            rpr = run._r.get_or_add_rPr()
            set_fonts(rpr, fonts[name])
            if bold:
                put(rpr, "w:b", RPR_ORDER)
                put(rpr, "w:bCs", RPR_ORDER)
    p = properties(doc)
    cp = out.core_properties
    cp.title, cp.subject, cp.comments = p.title, p.subject, p.description
    cp.keywords = ", ".join(p.keywords)
    cp.identifier, cp.language = p.identifier, "zh-CN"
    cp.author = cp.last_modified_by = cp.category = ""  # unknown: never python-docx's "python-docx"
    cp.created = cp.modified = p.created
    cp.revision = 1
    buf = io.BytesIO()
    out.save(buf)
    return reproducible_zip(buf.getvalue(), p.created, {"docProps/app.xml": APP_XML})
