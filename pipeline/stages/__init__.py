"""The pipeline's stages, in order: the one registry every driver, view and diff reads.

Ingest turns bytes into a Document; each later stage is a pure function ``(Document, Options)
-> Document`` that returns a new Document and never changes its input, so the document after
each stage can be kept as it was (the build folder's ``NN-stage`` views and models). A new
stage is one subpackage and one line here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.model import Document
from pipeline.options import Options
from pipeline.stages.clean import clean
from pipeline.stages.restore import restore
from pipeline.stages.structure import structure


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
STAGE_NAMES = [s.name for s in STAGES]
