"""The pipeline's stages, in order: the one registry every driver, view and diff reads.

Ingest turns bytes into a Document; each later stage is a pure function ``(Document, Options)
-> Document`` that returns a new Document and never changes its input, so the document after
each stage can be kept as it was (the build folder's ``NN-stage`` views and models). A new
stage is one subpackage and one line here.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.model import Document
    from pipeline.options import Options


@dataclass(frozen=True)
class Stage:
    number: int
    name: str  # also its subpackage and function: pipeline.stages.<name>.<name>
    view: str  # the reviewable artifact's extension: txt or md

    @property
    def stem(self) -> str:
        return f"{self.number:02d}-{self.name}"

    def run(self, doc: Document, opts: Options) -> Document:
        """The stage's function, imported on first use like the writers, so what only names
        the stages (the command line's parser, diff) does not load them. Ingest starts from
        bytes: it is called as ``ingest(data, source)``, never through here."""
        fn = getattr(importlib.import_module(f"{__name__}.{self.name}"), self.name)
        return fn(doc, opts)


STAGES: tuple[Stage, ...] = (
    Stage(1, "ingest", "txt"),
    Stage(2, "clean", "txt"),
    Stage(3, "restore", "txt"),
    Stage(4, "structure", "md"),
)
STAGE_NAMES = [s.name for s in STAGES]
