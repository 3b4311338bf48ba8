"""The structured document as Markdown (the build folder's 04-structure.md): readable,
diffable, and close to what renders."""
from __future__ import annotations

import re

from pipeline.model import Document

MARKDOWN_START = re.compile(r"^(\d+)([.)])(?=\s|$)|^(>|[#+*-](?=\s|$))")


def _md_escape(text: str) -> str:
    """Keep a paragraph that starts like a list item or heading (``1.``, ``#``) a paragraph."""
    return MARKDOWN_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text, count=1)


def markdown_view(doc: Document) -> str:
    """The structured document as Markdown: readable, diffable, and close to what renders.
    Run-in heads are ``<strong>``: CommonMark does not close ``**`` between 。 and a Han
    character, so ``**…。**正文`` would show its asterisks on most viewers."""
    out: list[str] = []
    for b in doc.body:
        if b.kind == "title":
            out.append(f"# {b.text}")
        elif b.kind == "summary":
            out.append(f"> {b.text}")
        elif b.kind == "heading":
            out.append(f"{'#' * (b.level + 1)} {b.text}")
        elif b.lead:
            out.append(f"<strong>{b.lead}</strong>{b.text[len(b.lead):]}")
        else:
            out.append(_md_escape(b.text))
    return "".join(line + "\n\n" for line in out)
