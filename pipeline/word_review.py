"""``review --docx``: the built DOCX handed to a reviewer in Word or WPS, with every change the
stages after clean made as a tracked change and every warning as a comment.

The document is the build folder's own DOCX (same styles, heading numbers, title breaks), its
paragraphs rewritten from a character plan: each paragraph's characters as they were after
clean, with each edit of restore and structure replayed on them (``eq`` kept, ``del`` removed by
an edit, ``ins`` added by one). Every ``del``/``ins`` run is a ``w:del``/``w:ins`` by author
``scrape2doc`` dated by the site's date (so the file is deterministic), so Accept All gives the
built DOCX's text and Reject All the clean stage's. The renderer's heading numbers (一、) are
insertions too, under ``render.heading-number``. Each edit's changes sit inside a bookmark
named ``_s2d_<edit id>``: w:id values are renumbered by every editor, bookmarks are kept by Word
and LibreOffice, so ``accept`` can tell which edits a reviewer rejected (see word_accept.py).
"""
from __future__ import annotations

import copy
import io
import os
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn
from lxml import etree

from .edit_ids import of as edit_id
from .model import Block, Document, PipelineError
from .ooxml import APP_XML, reproducible_zip
from .presentation import properties
from .stagediff import BuildFolder

AUTHOR = "scrape2doc"
INITIALS = "S2D"
BOOKMARK = "_s2d_"  # a leading underscore: a hidden bookmark in Word, never listed to the user
HEADING = "render.heading-number"  # the renderer's 一、 before a heading: not an edit of the text
BREAK = "render.title-break"  # a line break in a long title: layout, the same in every view
UNRECORDED = "unrecorded"  # a change no edit explains (edits that do not replay): tracked, no id
STAGES_AFTER_CLEAN = ("restore", "structure")
# settings.xml children that come before w:trackRevisions (the schema's order).
SETTINGS_BEFORE = {qn(f"w:{t}") for t in (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
    "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors",
    "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate",
    "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge",
    "revisionView")}


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


def _display(p: etree._Element) -> list[tuple[str, etree._Element]]:
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
        display = _display(p)
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


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return str(self.n)


def _el(tag: str, **attrs: str) -> etree._Element:
    el = etree.Element(qn(tag))
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    return el


def _run(rpr: etree._Element, text: str, deleted: bool) -> etree._Element:
    r = _el("w:r")
    r.append(copy.deepcopy(rpr))
    buf = ""
    tag = "w:delText" if deleted else "w:t"

    def flush() -> None:
        nonlocal buf
        if buf:
            t = etree.SubElement(r, qn(tag))
            t.text = buf
            if buf[0].isspace() or buf[-1].isspace():
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            buf = ""

    for c in text:
        if c in "\n\t":
            flush()
            etree.SubElement(r, qn("w:br" if c == "\n" else "w:tab"))
        else:
            buf += c
    flush()
    return r


def rewrite(para: Para, cuts: set[int], ids: _Ids, date: str) -> dict[int, etree._Element]:
    """Replace the paragraph's runs by runs, w:ins and w:del from its plan, split at the visible
    positions ``cuts`` (comment boundaries); returns visible index → the top-level element
    holding that character."""
    p = para.element
    assert p is not None
    display = [rpr for c, rpr in _display(p) if c != "\n"]
    ppr = p.find(qn("w:pPr"))
    for child in list(p):
        if child is not ppr:
            p.remove(child)
    # each token's run properties: a visible character's own; a deleted one's neighbour's
    props: list[etree._Element] = []
    vis = 0
    for t in para.tokens:
        if t.kind == "del" or t.edit == BREAK:
            props.append(display[min(vis, len(display) - 1)] if display else etree.Element(qn("w:rPr")))
        else:
            props.append(display[vis])
            vis += 1
    groups: list[tuple[str, str, etree._Element, str, int]] = []  # kind, edit, rPr, text, first visible index
    vis = 0
    for t, rpr in zip(para.tokens, props):
        visible = t.kind != "del" and t.edit != BREAK
        if (groups and groups[-1][0] == t.kind and groups[-1][1] == t.edit and groups[-1][2] is rpr
                and not (visible and vis in cuts)):
            k, e, r, text, first = groups[-1]
            groups[-1] = (k, e, r, text + t.char, first)
        else:
            groups.append((t.kind, t.edit, rpr, t.char, vis))
        vis += visible
    where: dict[int, etree._Element] = {}
    open_mark: tuple[str, str] | None = None  # (edit id, bookmark w:id)
    marked: set[str] = set()
    vis = 0
    for kind, edit, rpr, text, _first in groups:
        real = kind != "eq" and edit not in (HEADING, BREAK, UNRECORDED)
        if open_mark and (not real or edit != open_mark[0]):
            p.append(_el("w:bookmarkEnd", id=open_mark[1]))
            open_mark = None
        if real and open_mark is None and edit not in marked:
            bid = ids()
            p.append(_el("w:bookmarkStart", id=bid, name=BOOKMARK + edit))
            open_mark = (edit, bid)
            marked.add(edit)
        run = _run(rpr, text, kind == "del")
        if kind == "eq":
            top = run
        else:
            top = _el(f"w:{kind}", id=ids(), author=AUTHOR, date=date)
            top.append(run)
        p.append(top)
        if kind != "del":
            for c in text:
                if c != "\n" or edit != BREAK:
                    where[vis] = top
                    vis += 1
    if open_mark:
        p.append(_el("w:bookmarkEnd", id=open_mark[1]))
    return where


def _anchor(document: Any, p: etree._Element, where: dict[int, etree._Element], note: Note, date: str) -> None:
    comment = document.comments.add_comment(text=note.text, author=AUTHOR, initials=INITIALS)
    cid = str(comment.comment_id)
    comment._comment_elm.set(qn("w:date"), date)
    start = _el("w:commentRangeStart", id=cid)
    end = _el("w:commentRangeEnd", id=cid)
    ref = _el("w:r")
    etree.SubElement(ref, qn("w:commentReference")).set(qn("w:id"), cid)
    if note.start is None or note.end is None or note.start not in where or note.end - 1 not in where:
        ppr = p.find(qn("w:pPr"))
        if ppr is not None:
            ppr.addnext(start)
        else:
            p.insert(0, start)
        p.append(end)
        p.append(ref)
        return
    where[note.start].addprevious(start)
    last = where[note.end - 1]
    last.addnext(end)
    end.addnext(ref)


def _track_revisions(document: Any) -> None:
    """Turn Track Changes on, so a reviewer's own typing is tracked too."""
    settings = document.settings.element
    if settings.find(qn("w:trackRevisions")) is not None:
        return
    el = _el("w:trackRevisions")
    index = 0
    for i, child in enumerate(settings):
        if child.tag in SETTINGS_BEFORE:
            index = i + 1
    settings.insert(index, el)


def render_review_docx(build: BuildFolder) -> tuple[bytes, dict[str, int]]:
    """review.docx's bytes and counts of what it holds."""
    pl = plan(build)
    assert pl.final is not None
    created = properties(pl.final).created
    date = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    ns = notes(pl, build.warnings)
    cuts: dict[int, set[int]] = {}
    for n in ns:
        if n.start is not None and n.end is not None:
            cuts.setdefault(n.para, set()).update((n.start, n.end))
    ids = _Ids()
    wheres = [rewrite(p, cuts.get(i, set()), ids, date) for i, p in enumerate(pl.paragraphs)]
    for n in ns:
        if pl.paragraphs:
            _anchor(pl.document, pl.paragraphs[n.para].element, wheres[n.para], n, date)
    _track_revisions(pl.document)
    buf = io.BytesIO()
    pl.document.save(buf)
    data = reproducible_zip(buf.getvalue(), created, {"docProps/app.xml": APP_XML})
    body = pl.document.element.body
    counts = {"insertions": len(body.findall(f".//{qn('w:ins')}")),
              "deletions": len(body.findall(f".//{qn('w:del')}")),
              "edits": sum(1 for p in pl.paragraphs for e in {t.edit for t in p.tokens if t.kind != "eq"}
                           if e in pl.edits),
              "comments": len(ns)}
    return data, counts


def write_review_docx(build: BuildFolder, target: Path) -> dict[str, int]:
    """Write review.docx atomically; returns its counts."""
    data, counts = render_review_docx(build)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise PipelineError(f"cannot write {target}: {e.strerror or e}") from e
    return counts
