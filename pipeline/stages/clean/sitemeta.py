"""The site's metadata, lifted from label:value lines in any layout, and the page's title.

A page shows its document's filename, ID, size, page count, format, date and uploader as
label:value pairs: one per line, bulleted, or several on one row. A line is a metadata line when
it is made ONLY of such pairs (and separators), so a body sentence that mentions a size or a date
is never taken. The first value a field gets wins; a later line that contradicts it is body text.
"""
from __future__ import annotations

import re

from pipeline.model import Meta
from pipeline.stages.clean.profiles import EXTENSION, Profile

META_SEPARATORS = re.compile(r"[\s|•·●▪◦,，;；/*\-–—]*")
MUST_AGREE = ("filename", "doc_id")  # a page shows one; dates and sizes may differ (posted vs uploaded)
SEPARATOR_RUN = re.compile(r"[\s|•·●▪◦,，;；/*\-–—]+")
DATE = re.compile(r"(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})")
KEYWORD_TOKEN = re.compile(r"[^\s。，、；：！？,.;:!?]{1,16}")
SPACES = re.compile(r"\s+")
LOOSE_MAX, LOOSE_CHARS = 3, 8  # loose words a metadata row may carry, and their length
SIZE = re.compile(r"([\d.]{1,12})([KMGkmg])[Bb]?")


def clean_title(title: str, strip: tuple[re.Pattern[str], ...]) -> str:
    """A title without the document extension and the site's junk around it (``_人人文库``,
    ``- 博客园``, ``文档格式``, a converter's pinyin), cut again until nothing more goes."""
    title = SPACES.sub(" ", title).strip()
    while True:
        before = title
        title = EXTENSION.sub("", title).strip()
        for rx in strip:
            title = rx.sub("", title).strip()
        if title == before:
            return title


def _value(name: str, value: str, strip: tuple[re.Pattern[str], ...]) -> str | int | None:
    """A lifted value in the model's form (ISO dates, int pages), or None if it is not one."""
    value = value.strip()
    if not value:
        return None
    if name == "pages":
        return int(value) if value.isdigit() else None
    if name == "date":
        m = DATE.search(value)
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None
    if name == "format":
        return value.upper()
    if name == "size":
        m = SIZE.fullmatch(value.replace(" ", ""))
        return f"{m[1]}{m[2].upper()}B" if m else value.replace(" ", "")
    if name == "title":
        return clean_title(value, strip) or None
    return value


class Lifter:
    """Fills Meta from the page: the first value a field gets wins, later equal values agree."""

    def __init__(self, meta: Meta, strip: tuple[re.Pattern[str], ...]):
        self.meta = meta
        self.strip = strip

    def agrees(self, name: str, value: str) -> bool:
        v = _value(name, value, self.strip)
        current = getattr(self.meta, name)
        return v is not None and (current in ("", None) or current == v)

    def lift(self, name: str, value: str | None) -> None:
        v = _value(name, value or "", self.strip)
        if v is None or getattr(self.meta, name) not in ("", None):
            return
        setattr(self.meta, name, v)
        if name == "filename" and not self.meta.title:
            self.meta.title = clean_title(str(v), self.strip)


def meta_line(profiles: list[Profile], key: str, lifter: Lifter, own: str = "") -> dict[str, str] | None:
    """The fields a line holds if it is made only of label:value pairs, else None. The site's
    own patterns come first; the generic ones know the labels of many sites. ``key`` is what the
    patterns see (Simplified); values are taken from ``own``, the same line in the page's script."""
    for p in profiles:
        values = _pairs(p, key, own or key, lifter)
        if values is not None:
            return values
    return None


def _pairs(p: Profile, key: str, own: str, lifter: Lifter) -> dict[str, str] | None:
    spans, values = [], {}
    for name, pats in p.meta.items():
        for rx in pats:
            for m in rx.finditer(key):
                if m.end() > m.start():
                    spans.append(m.span())
                    if name != "other" and name not in values:
                        values[name] = own[m.start(1):m.end(1)]
    if not spans:
        return None
    rest, last = [], 0
    for a, b in sorted(spans):
        rest.append(key[last:a] if a > last else "")
        last = max(last, b)
    rest.append(key[last:])
    loose = [t for part in rest for t in SEPARATOR_RUN.split(part) if t]
    if loose:
        # A row of fields may carry a few loose words (a channel, a button: 实习报告范文 我要投稿);
        # it still needs a field that is lifted and to be mostly fields.
        covered = sum(b - a for a, b in _merged(spans))
        if not values or len(loose) > LOOSE_MAX or any(len(t) > LOOSE_CHARS for t in loose) or covered < 0.5 * len(
                "".join(key.split())):
            return None
    if not all(lifter.agrees(n, v) for n, v in values.items() if n in MUST_AGREE):
        return None  # a second, different filename or ID is body text, not the site's label
    return values


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def keywords(key: str, title: str) -> list[str] | None:
    """The site's keyword line: the title's words, spaced, in order, covering most of it."""
    tokens = key.split(" ")
    if not title or len(tokens) < 2 or not all(KEYWORD_TOKEN.fullmatch(t) for t in tokens):
        return None
    pos = 0
    for t in tokens:
        pos = title.find(t, pos)
        if pos < 0:
            return None
        pos += len(t)
    covered = sum(len(t) for t in tokens)
    return tokens if covered >= 0.6 * len(title.replace(" ", "")) else None
