"""Proposed changes and findings on one block's text, and how to apply them.

The restore detectors (punctuation, swaps, numbers) all look at the block text as restore
received it, so their proposals share one coordinate system. ``apply`` then performs them
right to left: each change's offsets stay valid for the text as it was just before that
change, which is the contract of ``model.Edit``; replaying the edits in list order
reproduces the restored text.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipeline import rules
from pipeline.errors import PipelineError



@dataclass(frozen=True)
class Facts:
    """What a detector may know of the whole document besides the block it looks at."""

    gate: Any  # swaps.Gate: the spinner's fingerprints in this document
    era: tuple[str, int] | None  # the document's own year (numbers.era)
    skips: Callable[[str], bool]  # Options.skips: rules a reviewer rejected


@dataclass(frozen=True)
class Detector:
    """A restore detector: a module with ``propose(text, facts) -> (changes, findings)`` on the
    block as restore received it, and/or ``check(text, facts) -> findings`` on the restored block."""

    name: str  # the owner the rule files' ids map to (owned_rules)
    prefixes: tuple[str, ...]  # the rule id families it runs
    module: str

    def hook(self, phase: Literal["propose", "check"]) -> Callable[..., Any] | None:
        return getattr(importlib.import_module(self.module), phase, None)


# The registry, in run order: a new detector is one module and one line here. Its prefixes are
# the one place the rule id families are spelt, so a rule with a mistyped prefix is an error
# instead of a rule no detector ever runs.
DETECTORS = (
    Detector("punctuation", ("punct.", "quote."), "pipeline.stages.restore.punctuation"),
    Detector("swaps", ("swap.",), "pipeline.stages.restore.swaps"),
    Detector("numbers", ("num.", "meta.", "text."), "pipeline.stages.restore.numbers"),
)
OWNERS = {prefix: d.name for d in DETECTORS for prefix in d.prefixes}


@dataclass(frozen=True)
class Change:
    """A proposed edit: replace text[start:end] (== before) with after."""

    rule: str
    start: int
    end: int
    before: str
    after: str
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """A proposed flag: something to review, never changed."""

    rule: str
    start: int
    end: int
    text: str
    message: str
    level: Literal["warning", "info"] = "warning"


def apply(text: str, changes: list[Change]) -> tuple[str, list[Change]]:
    """Apply non-overlapping changes right to left; returns the new text and the changes in
    the order they were applied (each one's offsets valid at the moment it was applied)."""
    ordered = sorted(changes, key=lambda c: c.start, reverse=True)
    limit = len(text)
    for c in ordered:
        if c.end > limit or text[c.start:c.end] != c.before:
            raise ValueError(f"overlapping or stale change {c}")
        limit = c.start
        text = text[:c.start] + c.after + text[c.end:]
    return text, ordered


def shift(pos: int, changes: list[Change]) -> int:
    """Map an offset in the original text to the text after ``changes`` were applied."""
    delta = 0
    for c in changes:
        if c.end <= pos:
            delta += len(c.after) - len(c.before)
    return pos + delta


def remap(findings: list[Finding], changes: list[Change], text: str) -> list[Finding]:
    """Move findings made on the original text onto the restored text (what the reviewer sees)."""
    out = []
    for f in findings:
        start, end = shift(f.start, changes), shift(f.end, changes)
        out.append(Finding(f.rule, start, end, text[start:end], f.message, f.level))
    return out


# The tables a restore file may hold (each detector reads its own).
RESTORE_TABLES = frozenset({"rule", "family", "gate", "lexicon", "collocation", "cjk", "mask"})


def owned_rules(owner: str, keys: frozenset[str]) -> list[tuple[Path, dict[str, Any]]]:
    """The [[rule]] tables of the restore files that ``owner`` runs, in file order, each with its
    file; ``keys`` are the keys its rules may have. Every rule in every file must have a unique
    id claimed by some detector."""
    out: list[tuple[Path, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for path, data in rules.load("restore"):
        check = rules.Checker(path)
        check.keys(data, RESTORE_TABLES, "the file")
        for i, r in enumerate(data.get("rule", [])):
            rid = r.get("id") if isinstance(r, dict) else None
            if not isinstance(rid, str) or not rid:
                raise PipelineError(f"{path.name}: rule {i} has no id")
            claim = next((o for prefix, o in OWNERS.items() if rid.startswith(prefix)), None)
            if claim is None:
                raise PipelineError(f"{path.name}: rule {rid}: no restore detector runs this id "
                                    f"(it must start with one of {', '.join(OWNERS)})")
            if rid in seen:
                raise PipelineError(f"{path.name}: rule {rid}: id already used in {seen[rid]}")
            seen[rid] = path.name
            if claim == owner:
                check.keys(r, keys, f"rule {rid}")
                out.append((path, r))
    return out


def require(path: Path, r: dict[str, Any], keys: tuple[str, ...]) -> None:
    """A one-line error naming the file and rule when a rule lacks a key its detector reads."""
    if missing := [k for k in keys if k not in r]:
        raise PipelineError(f"{path.name}: rule {r['id']}: missing {', '.join(missing)}")
