"""Typeset PDF: the Document through templates/report.html.j2 and report.css, laid out by
WeasyPrint in the GB/T 9704 house style (design note typesetting.md §0, §4).

All presentation lives in templates/; this module picks the blocks, numbers and metadata
(shared with the DOCX through pipeline.render.presentation), and keeps the expensive parts — the
font configuration with its registered CJK faces, the compiled CSS and template — in one
module-level press per process, so fifty documents cost one font load and stay flat in memory.
"""
from __future__ import annotations

import atexit
import ctypes.util
import functools
import gc
import importlib
import itertools
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup, escape

from pipeline import __version__
from pipeline.render import justify as cjk_justify
from pipeline.render import fonts
from pipeline.resources import TEMPLATES
from pipeline.model import Document
from pipeline.errors import PipelineError
from pipeline.options import PDF_VARIANTS, Options
from pipeline.render.presentation import FALLBACK_DATE, heading_prefixes, properties, rendered_blocks, title_lines
from pipeline.text import WIDE_RANGES

if TYPE_CHECKING:  # WeasyPrint is imported on first render: its import alone takes 0.6 s
    from pipeline.render import Written
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

CJK = WIDE_RANGES
LINE_BREAK = re.compile(r"(?<!\s)[^\S\n]*+\n\s*+")  # from a whitespace run's start: linear


@dataclass(frozen=True)
class _Press:
    """What every render in a process shares."""

    template: jinja2.Template
    stylesheets: list[CSS]  # compiled against font_config, which holds the registered faces
    font_config: FontConfiguration


def oneline(text: str) -> str:
    """Join a text's lines: nothing between hanzi (a newline would print as a space, F9),
    one space between Latin words."""

    def join(m: re.Match[str]) -> str:
        s, e = m.start(), m.end()
        around = text[s - 1:s] + text[e:e + 1]
        return "" if re.search(f"[{CJK}]", around) or s == 0 or e == len(text) else " "

    return LINE_BREAK.sub(join, text)


def marked(text: str, covered: frozenset[str] | None) -> Markup:
    """Escaped one-line text with runs the body face lacks in ``<span class="rare">``: those
    glyphs come from a fallback face with taller metrics, which would push their line off
    the 28.95 pt grid unless the run gets its own small line-height (report.css)."""
    text = oneline(text)
    if covered is None:
        return escape(text)
    out = Markup()
    for rare, run in itertools.groupby(text, key=lambda c: c not in covered and not c.isspace()):
        chunk = escape("".join(run))
        out += Markup('<span class="rare">%s</span>') % chunk if rare else chunk
    return out


_import_lock = threading.Lock()


def load_weasyprint() -> None:
    """Import WeasyPrint 0.15 s sooner. It tries each library under every platform's name,
    Windows' and macOS' first, and for each name that does not load, cffi asks
    ``ctypes.util.find_library``, which runs ldconfig, gcc and ld (54 subprocesses). Answering
    None at once lets the Linux names load straight through the dynamic loader, as they do
    after those lookups; when that fails the import is retried the ordinary way."""
    if "weasyprint" in sys.modules:
        return
    with _import_lock:
        lookup = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None
        try:
            importlib.import_module("weasyprint")
        except OSError:
            ctypes.util.find_library = lookup
            importlib.import_module("weasyprint")  # the ordinary way, which reports what is missing
        finally:
            ctypes.util.find_library = lookup


@functools.lru_cache(maxsize=2)
def _press(directory: Path) -> _Press:
    """Load the fonts and compile the CSS and template once per fonts directory."""
    load_weasyprint()
    from weasyprint import CSS

    fonts.startup_check(directory)
    cjk_justify.install()  # CJK lines flush with both margins (WeasyPrint stretches only spaces)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    body = next((path for face, path in fonts.available_faces(directory) if face.role == "仿宋"), None)
    env.filters["oneline"] = oneline
    env.filters["marked"] = functools.partial(marked, covered=fonts.coverage(body) if body else None)
    env.filters["title_lines"] = title_lines
    font_config = _font_configuration(fonts.available_faces(directory))
    with fonts.every_face_loads_and_draws():
        stylesheets = [CSS(filename=str(TEMPLATES / "report.css"), font_config=font_config)]
    return _Press(env.get_template("report.html.j2"), stylesheets, font_config)


def _font_configuration(faces: list[tuple[fonts.Face, Path]]) -> FontConfiguration:
    """WeasyPrint's font configuration with our face files added to its fontconfig where they
    lie. An ``@font-face`` rule would do the same after copying the file into a temporary
    folder: 100 MB read and written again by every process, 0.1 s. The CSS names the
    families by the fonts' own names, so fontconfig finds them as it finds any font."""
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    for _, path in faces:
        if not fontconfig.FcConfigAppFontAddFile(config._config, os.fsencode(path)):
            raise PipelineError(f"PDF fonts: {path} cannot be loaded")
    pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", config.font_map))
    return config


# Drop the fonts while WeasyPrint is still importable: its FontConfiguration cleans up in __del__.
atexit.register(_press.cache_clear)


def render_html(doc: Document, opts: Options) -> str:
    """The HTML WeasyPrint lays out (also handy for looking at the markup)."""
    props = properties(doc)
    return _press(fonts.font_dir()).template.render(
        blocks=rendered_blocks(doc, opts),
        prefixes=heading_prefixes(doc, opts),
        props=props,
        created="" if props.created == FALLBACK_DATE else props.created.date().isoformat(),
        version=__version__,
    )


def render_pdf(doc: Document, opts: Options) -> bytes:
    """The typeset PDF's bytes: the same input gives the same bytes (dates come from the site
    metadata, font subset tags are content hashes)."""
    return _typeset(doc, opts)[0]


def _typeset(doc: Document, opts: Options) -> tuple[bytes, int]:
    """The PDF and its number of pages, as WeasyPrint laid it out (no PDF parser needed)."""
    if opts.pdf_variant is not None and opts.pdf_variant not in PDF_VARIANTS:
        raise PipelineError(f"unknown PDF variant {opts.pdf_variant!r} (use one of {', '.join(PDF_VARIANTS)})")
    load_weasyprint()
    from weasyprint import DEFAULT_OPTIONS, HTML

    press = _press(fonts.font_dir())
    html = render_html(doc, opts)
    options = {**DEFAULT_OPTIONS, "stylesheets": press.stylesheets, "pdf_variant": opts.pdf_variant,
               "pdf_tags": True}  # headings, paragraphs, reading order for screen readers: ~2% of the render
    with fonts.every_face_loads_and_draws(f" (fonts from {fonts.font_dir()}: run `make fonts`)"):
        laid_out = HTML(string=html, base_url=str(TEMPLATES)).render(font_config=press.font_config, **options)
        pdf = laid_out.write_pdf(**options)
        pages = len(laid_out.pages)
        del laid_out
        gc.collect()  # WeasyPrint's layout leaves reference cycles: without this RSS climbs per document
    return pdf, pages


def write(doc: Document, opts: Options) -> Written:
    """The PDF, its page count, and a warning for each character no face could print."""
    from pipeline.render import Written

    printed, missing = fonts.printable(doc)
    data, pages = _typeset(printed, opts)
    return Written(data, {"pdf": pages}, missing)
