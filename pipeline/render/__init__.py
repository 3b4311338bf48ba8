"""The writers, pandoc's way: one table from output format to the module that writes it.

A writer module has ``write(doc, opts) -> Written``: the file, what it measured of its page
count for the manifest, warnings about it, and optionally ``later``: a measurement still
running (LibreOffice lays the DOCX out in its own process while the PDF is made here) that
the caller collects after every writer has run. Modules are imported on first use
(WeasyPrint alone takes half a second to import), so a DOCX-only build never loads the PDF
writer. A new format is one module and one line here.
"""
from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from pipeline.model import Flag

if TYPE_CHECKING:
    from pipeline.model import Document
    from pipeline.options import Options

class Written(NamedTuple):
    data: bytes
    pages: dict[str, Any]
    flags: list[Flag]
    later: Callable[[], tuple[dict[str, Any], list[Flag]]] | None = None


@dataclass(frozen=True)
class Writer:
    module: str  # where ``write`` lives
    pages_key: str  # the manifest's page count this writer measures
    label: str  # how a warning about that count names it

    def write(self, doc: Document, opts: Options) -> Written:
        run: Callable[[Document, Options], Written] = importlib.import_module(self.module).write
        return run(doc, opts)


WRITERS: dict[str, Writer] = {
    "docx": Writer("pipeline.render.docx", "docx_libreoffice", "DOCX (as LibreOffice lays it out)"),
    "pdf": Writer("pipeline.render.pdf", "pdf", "PDF"),
}
FORMATS = tuple(WRITERS)


def wants_office(opts: Options) -> bool:
    """Whether the build counts DOCX pages with LibreOffice (then each process starts its
    LibreOffice before its first document, so the start-up overlaps the stages)."""
    return opts.page_count and "docx" in opts.formats


def prepare(opts: Options) -> None:
    """Start what the first document's renders wait for, in the background: the process's
    LibreOffice for the page count, and WeasyPrint's import (0.3 s) in a thread. Light to
    import, so the command line calls it before loading the rest of the pipeline."""
    if wants_office(opts):
        from pipeline.render.pagecount import start_office

        start_office()
    if "pdf" in opts.formats and "weasyprint" not in sys.modules:
        threading.Thread(target=_import_weasyprint, name="import-weasyprint", daemon=True).start()


def _import_weasyprint() -> None:
    from pipeline.render.pdf import load_weasyprint

    try:
        load_weasyprint()
    except Exception:  # the render reports it, with its reason
        pass
