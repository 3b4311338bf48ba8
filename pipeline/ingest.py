"""PLACEHOLDER (issue 3 replaces it)."""
from .model import Document, PipelineError


def ingest(data: bytes, source: str) -> Document:
    if not data.strip():
        raise PipelineError("empty file")
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    return Document(source=source, raw=text, stages=["ingest"])
