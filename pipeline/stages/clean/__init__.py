"""Clean: take the site's chrome off a scraped page, lift its metadata, find the paragraphs.

Everything site-specific comes from a site profile (``profiles.py``, ``rules/sites/*.toml``).
The one rule of this stage: a line becomes chrome only when a profile rule matches it; text no
rule matched is body and is kept. Chrome is not deleted: it becomes a chrome Block plus an Edit
(``after=""``) naming the rule. Paragraph breaks this stage makes or removes are Edits too:
a split records ``before`` = the whitespace at the break (often "") and ``after="\\n"``; a join
records ``before="\\n"`` and ``after`` = the joiner ("" between CJK text).
Offsets in this stage's Edits and Block spans are into ``doc.raw``.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from pipeline.stages.clean import classify
from pipeline.stages.clean import paragraphs
from pipeline.stages.clean import profiles
from pipeline.stages.clean import script
from pipeline.stages.clean import sitemeta
from pipeline.stages.clean.classify import LineClass
from pipeline.model import Block, Document, Edit, Flag, Meta
from pipeline.errors import PipelineError
from pipeline.options import Options
from pipeline.stages.clean.profiles import ChromeRule, Profile
from pipeline.stages.clean.sitemeta import Lifter

STAGE = "clean"
BULLET = re.compile(r"^(?:[•●▪◦·*]|[-–—](?=\s)(?!\s*\d{1,4}\s*[-–—]\s*$))\s*")
FIND_SHARE = 0.6  # a line mostly cut out by find rules (a truncation notice) counts as chrome for the core
# 股票代码 : or (来源:…) — a label row or a source line never continues a sentence
LABEL_ROW = re.compile(r"^(?:[^，。,.\s]{1,10} ?[:：]|[(（]来源[:：])")
LABEL = re.compile(r"[\u4e00-\u9fff]{2,8}")  # a line that may be a label whose value is on the next line
MATCH_MAX = 500
EDGE_MAX = 200  # characters: an edges-only rule (words a body could use) never takes a longer line  # characters: whole-line chrome rules only look at lines this short
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
MARKER = re.compile(r"(?:第[一二三四五六七八九十百零〇\d]{1,4}[章节条部篇]|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]"
                    r"|\d{1,2}(?:\.\d{1,2})+ ?(?=[\u4e00-\u9fff])(?!" + UNITS + r")|\d{1,2}(?:[、．]|\.(?![\d]))(?!" + UNITS + r"))")
HEADING_SPLIT = "generic.heading_split"
GLUED_HEADING = "generic.glued_heading"
# The steps of this stage that no rule file holds, each an id --skip-rule can name.
GENERIC_RULES = (CONTEXT, TITLE_SPLIT, TITLE_LINE, JOIN_BROKEN, HEADING_SPLIT, GLUED_HEADING, "generic.split_spaces",
                 "generic.lexicon", "generic.to_simplified", "generic.meta")
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
    edits: list[tuple[str, int, int, str, str, str]] = field(default_factory=list)  # rule, start, end, before, after, note


def _lines(raw: str, fold: script.Fold, glosses: list[re.Pattern[str]]) -> list[Line]:
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


def _matches(r: ChromeRule, key: str) -> re.Match[str] | None:
    if len(key) > MATCH_MAX or r.edges_only and len(key) > EDGE_MAX:
        return None
    return next((m for rx in r.match if (m := rx.fullmatch(key))), None)


def _region(pg: Page, lines: list[Line]) -> tuple[int, int]:
    """(first, last) line of the body core (see classify.py): the page's head is before it,
    its tail after it. A page with no prose at all is all body but for what rules take."""
    feats = [classify.features(ln.key, pg.lex) for ln in lines]
    classes: list[LineClass] = []
    follow: ChromeRule | None = None
    left, strong = 0, False  # strong: a line only a site's page has (a rule for everywhere, metadata)
    kinds: set[str] = set()  # the kinds of edge chrome seen: two kinds are a site's page too
    finds = [r for r in pg.rules if r.find and not r.joins]
    at_end = False
    for n, (ln, f) in enumerate(zip(lines, feats)):
        rule = None
        if follow and left > 0 and follow.follow and follow.follow.fullmatch(ln.key):
            rule, left = follow, left - 1
        elif rule := next((r for r in pg.rules if r.match and _matches(r, ln.key)), None):
            follow, left = rule, rule.follow_max
        else:
            follow = None
        is_meta = sitemeta.meta_line(pg.profiles, ln.key, pg.lifter) is not None
        cut = sum(m.end() - m.start() for r in finds for rx in r.find for m in rx.finditer(ln.norm))
        classes.append(classify.line_class(f, pg.lex, rule is not None or is_meta or cut >= FIND_SHARE * len(ln.norm)))
        strong = strong or is_meta or f.lexicon_chrome(pg.lex, edge=False) or bool(
            rule and not rule.edges_only and not rule.head_only and not rule.page_break)
        kind = (rule.id if rule is not None and not rule.page_break else
                "lexicon" if rule is None and not is_meta and f.lexicon_chrome(pg.lex, edge=True) else None)
        if kind:
            kinds.add(kind)
            # a rule's chrome at the very top or bottom of the page
            at_end = at_end or kind != "lexicon" and (n < 2 or n == len(lines) - 1)
    if not strong and len(kinds) < 2 and not at_end:
        # No sure sign of a site (a body-only paste; its own 温馨提示 or 相关文档 list inside): all of
        # it is the document. One kind of chrome at the page's very top or bottom is a sign.
        return 0, len(lines) - 1
    span = classify.core(classes, feats) or _longest_run(classes, feats)
    if span is None:
        return len(lines), len(lines) - 1  # every line is chrome: all head
    first, last = span
    # A footer signal inside the run (你可能关注的文档, 相关推荐) ends the body when less prose follows it.
    for i in range(first + 1, last + 1):
        if any(r.ends_body and _matches(r, lines[i].key) for r in pg.rules if r.match):
            before = sum(feats[k].han for k in range(first, i) if classes[k] == "good")
            after = sum(feats[k].han for k in range(i, last + 1) if classes[k] == "good")
            if after < before:
                last = max(k for k in range(first, i) if classes[k] in ("good", "near"))
            break
    return first, last


def _longest_run(classes: list[LineClass], feats: list[classify.Features]) -> tuple[int, int] | None:
    """A page without prose (a slide deck of bare lines): its longest run of lines no rule took."""
    best, best_span, start = 0, None, None
    for i, c in enumerate([*classes, "chrome"]):
        if c != "chrome":
            start = i if start is None else start
            continue
        if start is not None:
            size = sum(feats[k].han for k in range(start, i))
            if size > best:
                best, best_span = size, (start, i - 1)
        start = None
    return best_span


def _classify(pg: Page, lines: list[Line]) -> list[Seg]:
    """Walk the page line by line: each line is chrome by the first rule that takes it, a
    metadata line, or body (with inline chrome such as page markers cut out of it).

    The page's head (before the body core) and tail (after it) are where chrome lives;
    ``edges_only`` rules, whose words a body could also use ("温馨提示：", "相关文档"), and the
    lexicon's short-line test fire only there; inside the body only a rule removes a line."""
    first, last = _region(pg, lines)
    line_rules = [r for r in pg.rules if not r.find]
    find_rules = [r for r in pg.rules if r.find]
    segs: list[Seg] = []
    follow: ChromeRule | None = None
    follow_left = 0
    repeat: tuple[ChromeRule, str] | None = None
    tail = False  # after a footer signal
    pair: int | None = None  # the value line of a label line just taken as metadata

    for i, ln in enumerate(lines):
        head = i < first
        edge = head or i > last or tail
        nxt = lines[i + 1].key if i + 1 < len(lines) else None
        rule = None
        if repeat and ln.key == repeat[1]:
            rule = repeat[0]
        repeat = None
        if rule is None and follow and follow_left > 0 and follow.follow and follow.follow.fullmatch(ln.key):
            rule, follow_left = follow, follow_left - 1
        for r in line_rules if rule is None else ():
            if (r.head_only and not head) or (r.edges_only and not edge):
                continue
            if r.match:
                m = _matches(r, ln.key)
                if m:
                    for name in m.groupdict():
                        pg.lifter.lift(name, ln.own[m.start(name):m.end(name)] if m.start(name) >= 0 else None)
                    rule = r
            elif r.keywords:
                tokens = sitemeta.keywords(ln.key, pg.lifter.meta.title)
                if tokens:
                    pg.lifter.meta.keywords = tokens
                    rule = r
            elif r.repeated and ln.key == nxt:
                rule, repeat = r, (r, ln.key)
            if rule:
                break
        if rule is None:
            follow = None
        elif rule is not follow:
            follow, follow_left = (rule, rule.follow_max) if rule.follow else (None, 0)

        if rule is not None:
            tail = tail or (rule.ends_body and i > first)
            if rule.claim_previous and segs and segs[-1].rule_id == "":
                prev = segs[-1]
                prev.rule, prev.rule_id, prev.claimed = rule, rule.id, True
                pg.lifter.lift(rule.claim_previous, prev.text)
            segs.append(Seg(ln.start, ln.text, rule, rule.id, ln.blank_before, line=i))
            if rule.id.endswith(".breadcrumb"):  # its last crumb may be the title: 首页 > 分类 > 标题
                pg.titles.add(_fold_spaces(sitemeta.clean_title(CRUMB.split(ln.text)[-1], pg.lifter.strip)))
            continue
        if edge and not pg.opts.skips(pg.meta_rule):
            values = sitemeta.meta_line(pg.profiles, ln.key, pg.lifter, ln.own)
            if (values is None and pair is None and i + 1 < len(lines) and LABEL.fullmatch(ln.key)
                    and sitemeta.meta_line(pg.profiles, lines[i + 1].key, pg.lifter) is None):
                # A label on its line and its bare value on the next: • 报告页数 / 18 页
                both = f"{ln.key}:{lines[i + 1].key}"
                values = sitemeta.meta_line(pg.profiles, both, pg.lifter, f"{ln.own}:{lines[i + 1].own}")
                if values is not None and "filename" in values:
                    values = None  # a site name above the filename line is no label of it
                pair = i + 1 if values is not None else None
            elif pair == i:
                values, pair = {}, None
            if values is not None:
                for name, value in values.items():
                    pg.lifter.lift(name, value)
                if (head and segs and not segs[-1].rule_id and not pg.lifter.meta.title and _title_like(segs[-1].text)
                        and len(classify.HAN.findall(segs[-1].text)) >= 4 and not segs[-1].text.endswith(CUT)):
                    pg.titles.add(_fold_spaces(segs[-1].text))  # the line above a metadata row is the page's title
                segs.append(Seg(ln.start, ln.text, None, pg.meta_rule, ln.blank_before, line=i))
                continue
        cut = _cut_inline(ln, i, [r for r in find_rules if (head or not r.head_only) and (edge or not r.edges_only)],
                          pg.lifter)
        if any(c.rule and c.rule.flag for c in cut):  # a truncation notice says more than its site words
            segs.extend(cut)
            continue
        if edge and not pg.opts.skips("generic.lexicon") and classify.features(ln.key, pg.lex).lexicon_chrome(pg.lex, True):
            segs.append(Seg(ln.start, ln.text, None, "generic.lexicon", ln.blank_before, line=i,
                            note="short line of site words at the page's edge"))
            continue
        if not pg.opts.skips("generic.lexicon") and classify.features(ln.key, pg.lex).lexicon_chrome(pg.lex, False):
            segs.append(Seg(ln.start, ln.text, None, "generic.lexicon", ln.blank_before, line=i,
                            note="dense in site words"))
            continue
        tail = tail or any(s.rule and s.rule.ends_body for s in cut) and i > first
        segs.extend(cut)
    _unclaim_lone_title(segs)
    _repeated_title(segs, first, pg.lifter)
    if not pg.opts.skips(CONTEXT):
        if pg.lifter.meta.title:
            pg.titles.add(_fold_spaces(pg.lifter.meta.title))
        _context(segs, first, last, {t for t in pg.titles if t}, pg.lifter.strip)
        _rescue_title(segs, first, pg.lifter)
    chunk = next((r for r in pg.rules if r.id == "generic.chunk_number"), None)
    return _chunks(segs, chunk) if chunk else segs


def _chunks(segs: list[Seg], rule: ChromeRule) -> list[Seg]:
    """Preview chunks a site numbers 1、 2、 3、 across the document: when a number in that
    sequence starts a line in the middle of a sentence (the line before ends without a
    sentence mark, or punctuation or another heading follows the number; the rule's own
    pattern already cut those), every number of the sequence is chrome and each chunk goes on
    from the one before."""
    chain: list[tuple[int, bool]] = []  # (index in segs, breaks a sentence)
    want, before = 1, None
    for k, s in enumerate(segs):
        m = CHUNK.match(s.text)
        if s.rule_id == rule.id and m and int(m[1]) == want:
            chain.append((k, True))
            want += 1
        elif not s.rule_id:
            if m and int(m[1]) == want:
                rest = s.text[m.end():]
                broken = bool(NO_START.match(rest) or MARKER.match(rest)) or (
                    before is not None and not ENDS.search(before.text))
                chain.append((k, broken and want > 1))
                want += 1
            before = s
    if len(chain) < 2 or not any(broken for _, broken in chain):
        return segs
    members = {k: broken for k, broken in chain if not segs[k].rule_id}
    out = []
    for k, s in enumerate(segs):
        if k not in members:
            out.append(s)
            continue
        n = CHUNK.match(s.text).end()
        rest = s.text[n:]
        out.append(Seg(s.start, s.text[:n], rule, rule.id, s.blank_before, line=s.line))
        if rest.strip():
            gap = len(rest) - len(rest.lstrip())
            out.append(Seg(s.start + n + gap, rest.strip(), line=s.line, cont=rule.id if members[k] else ""))
    return out


def _context(segs: list[Seg], first: int, last: int, titles: set[str], strip: tuple[re.Pattern[str], ...]) -> None:
    """jusText's context step at the page's edges: a line no rule took that stands between
    chrome lines (or between chrome and the page's start or end) is chrome too; the few lines
    right before and after the body (a title, a salutation, a signature and date) stay body.
    Page markers and watermarks do not count: they sit inside documents too."""
    def chrome(s: Seg) -> bool:
        return bool(s.rule_id) and not (s.rule and s.rule.page_break)

    head = [s for s in segs if s.line < first]
    marks = [k for k, s in enumerate(head) if chrome(s)]
    if marks:
        run = [s for s in head[marks[-1] + 1:] if not s.rule_id]
        later = {_fold_spaces(s.text) for s in head[marks[-1] + 1:] if not s.rule_id}
        later |= {_fold_spaces(s.text) for s in segs if not s.rule_id and s.line >= first}
        lines: dict[int, str] = {}  # a line's body text, glosses and all other cuts closed up
        for s in head[:marks[-1]]:
            if not s.rule_id:
                lines[s.line] = lines.get(s.line, "") + s.text
        if not titles and not any(_title_like(s.text) for s in run):
            # no title anywhere else, none right above the body: the title-shaped line nearest it
            near = [n for n, t in lines.items() if _title_like(t) and len(classify.HAN.findall(t)) >= 4
                    and sum(chrome(x) for x in head if x.line > n) <= TITLE_GAP]
            titles = {_fold_spaces(lines[near[-1]])} if near else titles
        for s in head[:marks[-1]]:
            folded = _fold_spaces(sitemeta.clean_title(lines.get(s.line, s.text), strip))
            if not s.rule_id and not s.kept and (folded not in titles or folded in later):
                s.rule_id, s.note = CONTEXT, "a line among the site's chrome before the body"
        if len(run) > HEAD_RUN_MAX:
            for s in run[:-HEAD_RUN_MAX]:
                s.rule_id, s.note = CONTEXT, "a line among the site's chrome before the body"
    later_text = [s.text for s in segs if not s.rule_id]
    teasers = set()
    for s in segs:  # a teaser: the body's opening, cut short with an ellipsis
        lead = s.text.rstrip(".…").rstrip()
        if not s.rule_id and s.text.endswith(("...", "…")) and len(lead) >= 20 and any(
                t is not s.text and t.startswith(lead[:40]) and len(t) > len(lead) for t in later_text):
            teasers.add(s.line)
    for s in segs:
        if s.line in teasers and not s.rule_id:
            s.rule_id, s.note = CONTEXT, "the site's teaser of the body's opening"
    body = [s for s in segs if not s.rule_id]
    for a, b in zip(body, body[1:]):  # the title twice in a row: the site's copy and the document's
        if a.text == b.text and _title_like(a.text):
            b.rule_id, b.note = CONTEXT, "a second copy of the line before"
    for s in head:  # the site's copy of the title with a number after it (会议室使用管理制度3)
        if not s.rule_id and (m := NUMBERED_COPY.fullmatch(_fold_spaces(s.text))) and m[1] in titles:
            s.rule_id, s.note = CONTEXT, "the site's numbered copy of the title"
    tail = [s for s in segs if s.line > last]
    marks = [k for k, s in enumerate(tail) if chrome(s)]
    if marks:
        for s in tail[marks[0] + 1:]:
            if not s.rule_id:
                s.rule_id, s.note = CONTEXT, "a line after the site's chrome began at the end of the page"


def _rescue_title(segs: list[Seg], first: int, lifter: Lifter) -> None:
    """The context step never costs the document its title: a line it took above the body is
    given back when the body opens with that title and more (出国留学心得体会 over
    出国留学心得体会篇1), or when nothing else names the document (the line nearest the body)."""
    body = [s for s in segs if not s.rule_id]
    opening = body[0].text if body else ""
    breaks = paragraphs.space_breaks(opening)
    opening_par = opening[:breaks[0]] if breaks else opening
    taken = [s for s in segs if s.rule_id == CONTEXT and s.line < first and _title_like(s.text)
             and len(classify.HAN.findall(s.text)) + len(WORD.findall(s.text)) >= 4]
    if not taken:
        return
    pick = next((s for s in reversed(taken) if len(t := _fold_spaces(sitemeta.clean_title(s.text, lifter.strip))) >= 4
                 and _fold_spaces(opening).startswith(t) and len(_fold_spaces(opening)) > len(t)), None)
    if pick is None and not lifter.meta.title and not _title_like(opening_par):
        pick = taken[-1]
    if pick is not None:
        pick.rule_id, pick.note, pick.kept = "", "", True
        lifter.meta.title = lifter.meta.title or sitemeta.clean_title(pick.text, lifter.strip)


def _repeated_title(segs: list[Seg], first: int, lifter: Lifter) -> None:
    """A line the site repeats in its chrome and with which the body opens is the document's
    title (360文档中心 lists it twice above the text): the page's own title line above it is
    the site's and goes to the chrome."""
    repeated = {s.text for s in segs if s.rule and s.rule.repeated}
    body = [s for s in segs if not s.rule_id]
    opening = next((s for s in body if s.line >= first), None)
    title = next((t for t in repeated if opening and opening.text.startswith(t)), None)
    if title is None:
        return
    lifter.meta.title = sitemeta.clean_title(title, lifter.strip)
    for s in body:
        if s.line < opening.line:
            s.rule_id, s.kept, s.note = CONTEXT, False, "the site's page title; the document repeats its own"


def _unclaim_lone_title(segs: list[Seg]) -> None:
    """A line a ``claim_previous`` rule took (lifting it as the title) goes back to the body
    when the body does not start with that line again: it is the document's only title line."""
    body = [s for s in segs if s.rule_id == ""]
    for s in segs:
        if s.claimed and not (body and body[0].text.startswith(s.text)):
            s.rule, s.rule_id, s.claimed, s.kept = None, "", False, True


def _cut_inline(ln: Line, i: int, rules: list[ChromeRule], lifter: Lifter) -> list[Seg]:
    """A line with page markers or prompts inside it: those become chrome, the rest stays body."""
    hits: list[tuple[int, int, ChromeRule]] = []
    for r in rules:
        for rx in r.find:
            for m in rx.finditer(ln.text if r.joins else ln.norm):  # glosses are only in the text
                if m.end() > m.start():
                    hits.append((m.start(), m.end(), r) if r.joins else (*ln.span(m.start(), m.end()), r))
                    for name in m.groupdict():
                        if m.start(name) >= 0:
                            a, b = (m.start(name), m.end(name)) if r.joins else ln.span(m.start(name), m.end(name))
                            lifter.lift(name, ln.text[a:b])
    out, last, blank = [], 0, ln.blank_before
    for a, b, r in sorted(hits, key=lambda h: (h[0], -h[1])):
        if a < last:
            continue  # overlaps a hit already taken
        body = ln.text[last:a]
        if body.strip():
            out.append(Seg(ln.start + last + len(body) - len(body.lstrip()), body.strip(), blank_before=blank, line=i))
            blank = False
        out.append(Seg(ln.start + a, ln.text[a:b], r, r.id, blank, line=i))
        blank, last = False, b
    body = ln.text[last:]
    if body.strip():
        out.append(Seg(ln.start + last + len(body) - len(body.lstrip()), body.strip(), blank_before=blank, line=i))
    return out


def _joined(segs: list[Seg], prev: int, i: int) -> tuple[str, bool] | None:
    """(rule, closes up) when body segment ``i`` goes on from body segment ``prev``: text a
    converter's gloss was cut from closes up over it (that cut is the edit); a segment no
    paragraph can start with continues the one before across page breaks."""
    s, between = segs[i], segs[prev + 1:i]
    if s.cont:
        return s.cont, False
    if between and all(b.rule and b.rule.joins for b in between) and s.line == segs[prev].line:
        return between[0].rule_id, True
    if NO_START.match(s.text) and all(b.rule and b.rule.page_break for b in between):
        return JOIN_BROKEN, False  # "同时⏎2、,工作总结…": no paragraph starts with a comma
    return None


def _pieces(p: Profile, segs: list[Seg], opts: Options, meta: Meta) -> list[Piece]:
    """Body segments → paragraphs: join hard-wrapped lines, then split at the profile's breaks."""
    body = [(i, s) for i, s in enumerate(segs) if s.rule_id == ""]
    join_rule = f"{p.id}.join_wrapped"
    wrapped = (paragraphs.wrapped([s.text for _, s in body])
               if p.join_wrapped and not opts.skips(join_rule) else set())
    pieces: list[Piece] = []
    for n, (i, s) in enumerate(body):
        pos = list(range(s.start, s.start + len(s.text)))
        rule, closes = (_joined(segs, body[n - 1][0], i) if n else None) or (None, False)
        note = ""
        if (rule is None and n and (n - 1) in wrapped and not s.blank_before and not paragraphs.starts_paragraph(s.text)
                and not LABEL_ROW.match(s.text)):
            between = segs[body[n - 1][0] + 1:i]
            if all(b.rule and b.rule.page_break and not b.blank_before for b in between):
                rule, note = join_rule, f"across {len(between)} page marker(s)" if between else ""
        if rule is not None and not opts.skips(rule):
            last = pieces[-1]
            glue = "" if closes else paragraphs.joiner(last.text, s.text)
            if not closes:
                last.edits.append((rule, last.pos[-1] + 1, s.start, "\n", glue, note))
            last.text += glue + s.text
            last.pos += [s.start] * len(glue) + pos
            continue
        pieces.append(Piece(s.text, pos))

    pieces = _title(segs, pieces, meta, opts)
    if p.split_spaces and not opts.skips(f"{p.id}.split_spaces"):
        pieces = [q for piece in pieces
                  for q in _split(piece, [(k, k + 1) for k in paragraphs.space_breaks(piece.text)],
                                  f"{p.id}.split_spaces")]
    elif not opts.skips("generic.split_spaces"):  # a line that holds several paragraphs, on any site
        pieces = [q for piece in pieces
                  for q in _split(piece, [(k, k + 1) for k in paragraphs.joined_breaks(piece.text)],
                                  "generic.split_spaces")]
    for sp in p.splits:
        if opts.skips(sp.id):
            continue
        out = []
        for n, piece in enumerate(pieces):
            m = (sp.before or sp.after).search(piece.text) if not sp.within or n < sp.within else None
            at = (m.start() if sp.before else m.end()) if m else 0
            out.extend(_split(piece, [_gap(piece.text, at)], sp.id) if 0 < at < len(piece.text) else [piece])
        pieces = out
    if not opts.skips(HEADING_SPLIT):
        pieces = [q for n, piece in enumerate(pieces)
                  for q in _split(piece, _heading_gaps(piece.text, n == 0), HEADING_SPLIT)]
    glued = profiles.generic().glued
    if glued is not None and not opts.skips(GLUED_HEADING):
        pieces = [q for piece in pieces for q in _unglue(piece, glued)]
    return [q for q in pieces if q.text]


CJK_BEFORE = re.compile(r"[\u3400-\u9fff，。、；：！？）》”」』:;!?)]$")
HAN_AFTER = re.compile(r"\s?[\u3400-\u9fff]{4}")
PAIRS = ("“”", "《》", "（）", "()", "「」", "【】")


def _open(text: str) -> bool:
    """True when a quote or bracket opened in ``text`` is still open at its end."""
    return any(text.count(a) > text.count(b) for a, b in PAIRS)


SENTENCE_BEFORE = re.compile(r"[。！？!?：:][”’」』）)]?$")
HEAD_RUN = re.compile(r"[^，。！？；：,.!?;:]{1,20}")


def _heading_gaps(text: str, first: bool) -> list[tuple[int, int]]:
    """Where a heading or numbered item glued to the text before it starts: a numbering marker
    right after a sentence's end (……。二、工作目标), right after a short numbered heading with
    no punctuation in it (二、工作目标（一）近期目标), or, in the first block, right after a
    title-like line (制度范本第一章 总则)."""
    gaps, start = [], 0
    for m in MARKER.finditer(text):
        at = m.start()
        if at == 0:
            continue
        before = text[:at].rstrip()
        head = text[start:at].strip()
        if _open(before) or before.endswith("第") or not CJK_BEFORE.search(before):
            continue  # inside quotes or brackets (“安全第一、预防为主”), or after Latin text (Revision 3.0)
        if before.endswith((":", "：")) and not (m.end() < len(text) and HAN_AFTER.match(text, m.end())):
            continue  # 当前价:25.66 元 — a label's value, not an item
        after_sentence = bool(SENTENCE_BEFORE.search(before))
        after_heading = bool(MARKER.match(head)) and HEAD_RUN.fullmatch(head[MARKER.match(head).end():] or "x") is not None
        after_title = first and start == 0 and _title_like(head) and not classify.NUMBERED.match(head)
        if after_sentence or after_heading or after_title:
            gaps.append(_gap(text, at))
            start = at
    return gaps


def _unglue(piece: Piece, glued: re.Pattern[str]) -> list[Piece]:
    m = glued.match(piece.text)
    return _split(piece, [_gap(piece.text, m.end(1))], GLUED_HEADING) if m else [piece]


def _gap(text: str, at: int) -> tuple[int, int]:
    """The whitespace around a break point: (end of the left part, start of the right part)."""
    return len(text[:at].rstrip()), at + len(text[at:]) - len(text[at:].lstrip())


def _split(piece: Piece, gaps: list[tuple[int, int]], rule: str) -> list[Piece]:
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
        pending = [(rule, start, end, piece.text[left_end:right_start], "\n", "")]
        last = right_start
    parts.append(Piece(piece.text[last:], piece.pos[last:], pending))
    for e in piece.edits:
        # An edit before the piece's first character (the break that made it) stays with the first part.
        next((q for q in reversed(parts) if q.pos[0] <= e[1]), parts[0]).edits.insert(0, e)
    return parts


COLON = re.compile(r"[:：]")
SENTENCE_INSIDE = re.compile(r"[。！？!?；;]")


def _title_like(text: str) -> bool:
    """A line shaped like a document's title: short words, no sentence, not a numbered head,
    not a row of label:value fields."""
    return (2 <= len(text) <= 60 and not SENTENCE_INSIDE.search(text) and not classify.NUMBERED.match(text)
            and not classify.ENDS_OPEN.search(text) and len(COLON.findall(text)) < 2)


def _fold_spaces(text: str) -> str:
    return "".join(text.split())


def _title(segs: list[Seg], pieces: list[Piece], meta: Meta, opts: Options) -> list[Piece]:
    """Keep the title apart from the first paragraph and in the document.

    A body that opens with the site's title glued to its first sentence is split there; a body
    whose first block is not a title gets the page's filename line back as its title (the
    extension cut off, as an edit); a page that names no title takes its first title-like line."""
    if not pieces:
        return pieces
    first = pieces[0]
    title = meta.title
    if title and not opts.skips(TITLE_SPLIT):
        folded, want = _fold_spaces(first.text), _fold_spaces(title)
        if folded.startswith(want) and len(classify.HAN.findall(folded[len(want):])) >= 2:
            k, seen = 0, 0
            while seen < len(want):
                seen += not first.text[k].isspace()
                k += 1
            return _split(first, [_gap(first.text, k)], TITLE_SPLIT) + pieces[1:]
    breaks = paragraphs.space_breaks(first.text)
    opening = first.text[:breaks[0]] if breaks else first.text  # a joined line's first paragraph
    if (title and not _title_like(opening) and not opts.skips(TITLE_LINE)
            and SequenceMatcher(None, title, first.text[:len(title)]).ratio() < 0.6):
        line = next((s for s in reversed(segs) if s.rule_id and s.start < first.pos[0]
                     and s.text.startswith(title) and len(s.text) > len(title) and s.text == meta.filename), None)
        if line is not None:
            segs.remove(line)
            end = line.start + len(title)
            piece = Piece(title, list(range(line.start, end)),
                          [(TITLE_LINE, end, line.start + len(line.text), line.text[len(title):], "",
                            "the page's filename line, as the document's title")])
            return [piece] + pieces
    glued = profiles.generic().glued_title
    if not title and glued is not None and not opts.skips(TITLE_SPLIT) and (m := glued.match(first.text)):
        meta.title = m[1]  # 三年级语文《秋天的雨》教学设计本课是……: the page names no title
        return _split(first, [_gap(first.text, m.end(1))], TITLE_SPLIT) + pieces[1:]
    if not title and _title_like(opening) and len(classify.HAN.findall(opening)) + len(WORD.findall(opening)) >= 4:
        meta.title = opening
    return pieces


def _simplified(pieces: list[Piece]) -> None:
    """--to-simplified: each changed run of characters an edit (OpenCC maps them one to one)."""
    for q in pieces:
        new = script.to_simplified(q.text)
        if len(new) != len(q.text):
            q.edits.append(("generic.to_simplified", q.pos[0], q.pos[-1] + 1, q.text, new, "OpenCC t2s"))
            q.text = new
            continue
        k = 0
        while k < len(new):
            if new[k] == q.text[k]:
                k += 1
                continue
            j = k
            while j < len(new) and new[j] != q.text[j]:
                j += 1
            q.edits.append(("generic.to_simplified", q.pos[k], q.pos[j - 1] + 1, q.text[k:j], new[k:j], "OpenCC t2s"))
            k = j
        q.text = new


def clean(doc: Document, opts: Options) -> Document:
    page_script = script.detect(doc.raw)
    generic = profiles.generic()
    glosses = [rx for r in generic.chrome if r.joins and not opts.skips(r.id) for rx in r.find]
    lines = _lines(doc.raw, script.folder(page_script), glosses)
    profile, signals = profiles.detect("\n".join(ln.key for ln in lines))
    used = [profile] if profile is generic else [profile, generic]
    assert generic.lexicon is not None
    meta = Meta(site=profile.id, script=page_script)
    lifter = Lifter(meta, generic.title_strip)
    pg = Page(used, [r for p in used for r in p.chrome if not opts.skips(r.id)], generic.lexicon, lifter, opts)
    page_title = doc.info.get("ingest", {}).get("html_title", "")
    own_title = TITLE_PARTS.split(page_title)[0]  # sites put the document's title first
    pg.titles.add(_fold_spaces(sitemeta.clean_title(own_title, generic.title_strip)))
    segs = _classify(pg, lines)
    if not any(s.rule_id == "" for s in segs):
        raise PipelineError(f"no body text: every line of the page is site chrome ({profile.id} profile)")
    meta.site_name = meta.site_name or profile.name
    if meta.filename and not meta.format:
        meta.format = meta.filename.rsplit(".", 1)[-1].upper()
    if page_title and not meta.title:
        # The saved page's <title>: metadata only, so the body never holds the title twice.
        for p in used:
            if not opts.skips(f"{p.id}.html_title"):
                lifter.lift("title", next((m[1] for rx in p.html_title if (m := rx.fullmatch(own_title))), None))
    pieces = _pieces(profile, segs, opts, meta)
    if opts.to_simplified and page_script == "traditional":
        _simplified(pieces)
        meta.title = script.to_simplified(meta.title)

    # Blocks in page order; ids are assigned here, once, and never change afterwards.
    items: list[tuple[int, Seg | Piece]] = [(s.start, s) for s in segs if s.rule_id]
    items += [(q.pos[0], q) for q in pieces]
    items.sort(key=lambda it: it[0])
    blocks, edits, flags = [], [], []
    for n, (start, item) in enumerate(items):
        bid = f"b{n:04d}"
        if isinstance(item, Seg):
            end = start + len(item.text)
            blocks.append(Block(bid, item.text, layer="chrome", rule=item.rule_id, span=(start, end)))
            edits.append(Edit(STAGE, item.rule_id, bid, start, end, item.text, "", item.note))
            if item.rule and item.rule.flag:
                flags.append(Flag(STAGE, item.rule_id, f"{item.rule.flag}: {item.text}", bid, 0,
                                  len(item.text), item.text))
        else:
            blocks.append(Block(bid, item.text, span=(item.pos[0], item.pos[-1] + 1)))
            edits += [Edit(STAGE, r, bid, a, b, before, after, note) for r, a, b, before, after, note in item.edits]

    body_chars = sum(len("".join(q.text.split())) for q in pieces)
    if not flags and meta.pages and body_chars < meta.pages * profile.min_chars(meta.format):
        flags.append(Flag(STAGE, f"{profile.id}.short_body",
                          f"possibly a truncated preview: {body_chars} characters of text for "
                          f"{meta.pages} pages"))

    edits.sort(key=lambda e: (e.start, e.end))
    out = dataclasses.replace(doc, meta=meta, blocks=blocks, edits=doc.edits + edits,
                              flags=doc.flags + flags, info=dict(doc.info), stages=doc.stages + [STAGE])
    out.info[STAGE] = {
        "profile": profile.id,
        "signals": signals,
        "script": page_script,
        "chrome_blocks": sum(b.layer == "chrome" for b in blocks),
        "body_blocks": len(pieces),
        "body_chars": body_chars,
        "splits": sum(e.after == "\n" for e in edits),
        "joins": sum(e.before == "\n" for e in edits),
        "truncated": bool(flags),
    }
    return out
