"""The DOCX a user would have downloaded: the structured Document set in the reference
document's styles (templates/docx/reference.docx, GB/T 9704 house style, or the user's own).

Paragraphs use Word's built-in style names (Title, Heading 1–3, Normal; Abstract for the
site's summary, as pandoc names it), so the navigation pane, a TOC and another reference
document all work. Each run also names its style's fonts, East Asian slot included, because
python-docx never writes ``w:eastAsia`` and some readers ignore style fonts.
"""
from __future__ import annotations

import copy
import functools
import io
import re
import threading
import zipfile
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from pipeline.model import Block, Document, Flag

from pipeline.errors import PipelineError
from pipeline.resources import TEMPLATES
from pipeline.render.ooxml import APP_XML, RPR_ORDER, put, reproducible_zip, set_fonts, style_fonts
from pipeline.options import Options
from pipeline.render import Written
from pipeline.render.presentation import heading_prefixes, properties, rendered_blocks, title_lines

REFERENCE = TEMPLATES / "docx" / "reference.docx"
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


def _element(tag: str) -> etree._Element:
    return OxmlElement(tag)


def _sub(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, qn(tag))


def _run_properties(out: docx.document.Document, fonts: dict[str, str], bold: bool) -> etree._Element:
    """The ``w:rPr`` every run in a style gets: its fonts named (East Asian slot included), bold."""
    rpr = _element("w:rPr")
    set_fonts(rpr, fonts)
    if bold:
        put(rpr, "w:b", RPR_ORDER)
        put(rpr, "w:bCs", RPR_ORDER)
    return rpr


def _put_text(r: etree._Element, text: str) -> None:
    """A run's text as python-docx writes it: ``\t`` is w:tab, ``\n`` w:br, the rest w:t
    (space-preserving when it starts or ends with a space)."""
    buf = ""

    def flush() -> None:
        nonlocal buf
        if buf:
            t = _sub(r, "w:t")
            t.text = buf
            if buf[0].isspace() or buf[-1].isspace():
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            buf = ""

    for piece in _BREAKS.split(text):
        if piece in ("\t", "\n", "\r"):
            flush()
            _sub(r, "w:tab" if piece == "\t" else "w:br")
        else:
            buf += piece
    flush()


_BREAKS = re.compile(r"([\t\n\r])")


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
    # Paragraphs are built with lxml from one template per style (python-docx's add_paragraph
    # searches all the body's children for each new one: quadratic), then inserted before the
    # section properties in one go.
    templates = {(n, bold): _run_properties(out, fonts[n], bold) for n in names for bold in (False, True)}
    paragraphs = []
    for b in blocks:
        name = style_name(b)
        p_el = _element("w:p")
        ppr = _sub(p_el, "w:pPr")
        _sub(ppr, "w:pStyle").set(qn("w:val"), style_ids[name])
        runs = b.runs
        if b.kind == "title":  # a long title in balanced lines, words whole (§7.3.1); "\n" is w:br
            runs = [("\n".join(title_lines(b.text)), False)]
        if b.id in prefixes:
            runs = [(prefixes[b.id] + runs[0][0], runs[0][1])] + runs[1:]
        for text, bold in runs:
            r = _sub(p_el, "w:r")
            r.append(copy.deepcopy(templates[name, bold]))
            try:
                _put_text(r, text)
            except ValueError as e:  # lxml: control characters are not XML
                raise PipelineError(f"block {b.id} cannot go into a DOCX: {e}") from e
        paragraphs.append(p_el)
    sect = body.find(qn("w:sectPr"))
    for p_el in paragraphs:
        if sect is not None:
            sect.addprevious(p_el)
        else:
            body.append(p_el)
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



def write(doc: Document, opts: Options) -> Written:
    """The DOCX, and its page count as LibreOffice lays it out (when asked and installed),
    measured in a thread while the other writers run."""
    data = render_docx(doc, opts)
    if not opts.page_count:
        return Written(data, {}, [])
    from pipeline.render.pagecount import docx_pages, soffice_version

    counted: list[int | BaseException] = []

    def count() -> None:
        try:
            counted.append(docx_pages(data))
        except BaseException as e:  # handed to the caller by later()
            counted.append(e)

    thread = threading.Thread(target=count, name="page-count", daemon=True)
    thread.start()

    def later() -> tuple[dict[str, int | str | None], list[Flag]]:
        thread.join()
        result = counted[0]
        if isinstance(result, PipelineError):  # LibreOffice failing to measure is no reason to fail the build
            return {"docx_libreoffice": None}, [Flag(stage="render", rule="render.page-count",
                                                     message=f"LibreOffice could not measure the DOCX: {result}")]
        if isinstance(result, BaseException):
            raise result
        return {"docx_libreoffice": result, "libreoffice": soffice_version()}, []

    return Written(data, {}, [], later)
