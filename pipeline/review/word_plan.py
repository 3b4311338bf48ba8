"""What review.docx shows, planned from a build folder: each paragraph of the built DOCX as
the clean text plus the edits that made it (or a diff where edits do not replay), and each
warning anchored on its words."""
from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn
from lxml import etree

from pipeline.edit_ids import of as edit_id
from pipeline.model import Block, Document
from pipeline.errors import PipelineError
from pipeline.review.stagediff import BuildFolder

AUTHOR = "scrape2doc"
INITIALS = "S2D"
BOOKMARK = "_s2d_"  # a leading underscore: a hidden bookmark in Word, never listed to the user
HEADING = "render.heading-number"  # the renderer's 一、 before a heading: not an edit of the text
BREAK = "render.title-break"  # a line break in a long title: layout, the same in every view
UNRECORDED = "unrecorded"  # a change no edit explains (edits that do not replay): tracked, no id
STAGES_AFTER_CLEAN = ("restore", "structure")
# settings.xml children that come before w:trackRevisions (the schema's order).


@dataclass
class Tok:
    kind: str  # "eq", "ins" or "del"
    char: str
    edit: str = ""  # edit id, HEADING, BREAK, UNRECORDED, or "" for text no stage after clean touched


@dataclass
class Para:
    """One paragraph of the built DOCX and its character plan."""

    block: Block
    prefix: str  # what the renderer put before the block's text (a heading number)
    tokens: list[Tok]
    element: etree._Element | None = None  # the built DOCX's w:p (when planned from it)

    def text(self, keep: Any = lambda t: t.kind != "del") -> str:
        return "".join(t.char for t in self.tokens if keep(t))


@dataclass
class Plan:
    paragraphs: list[Para]
    edits: dict[str, dict[str, Any]]  # edit id → the edit (as in edits.jsonl)
    document: Any = None  # the built DOCX, opened (python-docx)
    final: Document | None = None
    unrecorded: list[str] = field(default_factory=list)  # blocks whose edits did not replay


def replay(clean: str, edits: list[dict[str, Any]]) -> list[Tok] | None:
    """The clean text with each edit replayed in order (offsets into the text just before the
    edit, as model.Edit records them); None when an edit does not find its ``before``."""
    toks = [Tok("eq", c) for c in clean]
    for e in edits:
        vis = [i for i, t in enumerate(toks) if t.kind != "del"]
        s, t = e["start"], e["end"]
        if not 0 <= s <= t <= len(vis) or "".join(toks[i].char for i in vis[s:t]) != e["before"]:
            return None
        eid = edit_id(e)
        at = vis[t - 1] + 1 if t > s else (vis[s] if s < len(vis) else len(toks))
        gone = set(vis[s:t])
        out: list[Tok] = []
        for i, tok in enumerate(toks):
            if i == at:
                out += [Tok("ins", c, eid) for c in e["after"]]
            if i in gone:
                if tok.kind == "eq":
                    out.append(Tok("del", tok.char, eid))
                # an insertion a later edit takes back is in neither view: dropped
            else:
                out.append(tok)
        if at >= len(toks):
            out += [Tok("ins", c, eid) for c in e["after"]]
        toks = out
    return toks


def diffed(clean: str, final: str) -> list[Tok]:
    """Fallback for a block whose edits do not replay: the character diff, as unrecorded changes."""
    toks: list[Tok] = []
    for tag, a1, a2, b1, b2 in SequenceMatcher(None, clean, final, autojunk=False).get_opcodes():
        if tag == "equal":
            toks += [Tok("eq", c) for c in clean[a1:a2]]
        else:
            toks += [Tok("del", c, UNRECORDED) for c in clean[a1:a2]]
            toks += [Tok("ins", c, UNRECORDED) for c in final[b1:b2]]
    return toks


def displayed_runs(p: etree._Element) -> list[tuple[str, etree._Element]]:
    """A built paragraph's characters, each with its run's properties (w:br is "\\n")."""
    out: list[tuple[str, etree._Element]] = []
    for r in p.iter(qn("w:r")):
        rpr = r.find(qn("w:rPr"))
        rpr = rpr if rpr is not None else etree.Element(qn("w:rPr"))
        for child in r:
            if child.tag == qn("w:t"):
                out += [(c, rpr) for c in child.text or ""]
            elif child.tag == qn("w:br"):
                out.append(("\n", rpr))
            elif child.tag == qn("w:tab"):
                out.append(("\t", rpr))
    return out


def built_docx(build: BuildFolder) -> Path:
    name = build.manifest.get("outputs", {}).get("docx")
    path = build.folder / name if name else None
    if path is None or not path.is_file():
        raise PipelineError("no DOCX in this build: build it with --formats docx first")
    return path


def plan(build: BuildFolder) -> Plan:
    """Every paragraph of the built DOCX with its character plan and run properties."""
    stages = build.stages
    final = build.model(stages[-1]) if stages else None
    clean = build.model("clean") if "clean" in stages else None
    if final is None or clean is None:
        raise PipelineError("the build folder lacks its clean or final stage model")
    path = built_docx(build)
    try:
        document = docx.Document(str(path))
    except Exception as e:  # python-docx raises many kinds on a damaged file
        raise PipelineError(f"{path.name}: cannot read the built DOCX: {e}") from e
    edits = [e for e in build.edits if e.get("stage") in STAGES_AFTER_CLEAN]
    by_block: dict[str, list[dict[str, Any]]] = {}
    for e in edits:
        by_block.setdefault(e.get("block", ""), []).append(e)
    before = {b.id: b.text for b in clean.body}
    blocks = list(final.body)
    result = Plan([], {edit_id(e): e for e in edits}, document, final)
    k = 0
    for p in document.element.body.iterchildren(qn("w:p")):
        display = displayed_runs(p)
        flat = "".join(c for c, _ in display if c != "\n")
        while k < len(blocks) and not flat.endswith(blocks[k].text.replace("\n", "")):
            k += 1  # a block the render left out (a dropped summary)
        if k == len(blocks):
            raise PipelineError(f"{path.name}: a paragraph matches no block of the final model ({flat[:30]}…)")
        b = blocks[k]
        k += 1
        prefix = flat[:len(flat) - len(b.text.replace("\n", ""))]
        toks = replay(before.get(b.id, ""), by_block.get(b.id, [])) if b.id in before else None
        if toks is None or "".join(t.char for t in toks if t.kind != "del") != b.text:
            toks = diffed(before.get(b.id, ""), b.text)
            result.unrecorded.append(b.id)
        toks = [Tok("ins", c, HEADING) for c in prefix] + toks
        result.paragraphs.append(Para(b, prefix, _with_breaks(toks, display), p))
    return result


def _with_breaks(toks: list[Tok], display: list[tuple[str, etree._Element]]) -> list[Tok]:
    """Put the display's line breaks (a long title's w:br) among the tokens, after the visible
    character they follow."""
    breaks: list[int] = []  # visible index before which a break stands
    j = 0
    for c, _ in display:
        if c == "\n":
            breaks.append(j)
        else:
            j += 1
    if not breaks:
        return toks
    out: list[Tok] = []
    j = 0
    for t in toks:
        if t.kind != "del":
            while breaks and breaks[0] == j:
                out.append(Tok("eq", "\n", BREAK))
                breaks.pop(0)
            j += 1
        out.append(t)
    out += [Tok("eq", "\n", BREAK) for _ in breaks]
    return out


@dataclass
class Note:
    """A comment to anchor: visible character range [start, end) of a paragraph, or the whole one."""

    para: int
    start: int | None
    end: int | None
    text: str


def notes(pl: Plan, warnings: list[dict[str, Any]]) -> list[Note]:
    """Every flag of the final model on the words it concerns; flags with no place (and the
    render's warnings) on the first paragraph as a whole."""
    assert pl.final is not None
    index = {p.block.id: i for i, p in enumerate(pl.paragraphs)}
    out: list[Note] = []
    flags = [dict(vars(f)) for f in pl.final.flags] + [w for w in warnings if w.get("stage") == "render"]
    for f in flags:
        level = "" if f.get("level", "warning") == "warning" else f" ({f.get('level')})"
        text = f"[{f.get('rule', '')}]{level} {f.get('message', '')}"
        i = index.get(f.get("block", ""))
        if i is None:
            out.append(Note(0, None, None, text))
            continue
        p = pl.paragraphs[i]
        body = p.block.text
        s, e, want = f.get("start", 0), f.get("end", 0), f.get("text", "")
        if not (want and 0 <= s < e <= len(body) and body[s:e] == want):
            s = body.find(want) if want else -1
            e = s + len(want)
        if s < 0 or e <= s:
            out.append(Note(i, None, None, text))
        else:
            out.append(Note(i, len(p.prefix) + s, len(p.prefix) + e, text))
    return out
