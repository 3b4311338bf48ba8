"""The one document model that every stage reads and writes.

Like pandoc's AST, it sits between the readers (ingest, clean) and the writers (DOCX, PDF):
stages are functions ``Document -> Document`` and never touch files. The model round-trips
through canonical JSON so any stage can be rerun alone from the previous stage's artifact,
and it has a one-block-per-line text view so ``make diff`` can follow a block across stages.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline.errors import PipelineError

SCHEMA = "scrape2doc/1"


def canonical_json(obj: Any) -> str:
    """Canonical JSON for models and artifacts: sorted keys, real characters, trailing newline."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n"

BlockKind = Literal["text", "title", "summary", "heading", "paragraph"]
Layer = Literal["body", "chrome"]


@dataclass
class Meta:
    """What the site says about the document (lifted by clean, never invented)."""

    site: str = ""  # profile id, e.g. "huiwen"; "generic" for unknown sites
    site_name: str = ""  # e.g. "汇文网"
    filename: str = ""  # the site's filename with extension, e.g. "2023年….docx"
    title: str = ""  # filename without extension, or the page title
    doc_id: str = ""
    size: str = ""  # as the site writes it, e.g. "16.24KB"
    pages: int | None = None
    format: str = ""  # DOCX, DOC, PDF, PPT…
    date: str = ""  # ISO YYYY-MM-DD upload date
    uploader: str = ""
    keywords: list[str] = field(default_factory=list)
    script: str = ""  # "simplified" or "traditional": what the page is written in


@dataclass
class Block:
    """A unit of text. Ids are stable across stages so diffs can follow a block.

    ``layer="chrome"`` marks site furniture: kept in the model (with the rule that matched it)
    for review, left out of text views and renders. ``lead`` is a bold run-in head: a prefix
    of ``text`` that renderers set in bold.
    """

    id: str
    text: str
    kind: BlockKind = "text"
    layer: Layer = "body"
    level: int = 0  # heading level, 1-based
    lead: str = ""
    rule: str = ""  # the rule that made this block chrome, or that classified it
    span: tuple[int, int] | None = None  # offsets into the ingested text

    @property
    def runs(self) -> list[tuple[str, bool]]:
        """(text, bold) runs: the bold lead, then the rest."""
        if self.lead and self.text.startswith(self.lead):
            rest = self.text[len(self.lead):]
            return [(self.lead, True)] + ([(rest, False)] if rest else [])
        return [(self.text, False)]


@dataclass
class Edit:
    """One change a stage made, with the rule that made it. Offsets are into the block's text
    as it was before this edit (for clean, into the ingested text)."""

    stage: str
    rule: str
    block: str
    start: int
    end: int
    before: str
    after: str
    note: str = ""


@dataclass
class Flag:
    """Something a stage noticed but must not change: shown to the reviewer as a warning."""

    stage: str
    rule: str
    message: str
    block: str = ""
    start: int = 0
    end: int = 0
    text: str = ""
    level: Literal["warning", "info"] = "warning"


@dataclass
class Document:
    source: str  # the input path as given
    raw: str = ""  # the ingested, normalised text
    meta: Meta = field(default_factory=Meta)
    blocks: list[Block] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)  # per-stage facts for the manifest
    stages: list[str] = field(default_factory=list)  # stages applied so far, in order

    @property
    def body(self) -> list[Block]:
        return [b for b in self.blocks if b.layer == "body"]

    @property
    def chrome(self) -> list[Block]:
        return [b for b in self.blocks if b.layer == "chrome"]

    def block(self, block_id: str) -> Block:
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise KeyError(block_id)

    def body_text(self) -> str:
        """The document's words, without whitespace: what no stage after clean may lose."""
        return "".join("".join(b.text.split()) for b in self.body)

    # --- views ------------------------------------------------------------------------
    def text_view(self) -> str:
        """One body block per line: line diffs find the block, char diffs show the change."""
        if not self.blocks:
            return self.raw if self.raw.endswith("\n") or not self.raw else self.raw + "\n"
        return "".join(b.text + "\n" for b in self.body)

    # --- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The model as plain data (what ``dataclasses.asdict`` gives, without its deep copy of
        every field: a 200,000-block document is serialised in linear time, once per stage)."""
        return {
            "source": self.source,
            "raw": self.raw,
            "meta": dataclasses.asdict(self.meta),
            "blocks": [{**vars(b), "span": tuple(b.span) if b.span is not None else None} for b in self.blocks],
            "edits": [dict(vars(e)) for e in self.edits],
            "flags": [dict(vars(f)) for f in self.flags],
            "info": self.info,
            "stages": list(self.stages),
            "schema": SCHEMA,
        }

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, fixed indent, real characters, trailing newline."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        if not isinstance(d, dict) or d.get("schema") != SCHEMA:
            raise PipelineError(f"not a {SCHEMA} document")
        try:
            return cls(
                source=d["source"],
                raw=d.get("raw", ""),
                meta=Meta(**d.get("meta", {})),
                blocks=[Block(**{**b, "span": tuple(b["span"]) if b.get("span") else None})
                        for b in d.get("blocks", [])],
                edits=[Edit(**e) for e in d.get("edits", [])],
                flags=[Flag(**f) for f in d.get("flags", [])],
                info=d.get("info", {}),
                stages=list(d.get("stages", [])),
            )
        except (KeyError, TypeError) as e:  # a missing or unknown field: a file from elsewhere
            raise PipelineError(f"not a valid {SCHEMA} document: {e}") from e

    @classmethod
    def from_json(cls, text: str) -> Document:
        try:
            return cls.from_dict(json.loads(text))
        except ValueError as e:
            raise PipelineError(f"not JSON: {e}") from e
