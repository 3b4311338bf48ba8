"""The clean stage's working parts: the page's lines (what rules see of each), the runs the
classification makes of them (chrome or body), the paragraphs being assembled, and the
constants of the steps, each rule id defined once."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.model import Edit
from pipeline.options import Options
from pipeline.stages.clean import classify, script
from pipeline.stages.clean.profiles import ChromeRule, Profile
from pipeline.stages.clean.sitemeta import Lifter
from pipeline.text import CHAPTER, CN_COMMA, CN_PAREN, HAN_RANGES

STAGE = "clean"
BULLET = re.compile(r"^(?:[•●▪◦·*]|[-–—](?=\s)(?!\s*\d{1,4}\s*[-–—]\s*$))\s*")
FIND_SHARE = 0.6  # a line mostly cut out by find rules (a truncation notice) counts as chrome for the core
# 股票代码 : or (来源:…) — a label row or a source line never continues a sentence
LABEL_ROW = re.compile(r"^(?:[^，。,.\s]{1,10} ?[:：]|[(（]来源[:：])")
LABEL = re.compile(rf"[{HAN_RANGES}]{{2,8}}")  # a line that may be a label whose value is on the next line
MATCH_MAX = 500  # characters: whole-line chrome rules only look at lines this short
EDGE_MAX = 200  # characters: an edges-only rule (words a body could use) never takes a longer line
TITLE_PARTS = re.compile(r" [-|–—] |_| \| ")  # a <title>'s parts: the document's, the site's
NUMBERED_COPY = re.compile(r"(.{2,80}?)\d{1,3}")
WORD = re.compile(r"[A-Za-z]{2,}")  # Latin words count towards a title's length as Han characters do
CUT = ("..", "…")  # a title the site shortened: 2024年秋季学期班主任工作计..
CRUMB = re.compile(r"[>›»]")
CONTEXT = "generic.context"  # a line between chrome lines at the page's edges (no rule of its own)
TITLE_SPLIT = "generic.title_split"
TITLE_LINE = "generic.title_line"
JOIN_BROKEN = "generic.join_broken"
TITLE_GAP = 3  # chrome lines at most between an otherwise unnamed title and the body
HEAD_RUN_MAX = 6  # lines: what stands between the last head chrome and the body is body (title, salutation)
UNITS = r"[万亿千百元%个倍年月日号时分秒人户家项件次天吨米亩]"
CHUNK = re.compile(r"^(\d{1,3})、")
ENDS = re.compile(r"[。！？!?；;：:…”」』）)]$")
MARKER = re.compile(rf"(?:{CHAPTER}|{CN_COMMA}|{CN_PAREN}"
                    rf"|\d{{1,2}}(?:\.\d{{1,2}})+ ?(?=[{HAN_RANGES}])(?!{UNITS})|\d{{1,2}}(?:[、．]|\.(?!\d))(?!{UNITS}))")
HEADING_SPLIT = "generic.heading_split"
GLUED_HEADING = "generic.glued_heading"
# The steps of this stage that no rule file holds, each an id --skip-rule can name.
# (Per-profile steps — meta, split_spaces, join_wrapped… — are rules.ids.CLEAN_RULES.)
GENERIC_RULES = (CONTEXT, TITLE_SPLIT, TITLE_LINE, JOIN_BROKEN, HEADING_SPLIT, GLUED_HEADING, "generic.lexicon",
                 "generic.to_simplified")
NO_START = re.compile(r"^[，。、；：？！）》」』,.;:?!)\]]")  # no paragraph starts with these


@dataclass
class Line:
    start: int  # offset of the stripped text in doc.raw
    text: str  # the line without surrounding whitespace
    key: str  # what rules match: no leading bullet or converter's gloss, Traditional folded to Simplified
    norm: str  # text without glosses, folded like key (find rules cut by its offsets)
    pos: list[int]  # offset in text of each character of norm
    own: str  # key in the page's own script (values are lifted from it, not from the fold)
    blank_before: bool

    def span(self, a: int, b: int) -> tuple[int, int]:
        """A match's span in norm → its span in text."""
        return (self.pos[a], self.pos[b - 1] + 1) if b > a else (self.pos[a], self.pos[a])


@dataclass
class Seg:
    """A run of the page: chrome (rule_id set) or body (rule_id empty)."""

    start: int
    text: str
    rule: ChromeRule | None = None
    rule_id: str = ""
    blank_before: bool = False
    claimed: bool = False  # taken by the next line's claim_previous rule
    kept: bool = False  # a claimed title line given back to the body: the context step leaves it
    line: int = 0  # index of the page line it came from
    note: str = ""  # why, for chrome that no rule matched (the context step)
    cont: str = ""  # body that goes on from the body before it, and the rule that says so


@dataclass
class Piece:
    """A body paragraph being assembled: its text and, per character, its offset in raw."""

    text: str
    pos: list[int]
    edits: list[Edit] = field(default_factory=list)  # block ids are given when the blocks are made


def lines(raw: str, fold: script.Fold, glosses: list[re.Pattern[str]]) -> list[Line]:
    """The page's lines, with what rules see of each: converters' glosses (繼續(xù)) left out,
    so 繼續閱讀 still reads as 继续阅读, and the offsets back into the line kept."""
    out, offset, blank = [], 0, False
    for line in raw.split("\n"):
        text = line.strip()
        if text:
            keep = [True] * len(text)
            for rx in glosses:
                for m in rx.finditer(text):
                    keep[m.start():m.end()] = [False] * (m.end() - m.start())
            pos = [k for k in range(len(text)) if keep[k]] or [0]
            plain = "".join(text[k] for k in pos) if any(keep) else text
            norm = fold(plain)
            key = BULLET.sub("", norm)
            lead = len(norm) - len(key)
            out.append(Line(offset + line.index(text), text, key, norm, pos, plain[lead:], blank))
            blank = False
        else:
            blank = bool(out)
        offset += len(line) + 1
    return out


@dataclass
class Page:
    """What the classification of one page works with."""

    profiles: list[Profile]  # the detected site's profile (if any), then the generic one
    rules: list[ChromeRule]  # their chrome rules, the site's first, without rejected ones
    lex: classify.Lexicon
    lifter: Lifter
    opts: Options
    titles: set[str] = field(default_factory=set)  # title candidates (folded): a head line equal to one is kept

    @property
    def meta_rule(self) -> str:
        return f"{self.profiles[0].id}.meta"



def gap(text: str, at: int) -> tuple[int, int]:
    """The whitespace around a break point: (end of the left part, start of the right part)."""
    return len(text[:at].rstrip()), at + len(text[at:]) - len(text[at:].lstrip())


def split(piece: Piece, gaps: list[tuple[int, int]], rule: str) -> list[Piece]:
    """Cut a piece at (left_end, right_start) gaps; the right part carries the split's Edit,
    earlier edits stay with the part that holds their offset."""
    parts: list[Piece] = []
    last, pending = 0, []
    for left_end, right_start in gaps:
        if left_end <= last or right_start >= len(piece.text):
            continue
        parts.append(Piece(piece.text[last:left_end], piece.pos[last:left_end], pending))
        start = piece.pos[left_end] if right_start > left_end else piece.pos[right_start]
        end = piece.pos[right_start - 1] + 1 if right_start > left_end else start
        pending = [Edit(STAGE, rule, "", start, end, piece.text[left_end:right_start], "\n")]
        last = right_start
    parts.append(Piece(piece.text[last:], piece.pos[last:], pending))
    for e in piece.edits:
        # An edit before the piece's first character (the break that made it) stays with the first part.
        next((q for q in reversed(parts) if q.pos[0] <= e.start), parts[0]).edits.insert(0, e)
    return parts
