"""What both renderers derive from the model the same way: heading numbers, file metadata,
the output name. Kept in one place so the DOCX and the PDF never disagree."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from .model import Block, Document
from .options import Options

CN_NUMERALS = "一二三四五六七八九十"
# Markers a heading may already carry (一、 （一） 1. （1） 第一章 第一节): the renders then add none.
NUMBERED = re.compile(r"^(第[一二三四五六七八九十百零〇\d]+[章节部分篇条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])")
MAX_NAME_BYTES = 240
FALLBACK_DATE = datetime(1980, 1, 1, tzinfo=timezone.utc)  # zip's epoch: no clock input, ever
TITLE_CHARS = 20  # GB/T 9704 §7.3.1: a 22 pt title line holds at most 20 chars in 442 pt
OPENING = "《（(“‘〈【「『〔"
CLOSING_BRACKETS = "》）)”’〉】」』〕"
CLOSING = CLOSING_BRACKETS + "，。、；：？！…—·"  # never starts a title line


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
    """Rendered files are named after the site's filename when the page names one, cut to
    fit a file name (255 bytes) with room for the extension."""
    name = doc.meta.title or fallback
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(" .")
    while len(name.encode()) > MAX_NAME_BYTES:
        name = name[:-1]
    return name or fallback


def title_lines(text: str, width: int = TITLE_CHARS) -> list[str]:
    """Split a long title into the fewest lines of at most ``width`` chars, as even as the
    word boundaries allow (§7.3.1: keep words whole, symmetric lines). CSS cannot do this."""
    if len(text) <= width:
        return [text]
    import jieba

    logging.getLogger("jieba").setLevel(logging.INFO)  # its dictionary load chatter is DEBUG
    offsets, pos = [0], 0
    for word in jieba.lcut(text, HMM=False):
        pos += len(word)
        offsets.append(pos)
    depth, inside = 0, set()
    for i, ch in enumerate(text):
        depth += (ch in OPENING) - (ch in CLOSING_BRACKETS)
        if depth > 0:
            inside.add(i + 1)
    cuts = [0] + [o for o in offsets[1:-1] if o not in inside and text[o] not in CLOSING
                  and text[o - 1] not in OPENING] + [len(text)]
    lines = -(-len(text) // width)
    while lines <= len(cuts) - 1:
        ideal = len(text) / lines
        # best[k][j]: least squared deviation splitting text[:cuts[j]] into k lines.
        best = [{0: (0.0, [0])}] + [{} for _ in range(lines)]
        for k in range(1, lines + 1):
            for j in range(1, len(cuts)):
                options = [(cost + (cuts[j] - cuts[i] - ideal) ** 2, path + [j])
                           for i, (cost, path) in best[k - 1].items()
                           if i < j and cuts[j] - cuts[i] <= width]
                if options:
                    best[k][j] = min(options)
        if len(cuts) - 1 in best[lines]:
            path = best[lines][len(cuts) - 1][1]
            return [text[cuts[a]:cuts[b]] for a, b in zip(path, path[1:])]
        lines += 1
    return [text[i:i + width] for i in range(0, len(text), width)]  # one unbreakable run
