"""Which runs of the page are chrome: the site's and everyone's rules, then each line's shape
(classify.py) and the body core, then the context at the page's edges. Every run it takes
carries the rule, or for the context step a note, that took it."""
from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.stages.clean import classify, paragraphs, sitemeta
from pipeline.stages.clean.classify import LineClass
from pipeline.stages.clean.page import (CHUNK, CONTEXT, CRUMB, CUT, EDGE_MAX, ENDS, FIND_SHARE, HEAD_RUN_MAX, LABEL, MARKER,
                                        MATCH_MAX, NO_START, NUMBERED_COPY, TITLE_GAP, Line, Page, Seg)
from pipeline.stages.clean.profiles import ChromeRule
from pipeline.stages.clean.sitemeta import Lifter
from pipeline.stages.clean.title import fold_spaces, names_document, title_like

def _matches(r: ChromeRule, key: str) -> re.Match[str] | None:
    if len(key) > MATCH_MAX or r.edges_only and len(key) > EDGE_MAX:
        return None
    return next((m for rx in r.match if (m := rx.fullmatch(key))), None)


def _region(pg: Page, lines: list[Line], feats: list[classify.Features]) -> tuple[int, int]:
    """(first, last) line of the body core (see classify.py): the page's head is before it,
    its tail after it. A page with no prose at all is all body but for what rules take."""
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


def mark(pg: Page, lines: list[Line]) -> list[Seg]:
    """Walk the page line by line: each line is chrome by the first rule that takes it, a
    metadata line, or body (with inline chrome such as page markers cut out of it).

    The page's head (before the body core) and tail (after it) are where chrome lives;
    ``edges_only`` rules, whose words a body could also use ("温馨提示：", "相关文档"), and the
    lexicon's short-line test fire only there; inside the body only a rule removes a line."""
    feats = [classify.features(ln.key, pg.lex) for ln in lines]  # each line's shape, once
    first, last = _region(pg, lines, feats)
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
                pg.titles.add(fold_spaces(sitemeta.clean_title(CRUMB.split(ln.text)[-1], pg.lifter.strip)))
            continue
        if edge and not pg.opts.skips(pg.meta_rule):
            values = sitemeta.meta_line(pg.profiles, ln.key, pg.lifter, ln.own)
            if (values is None and pair is None and i + 1 < len(lines) and LABEL.fullmatch(ln.key)
                    and sitemeta.meta_line(pg.profiles, lines[i + 1].key, pg.lifter) is None):
                # A label on its line and its bare value on the next: • 报告页数 / 18 页
                both = f"{ln.key}:{lines[i + 1].key}"
                values = sitemeta.meta_line(pg.profiles, both, pg.lifter, f"{ln.own}:{lines[i + 1].own}")
                pair = i + 1 if values is not None else None
            elif pair == i:
                values, pair = {}, None
            if values is not None:
                for name, value in values.items():
                    pg.lifter.lift(name, value)
                if (head and segs and not segs[-1].rule_id and not pg.lifter.meta.title and title_like(segs[-1].text)
                        and names_document(segs[-1].text) and not segs[-1].text.endswith(CUT)):
                    pg.titles.add(fold_spaces(segs[-1].text))  # the line above a metadata row is the page's title
                segs.append(Seg(ln.start, ln.text, None, pg.meta_rule, ln.blank_before, line=i))
                continue
        cut = _cut_inline(ln, i, [r for r in find_rules if (head or not r.head_only) and (edge or not r.edges_only)],
                          pg.lifter)
        if any(c.rule and c.rule.flag for c in cut):  # a truncation notice says more than its site words
            segs.extend(cut)
            continue
        if edge and not pg.opts.skips("generic.lexicon") and feats[i].lexicon_chrome(pg.lex, True):
            segs.append(Seg(ln.start, ln.text, None, "generic.lexicon", ln.blank_before, line=i,
                            note="short line of site words at the page's edge"))
            continue
        if not pg.opts.skips("generic.lexicon") and feats[i].lexicon_chrome(pg.lex, False):
            segs.append(Seg(ln.start, ln.text, None, "generic.lexicon", ln.blank_before, line=i,
                            note="dense in site words"))
            continue
        tail = tail or any(s.rule and s.rule.ends_body for s in cut) and i > first
        segs.extend(cut)
    _unclaim_lone_title(segs)
    _repeated_title(segs, first, pg.lifter, lambda s: feats[s.line].lexicon_chrome(pg.lex, True))
    if not pg.opts.skips(CONTEXT):
        if pg.lifter.meta.title:
            pg.titles.add(fold_spaces(pg.lifter.meta.title))
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
        later = {fold_spaces(s.text) for s in head[marks[-1] + 1:] if not s.rule_id}
        later |= {fold_spaces(s.text) for s in segs if not s.rule_id and s.line >= first}
        lines: dict[int, str] = {}  # a line's body text, glosses and all other cuts closed up
        for s in head[:marks[-1]]:
            if not s.rule_id:
                lines[s.line] = lines.get(s.line, "") + s.text
        if not titles and not any(title_like(s.text) for s in run):
            # no title anywhere else, none right above the body: the title-shaped line nearest it
            near = [n for n, t in lines.items() if title_like(t) and names_document(t)
                    and sum(chrome(x) for x in head if x.line > n) <= TITLE_GAP]
            titles = {fold_spaces(lines[near[-1]])} if near else titles
        folded = {s.line: fold_spaces(sitemeta.clean_title(lines.get(s.line, s.text), strip)) for s in head[:marks[-1]]}
        nearest = {f: n for n, f in folded.items()}  # a title the head shows twice is kept once, nearest the body
        for s in head[:marks[-1]]:
            f = folded[s.line]
            if not s.rule_id and not s.kept and (f not in titles or f in later or nearest[f] != s.line):
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
        if a.text == b.text and title_like(a.text):
            b.rule_id, b.note = CONTEXT, "a second copy of the line before"
    for s in head:  # the site's copy of the title with a number after it (会议室使用管理制度3)
        if not s.rule_id and (m := NUMBERED_COPY.fullmatch(fold_spaces(s.text))) and m[1] in titles:
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
    taken = [s for s in segs if s.rule_id == CONTEXT and s.line < first and title_like(s.text)
             and names_document(s.text)]
    if not taken:
        return
    pick = next((s for s in reversed(taken) if len(t := fold_spaces(sitemeta.clean_title(s.text, lifter.strip))) >= 4
                 and fold_spaces(opening).startswith(t) and len(fold_spaces(opening)) > len(t)), None)
    if pick is None and not lifter.meta.title and not title_like(opening_par):
        pick = taken[-1]
    if pick is not None:
        pick.rule_id, pick.note, pick.kept = "", "", True
        lifter.meta.title = lifter.meta.title or sitemeta.clean_title(pick.text, lifter.strip)


def _repeated_title(segs: list[Seg], first: int, lifter: Lifter, site_words: Callable[[Seg], bool]) -> None:
    """A line the site repeats in its chrome and with which the body opens is the document's
    title (360文档中心 lists it twice above the text): the page's own title line above it is
    the site's and goes to the chrome."""
    repeated = {s.text for s in segs if s.rule and s.rule.repeated}
    body = [s for s in segs if not s.rule_id]
    opening = next((s for s in body if s.line >= first), None)
    title = next((t for t in repeated if opening and opening.text.startswith(t)), None)
    if title is None:
        _repeated_head_title(segs, opening, lifter, site_words)
        return
    lifter.meta.title = sitemeta.clean_title(title, lifter.strip)
    for s in body:
        if s.line < opening.line:
            s.rule_id, s.kept, s.note = CONTEXT, False, "the site's page title; the document repeats its own"


def _repeated_head_title(segs: list[Seg], opening: Seg | None, lifter: Lifter, site_words: Callable[[Seg], bool]) -> None:
    """A title shown twice just above a body that does not open with it (the site's heading,
    then the document's own line) is the document's title: its second copy goes back to the
    body. Only chrome may stand between it and the body, and it must name a document, not the
    site's lists (热门范文推荐: a short line of site words)."""
    if opening is None:
        return
    above = [s for s in segs if s.line < opening.line]
    second = next((s for s in reversed(above) if s.rule and s.rule.repeated), None)
    if (second is None or any(not s.rule_id for s in above if s.line > second.line)
            or not (title_like(second.text) and names_document(second.text)) or site_words(second)):
        return
    title = sitemeta.clean_title(second.text, lifter.strip)
    if lifter.meta.title and fold_spaces(lifter.meta.title) != fold_spaces(title):
        return
    second.rule, second.rule_id = None, ""  # the body's first line, from which the title is lifted


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
