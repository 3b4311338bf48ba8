"""Where a paragraph starts and ends in scraped text: facts about Chinese typesetting, not sites.

Two damages to undo: a site that joined every paragraph with one space (汇文网), and a site that
hard-wrapped lines mid-sentence. The site profile decides which applies; these functions only
say where. Precision first: a space between Latin words or digits ("iPhone 12") is never a break;
a line is wrapped only if it is as wide as the page's column (a heading, a reference or a table
row has its own width), and a list item, reference or table row is never joined to anything.
"""
from __future__ import annotations

import re
import unicodedata
from pipeline.text import ARABIC_PAREN, CHAPTER, CJK_PUNCT, CN, CN_PAREN, HAN_RANGES

CJK = HAN_RANGES
OPENERS = r"“‘《〈（【「『〔(\[［"
# A space that separates two paragraphs: CJK text (or CJK text plus ASCII punctuation left by NFKC,
# as in "详见: 党的") before it, CJK text, an opening bracket or a list number ("1、") after it.
SPACE_BREAK = re.compile(
    rf"(?:(?<=[{CJK}{CJK_PUNCT}])|(?<=[{CJK}{CJK_PUNCT}][:;,.!?)\]]))"
    r" "
    rf"(?=[{CJK}{OPENERS}]|\d{{1,2}}(?:\.\d{{1,2}})+(?=[{CJK}])|\d{{1,2}}[、.．](?=[{CJK}])|\d(?=[{CJK}]{{2,8}} ))"
)
# A line ending in one of these ends a sentence or a clause a new line may follow.
SENTENCE_END = re.compile(r"[。！？!?；;：:…」』”\"’）)】》]$")
# A line starting like a list item or heading starts a new paragraph, whatever the line before.
ITEM_START = re.compile(
    rf"^(?:{CHAPTER}|[{CN}]+[、.．]|{CN_PAREN}|{ARABIC_PAREN}"
    rf"|\d{{1,2}}(?:\.\d+)*(?:[、．\s]|\.(?!\d))|[①-⑳⑴-⒇]|[•●▪◦]"
    rf"|[\[［【〔]\d{{1,3}}[\]］】〕]|【[^】]{{1,10}}】)"  # references [1] ［1］ 【1】, labels 【量化】
)
# A space between CJK text (or CJK and digits) twice in a line: cells of a table row, not prose.
CELL_GAP = re.compile(rf"(?<=[{CJK}]) +(?=[{CJK}\d])|(?<=[{CJK}\d]) +(?=[{CJK}])")


MIN_WRAP_WIDTH = 40  # columns: no page wraps Chinese text narrower than 20 characters
WRAP_TOLERANCE = 2  # columns: a wrapped line is the column width, less a half-width character or so


def space_breaks(text: str) -> list[int]:
    """Offsets of the spaces in ``text`` that separate paragraphs."""
    return [m.start() for m in SPACE_BREAK.finditer(text)]


HAN_CHAR = re.compile(f"[{CJK}]")
CLAUSE = re.compile(r"[，,。；;]")
JOINED_MIN_MEAN = 12  # characters: the mean length of the paragraphs of a joined line
FULL_STOP = re.compile(r"[。！？][”’」』）]?$")
HEADING_NUMBER_END = re.compile(rf"{CHAPTER}$")  # 第一章 总则: one heading


def _heading_part(text: str) -> bool:
    """A short heading: two Han characters or more, no clause mark."""
    return len(HAN_CHAR.findall(text)) >= 2 and not CLAUSE.search(text)


def joined_breaks(text: str) -> list[int]:
    """The space breaks of a line that holds several paragraphs joined by single spaces (a
    site's flattening): at least two breaks and a part that is a whole sentence. A table row's
    short cells, or one space in a heading, are left alone."""
    breaks = [k for k in space_breaks(text) if not HEADING_NUMBER_END.search(text, 0, k)]
    if len(breaks) < 2:
        return []
    parts = [text[a + 1:b] for a, b in zip([-1, *breaks], [*breaks, len(text)])]
    whole = sum(1 for p in parts[:-1] if FULL_STOP.search(p) or len(p) <= 20 and _heading_part(p))
    # Most parts must be whole sentences or headings: single spaces inside PDF-wrapped text
    # (宏 观 经 济, 1145.22 亿 元) are not paragraph breaks.
    long_enough = sum(map(len, parts)) >= JOINED_MIN_MEAN * len(parts)
    return breaks if long_enough and whole * 2 >= len(parts) - 1 and any(FULL_STOP.search(p) for p in parts) else []


def width(text: str) -> int:
    """Display width: a CJK character is two columns, as on the page that wrapped the line."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrapped(lines: list[str]) -> set[int]:
    """Indexes of lines that were hard-wrapped mid-sentence: within WRAP_TOLERANCE columns of the
    column width (the width most lines share, at least MIN_WRAP_WIDTH), not ending a sentence,
    not a table row. Needs two such lines as evidence, so a document with one paragraph per
    line is left alone."""
    widths = [width(t) for t in lines]
    candidates = [w for w in widths if w >= MIN_WRAP_WIDTH]
    if len(lines) < 3 or not candidates:
        return set()
    column = max(candidates, key=lambda c: (sum(abs(w - c) <= WRAP_TOLERANCE for w in candidates), c))
    hits = {i for i, t in enumerate(lines)
            if abs(widths[i] - column) <= WRAP_TOLERANCE and not SENTENCE_END.search(t) and not table_row(t)}
    return hits if len(hits) >= 2 else set()


def joiner(left: str, right: str) -> str:
    """Nothing between CJK text (a space there would be a new error); one space between words."""
    return " " if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum() else ""


def table_row(text: str) -> bool:
    return len(CELL_GAP.findall(text)) >= 2


def starts_paragraph(text: str) -> bool:
    """A list item, reference or table row: never the continuation of the line before."""
    return bool(ITEM_START.match(text)) or table_row(text)
