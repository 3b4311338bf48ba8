"""Undo a content spinner's word swaps (开展 for 发展, 效劳 for 服务, 那么 for 则 …).

The swapped forms are also real words (开展活动, 系统工程, 参加会议), so nothing here is a
blind replacement: every rule in ``rules/restore/swaps.toml`` decides from the clause around
the match (collocation lists, a score for 开展), guarded by neighbour characters and jieba
token boundaries, and only inside a document whose fingerprints show the spinner was at work.
Weak evidence means a flag or nothing, never an edit.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from . import rules
from .changes import Change, Finding, owned_rules
from .model import PipelineError
from .punctuation import SENTENCE_FINAL

Action = Literal["restore", "keep", "flag"]
# A cue looks within the clause (left/right) or the sentence (before/after); for cues a
# semicolon closes a sentence too.
SENTENCE_ENDS = frozenset(SENTENCE_FINAL + "；;\n")
CLAUSE_ENDS = SENTENCE_ENDS | frozenset("，、：,:()（）…\t ")


@dataclass(frozen=True)
class Context:
    """The text around one match: L/R within the clause, before/after within the sentence."""

    left: str
    right: str
    before: str
    after: str
    block: str


def _ends(text: str, words: tuple[str, ...], marker: str) -> str | None:
    for w in words:
        if (w == marker and text == "") or (w != marker and text.endswith(w)):
            return w
    return None


def _starts(text: str, words: tuple[str, ...], marker: str) -> str | None:
    for w in words:
        if (w == marker and text == "") or (w != marker and text.startswith(w)):
            return w
    return None


@dataclass(frozen=True)
class Cond:
    """One condition of a rule (see the header of swaps.toml); all given fields must hold."""

    left: tuple[str, ...] = ()
    left_not: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    right_not: tuple[str, ...] = ()
    left_has: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    before_not: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    left_re: re.Pattern[str] | None = None
    right_re: re.Pattern[str] | None = None
    block_re: re.Pattern[str] | None = None
    object: dict[str, Any] | None = None
    action: Action = "restore"
    weight: int = 0
    note: str = ""

    @classmethod
    def parse(cls, d: dict[str, Any], where: str, path: Any = None) -> Cond:
        lists = ("left", "left_not", "right", "right_not", "left_has", "before", "before_not", "after")
        known = set(lists) | {"left_re", "right_re", "block_re", "object", "action", "weight", "note"}
        if unknown := set(d) - known:
            raise PipelineError(f"{where}: unknown condition field(s) {sorted(unknown)}")
        if d.get("action", "restore") not in ("restore", "keep", "flag"):
            raise PipelineError(f"{where}: action must be restore, keep or flag")
        kw: dict[str, Any] = {k: tuple(d[k]) for k in lists if k in d}
        for k in ("left_re", "right_re", "block_re"):
            if k in d:
                kw[k] = rules.compile_rule(d[k], path)
        for k in ("object", "action", "weight", "note"):
            if k in d:
                kw[k] = d[k]
        return cls(**kw)

    def test(self, c: Context) -> str | None:
        """The cue that matched (for the edit's note), or None."""
        cues: list[str] = []
        checks: list[tuple[tuple[str, ...], Any]] = [
            (self.left, lambda: _ends(c.left, self.left, "^")),
            (self.right, lambda: _starts(c.right, self.right, "$")),
            (self.left_has, lambda: next((w for w in self.left_has if w in c.left), None)),
            (self.before, lambda: next((w for w in self.before if w in c.before), None)),
            (self.after, lambda: next((w for w in self.after if w in c.after), None)),
        ]
        for given, check in checks:
            if given:
                hit = check()
                if hit is None:
                    return None
                cues.append(hit)
        if self.left_not and _ends(c.left, self.left_not, "^"):
            return None
        if self.right_not and _starts(c.right, self.right_not, "$"):
            return None
        if self.before_not and any(w in c.before for w in self.before_not):
            return None
        for pat, text, how in ((self.left_re, c.left, "search"), (self.right_re, c.right, "match"),
                               (self.block_re, c.block.strip(), "fullmatch")):
            if pat is not None:
                m = getattr(pat, how)(text)
                if not m:
                    return None
                cues.append(m.group(0) or "∅")
        if self.object is not None:
            hit = self._object(c.right)
            if hit is None:
                return None
            cues.append(hit)
        return "+".join(cues) or "·"

    def _object(self, right: str) -> str | None:
        """An activity object within a few characters (开展…活动), not a noun compound."""
        o = self.object or {}
        for k in range(int(o.get("within", 3)) + 1):
            if any(ch in o.get("gap_not", "") for ch in right[:k]):
                return None
            for w in o.get("words", []):
                if right.startswith(w, k) and not any(right.startswith(u, k + len(w)) for u in o.get("unless", [])):
                    return w
        return None


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    pattern: re.Pattern[str]
    replace: str
    mode: str
    confidence: float
    default: Action = "keep"
    guard_left: str = ""
    guard_right: str = ""
    guard_both: tuple[str, str] | None = None
    jieba_guard: bool = False
    scored: tuple[int, int] | None = None  # (restore_at, keep_at)
    conds: tuple[Cond, ...] = ()

    def decide(self, c: Context) -> tuple[Action, str]:
        """What to do with one match, and the cue that decided it."""
        if self.scored is not None:
            restore_at, keep_at = self.scored
            score, cues = 0, []
            for cond in self.conds:
                hit = cond.test(c)
                if hit is not None:
                    score += cond.weight
                    cues.append(f"{hit}{cond.weight:+d}")
            note = f"score {score:+d}: " + (" ".join(cues) or "no cue")
            if score >= restore_at:
                return "restore", note
            return ("keep" if score <= keep_at else "flag"), note
        for cond in self.conds:
            hit = cond.test(c)
            if hit is not None:
                return cond.action, cond.note or hit
        return self.default, "default"


@dataclass(frozen=True)
class SwapRules:
    rules: tuple[Rule, ...]
    fingerprints: dict[str, tuple[re.Pattern[str], ...]]
    pairs: dict[str, tuple[str, str]]
    min_distinct: int
    min_hits: int
    min_confidence: float

    def edits_allowed(self, rule: Rule) -> bool:
        """The data switch: flag-mode rules, and rules measured below the bar, never edit."""
        return rule.mode != "flag" and rule.confidence >= self.min_confidence


@cache
def load() -> SwapRules:
    """Parse every swap rule file once per process."""
    rule_list: list[Rule] = []
    fps: dict[str, tuple[re.Pattern[str], ...]] = {}
    pairs: dict[str, tuple[str, str]] = {}
    gate: dict[str, Any] = {}
    for path, data in rules.load("restore"):
        gate.update(data.get("gate", {}))
        for name, fam in data.get("family", {}).items():
            fps[name] = tuple(rules.compile_rule(p, path) for p in fam.get("fingerprints", []))
            pairs[name] = tuple(fam["pair"])  # type: ignore[assignment]
    for path, r in owned_rules("swaps"):
        where = f"{path.name}: rule {r['id']}"
        try:
            rule_list.append(_parse_rule(r, where, path))
        except KeyError as e:
            raise PipelineError(f"{where}: missing {e}") from e
        except (re.error, TypeError, ValueError) as e:
            raise PipelineError(f"{where}: {e}") from e
    for r in rule_list:
        if r.family not in pairs:
            raise PipelineError(f"rule {r.id}: unknown family {r.family!r}")
    return SwapRules(tuple(rule_list), fps, pairs, int(gate.get("min_distinct", 2)),
                     int(gate.get("min_hits", 3)), float(gate.get("min_confidence", 0.98)))


def _parse_rule(r: dict[str, Any], where: str, path: Any = None) -> Rule:
    if r["mode"] not in ("high", "context", "flag"):
        raise ValueError(f"mode must be high, context or flag, not {r['mode']!r}")
    scored = r.get("scored")
    conds = tuple(Cond.parse(c, where, path) for c in r.get("cue" if scored else "when", []))
    both = r.get("guard_both")
    return Rule(
        id=r["id"], family=r["family"], pattern=rules.compile_rule(r["match"], path), replace=r.get("replace", ""),
        mode=r["mode"], confidence=float(r["confidence"]), default=r.get("default", "keep"),
        guard_left=r.get("guard_left", ""), guard_right=r.get("guard_right", ""),
        guard_both=(both["left"], both["right"]) if both else None,
        jieba_guard=bool(r.get("jieba_guard", False)),
        scored=(int(scored["restore_at"]), int(scored["keep_at"])) if scored else None,
        conds=conds,
    )


# --- gating --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Gate:
    """Per-document decision: is this spun text at all, and which swap families show up?"""

    counts: dict[str, int]  # family -> fingerprint hits
    distinct: int
    open: bool

    def active(self, family: str) -> bool:
        return self.open and self.counts.get(family, 0) > 0

    def as_info(self) -> dict[str, Any]:
        return {"open": self.open, "distinct": self.distinct,
                "fingerprints": {k: v for k, v in sorted(self.counts.items()) if v}}


def gate(texts: list[str], sr: SwapRules | None = None, force: bool = False) -> Gate:
    """Count the spinner's fingerprints over the whole document (``force`` opens the gate for
    every family: used to measure a rule's raw over-correction)."""
    sr = sr or load()
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    for fam, pats in sr.fingerprints.items():
        for p in pats:
            for t in texts:
                for m in p.finditer(t):
                    counts[fam] += 1
                    seen.add(m.group(0))
    if force:
        return Gate({f: max(1, counts[f]) for f in sr.fingerprints}, len(seen), True)
    hits = sum(counts.values())
    return Gate(dict(counts), len(seen), len(seen) >= sr.min_distinct or hits >= sr.min_hits)


# --- jieba boundary guard ------------------------------------------------------------------

@cache
def tokenizer() -> Any:
    """jieba, loaded once per process and quietly (the first load reads a 5 MB dictionary)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    t = jieba.Tokenizer()
    # Build the prefix dictionary here instead of t.initialize(), which writes a cache file to
    # the temp dir (a stage does no file I/O beyond reading its data). Building takes as long
    # as reading jieba's cache (about 0.65 s each, measured), so skipping the cache costs nothing.
    t.FREQ, t.total = t.gen_pfdict(t.get_dict_file())
    t.initialized = True
    return t


def _token_spans(text: str) -> dict[int, int]:
    return {s: e for _, s, e in tokenizer().tokenize(text, HMM=False)}


def on_boundary(spans: dict[int, int], start: int, end: int) -> bool:
    """True unless the match cuts through jieba's words (召开|展览, 无效劳动 as one token).

    A token that begins with the match and runs on (开展调研) or ends with it is fine: the
    match is still a word there, just inside a compound.
    """
    ends = {e: s for s, e in spans.items()}
    if start in spans and end in ends:
        return True
    if start in spans:
        return spans[start] > end  # a compound starting with the word
    if end in ends:
        return ends[end] < start  # a compound ending with the word
    return False


# --- scanning ------------------------------------------------------------------------------

def _span(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    """The run around text[start:end] that no character of ``stops`` interrupts."""
    i, j = start, end
    while i > 0 and text[i - 1] not in stops:
        i -= 1
    while j < len(text) and text[j] not in stops:
        j += 1
    return i, j


def _context(text: str, start: int, end: int) -> Context:
    i, j = _span(text, start, end, CLAUSE_ENDS)
    s, t = _span(text, start, end, SENTENCE_ENDS)
    return Context(text[i:start], text[end:j], text[s:start], text[end:t], text)


def _guarded(rule: Rule, text: str, start: int, end: int) -> bool:
    prev = text[start - 1] if start > 0 else ""
    nxt = text[end] if end < len(text) else ""
    if (prev and prev in rule.guard_left) or (nxt and nxt in rule.guard_right):
        return True
    if rule.guard_both:
        return bool(prev and nxt and prev in rule.guard_both[0] and nxt in rule.guard_both[1])
    return False


def scan(text: str, g: Gate, skips: Any = lambda _rid: False, sr: SwapRules | None = None,
         use_jieba: bool = True) -> tuple[list[Change], list[Finding]]:
    """Proposed edits and flags for one block. Nothing unless the document's gate is open."""
    sr = sr or load()
    changes: list[Change] = []
    findings: list[Finding] = []
    if not g.open:
        return changes, findings
    taken: list[tuple[int, int]] = []
    spans: dict[int, int] | None = None
    for rule in sr.rules:
        if skips(rule.id):
            continue
        for m in rule.pattern.finditer(text):
            ws, we = m.span()  # the whole match: guards look around it
            rs, re_ = m.span(1) if m.re.groups else (ws, we)  # the swapped word: context around it
            if any(ws < b and a < we for a, b in taken) or _guarded(rule, text, ws, we):
                continue
            if use_jieba and rule.jieba_guard:
                spans = spans if spans is not None else _token_spans(text)
                if not on_boundary(spans, ws, we):
                    continue
            action, cue = rule.decide(_context(text, rs, re_))
            if action == "keep":
                continue
            before = text[rs:re_]
            after = rule.replace or sr.pairs[rule.family][0]
            taken.append((ws, we))
            if action == "restore" and sr.edits_allowed(rule) and g.active(rule.family):
                changes.append(Change(rule.id, rs, re_, before, after, cue))
            else:
                why = _flag_reason(rule, sr, g, action)
                findings.append(Finding(rule.id, rs, re_, before,
                                        f"{before} may stand for {after} ({why}; cue: {cue})"))
    return changes, findings


def _flag_reason(rule: Rule, sr: SwapRules, g: Gate, action: Action) -> str:
    if action == "flag":
        return "context is ambiguous"
    if rule.mode == "flag":
        return "flag-only rule"
    if not sr.edits_allowed(rule):
        return f"rule confidence {rule.confidence:.2f} below {sr.min_confidence:.2f}"
    return f"no {rule.family} fingerprint in this document"
