"""scrape2doc: rebuild the original document from a scraped Chinese document-sharing page.

The pipeline, readable in one place: ingest turns bytes into a Document, each later stage is a
pure function ``(Document, Options) -> Document`` that returns a new Document and never changes
its input (so the document after each stage can be kept as it was), and the renderers turn the
final Document into files. ``pipeline.build`` does the I/O around them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .clean import clean
from .model import Document
from .options import Options
from .restore import restore
from .structure import structure

__version__ = "0.1.0"


@dataclass(frozen=True)
class Stage:
    number: int
    name: str
    view: str  # the reviewable artifact's extension: txt or md
    run: Callable[[Document, Options], Document] | None  # None: ingest, which starts from bytes

    @property
    def stem(self) -> str:
        return f"{self.number:02d}-{self.name}"


STAGES: tuple[Stage, ...] = (
    Stage(1, "ingest", "txt", None),
    Stage(2, "clean", "txt", clean),
    Stage(3, "restore", "txt", restore),
    Stage(4, "structure", "md", structure),
)
