"""What changed between two stages of a build folder, block by block, with the rule behind
each change: the structured diff that both ``diff`` (terminal) and ``review`` (HTML) show.

Blocks are followed by id through the stage models (ids are stable after clean). The ingested
text has no blocks, so against it a block is compared with the ingested span it came from
when clean recorded spans, and otherwise the two stage views are aligned line by line.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import Path
from typing import Any

from pipeline.stages import STAGE_NAMES, STAGES
from pipeline.run.artifacts import EDITS, MANIFEST, read_manifest
from pipeline.review.chardiff import CONTEXT, Hunk, Placed, hunks, place_edits
from pipeline.model import Block, Document
from pipeline.errors import PipelineError

SPLITTER = "clean"  # the stage whose edit offsets index the ingested text (see model.Edit)


def documents(folder: Path) -> list[Path]:
    """``folder`` itself when it is one document's build folder, else its document subfolders
    in name order (a build root such as ``build/``)."""
    if (folder / MANIFEST).is_file():
        return [folder]
    if not folder.is_dir():
        raise PipelineError("no such build folder")
    docs = sorted(p for p in folder.iterdir() if p.is_dir() and (p / MANIFEST).is_file())
    if not docs:
        raise PipelineError(f"not a build folder: no {MANIFEST} in it or in its subfolders")
    return docs


class BuildFolder:
    """One document's build folder, read back for review."""

    def __init__(self, folder: Path) -> None:
        manifest = read_manifest(folder)
        if manifest is None:
            raise PipelineError(f"{folder}: no readable {MANIFEST}")
        self.folder = folder
        self.manifest: dict[str, Any] = manifest
        self._models: dict[str, Document | None] = {}

    @property
    def name(self) -> str:
        return self.folder.name

    def _file(self, stage: str, kind: str) -> Path | None:
        entry = self.manifest.get("stages", {}).get(stage, {})
        s = STAGES[STAGE_NAMES.index(stage)]
        default = f"{s.stem}.json" if kind == "model" else f"{s.stem}.{s.view}"
        path = self.folder / entry.get(kind, default)
        return path if path.is_file() else None

    @cached_property
    def stages(self) -> list[str]:
        """The stages this folder holds an artifact of, in pipeline order."""
        return [s for s in STAGE_NAMES if self._file(s, "model") or self._file(s, "view")]

    def model(self, stage: str) -> Document | None:
        if stage not in self._models:
            path = self._file(stage, "model")
            try:
                self._models[stage] = Document.from_json(path.read_text(encoding="utf-8")) if path else None
            except (OSError, UnicodeDecodeError, PipelineError) as e:
                raise PipelineError(f"{path}: cannot read the stage model: {e}") from e
        return self._models[stage]

    def view(self, stage: str) -> str:
        path = self._file(stage, "view")
        return path.read_text(encoding="utf-8") if path else ""

    @cached_property
    def edits(self) -> list[dict[str, Any]]:
        """edits.jsonl, each edit with its line number (0-based) as ``index``."""
        path = self.folder / self.manifest.get("edits", {}).get("file", EDITS)
        if not path.is_file():
            return []
        out = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            try:
                e = json.loads(line)
            except ValueError as err:
                raise PipelineError(f"{path.name} line {n + 1}: not JSON ({err})") from err
            out.append({**e, "index": len(out)})
        return out

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return list(self.manifest.get("warnings", []))


@dataclass
class Unit:
    """One block (or, without models, one run of lines) in both stages."""

    id: str
    old: str
    new: str
    hunks: list[Hunk]
    note: str = ""  # what else happened to it: a new kind, removal as chrome, …


@dataclass
class Removed:
    """Site chrome taken out of the body, with the profile rule that matched it."""

    block: str
    rule: str
    text: str


@dataclass
class PairDiff:
    a: str
    b: str
    units: list[Unit]
    chrome: list[Removed] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)  # edits found in no block
    by_line: bool = False  # aligned by line, not by block id

    @property
    def changed(self) -> list[Unit]:
        return [u for u in self.units if u.hunks or u.note]


def stage_pairs(build: BuildFolder, stages: list[str]) -> list[tuple[str, str]]:
    """The pairs to compare: the two named stages, or each consecutive pair present."""
    if not stages:
        have = build.stages
        return list(zip(have, have[1:]))
    if len(stages) != 2:
        raise PipelineError(f"give two stages or none, not {len(stages)}")
    for s in stages:
        if s not in STAGE_NAMES:
            raise PipelineError(f"unknown stage {s!r}; stages are {', '.join(STAGE_NAMES)}")
    a, b = stages
    if STAGE_NAMES.index(a) >= STAGE_NAMES.index(b):
        raise PipelineError(f"{a} does not come before {b}; stages run {' → '.join(STAGE_NAMES)}")
    for s in (a, b):
        if s not in build.stages:
            raise PipelineError(f"{build.name} has no {s} artifact")
    return [(a, b)]


def pair_diff(build: BuildFolder, a: str, b: str) -> PairDiff:
    """Every change from stage ``a``'s artifact to stage ``b``'s, tied to the edits of the
    stages after ``a`` up to ``b``."""
    between = STAGE_NAMES[STAGE_NAMES.index(a) + 1:STAGE_NAMES.index(b) + 1]
    edits = [e for e in build.edits if e.get("stage") in between]
    ma, mb = build.model(a), build.model(b)
    chrome = _removed_chrome(ma, mb, edits)
    if ma and mb and ma.blocks and mb.blocks:
        diff = _by_block(a, b, ma, mb, edits)
    elif mb and mb.body and all(x.span for x in mb.blocks) and (ma or build.view(a)):
        raw = ma.raw if ma else build.view(a)
        diff = _by_span(a, b, raw, mb, edits)
    else:
        diff = _by_line(a, b, build.view(a), build.view(b), edits)
    diff.chrome = chrome
    chrome_ids = {r.block for r in chrome}
    diff.missing = [e for e in diff.missing if e.get("block") not in chrome_ids]
    return diff


def _removed_chrome(ma: Document | None, mb: Document | None, edits: list[dict[str, Any]]) -> list[Removed]:
    """Blocks that are chrome in ``b`` but were not in ``a``, and removal edits (after="")
    outside ``b``'s body, for a folder whose models lack the chrome blocks."""
    was = {x.id for x in ma.chrome} if ma else set()
    out = [Removed(x.id, x.rule, x.text) for x in (mb.chrome if mb else []) if x.id not in was]
    seen = {r.block for r in out} | was
    body = {x.id for x in mb.body} if mb else set()
    for e in edits:
        blk = e.get("block", "")
        if e.get("after") == "" and e.get("before", "").strip() and blk not in body and blk not in seen:
            out.append(Removed(blk, e.get("rule", ""), e["before"]))
            seen.add(blk)
    return out


def _unit(uid: str, old: str, new: str, edits: list[dict[str, Any]], note: str = "") -> tuple[Unit, list[dict[str, Any]]]:
    placed, missing = place_edits(old, edits)
    return Unit(uid, old, new, hunks(old, new, placed), note), missing


def _by_block(a: str, b: str, ma: Document, mb: Document, edits: list[dict[str, Any]]) -> PairDiff:
    by_block: dict[str, list[dict[str, Any]]] = {}
    for e in edits:
        by_block.setdefault(e.get("block", ""), []).append(e)
    old, new = ma.body, mb.body
    units: list[Unit] = []
    missing: list[dict[str, Any]] = []
    ids_b = {x.id: x for x in mb.blocks}
    codes = SequenceMatcher(None, [x.id for x in old], [x.id for x in new], autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            for x, y in zip(old[i1:i2], new[j1:j2]):
                unit, miss = _unit(x.id, x.text, y.text, by_block.pop(x.id, []), _attributes(x, y))
                units.append(unit)
                missing += miss
            continue
        for x in old[i1:i2]:
            gone = ids_b.get(x.id)
            note = f"removed as chrome [{gone.rule}]" if gone else "block dropped"
            unit, miss = _unit(x.id, x.text, "", by_block.pop(x.id, []), note)
            units.append(unit)
            missing += miss
        for y in new[j1:j2]:
            unit, miss = _unit(y.id, "", y.text, by_block.pop(y.id, []), f"new block [{y.rule}]" if y.rule else "new block")
            units.append(unit)
            missing += miss
    missing += [e for es in by_block.values() for e in es]
    missing.sort(key=lambda e: e["index"])
    return PairDiff(a, b, units, missing=missing)


def _attributes(x: Block, y: Block) -> str:
    """A block's changed kind, level or bold lead, with the rule that classified it."""
    parts = []
    if (x.kind, x.level) != (y.kind, y.level):
        parts.append(f"{_kind(x)} → {_kind(y)}")
    if x.lead != y.lead:
        parts.append(f"lead 「{y.lead}」" if y.lead else "lead removed")
    if parts and y.rule:
        parts.append(f"[{y.rule}]")
    return " ".join(parts)


def _kind(x: Block) -> str:
    return f"{x.kind} {x.level}" if x.kind == "heading" else x.kind


def _by_span(a: str, b: str, raw: str, mb: Document, edits: list[dict[str, Any]]) -> PairDiff:
    """Each block against the ingested text it came from; clean's offsets are into that text.
    A clean edit in the uncovered gap beside its block (the space a paragraph was split at)
    is shown at that edge of the block."""
    units: list[Unit] = []
    missing: list[dict[str, Any]] = []
    covered = [False] * len(raw)
    for x in mb.blocks:
        s, t = x.span or (0, 0)
        covered[s:t] = [True] * (t - s)
    for x in mb.body:
        s, t = x.span or (0, 0)
        lo, hi = s, t
        while lo > 0 and not covered[lo - 1]:
            lo -= 1
        while hi < len(raw) and not covered[hi]:
            hi += 1
        inside, edges = [], []
        for e in edits:
            if e.get("block") != x.id:
                continue
            if e.get("stage") != SPLITTER:
                inside.append(e)
            elif s <= e["start"] <= e["end"] <= t:
                inside.append({**e, "start": e["start"] - s, "end": e["end"] - s})
            elif lo <= e["start"] <= e["end"] <= hi and raw[e["start"]:e["end"]] == e.get("before"):
                edges.append(e)
            else:
                missing.append(e)
        unit, miss = _unit(x.id, raw[s:t], x.text, inside)
        unit.hunks = [_edge(raw, e, unit, at_start=e["end"] <= s) for e in edges] + unit.hunks
        unit.hunks.sort(key=lambda h: h.a_start)
        units.append(unit)
        missing += miss
    body_ids = {x.id for x in mb.body}
    missing += [e for e in edits if e.get("block") not in body_ids]
    i = 0
    while i < len(raw):  # ingested text that no block holds: it would vanish unseen
        if covered[i]:
            i += 1
            continue
        j = i
        while j < len(raw) and not covered[j]:
            j += 1
        if raw[i:j].strip():
            lead = len(raw[i:j]) - len(raw[i:j].lstrip())
            unit, _ = _unit(f"@{i + lead}", raw[i:j].strip(), "", [], "in no block")
            units.append(unit)
        i = j
    missing.sort(key=lambda e: e["index"])
    return PairDiff(a, b, units, missing=missing)


def _edge(raw: str, e: dict[str, Any], unit: Unit, at_start: bool) -> Hunk:
    """An edit made just outside a block, shown at the block's start or end."""
    s, t = e["start"], e["end"]
    a, b = (0, 0) if at_start else (len(unit.old), len(unit.new))
    left, right = raw[max(0, s - CONTEXT):s], raw[t:t + CONTEXT]
    tag = "replace" if e.get("before") and e.get("after") else ("delete" if e.get("before") else "insert")
    return Hunk(a, a, b, b, [(tag, e.get("before", ""), e.get("after", ""))], left, right,
                [Placed(e, a, a, left, right)])


def _by_line(a: str, b: str, view_a: str, view_b: str, edits: list[dict[str, Any]]) -> PairDiff:
    """Without models, align the views by line and find each edit by its text, keeping only
    edits that land on a change (the same words may occur in unchanged places too)."""
    la = [(n, ln) for n, ln in enumerate(view_a.splitlines(), 1) if ln.strip()]
    lb = [ln for ln in view_b.splitlines() if ln.strip()]
    units: list[Unit] = []
    pool = list(edits)
    codes = SequenceMatcher(None, [ln for _, ln in la], lb, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            units += [Unit(f"L{n}", ln, ln, []) for n, ln in la[i1:i2]]
            continue
        old, new = "\n".join(ln for _, ln in la[i1:i2]), "\n".join(lb[j1:j2])
        placed, pool = place_edits(old, pool)
        found = hunks(old, new, placed)
        stray = [p for h in found if all(op[0] == "equal" for op in h.ops) for p in h.edits]
        if stray:
            placed = [p for p in placed if p not in stray]
            pool = sorted(pool + [p.edit for p in stray], key=lambda e: e["index"])
            found = hunks(old, new, placed)
        units.append(Unit(f"L{la[i1][0]}" if i1 < len(la) else f"L{len(la) + 1}", old, new, found))
    return PairDiff(a, b, units, missing=pool, by_line=True)
