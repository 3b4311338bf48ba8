"""``diff`` and ``review``: show a reviewer what each stage did to a document, every change
with the rule that made it, before they trust the DOCX.

FOLDER is one document's build folder (it holds manifest.json) or a build root whose
subfolders are documents, reviewed in name order. Unknown or misordered stage names raise
PipelineError (exit 1 with a one-line reason), like every other bad input.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from pipeline.review.chardiff import CONTEXT, Hunk
from pipeline.review.stagediff import STAGE_NAMES, BuildFolder, PairDiff, Unit, documents, pair_diff, stage_pairs

RED, GREEN, CYAN, DIM, BOLD, RESET = "\033[31m", "\033[32m", "\033[36m", "\033[2m", "\033[1m", "\033[0m"
LONG = 60  # longer deleted or inserted runs are shown by their ends


def use_color(color: str, out: TextIO) -> bool:
    """``auto`` colours a terminal only, and honours NO_COLOR (no-color.org)."""
    if color == "auto":
        return out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    return color == "always"


class Painter:
    """ANSI colours on a terminal; wdiff-style ``[-old-]{+new+}`` markers when piped."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color and text else text

    def deleted(self, text: str) -> str:
        return self._wrap(RED, text) if self.color else f"[-{text}-]"

    def inserted(self, text: str) -> str:
        return self._wrap(GREEN, text) if self.color else f"{{+{text}+}}"

    def rule(self, text: str) -> str:
        return self._wrap(CYAN, text)

    def dim(self, text: str) -> str:
        return self._wrap(DIM, text)

    def bold(self, text: str) -> str:
        return self._wrap(BOLD, text)


def shown(text: str, limit: int = LONG) -> str:
    """Text on one terminal line: newlines visible, long runs cut in the middle."""
    if text and not text.strip():
        text = text.replace(" ", "␣")  # a lone space must show
    text = text.replace("\n", "⏎").replace("\t", "⇥")
    if len(text) > limit:
        half = limit // 2 - 1
        text = f"{text[:half]}…{text[-half:]}"
    return text


def edit_label(e: dict[str, Any]) -> str:
    """``开展→发展 [swap.fazhan]``: an edit as the reviewer reads it."""
    before, after = shown(e.get("before", ""), 30) or "∅", shown(e.get("after", ""), 30) or "∅"
    return f"{before}→{after} [{e.get('rule', '?')}]"


def hunk_line(unit: Unit, h: Hunk, p: Painter) -> str:
    """``b0017  …科学[-开-]{+发+}展观…   开展→发展 [swap.fazhan]``"""
    left = ("…" if len(h.left) == CONTEXT else "") + shown(h.left)
    right = shown(h.right) + ("…" if len(h.right) == CONTEXT else "")
    middle = ""
    for tag, old, new in h.ops:
        if tag == "equal":
            middle += shown(old)
            continue
        if old:
            middle += p.deleted(shown(old))
        if new:
            middle += p.inserted(shown(new))
    notes = [p.rule(edit_label(x.edit)) for x in h.edits]
    if h.unrecorded:
        notes.append(p.bold("(no edit recorded)"))
    elif h.whitespace:
        notes.append(p.dim("(whitespace)"))
    return f"{unit.id}  {p.dim(left)}{middle}{p.dim(right)}   {'; '.join(notes)}"


def print_pair(doc: str, d: PairDiff, p: Painter, out: TextIO) -> None:
    changes = sum(len(u.hunks) for u in d.units)
    blocks = sum(1 for u in d.units if u.hunks)
    how = ", aligned by line" if d.by_line else ""
    print(p.bold(f"== {doc}: {d.a} → {d.b}: {changes} changes in {blocks} blocks{how} =="), file=out)
    for u in d.changed:
        if u.note:
            print(f"{u.id}  {p.rule(u.note)}", file=out)
        for h in u.hunks:
            print(hunk_line(u, h, p), file=out)
    if d.chrome:
        print(p.bold(f"removed chrome ({len(d.chrome)}):"), file=out)
        for r in d.chrome:
            print(f"  {r.block}  {p.rule(f'[{r.rule}]')}  {p.deleted(shown(r.text))}", file=out)
    if d.missing:
        print(p.bold(f"edits not found in their block ({len(d.missing)}):"), file=out)
        for e in d.missing:
            print(f"  {e.get('stage', '?')} {e.get('block', '?')}  {p.rule(edit_label(e))}", file=out)
    print(file=out)


def print_stat(doc: str, build: BuildFolder, diffs: list[PairDiff], out: TextIO) -> None:
    """Per pair: how much changed; then the edits counted per stage and rule."""
    print(doc, file=out)
    for d in diffs:
        hunks = [h for u in d.units for h in u.hunks]
        parts = [f"{len(hunks)} changes in {sum(1 for u in d.units if u.hunks)} blocks"]
        unrecorded = sum(h.unrecorded for h in hunks)
        if unrecorded:
            parts.append(f"{unrecorded} with no edit recorded")
        if notes := sum(1 for u in d.units if u.note):
            parts.append(f"{notes} blocks reclassified")
        if d.chrome:
            parts.append(f"{len(d.chrome)} chrome removed")
        print(f"  {d.a} → {d.b}: {', '.join(parts)}", file=out)
    covered = set(STAGE_NAMES[STAGE_NAMES.index(diffs[0].a) + 1:STAGE_NAMES.index(diffs[-1].b) + 1]) if diffs else set()
    counts = Counter((e.get("stage", "?"), e.get("rule", "?")) for e in build.edits if e.get("stage") in covered)
    width = max((len(r) for _, r in counts), default=0)
    for (stage, rule), n in sorted(counts.items(), key=lambda kv: (_order(kv[0][0]), kv[0][1])):
        print(f"  {stage:<10} {rule:<{width}} {n:>5}", file=out)
    print(f"  {'edits':<10} {'':<{width}} {sum(counts.values()):>5}", file=out)


def _order(stage: str) -> int:
    return STAGE_NAMES.index(stage) if stage in STAGE_NAMES else len(STAGE_NAMES)


def diff_command(folder: Path, stages: list[str], stat: bool = False, color: str = "auto",
                 out: TextIO | None = None) -> int:
    """Print the character-level diff (or ``--stat``) of each document under ``folder``."""
    out = out or sys.stdout
    p = Painter(use_color(color, out))
    try:
        for path in documents(folder):
            build = BuildFolder(path)
            diffs = [pair_diff(build, a, b) for a, b in stage_pairs(build, stages)]
            if stat:
                print_stat(build.name, build, diffs, out)
            else:
                for d in diffs:
                    print_pair(build.name, d, p, out)
        out.flush()
    except BrokenPipeError:  # `… | head` closed the pipe: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def review_command(folder: Path, output: Path | None, docx: bool = False) -> int:
    """Write each document's review page: ``FOLDER/review.html`` for one document (or
    OUTPUT), ``<doc>/review.html`` under a build root (or ``OUTPUT/<doc>.html``). With
    ``docx``, review.docx instead (tracked changes and comments, see review/word.py)."""
    from pipeline.review.page import write_review
    from pipeline.review.word import write_review_docx

    docs = documents(folder)
    single = docs == [folder]
    ext = "docx" if docx else "html"
    for path in docs:
        if output is None:
            target = path / f"review.{ext}"
        else:
            target = output if single else output / f"{path.name}.{ext}"
        if docx:
            counts = write_review_docx(BuildFolder(path), target)
            print(f"{target}: {counts['edits']} edits as tracked changes, {counts['comments']} warnings as comments")
        else:
            write_review(BuildFolder(path), target)
            print(target)
    return 0

