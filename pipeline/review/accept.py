"""``accept``: read back what a reviewer did to review.docx (or the decisions file the HTML review
page saves) and make it hold: rejected edits go into the page's overrides file as
``reject_edits``, and the document is rebuilt without them.

How a decision is read: each edit's changes sit in a bookmark ``_s2d_<edit id>``. Whatever the
reviewer did, the bookmark's text (pending insertions counted, pending deletions not) is the
edit's ``after`` when it is accepted or still pending: kept; its ``before`` when it was rejected;
anything else was retyped by the reviewer: kept as built and reported as not taken. A bookmark
whose id is no edit of the build is reported and applied nowhere. Text the reviewer typed
outside the edits is compared paragraph by paragraph with what the decisions give, and every
difference is reported as not taken.
"""
from __future__ import annotations

import io
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, TextIO

from docx.oxml.ns import qn
from lxml import etree

from pipeline.errors import PipelineError
from pipeline.run.overrides import add_rejections, overrides_path, reject_edits
from pipeline.review.terminal import edit_label, shown
from pipeline.review.stagediff import BuildFolder
from pipeline.review.word import BOOKMARK, HEADING, Para, plan

DEL_TAGS = {qn("w:del"), qn("w:moveFrom")}


def _document_xml(data: bytes, name: str) -> etree._Element:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("word/document.xml")
        return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, huge_tree=True))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as e:
        raise PipelineError(f"{name}: not a readable DOCX ({e})") from e


def _in(el: etree._Element, tags: set[str], stop: etree._Element) -> bool:
    while el is not None and el is not stop:
        if el.tag in tags:
            return True
        el = el.getparent()
    return False


@dataclass
class Read:
    """One paragraph as the reviewer left it (pending changes accepted) and its bookmarks."""

    text: str
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)  # bookmark name → (start, end)


def read_paragraphs(root: etree._Element, mode: str = "accept") -> list[Read]:
    """The body's paragraphs with every pending change accepted (``mode="accept"``) or rejected
    (``"reject"``); a w:br is "\\n", a w:tab "\\t". Bookmarks are kept by name."""
    body = root.find(qn("w:body"))
    out: list[Read] = []
    if body is None:
        return out
    for p in body.iter(qn("w:p")):
        if _in(p.getparent(), {qn("w:txbxContent"), qn("w:comment"), qn("w:footnote")}, body):
            continue
        text: list[str] = []
        starts: dict[str, tuple[str, int]] = {}
        marks: dict[str, tuple[int, int]] = {}
        for el in p.iter():
            tag = el.tag
            if tag == qn("w:bookmarkStart"):
                starts[el.get(qn("w:id"), "")] = (el.get(qn("w:name"), ""), len(text))
            elif tag == qn("w:bookmarkEnd") and el.get(qn("w:id"), "") in starts:
                name, s = starts.pop(el.get(qn("w:id"), ""))
                marks[name] = (s, len(text))
            elif tag in (qn("w:t"), qn("w:delText"), qn("w:br"), qn("w:tab"), qn("w:cr")):
                deleted = _in(el, DEL_TAGS, p)
                inserted = _in(el, {qn("w:ins"), qn("w:moveTo")}, p)
                if (mode == "accept" and deleted) or (mode == "reject" and inserted):
                    continue
                if tag in (qn("w:t"), qn("w:delText")):
                    text.append(el.text or "")
                else:
                    text.append("\t" if tag == qn("w:tab") else "\n")
        joined = "".join(text)
        # offsets were counted in pieces: turn them into character offsets
        lengths = [0]
        for piece in text:
            lengths.append(lengths[-1] + len(piece))
        out.append(Read(joined, {n: (lengths[s], lengths[e]) for n, (s, e) in marks.items()}))
    return out


def docx_text(data: bytes, mode: str = "accept", name: str = "DOCX") -> list[str]:
    """Each body paragraph's text with all changes accepted or rejected (line breaks dropped)."""
    return [r.text.replace("\n", "") for r in read_paragraphs(_document_xml(data, name), mode)]


@dataclass
class Decisions:
    kept: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    retyped: list[str] = field(default_factory=list)  # the reviewer changed an edit's words
    stale: list[str] = field(default_factory=list)  # bookmarks naming no edit of this build
    unmarked: list[str] = field(default_factory=list)  # edits whose bookmark is gone: kept
    not_taken: list[str] = field(default_factory=list)  # the reviewer's own changes, reported


def _edit_text(para: Para, eid: str, kind: str) -> str:
    return "".join(t.char for t in para.tokens if t.edit == eid and t.kind == kind)


def _following(para: Para, eid: str, limit: int = 8) -> str:
    """The unchanged text right after an edit, up to the next change (at most ``limit`` characters)."""
    last = max(i for i, t in enumerate(para.tokens) if t.edit == eid)
    out = ""
    for t in para.tokens[last + 1:]:
        if t.kind != "eq" or len(out) >= limit:
            break
        out += t.char
    return out


def decide(build: BuildFolder, data: bytes, name: str) -> tuple[Decisions, dict[str, dict[str, Any]]]:
    """What the reviewer did to review.docx, edit by edit, and the edits of this build by id."""
    pl = plan(build)
    reads = read_paragraphs(_document_xml(data, name))
    d = Decisions()
    owner = {t.edit: p for p in pl.paragraphs for t in p.tokens if t.edit in pl.edits}
    seen: set[str] = set()
    for r in reads:
        for mark, (s, e) in r.marks.items():
            if not mark.startswith(BOOKMARK):
                continue
            eid = mark[len(BOOKMARK):]
            seen.add(eid)
            if eid not in owner:
                d.stale.append(eid)
                continue
            got = r.text[s:e].replace("\n", "")
            para = owner[eid]
            after, before = _edit_text(para, eid, "ins"), _edit_text(para, eid, "del")
            # Read from the bookmark's start, with the text that follows the edit: LibreOffice
            # writes a bookmark's end one character early for each comment before it in the
            # paragraph. The end decides only when the start cannot.
            follow = _following(para, eid)
            kept = r.text.startswith(after + follow, s)
            rejected = r.text.startswith(before + follow, s)
            if kept != rejected:
                (d.kept if kept else d.rejected).append(eid)
            elif got == after:
                d.kept.append(eid)
            elif got == before:
                d.rejected.append(eid)
            else:
                d.retyped.append(eid)
                d.not_taken.append(f"{para.block.id}: {edit_label(pl.edits[eid])} retyped as "
                                   f"「{shown(got, 30)}」: kept as built")
    d.unmarked = sorted(eid for eid in owner if eid not in seen)
    rejected = set(d.rejected)

    def decided(t: Any) -> bool:
        if t.kind == "eq":
            return True
        if t.edit in pl.edits:
            return (t.kind == "del") == (t.edit in rejected)
        return t.kind == "ins"  # heading numbers and unrecorded changes: as built

    expected = [p.text(decided).replace("\n", "") for p in pl.paragraphs]
    actual = [r.text.replace("\n", "") for r in reads]
    d.not_taken += _differences(pl.paragraphs, expected, actual, {e for e in d.retyped})
    return d, pl.edits


def _differences(paras: list[Para], expected: list[str], actual: list[str], retyped: set[str]) -> list[str]:
    """The reviewer's own changes: paragraph by paragraph, what differs from the decisions."""
    out: list[str] = []
    sm = SequenceMatcher(None, expected, actual, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        pairs = list(zip(range(i1, i2), range(j1, j2)))
        for i, j in pairs:
            para = paras[i]
            if any(t.edit in retyped for t in para.tokens):
                continue  # already reported as a retyped edit
            if para.prefix and actual[j] == expected[i][len(para.prefix):]:
                out.append(f"{para.block.id}: heading number 「{para.prefix}」 removed [{HEADING}]: the renderer "
                           "adds it; rebuild with --no-heading-numbers to drop all of them")
                continue
            out.append(f"{para.block.id}: {_change(expected[i], actual[j])}")
        for i in range(i1 + len(pairs), i2):
            out.append(f"{paras[i].block.id}: paragraph deleted 「{shown(expected[i], 30)}」")
        for j in range(j1 + len(pairs), j2):
            out.append(f"new paragraph 「{shown(actual[j], 30)}」")
    return out


def _change(old: str, new: str) -> str:
    parts = []
    for tag, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            left = old[max(0, a1 - 6):a1]
            gone, added = old[a1:a2], new[b1:b2]
            parts.append(f"…{left}" + (f"[-{gone}-]" if gone else "") + (f"{{+{added}+}}" if added else "") + "…")
    return "; ".join(parts[:5]) + (f"; and {len(parts) - 5} more" if len(parts) > 5 else "")


def _decisions_file(path: Path) -> list[str]:
    """The edit ids a decisions file (saved by the HTML review page) rejects."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise PipelineError(f"{path}: {e}") from e
    return sorted(reject_edits(data, path.name))


def accept_command(folder: Path, reviewed: Path, page: Path | None, rebuild: Any,
                   out: TextIO | None = None) -> int:
    """Record the rejections of ``reviewed`` (review.docx or a decisions .toml) beside the page,
    then ``rebuild(page)`` the document (returns an exit status). Reports on ``out``."""
    out = out or sys.stdout
    build = BuildFolder(folder)
    page = page or Path(build.manifest.get("input", ""))
    if not page.is_file():
        raise PipelineError(f"the page {page} this folder was built from is not found: pass --input PATH")
    if reviewed.suffix.lower() == ".toml":
        edits = {e.get("id") or "": e for e in build.edits}
        rejected = _decisions_file(reviewed)
        d = Decisions(rejected=[i for i in rejected if i in edits], stale=[i for i in rejected if i not in edits])
    else:
        try:
            data = reviewed.read_bytes()
        except OSError as e:
            raise PipelineError(f"{reviewed}: cannot read: {e.strerror or e}") from e
        d, edits = decide(build, data, reviewed.name)
        print(f"{reviewed.name}: {len(d.kept)} edits kept, {len(d.rejected)} rejected, "
              f"{len(d.retyped)} retyped (kept as built)", file=out)
    for eid in d.rejected:
        print(f"rejected {eid}  {edits[eid].get('block', '')}  {edit_label(edits[eid])}", file=out)
    for eid in d.stale:
        print(f"not applied: edit {eid} is no edit of this build (rebuilt since the review?)", file=out)
    for eid in d.unmarked:
        print(f"kept: edit {eid} ({edit_label(edits[eid])}) lost its bookmark in the reviewed file", file=out)
    for line in d.not_taken:
        print(f"not taken: {line}", file=out)
    target = overrides_path(page)
    labels = {eid: f"{edits[eid].get('block', '')} {edit_label(edits[eid])}" for eid in d.rejected}
    new = add_rejections(target, labels)
    if new:
        print(f"wrote {target}: {len(new)} edit(s) added to reject_edits", file=out)
    else:
        print(f"{target}: no new rejections", file=out)
    inside = reviewed.resolve().parent == folder.resolve()
    keep = reviewed.read_bytes() if inside else b""
    status = rebuild(page)
    if inside and not reviewed.exists():  # the rebuild replaced the folder: the reviewer's file stays
        tmp = reviewed.with_name(f".{reviewed.name}.tmp")
        tmp.write_bytes(keep)
        tmp.replace(reviewed)
    return status
