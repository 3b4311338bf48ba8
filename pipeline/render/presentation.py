"""What both renderers derive from the model the same way: heading numbers, file metadata,
the output name. Kept in one place so the DOCX and the PDF never disagree."""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

from pipeline.model import Block, Document
from pipeline.options import Options
from pipeline.text import NUMBERED

CN_NUMERALS = "一二三四五六七八九十"
# Markers a heading may already carry (一、 （一） 1. （1） 第一章 第一节): the renders then add none.
MAX_NAME_BYTES = 240
# Characters a file name never keeps: path separators and what Windows forbids become "_";
# controls, format characters (U+202E right-to-left override can disguise an extension, zero
# widths), line separators, surrogates, private use and unassigned code points are dropped.
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|]')
DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Device names Windows reserves whatever the extension (CON.docx opens the console).
RESERVED = re.compile(r"(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(?:COM|LPT)[0-9¹²³])(?:\..*)?", re.I)
# python-docx refuses core properties over 255 characters; PDF readers show a title on one line.
MAX_PROPERTY_CHARS = 255
TITLE_DP_CHARS = 400  # balanced title lines up to this length; a longer "title" is filled greedily
FALLBACK_DATE = datetime(1980, 1, 1, tzinfo=timezone.utc)  # zip's epoch: no clock input, ever
TITLE_CHARS = 20  # GB/T 9704 §7.3.1: a 22 pt title line holds at most 20 chars in 442 pt
OPENING = "《（(“‘〈【「『〔"
CLOSING_BRACKETS = "》）)”’〉】」』〕"
CLOSING = CLOSING_BRACKETS + "，。、；：？！…—·"  # never starts a title line


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 110 → 一百一十, 1001 → 一千零一, 10000 → 一万;
    past 99,999,999 the Arabic number (no document has that many headings)."""
    if not 0 < n < 10 ** 8:
        return str(n)
    if n >= 10000:
        high, low = divmod(n, 10000)
        return cn_number(high) + "万" + ("" if not low else ("零" if low < 1000 else "") + _below_10000(low, False))
    return _below_10000(n, True)


def _below_10000(n: int, leading: bool) -> str:
    """1..9999 in Chinese numerals; ``leading`` writes 十二 rather than 一十二."""
    if leading and 10 <= n < 20:
        return "十" + (CN_NUMERALS[n - 11] if n > 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += ("零" if zero and out else "") + CN_NUMERALS[digit - 1] + unit
            zero = False
        else:
            zero = True
    return out


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


def shorten(text: str, limit: int = MAX_PROPERTY_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: for file properties and names,
    never for the document's own text."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def properties(doc: Document) -> Properties:
    """File metadata, each text at most 255 characters (the full title stays in the body)."""
    m = doc.meta
    title = next((b.text for b in doc.body if b.kind == "title"), "") or m.title or doc.source
    try:
        created = datetime.strptime(m.date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        created = FALLBACK_DATE
    site = m.site_name or m.site
    description = " ".join(x for x in (site, f"ID {m.doc_id}" if m.doc_id else "") if x)
    keywords: list[str] = []
    for k in m.keywords:  # python-docx joins them with ", " into one 255-character property
        if len(", ".join([*keywords, k])) > MAX_PROPERTY_CHARS:
            break
        keywords.append(k)
    return Properties(
        title=shorten(title),
        subject=shorten(site),
        keywords=keywords,
        description=shorten(description),
        identifier=shorten(f"{m.site}:{m.doc_id}" if m.site and m.doc_id else ""),
        created=created,
    )


def safe_name(name: str, fallback: str = "document") -> str:
    """A file or folder name any file system and any viewer shows as what it is: no path
    separators or characters Windows forbids, no invisible or direction-changing characters,
    no leading or trailing dots or spaces (so never ``.`` or ``..``), no Windows device name,
    at most 240 bytes of UTF-8 (room for an extension). ``fallback`` when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c) not in DROPPED_CATEGORIES)
    name = " ".join(UNSAFE_NAME.sub("_", name).split()).strip(" .")
    if RESERVED.fullmatch(name):
        stem, dot, rest = name.partition(".")
        name = f"{stem}_{dot}{rest}"
    name = name.encode()[:MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip(" .")
    return name or fallback


def folder_name(stem: str) -> str:
    """The build folder of an input with this stem: the stem itself when it is a safe name,
    else its safe form plus a short hash of the original, so two inputs whose names differ
    only in unsafe characters (``a\u202e.txt``, ``a.txt``) never share a folder."""
    safe = safe_name(stem, "page")
    if safe == stem:
        return stem
    tag = hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe.encode()[:MAX_NAME_BYTES - 9].decode('utf-8', 'ignore').rstrip(' .')}~{tag}"


def output_stem(doc: Document, fallback: str) -> str:
    """Rendered files are named after the site's filename when the page names one, made a
    safe name (see ``safe_name``) with room for the extension."""
    return safe_name(doc.meta.title, "") or safe_name(fallback)


def title_lines(text: str, width: int = TITLE_CHARS) -> list[str]:
    """Split a long title into the fewest lines of at most ``width`` chars, as even as the
    word boundaries allow (§7.3.1: keep words whole, symmetric lines). CSS cannot do this.
    Linear in the title's length: a cut only looks back one line's width."""
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
    if any(b - a > width for a, b in zip(cuts, cuts[1:])):
        return [text[i:i + width] for i in range(0, len(text), width)]  # an unbreakable run
    if len(text) > TITLE_DP_CHARS:
        return _greedy_lines(text, cuts, width)
    lines = _greedy_count(cuts, width)  # the fewest lines; the DP below evens them out
    ideal = len(text) / lines
    n = len(cuts)
    inf = float("inf")
    # best[k][j]: least squared deviation splitting text[:cuts[j]] into k lines; back[k][j]: the cut before.
    best = [[inf] * n for _ in range(lines + 1)]
    back = [[0] * n for _ in range(lines + 1)]
    best[0][0] = 0.0
    for k in range(1, lines + 1):
        lo = 0
        for j in range(1, n):
            while cuts[j] - cuts[lo] > width:
                lo += 1
            for i in range(lo, j):
                if best[k - 1][i] < inf:
                    cost = best[k - 1][i] + (cuts[j] - cuts[i] - ideal) ** 2
                    if cost < best[k][j]:
                        best[k][j], back[k][j] = cost, i
    path, j = [n - 1], n - 1
    for k in range(lines, 0, -1):
        j = back[k][j]
        path.append(j)
    path.reverse()
    return [text[cuts[a]:cuts[b]] for a, b in zip(path, path[1:])]


def _greedy_count(cuts: list[int], width: int) -> int:
    return len(_greedy_cuts(cuts, width)) - 1


def _greedy_cuts(cuts: list[int], width: int) -> list[int]:
    """Fill each line as far as it goes: the fewest lines (every gap is at most ``width``)."""
    out, start = [0], 0
    for j in range(1, len(cuts)):
        if cuts[j] - cuts[start] > width:
            start = j - 1
            out.append(start)
    out.append(len(cuts) - 1)
    return out


def _greedy_lines(text: str, cuts: list[int], width: int) -> list[str]:
    path = _greedy_cuts(cuts, width)
    return [text[cuts[a]:cuts[b]] for a, b in zip(path, path[1:])]
