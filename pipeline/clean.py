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

from . import paragraphs, profiles
from .model import Block, Document, Edit, Flag, Meta, PipelineError
from .options import Options
from .profiles import EXTENSION, ChromeRule, Profile

STAGE = "clean"
BULLET = re.compile(r"^[•●▪◦]\s*")
META_SEPARATORS = re.compile(r"[\s|•·,，;；/]*")
DATE = re.compile(r"(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})")
KEYWORD_TOKEN = re.compile(r"[^\s。，、；：！？,.;:!?]{1,16}")


@dataclass
class Line:
    start: int  # offset of the stripped text in doc.raw
    text: str  # the line without surrounding whitespace
    key: str  # text without a leading bullet: what rules match
    blank_before: bool


@dataclass
class Seg:
    """A run of the page: chrome (rule set) or body (rule empty)."""

    start: int
    text: str
    rule: ChromeRule | None = None
    rule_id: str = ""
    blank_before: bool = False
    claimed: bool = False  # taken by the next line's claim_previous rule


@dataclass
class Piece:
    """A body paragraph being assembled: its text and, per character, its offset in raw."""

    text: str
    pos: list[int]
    edits: list[tuple[str, int, int, str, str, str]] = field(default_factory=list)  # rule, start, end, before, after, note


def _lines(raw: str) -> list[Line]:
    out, offset, blank = [], 0, False
    for line in raw.split("\n"):
        text = line.strip()
        if text:
            out.append(Line(offset + line.index(text), text, BULLET.sub("", text), blank))
            blank = False
        else:
            blank = bool(out)
        offset += len(line) + 1
    return out


def _value(name: str, value: str) -> str | int | None:
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
        return value.replace(" ", "")
    if name == "title":
        return EXTENSION.sub("", value) or None
    return value or None


class _Lifter:
    """Fills Meta from the page: the first value a field gets wins, later equal values agree."""

    def __init__(self, meta: Meta):
        self.meta = meta

    def agrees(self, name: str, value: str) -> bool:
        v = _value(name, value)
        current = getattr(self.meta, name)
        return v is not None and (current in ("", None) or current == v)

    def lift(self, name: str, value: str | None) -> None:
        v = _value(name, value or "")
        if v is None or getattr(self.meta, name) not in ("", None):
            return
        setattr(self.meta, name, v)
        if name == "filename" and not self.meta.title:
            self.meta.title = EXTENSION.sub("", v)


def _meta_line(p: Profile, key: str, lifter: _Lifter) -> dict[str, str] | None:
    """The fields a line holds if it is made only of the profile's label:value pairs, else None."""
    spans, values = [], {}
    for name, pats in p.meta.items():
        for rx in pats:
            for m in rx.finditer(key):
                spans.append(m.span())
                if name != "other" and name not in values:
                    values[name] = m[1]
    if not spans:
        return None
    rest, last = [], 0
    for a, b in sorted(spans):
        rest.append(key[last:a] if a > last else "")
        last = max(last, b)
    rest.append(key[last:])
    if not META_SEPARATORS.fullmatch("".join(rest)):
        return None
    if not all(lifter.agrees(n, v) for n, v in values.items()):
        return None  # a second, different filename or ID is body text, not the site's label
    return values


def _keywords(key: str, title: str) -> list[str] | None:
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


def _classify(p: Profile, lines: list[Line], opts: Options, lifter: _Lifter) -> list[Seg]:
    """Walk the page line by line: each line is chrome by the first rule that takes it, a
    metadata line, or body (with inline chrome such as page markers cut out of it).

    The page's head (before the first body line) and tail (after a footer signal, an
    ``ends_body`` rule) are where chrome lives; ``edges_only`` rules, whose words a body could
    also use ("温馨提示：", "相关文档"), fire only there."""
    rules = [r for r in p.chrome if not opts.skips(r.id)]
    line_rules = [r for r in rules if not r.find]
    find_rules = [r for r in rules if r.find]
    meta_rule = f"{p.id}.meta"
    segs: list[Seg] = []
    follow: ChromeRule | None = None
    follow_left = 0
    repeat: tuple[ChromeRule, str] | None = None
    body_lines = 0  # the head is everything before the first body line
    tail = False  # after a footer signal

    for i, ln in enumerate(lines):
        head = body_lines == 0
        edge = head or tail
        nxt = lines[i + 1].key if i + 1 < len(lines) else None
        rule = None
        if repeat and ln.key == repeat[1]:
            rule = repeat[0]
        repeat = None
        for r in line_rules if rule is None else ():
            if (r.head_only and not head) or (r.edges_only and not edge):
                continue
            if r.match:
                m = next((m for rx in r.match if (m := rx.fullmatch(ln.key))), None)
                if m:
                    for name, value in m.groupdict().items():
                        lifter.lift(name, value)
                    rule = r
            elif r.keywords:
                tokens = _keywords(ln.key, lifter.meta.title)
                if tokens:
                    lifter.meta.keywords = tokens
                    rule = r
            elif r.repeated and ln.key == nxt:
                rule, repeat = r, (r, ln.key)
            if rule:
                break
        if rule is None and follow and follow_left > 0 and follow.follow and follow.follow.fullmatch(ln.key):
            rule = follow
            follow_left -= 1
        elif rule is not None:
            follow, follow_left = (rule, rule.follow_max) if rule.follow else (None, 0)
        else:
            follow = None

        if rule is not None:
            tail = tail or rule.ends_body
            if rule.claim_previous and segs and segs[-1].rule_id == "":
                prev = segs[-1]
                prev.rule, prev.rule_id, prev.claimed = rule, rule.id, True
                lifter.lift(rule.claim_previous, prev.text)
                body_lines -= 1
            segs.append(Seg(ln.start, ln.text, rule, rule.id, ln.blank_before))
            continue
        if head and not opts.skips(meta_rule) and (values := _meta_line(p, ln.key, lifter)) is not None:
            for name, value in values.items():
                lifter.lift(name, value)
            segs.append(Seg(ln.start, ln.text, None, meta_rule, ln.blank_before))
            continue
        cut = _cut_inline(ln, [r for r in find_rules if (head or not r.head_only) and (edge or not r.edges_only)],
                          lifter)
        body_lines += any(s.rule_id == "" for s in cut)
        tail = tail or any(s.rule and s.rule.ends_body for s in cut)
        segs.extend(cut)
    _unclaim_lone_title(segs)
    return segs


def _unclaim_lone_title(segs: list[Seg]) -> None:
    """A line a ``claim_previous`` rule took (lifting it as the title) goes back to the body
    when the body does not start with that line again: it is the document's only title line."""
    body = [s for s in segs if s.rule_id == ""]
    for s in segs:
        if s.claimed and not (body and body[0].text.startswith(s.text)):
            s.rule, s.rule_id, s.claimed = None, "", False


def _cut_inline(ln: Line, rules: list[ChromeRule], lifter: _Lifter) -> list[Seg]:
    """A line with page markers or prompts inside it: those become chrome, the rest stays body."""
    hits: list[tuple[int, int, ChromeRule]] = []
    for r in rules:
        for rx in r.find:
            for m in rx.finditer(ln.text):
                if m.end() > m.start():
                    hits.append((m.start(), m.end(), r))
                    for name, value in m.groupdict().items():
                        lifter.lift(name, value)
    out, last, blank = [], 0, ln.blank_before
    for a, b, r in sorted(hits, key=lambda h: (h[0], -h[1])):
        if a < last:
            continue  # overlaps a hit already taken
        body = ln.text[last:a]
        if body.strip():
            out.append(Seg(ln.start + last + len(body) - len(body.lstrip()), body.strip(), blank_before=blank))
            blank = False
        out.append(Seg(ln.start + a, ln.text[a:b], r, r.id, blank))
        blank, last = False, b
    body = ln.text[last:]
    if body.strip():
        out.append(Seg(ln.start + last + len(body) - len(body.lstrip()), body.strip(), blank_before=blank))
    return out


def _pieces(p: Profile, segs: list[Seg], opts: Options) -> list[Piece]:
    """Body segments → paragraphs: join hard-wrapped lines, then split at the profile's breaks."""
    body = [(i, s) for i, s in enumerate(segs) if s.rule_id == ""]
    join_rule = f"{p.id}.join_wrapped"
    wrapped = (paragraphs.wrapped([s.text for _, s in body])
               if p.join_wrapped and not opts.skips(join_rule) else set())
    pieces: list[Piece] = []
    for n, (i, s) in enumerate(body):
        pos = list(range(s.start, s.start + len(s.text)))
        if n and (n - 1) in wrapped and not s.blank_before and not paragraphs.starts_paragraph(s.text):
            between = segs[body[n - 1][0] + 1:i]
            if all(b.rule and b.rule.page_break and not b.blank_before for b in between):
                last = pieces[-1]
                glue = paragraphs.joiner(last.text, s.text)
                note = f"across {len(between)} page marker(s)" if between else ""
                last.edits.append((join_rule, last.pos[-1] + 1, s.start, "\n", glue, note))
                last.text += glue + s.text
                last.pos += [s.start] * len(glue) + pos
                continue
        pieces.append(Piece(s.text, pos))

    if p.split_spaces and not opts.skips(f"{p.id}.split_spaces"):
        pieces = [q for piece in pieces
                  for q in _split(piece, [(k, k + 1) for k in paragraphs.space_breaks(piece.text)],
                                  f"{p.id}.split_spaces")]
    for sp in p.splits:
        if opts.skips(sp.id):
            continue
        out = []
        for n, piece in enumerate(pieces):
            m = (sp.before or sp.after).search(piece.text) if not sp.within or n < sp.within else None
            at = (m.start() if sp.before else m.end()) if m else 0
            out.extend(_split(piece, [_gap(piece.text, at)], sp.id) if 0 < at < len(piece.text) else [piece])
        pieces = out
    return [q for q in pieces if q.text]


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
        next(q for q in reversed(parts) if q.pos[0] <= e[1]).edits.insert(0, e)
    return parts


def clean(doc: Document, opts: Options) -> Document:
    lines = _lines(doc.raw)
    profile, signals = profiles.detect("\n".join(ln.key for ln in lines))
    meta = Meta(site=profile.id)
    lifter = _Lifter(meta)
    segs = _classify(profile, lines, opts, lifter)
    if not any(s.rule_id == "" for s in segs):
        raise PipelineError(f"no body text: every line of the page is site chrome ({profile.id} profile)")
    meta.site_name = meta.site_name or profile.name
    page_title = doc.info.get("ingest", {}).get("html_title", "")
    if page_title and not meta.title and not opts.skips(f"{profile.id}.html_title"):
        # The saved page's <title>: metadata only, so the body never holds the title twice.
        lifter.lift("title", next((m[1] for rx in profile.html_title if (m := rx.fullmatch(page_title))), None))
    pieces = _pieces(profile, segs, opts)

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
            edits.append(Edit(STAGE, item.rule_id, bid, start, end, item.text, ""))
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
        "chrome_blocks": sum(b.layer == "chrome" for b in blocks),
        "body_blocks": len(pieces),
        "body_chars": body_chars,
        "splits": sum(e.after == "\n" for e in edits),
        "joins": sum(e.before == "\n" for e in edits),
        "truncated": bool(flags),
    }
    return out
