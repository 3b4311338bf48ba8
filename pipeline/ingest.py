"""Ingest: the bytes a user saved → a Document whose ``raw`` is clean, normalised text.

The encoding is detected (charset-normalizer), never guessed by trying codecs until one does not
fail: GBK bytes decode "successfully" as Big5 into nonsense. Odd spaces are normalised here, once,
so every later rule can match a plain space; what was normalised is counted in
``doc.info["ingest"]`` because a reviewer should know the input was touched.
"""
from __future__ import annotations

import re

import charset_normalizer

from .html_text import looks_like_html, visible_text
from .model import Document, PipelineError

# File signatures users save by mistake instead of the page: a clearer reason than "binary".
MAGIC = {
    b"%PDF": "PDF",
    b"PK\x03\x04": "ZIP or DOCX",
    b"\xd0\xcf\x11\xe0": "DOC/XLS (OLE)",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
}
# The encodings Chinese pages are saved in. Detection chooses among these only: short Chinese
# text is otherwise read as Japanese or Korean code pages, which fit its bytes just as well.
ENCODINGS = ["utf_8", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be", "gb18030", "big5"]
WIDE = ("utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

# What normalise() replaces, each counted under its name in info["ingest"].
NORMALISE: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("crlf", re.compile(r"\r\n"), "\n"),
    ("cr", re.compile(r"\r"), "\n"),
    ("zero_width", re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]"), ""),
    ("nbsp", re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f]"), " "),
    ("ideographic_space_runs", re.compile(r"\u3000+"), " "),
)


def decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, had_bom). UTF-16/32 without a BOM is only believed when the bytes hold
    NULs: short Big5 text is otherwise mistaken for UTF-16BE."""
    for m in MAGIC:
        if data.startswith(m):
            raise PipelineError(f"binary file ({MAGIC[m]}), not a saved page")
    has_nul = b"\x00" in data
    for match in charset_normalizer.from_bytes(data, cp_isolation=ENCODINGS):
        wide = match.encoding in WIDE
        if has_nul and not wide:
            continue
        if wide and not match.bom and not has_nul:
            continue
        text = str(match)
        if len(CONTROL.findall(text)) > max(2, len(text) // 100):
            continue
        return text, match.encoding, bool(match.bom)
    raise PipelineError("binary or undecodable file: no text encoding fits its bytes")


def normalise(text: str) -> tuple[str, dict[str, int]]:
    counts: dict[str, int] = {}
    for name, rx, repl in NORMALISE:
        text, n = rx.subn(repl, text)
        counts[name] = n
    return text, counts


def ingest(data: bytes, source: str) -> Document:
    if not data.strip():
        raise PipelineError("empty file")
    text, encoding, bom = decode(data)
    html = looks_like_html(text)
    if html:
        text = visible_text(text)
    text, counts = normalise(text)
    if not text.strip():
        raise PipelineError("empty file: no visible text" if html else "empty file")
    doc = Document(source=source, raw=text, stages=["ingest"])
    doc.info["ingest"] = {
        "encoding": encoding,
        "bom": bom,
        "html": html,
        "bytes": len(data),
        "chars": len(text),
        "normalised": counts,
    }
    return doc
