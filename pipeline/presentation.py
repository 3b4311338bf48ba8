"""What both renderers derive from the model the same way: heading numbers, file metadata,
the output name. Kept in one place so the DOCX and the PDF never disagree."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from .model import Block, Document
from .options import Options

CN_NUMERALS = "一二三四五六七八九十"
# Markers a heading may already carry (一、 （一） 1. （1） 第一章 第一节): the renders then add none.
NUMBERED = re.compile(r"^(第[一二三四五六七八九十百零〇\d]+[章节部分篇条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])")
FALLBACK_DATE = datetime(1980, 1, 1, tzinfo=timezone.utc)  # zip's epoch: no clock input, ever


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (headings rarely pass 99)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def heading_prefixes(doc: Document, opts: Options) -> dict[str, str]:
    """Block id → the number a renderer puts before a heading: 一、 for level 1, （一） for
    level 2, restarting under each level-1 heading. A level the source numbers itself (or
    numbering switched off) gets none; the model's text is never changed."""
    if not opts.number_headings:
        return {}
    heads = [b for b in doc.body if b.kind == "heading" and b.level in (1, 2)]
    numbered = {b.level for b in heads if NUMBERED.match(b.text)}
    out: dict[str, str] = {}
    counts = [0, 0]
    for b in heads:
        if b.level == 1:
            counts = [counts[0] + 1, 0]
            if 1 not in numbered:
                out[b.id] = f"{cn_number(counts[0])}、"
        else:
            counts[1] += 1
            if 2 not in numbered:
                out[b.id] = f"（{cn_number(counts[1])}）"
    return out


def rendered_blocks(doc: Document, opts: Options) -> list[Block]:
    """The body blocks a renderer sets, in order (the summary only when it is kept)."""
    return [b for b in doc.body if opts.keep_summary or b.kind != "summary"]


@dataclass(frozen=True)
class Properties:
    title: str
    subject: str
    keywords: list[str]
    description: str
    identifier: str
    created: datetime  # from the site's date, so two builds are identical


def properties(doc: Document) -> Properties:
    m = doc.meta
    titles = [b.text for b in doc.body if b.kind == "title"]
    title = titles[0] if titles else (m.title or doc.source)
    try:
        created = datetime.strptime(m.date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        created = FALLBACK_DATE
    site = m.site_name or m.site
    description = " ".join(x for x in (site, f"ID {m.doc_id}" if m.doc_id else "") if x)
    return Properties(
        title=title,
        subject=site,
        keywords=list(m.keywords),
        description=description,
        identifier=f"{m.site}:{m.doc_id}" if m.site and m.doc_id else "",
        created=created,
    )


def output_stem(doc: Document, fallback: str) -> str:
    """Rendered files are named after the site's filename when the page names one."""
    name = doc.meta.title or fallback
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(" .")
    return name[:120] or fallback
