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
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn
from lxml import etree

from pipeline.render.ooxml import APP_XML, reproducible_zip
from pipeline.render.presentation import properties
from pipeline.review.stagediff import BuildFolder

from pipeline.review.word_plan import AUTHOR, BOOKMARK, BREAK, HEADING, INITIALS, UNRECORDED, Note, Para, displayed_runs, notes, plan

SETTINGS_BEFORE = {qn(f"w:{t}") for t in (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
    "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors",
    "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate",
    "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge",
    "revisionView")}


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
    display = [rpr for c, rpr in displayed_runs(p) if c != "\n"]
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
    from pipeline.run.artifacts import write_file

    data, counts = render_review_docx(build)
    write_file(target, data)
    return counts
