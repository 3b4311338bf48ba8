"""Clean: take the site's chrome off a scraped page, lift its metadata, find the paragraphs.

No site needs a rule of its own: the detected site's profile (if any) and the cross-site rules
and lexicon of ``rules/sites/generic.toml`` take what they know, each line's shape and the
page's body core decide the rest (chrome.py, classify.py; README "How clean decides"). Inside
the body only a rule removes anything. Chrome is not deleted: it becomes a chrome Block plus an
Edit (``after=""``) naming the rule, or for the context step a note saying why. Paragraph breaks this stage makes or removes are Edits too:
a split records ``before`` = the whitespace at the break (often "") and ``after="\\n"``; a join
records ``before="\\n"`` and ``after`` = the joiner ("" between CJK text).
Offsets in this stage's Edits and Block spans are into ``doc.raw``.
"""
from __future__ import annotations

import dataclasses

from pipeline.errors import PipelineError
from pipeline.model import Block, Document, Edit, Flag, Meta
from pipeline.options import Options
from pipeline.stages.clean import profiles, script, sitemeta
from pipeline.stages.clean.blocks import paragraphs_of, simplified
from pipeline.stages.clean.chrome import mark
from pipeline.stages.clean.page import GENERIC_RULES, STAGE, TITLE_PARTS, Page, Piece, Seg, lines
from pipeline.stages.clean.sitemeta import Lifter
from pipeline.stages.clean.title import fold_spaces

__all__ = ["GENERIC_RULES", "clean"]


def clean(doc: Document, opts: Options) -> Document:
    page_script = script.detect(doc.raw)
    generic = profiles.generic()
    glosses = [rx for r in generic.chrome if r.joins and not opts.skips(r.id) for rx in r.find]
    page_lines = lines(doc.raw, script.folder(page_script), glosses)
    profile, signals = profiles.detect("\n".join(ln.key for ln in page_lines))
    used = [profile] if profile is generic else [profile, generic]
    assert generic.lexicon is not None
    meta = Meta(site=profile.id, script=page_script)
    lifter = Lifter(meta, generic.title_strip)
    pg = Page(used, [r for p in used for r in p.chrome if not opts.skips(r.id)], generic.lexicon, lifter, opts)
    page_title = doc.info.get("ingest", {}).get("html_title", "")
    own_title = TITLE_PARTS.split(page_title)[0]  # sites put the document's title first
    pg.titles.add(fold_spaces(sitemeta.clean_title(own_title, generic.title_strip)))
    segs = mark(pg, page_lines)
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
    pieces = paragraphs_of(profile, segs, opts, meta)
    if opts.to_simplified and page_script == "traditional":
        simplified(pieces)
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
            edits += [dataclasses.replace(e, block=bid) for e in item.edits]

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
