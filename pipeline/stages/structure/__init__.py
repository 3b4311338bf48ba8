"""Structure stage: give a flat run of body blocks its shape back.

Classifies each body block as the title, the content farm's summary, a heading (with a level)
or a paragraph (with an optional bold run-in head), and records the rule that decided it in
Block.rule. It never changes the words: only kind, level, lead and rule. The evidence behind
the result (numbering, shape, summary, nothing) goes to doc.info["structure"] for the
manifest, and a structure found without headings is flagged as a guess.
"""
from __future__ import annotations

import copy
import dataclasses
import re
from difflib import SequenceMatcher

from pipeline.stages.structure import headings
from pipeline.stages.structure import runin
from pipeline.stages.structure import rules as structure_rules
from pipeline.model import Block, Document, Flag, Meta
from pipeline.options import Options
from pipeline.stages.structure.rules import Family, StructureRules

STAGE = "structure"
_NOT_WORDS = re.compile(r"[\W_]+")


def similarity(a: str, b: str) -> float:
    """How alike two phrases are, punctuation and spacing aside (开展 vs 发展 still ≈ 0.93)."""
    a, b = _NOT_WORDS.sub("", a), _NOT_WORDS.sub("", b)
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def is_summary(text: str, r: StructureRules) -> bool:
    """编者按:本文主要从……具体材料请详见: — the farm's template, not the author's words."""
    return bool(r.summary_start.match(text)) and any(m in text for m in r["summary"]["marks"])


def summary_topics(text: str, r: StructureRules) -> list[str]:
    """The section headings the summary names, in order (本文主要从 A;B;C;进行讲述)."""
    m = r.summary_topics.search(text)
    if not m:
        return []
    return [t.strip() for t in r.topic_separator.split(m.group("topics")) if t.strip()]


def named_in(text: str, topics: list[str], r: StructureRules) -> bool:
    """True when the summary names this heading (its wording may differ slightly)."""
    return any(similarity(text, t) >= r["summary"]["min_similarity"] for t in topics)


def find_title(first: Block, meta: Meta, r: StructureRules, opts: Options) -> tuple[str, float | None] | None:
    """(rule, similarity to the site's title) when the first block is the title."""
    cfg = r["title"]
    site = r.site_prefix.sub("", meta.title) if meta.title else ""
    sim = round(similarity(first.text, site), 3) if site else None
    if sim is not None and sim >= cfg["min_similarity"] and not opts.skips(cfg["site_id"]):
        return cfg["site_id"], sim
    if (not opts.skips(cfg["shape_id"]) and headings.heading_words(first.text, r, cfg["max_chars"])
            and not headings.has_sentence(first.text, r)):
        return cfg["shape_id"], sim
    return None


def find_headings(content: list[Block], topics: list[str], r: StructureRules,
                  opts: Options) -> dict[int, Family | None]:
    """Index in ``content`` → numbering family of each heading (None: found by shape)."""
    found: dict[int, Family | None] = {}
    texts = [b.text for b in content]
    nxt: list[str | None] = [*texts[1:], None]
    for i, text in enumerate(texts):
        n = headings.numbering(text, r)
        if n is None or opts.skips(n[0].id) or not headings.is_numbered_heading(text, n[1], r):
            continue
        # 1.会议时间。 followed by 2.……: a numbered list, not a heading over a section.
        if headings.ends_sentence(text, r) and (nxt[i] is None or _family(nxt[i], r) == n[0]):
            continue
        found[i] = n[0]
    top = r["numbered"]["top_rank"]
    if any(f.rank <= top for f in found.values()) or opts.skips(r["shape"]["id"]):
        return found  # the document numbers its top level: an unnumbered line is no heading
    for i, text in enumerate(texts):
        if i in found or headings.numbering(text, r) or not headings.is_shape_candidate(text, r):
            continue
        if not headings.opens_section(nxt[i], r):
            continue
        # Right under the title a short line is as likely a byline or subtitle: only the
        # summary's word makes it a heading there.
        if i == 0 and not named_in(text, topics, r):
            continue
        found[i] = None
    return dict(sorted(found.items()))


def _family(text: str, r: StructureRules) -> Family | None:
    n = headings.numbering(text, r)
    return n[0] if n else None


def find_leads(content: list[Block], heads: dict[int, Family | None], r: StructureRules,
               opts: Options) -> dict[int, tuple[str, str]]:
    """Index in ``content`` → (lead, rule) for paragraphs that open with a run-in head."""
    cfg = r["lead"]
    out: dict[int, tuple[str, str]] = {}
    sections: list[list[int]] = [[]]
    for i in range(len(content)):
        if i in heads:
            sections.append([])
        else:
            sections[-1].append(i)
    for section in sections:
        leads: list[str | None] = []
        for i in section:
            text = content[i].text
            n = headings.numbering(text, r)
            if n is None:
                leads.append(runin.candidate(text, r))
                continue
            leads.append(None)  # a numbered paragraph breaks a run of unnumbered siblings
            lead = runin.candidate(text, r, start=len(n[1]))
            if lead and not opts.skips(cfg["numbered_id"]):
                out[i] = (lead, cfg["numbered_id"])
        if opts.skips(cfg["parallel_id"]):
            continue
        for i, lead, ok in zip(section, leads, runin.parallel_leads(leads, r)):
            if ok and lead:
                out[i] = (lead, cfg["parallel_id"])
    return out


def structure(doc: Document, opts: Options) -> Document:
    """Classify the body blocks of a copy of ``doc``; the input is left as it was."""
    doc = dataclasses.replace(doc, meta=copy.deepcopy(doc.meta), blocks=[copy.copy(b) for b in doc.blocks],
                              edits=list(doc.edits), flags=list(doc.flags), info=copy.deepcopy(doc.info),
                              stages=list(doc.stages))  # the fields this stage changes, copied
    r = structure_rules.load()
    body = doc.body
    for b in body:
        b.kind, b.level, b.lead, b.rule = "paragraph", 0, "", r["paragraph"]["id"]
    flags: list[Flag] = []

    title = None
    if body and not is_summary(body[0].text, r):
        title = find_title(body[0], doc.meta, r, opts)
    if title:
        body[0].kind, body[0].rule = "title", title[0]
    elif body:
        flags.append(Flag(STAGE, r["title"]["shape_id"], "no title found: the first block reads as body text",
                          block=body[0].id, level="info"))
    if title and title[1] is not None and title[1] < r["title"]["min_similarity"]:
        flags.append(Flag(STAGE, title[0], "the title differs from the site's title",
                          block=body[0].id, text=doc.meta.title, level="info"))

    summary = None
    start = 1 if title else 0
    if not opts.skips(r["summary"]["id"]):
        for b in body[start:start + r["summary"]["max_position"] + 1]:
            if is_summary(b.text, r):
                summary, b.kind, b.rule = b, "summary", r["summary"]["id"]
                break
    topics = summary_topics(summary.text, r) if summary else []

    content = [b for b in body if b.kind == "paragraph"]
    heads = find_headings(content, topics, r, opts)
    levels = headings.levels([f for f in heads.values() if f], below_shape=None in heads.values())
    for i, fam in heads.items():
        b = content[i]
        b.kind, b.level = "heading", (1 if fam is None else levels[fam.id])
        b.rule = r["shape"]["id"] if fam is None else fam.id
    leads = find_leads(content, heads, r, opts)
    for i, (lead, rule) in leads.items():
        content[i].lead, content[i].rule = lead, rule

    heading_blocks = [content[i] for i in heads]
    matched = [t for t in topics if any(named_in(h.text, [t], r) for h in heading_blocks)]
    for t in topics:
        if t not in matched:
            flags.append(Flag(STAGE, r["summary"]["id"], "the summary names a section that was not found as a heading",
                              block=summary.id if summary else "", text=t, level="info"))
    by_numbering = sum(1 for f in heads.values() if f)
    by_shape = len(heads) - by_numbering
    if not heads and len(doc.body_text()) >= r["guess"]["min_chars"]:
        flags.append(Flag(STAGE, r["guess"]["id"],
                          "no headings found in a long document: its structure is a guess (paragraphs only)"))
    evidence = "+".join(e for e, n in (("numbering", by_numbering), ("shape", by_shape)) if n) or "none"
    doc.info[STAGE] = {
        "evidence": evidence,
        "title": {"block": body[0].id, "rule": title[0], "site_title_similarity": title[1]} if title else None,
        "summary": {"block": summary.id, "topics": len(topics), "topics_found": len(matched)} if summary else None,
        "headings": {
            "by_numbering": by_numbering,
            "by_shape": by_shape,
            "confirmed_by_summary": sum(1 for h in heading_blocks if named_in(h.text, topics, r)),
            "levels": {str(lv): sum(1 for b in heading_blocks if b.level == lv)
                       for lv in sorted({b.level for b in heading_blocks})},
        },
        "run_in_heads": {
            "by_parallel_form": sum(1 for _, rule in leads.values() if rule == r["lead"]["parallel_id"]),
            "by_numbering": sum(1 for _, rule in leads.values() if rule == r["lead"]["numbered_id"]),
        },
        "paragraphs": sum(1 for b in body if b.kind == "paragraph"),
    }
    doc.flags.extend(flags)
    doc.stages.append(STAGE)
    return doc
