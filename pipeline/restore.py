"""PLACEHOLDER (issue 4 replaces it)."""
from .model import Document
from .options import Options


def restore(doc: Document, opts: Options) -> Document:
    doc.stages.append("restore")
    return doc
