"""Restore stage: undo what the site did to the words, flag what cannot be undone.

The detectors of ``changes.DETECTORS`` look at each body block as restore received it:
punctuation (ASCII folds and 〞 quotes), word swaps (gated per document) and numbers (flag only). Their proposals share one
coordinate system and never overlap (punctuation is never Han), so they are applied together,
right to left: every Edit's offsets are into the block text as it was just before that edit,
and replaying a block's edits in list order rebuilds the restored text. Flags point into the
restored text, which is what the reviewer reads.
"""
from __future__ import annotations

import dataclasses
from collections import Counter

from pipeline.stages.restore import numbers
from pipeline.stages.restore import swaps
from pipeline.stages.restore.changes import DETECTORS, Change, Facts, Finding, apply, remap
from pipeline.model import Block, Document, Edit, Flag
from pipeline.options import Options
from pipeline.edit_ids import edit_id

STAGE = "restore"


def restore(doc: Document, opts: Options) -> Document:
    """The stage function: a new Document with restored body text, edits and flags."""
    if not opts.restore:
        return dataclasses.replace(doc, stages=[*doc.stages, STAGE])
    body_texts = [b.text for b in doc.body]
    gate = swaps.gate(body_texts)
    doc_era = numbers.era(body_texts)
    edits: list[Edit] = []
    flags: list[Flag] = []
    blocks: list[Block] = []
    rejected: set[str] = set()
    for block in doc.blocks:
        if block.layer != "body":
            blocks.append(block)
            continue
        text, block_edits, block_flags = restore_text(block.text, block.id, gate, doc_era, opts, rejected)
        edits += block_edits
        flags += block_flags
        blocks.append(dataclasses.replace(block, text=text) if block_edits else block)
    if not opts.skips("meta.title-year") and doc.body:
        own = next((b for b in doc.body if b.kind == "title"), doc.body[0])
        f = numbers.title_year(doc.meta.title, own.text)
        if f is not None:
            flags.append(_flag(f, ""))
    for stale in sorted(opts.reject_edits - rejected):  # reported, never applied to other words
        flags.append(Flag(STAGE, "review.stale-decision", f"a rejected edit {stale} (in the overrides file) "
                          "matches no edit of this build: the decision was not applied", text=stale))
    info = dict(doc.info)
    info[STAGE] = {
        "gate": gate.as_info(),
        "era": list(doc_era) if doc_era else None,
        "edits": dict(sorted(Counter(e.rule for e in edits).items())),
        "flags": dict(sorted(Counter(f.rule for f in flags).items())),
        **({"rejected": sorted(rejected)} if opts.reject_edits else {}),
    }
    return dataclasses.replace(doc, blocks=blocks, edits=[*doc.edits, *edits], flags=[*doc.flags, *flags],
                               info=info, stages=[*doc.stages, STAGE])


def restore_text(text: str, block_id: str, gate: swaps.Gate, doc_era: tuple[str, int] | None,
                 opts: Options, rejected: set[str] | None = None) -> tuple[str, list[Edit], list[Flag]]:
    """Restore one block's text; returns the new text, its edits (in application order) and flags.
    A change whose edit id a reviewer rejected (``opts.reject_edits``) is not made; its id is
    added to ``rejected``."""
    facts = Facts(gate, doc_era, opts.skips)
    changes: list[Change] = []
    proposed: list[Finding] = []
    for d in DETECTORS:
        if propose := d.hook("propose"):
            c, f = propose(text, facts)
            changes += c
            proposed += f
    if opts.reject_edits:
        changes = [c for c in changes if not _rejected(c, block_id, opts, rejected)]
    new_text, applied = apply(text, changes)
    findings: list[Finding] = remap(proposed, applied, new_text)
    for d in DETECTORS:
        if check := d.hook("check"):
            findings += check(new_text, facts)
    edits = [Edit(STAGE, c.rule, block_id, c.start, c.end, c.before, c.after, c.note) for c in applied]
    flags = [_flag(f, block_id) for f in sorted(findings, key=lambda f: (f.start, f.rule))]
    return new_text, edits, flags


def _rejected(c: Change, block_id: str, opts: Options, rejected: set[str] | None) -> bool:
    eid = edit_id(STAGE, c.rule, block_id, c.start, c.end, c.before, c.after)
    if eid not in opts.reject_edits:
        return False
    if rejected is not None:
        rejected.add(eid)
    return True


def _flag(f: Finding, block_id: str) -> Flag:
    return Flag(STAGE, f.rule, f.message, block_id, f.start, f.end, f.text, f.level)
