"""Body runs into paragraphs: join what the preview broke (hard wraps, page markers, chunk
numbers, a converter's glosses), split what it glued (paragraphs joined by spaces, headings
glued to the text before them or to their own text), and fold Traditional to Simplified."""
from __future__ import annotations

import re

from pipeline.model import Edit, Meta
from pipeline.options import Options
from pipeline.stages.clean import paragraphs, profiles, script
from pipeline.stages.clean.page import (GLUED_HEADING, HEADING_SPLIT, JOIN_BROKEN, LABEL_ROW, MARKER, NO_START, STAGE,
                                        Piece, Seg, gap, split)
from pipeline.stages.clean.profiles import Profile
from pipeline.stages.clean.title import place_title, title_like
from pipeline.text import HAN_RANGES, NUMBERED

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


def paragraphs_of(p: Profile, segs: list[Seg], opts: Options, meta: Meta) -> list[Piece]:
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
                last.edits.append(Edit(STAGE, rule, "", last.pos[-1] + 1, s.start, "\n", glue, note))
            last.text += glue + s.text
            last.pos += [s.start] * len(glue) + pos
            continue
        pieces.append(Piece(s.text, pos))

    pieces = place_title(segs, pieces, meta, opts)
    if p.split_spaces and not opts.skips(f"{p.id}.split_spaces"):
        pieces = [q for piece in pieces
                  for q in split(piece, [(k, k + 1) for k in paragraphs.space_breaks(piece.text)],
                                  f"{p.id}.split_spaces")]
    elif not opts.skips("generic.split_spaces"):  # a line that holds several paragraphs, on any site
        pieces = [q for piece in pieces
                  for q in split(piece, [(k, k + 1) for k in paragraphs.joined_breaks(piece.text)],
                                  "generic.split_spaces")]
    for sp in p.splits:
        if opts.skips(sp.id):
            continue
        out = []
        for n, piece in enumerate(pieces):
            m = (sp.before or sp.after).search(piece.text) if not sp.within or n < sp.within else None
            at = (m.start() if sp.before else m.end()) if m else 0
            out.extend(split(piece, [gap(piece.text, at)], sp.id) if 0 < at < len(piece.text) else [piece])
        pieces = out
    if not opts.skips(HEADING_SPLIT):
        pieces = [q for n, piece in enumerate(pieces)
                  for q in split(piece, _heading_gaps(piece.text, n == 0), HEADING_SPLIT)]
    glued = profiles.generic().glued
    if glued is not None and not opts.skips(GLUED_HEADING):
        pieces = [q for piece in pieces for q in _unglue(piece, glued)]
    return [q for q in pieces if q.text]


CJK_BEFORE = re.compile(rf"[{HAN_RANGES}，。、；：！？）》”」』:;!?)]$")
HAN_AFTER = re.compile(rf"\s?[{HAN_RANGES}]{{4}}")
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
        after_title = first and start == 0 and title_like(head) and not NUMBERED.match(head)
        if after_sentence or after_heading or after_title:
            gaps.append(gap(text, at))
            start = at
    return gaps


def _unglue(piece: Piece, glued: re.Pattern[str]) -> list[Piece]:
    m = glued.match(piece.text)
    return split(piece, [gap(piece.text, m.end(1))], GLUED_HEADING) if m else [piece]


def simplified(pieces: list[Piece]) -> None:
    """--to-simplified: each changed run of characters an edit (OpenCC maps them one to one)."""
    for q in pieces:
        new = script.to_simplified(q.text)
        if len(new) != len(q.text):
            q.edits.append(Edit(STAGE, "generic.to_simplified", "", q.pos[0], q.pos[-1] + 1, q.text, new, "OpenCC t2s"))
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
            q.edits.append(Edit(STAGE, "generic.to_simplified", "", q.pos[k], q.pos[j - 1] + 1, q.text[k:j], new[k:j],
                                "OpenCC t2s"))
            k = j
        q.text = new
