"""Character-level diff of one block between two stages, with each change tied to the edits
that made it.

A Chinese paragraph is one long line, so a line diff only says "this paragraph changed". Here
``difflib`` compares characters, and the recorded edits are replayed on the older text to learn
which characters each rule touched: a change that no edit explains is reported as unrecorded,
which is how a stage that forgot to log an edit gets caught.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

CONTEXT = 8  # characters shown either side of a change

Op = tuple[str, str, str]  # (tag, old text, new text); tag as in difflib: equal/replace/delete/insert


@dataclass
class Placed:
    """An edit located in the older text: ``start``/``end`` index it (equal for an insertion);
    ``left``/``right`` are the characters around it when it was applied."""

    edit: dict[str, Any]
    start: int
    end: int
    left: str
    right: str


@dataclass
class Hunk:
    """One change in context: ``ops`` covers old[a_start:a_end] → new[b_start:b_end]."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    ops: list[Op]
    left: str  # context before, from the new text
    right: str  # context after
    edits: list[Placed] = field(default_factory=list)
    unrecorded: bool = False  # some changed characters (not just whitespace) are explained by no edit
    whitespace: bool = False  # only whitespace changed, and no edit says so: a line break, a space


def place_edits(old: str, edits: list[dict[str, Any]]) -> tuple[list[Placed], list[dict[str, Any]]]:
    """Replay ``edits`` (in order) on ``old``; return where each landed in ``old`` and those
    that could not be placed. An edit is found at its offsets or, failing that, at the first
    occurrence of its ``before`` text."""
    text = old
    origin: list[int | None] = list(range(len(old)))  # each current character's index in old
    placed: list[Placed] = []
    missing: list[dict[str, Any]] = []
    for e in edits:
        before, after = e.get("before", ""), e.get("after", "")
        s, t = int(e.get("start", 0)), int(e.get("end", 0))
        if not (0 <= s <= t <= len(text) and text[s:t] == before):
            s = text.find(before) if before else -1
            if s < 0:
                missing.append(e)
                continue
            t = s + len(before)
        kept = [o for o in origin[s:t] if o is not None]
        if kept:
            span = (min(kept), max(kept) + 1)
        else:
            anchor = next((o for o in origin[s:] if o is not None), len(old))
            span = (anchor, anchor)
        placed.append(Placed(e, span[0], span[1], text[max(0, s - CONTEXT):s], text[t:t + CONTEXT]))
        text = text[:s] + after + text[t:]
        origin = origin[:s] + [None] * len(after) + origin[t:]
    return placed, missing


def _touch(a: tuple[int, int], b: tuple[int, int]) -> bool:
    if a[0] == a[1] or b[0] == b[1]:
        return a[0] <= b[1] and b[0] <= a[1]
    return a[0] < b[1] and b[0] < a[1]


def hunks(old: str, new: str, placed: list[Placed]) -> list[Hunk]:
    """The changes from ``old`` to ``new``, each grown to cover the edits it overlaps."""
    codes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    changed = [(i1, i2) for tag, i1, i2, _, _ in codes if tag != "equal"]
    blank = {(i1, i2) for tag, i1, i2, j1, j2 in codes if tag != "equal" and not (old[i1:i2] + new[j1:j2]).strip()}
    items: list[tuple[tuple[int, int], Placed | None]] = [(c, None) for c in changed]
    items += [((p.start, p.end), p) for p in placed]
    items.sort(key=lambda it: it[0])
    groups: list[list[tuple[tuple[int, int], Placed | None]]] = []
    for it in items:
        for g in groups:
            if any(_touch(it[0], other[0]) for other in g):
                g.append(it)
                break
        else:
            groups.append([it])
    merged = True
    while merged:  # an item can bridge two groups formed before it arrived
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if any(_touch(x[0], y[0]) for x in groups[i] for y in groups[j]):
                    groups[i] += groups.pop(j)
                    merged = True
                    break
            if merged:
                break
    out = []
    for g in groups:
        a0, a1 = min(r[0] for r, _ in g), max(r[1] for r, _ in g)
        b0, b1 = _to_new(a0, codes, left=True), _to_new(a1, codes, left=False)
        ops = [(tag, old[a0 + i1:a0 + i2], new[b0 + j1:b0 + j2]) for tag, i1, i2, j1, j2 in
               SequenceMatcher(None, old[a0:a1], new[b0:b1], autojunk=False).get_opcodes()]
        edits = sorted((p for _, p in g if p is not None), key=lambda p: p.start)
        spans = [(p.start, p.end) for p in edits]
        unexplained = [r for r, p in g if p is None and not any(_touch(r, s) for s in spans)]
        unrecorded = any(r not in blank for r in unexplained)
        whitespace = not edits and all(r in blank for r, _ in g)
        out.append(Hunk(a0, a1, b0, b1, ops, new[max(0, b0 - CONTEXT):b0], new[b1:b1 + CONTEXT], edits,
                        unrecorded, whitespace))
    out.sort(key=lambda h: (h.a_start, h.a_end))
    return out


def _to_new(x: int, codes: list[tuple[str, int, int, int, int]], left: bool) -> int:
    """Map a group boundary in the old text to the new text. Groups contain whole changed
    runs, so a boundary lies in an unchanged run or on the edge of a changed one."""
    hits = [c for c in codes if c[1] <= x <= c[2]]
    for tag, i1, i2, j1, j2 in (hits if left else reversed(hits)):
        if tag == "equal":
            return j1 + x - i1
        if x == (i1 if left else i2):
            return j1 if left else j2
    return 0  # both texts empty
