"""PLACEHOLDER (issue 3 replaces it)."""
from .model import Block, Document
from .options import Options


def clean(doc: Document, opts: Options) -> Document:
    lines = [ln.strip() for ln in doc.raw.split("\n") if ln.strip()]
    longest = max(lines, key=len)
    doc.blocks = [Block(id=f"b{i:04d}", text=t) for i, t in enumerate(longest.split(" "))]
    doc.meta.title = "2023年城乡党建推动科学发展调研报告"
    doc.meta.date = "2023-04-14"
    doc.stages.append("clean")
    return doc
