"""Undo a content spinner's word swaps (开展 for 发展, 效劳 for 服务, 那么 for 则 …).

The swapped forms are also real words (开展活动, 系统工程, 参加会议), so nothing here is a
blind replacement: every rule in ``rules/restore/swaps.toml`` decides from the clause around
the match (collocation lists, a score for 开展), guarded by neighbour characters, and only
inside a document whose fingerprints show the spinner was at work. The document's evidence for
each pair (its own fingerprints, and whether the original word is missing altogether: the
spinner replaces every occurrence) is added to the context score, so one decision weighs both.
Weak evidence means a flag or nothing, never an edit. No segmenter and no dictionary load: the
rules are plain data and a document restores in milliseconds.
"""
from __future__ import annotations

import re
from collections import Counter
import dataclasses
from dataclasses import dataclass
from typing import Any

from pipeline.stages.restore.changes import Change, Facts, Finding
from pipeline.stages.restore.cues import CLAUSE_ENDS, SENTENCE_ENDS, Action, Context
from pipeline.stages.restore.swap_rules import Rule, SwapRules, load
from pipeline.text import HAN_RANGES


@dataclass(frozen=True)
class Gate:
    """Per-document decision: is this spun text at all, and which swap families show up?"""

    counts: dict[str, int]  # family -> fingerprint hits
    distinct: int
    open: bool
    forms: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)  # family -> (original, swapped) counts
    dominant: dict[str, float] = dataclasses.field(default_factory=dict)  # see SwapRules.dominant
    self_evident: dict[str, int] = dataclasses.field(default_factory=dict)  # see SwapRules.self_evident
    # (rule id, block text, start) -> the context score the gate computed for its votes
    scores: dict[tuple[str, str, int], tuple[int, list[str]]] = dataclasses.field(default_factory=dict)
    vote_share: dict[str, float] = dataclasses.field(default_factory=dict)  # see SwapRules.vote_share
    votes: dict[str, int] = dataclasses.field(default_factory=dict)  # family -> occurrences voting original
    weak_absence: frozenset[str] = frozenset()  # see SwapRules.weak_absence
    marks: tuple[str, ...] = ()  # the site marks (SwapRules.site_marks) the document bears
    no_own_sense: frozenset[str] = frozenset()  # families with an own_sense their swapped form never shows

    def active(self, family: str) -> bool:
        return self.open and self.counts.get(family, 0) > 0

    def level(self, family: str) -> int:
        """The document's evidence for one pair: 0 not spun, 1 spun (some fingerprint), 2 this
        pair's own fingerprint, 3 that and the original word absent while the swapped form
        recurs (the spinner replaced every occurrence, as on the sample: 开展 ×46, 发展 ×0), or
        the swapped form outnumbering the original far beyond what undamaged text holds
        (``dominant``: 发展 is the commoner word in such text, so 开展 ≥ 2 × 发展 means most
        开展 were 发展 even where the spinner left some 发展 alone), or enough of the swapped
        form's occurrences voting for the original from their context alone (``vote_share``:
        no undamaged 开展 votes, so 10 voters among 23 开展 mean most of them were 发展). Where
        the original is the rarer word (``weak_absence``: 激励 beside 鼓励) its absence is no
        evidence: only the votes lift the pair to 3. A swapped form never in a use only it has
        (``no_own_sense``: no 那么 opening a sentence, no 那么多) is the pair's own evidence (2)."""
        original, swapped = self.forms.get(family, (1, 0))
        if original == 0 and swapped >= self.self_evident.get(family, 10**9):  # see SwapRules.self_evident
            return 3 if self.active(family) else 2
        if not self.open:
            return 0
        if not self.active(family):
            return 2 if family in self.no_own_sense else 1
        absent = original == 0 and family not in self.weak_absence
        if swapped >= 2 and (absent or (family in self.dominant and 0 < original * self.dominant[family] <= swapped)):
            return 3
        voted = self.votes.get(family, 0)
        if family in self.vote_share and voted >= 2 and voted >= self.vote_share[family] * swapped:
            return 3
        return 2

    def as_info(self) -> dict[str, Any]:
        return {"open": self.open, "distinct": self.distinct,
                "fingerprints": {k: v for k, v in sorted(self.counts.items()) if v},
                **({"site_marks": list(self.marks)} if self.marks else {}),
                **({"no_own_sense": sorted(self.no_own_sense)} if self.no_own_sense else {}),
                "levels": {k: self.level(k) for k in sorted(self.forms) if self.level(k) >= 2}}


def gate(texts: list[str], sr: SwapRules | None = None, force: bool = False) -> Gate:
    """Count the spinner's fingerprints over the whole document, with the occurrences whose
    context alone reaches the family's ``vote_at`` (no undamaged text holds one: the clean
    corpora check; ``votes`` of them; one at ``vote_alone`` opens the gate, and counts only where
    the original word is absent), the site's punctuation marks (a page the site rewrote: spun, with no
    pair's own print), and each pair's forms (``force`` opens the gate for every family: used to
    measure a rule's raw over-correction)."""
    sr = sr or load()
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    for fam, pats in sr.fingerprints.items():
        for p in pats:
            for t in texts:
                for m in p.finditer(t):
                    counts[fam] += 1
                    seen.add(m.group(0))
    votes: Counter[str] = Counter()
    alone: set[str] = set()  # families with one occurrence at their vote_alone
    scores: dict[tuple[str, str, int], tuple[int, list[str]]] = {}
    for rule in sr.rules:  # occurrences whose context alone says "original" (经济开展的)
        at = sr.vote_at.get(rule.family) if rule.scored else (0 if rule.family in sr.votes else None)
        if at is None or force:
            continue
        for t in texts:
            for m in rule.pattern.finditer(t):
                rs, re_ = m.span(1) if m.re.groups else m.span()
                if _guarded(rule, t, *m.span()):
                    continue
                c = _context(t, rs, re_)
                if rule.scored is None:
                    votes[rule.family] += rule.decide(c, 0)[0] == "restore"
                    continue
                scores[(rule.id, t, rs)] = scored = rule.context_score(c)
                votes[rule.family] += scored[0] >= at
                if scored[0] >= sr.vote_alone.get(rule.family, 10**9):
                    alone.add(rule.family)
    for fam, n in votes.items():
        if n >= sr.votes.get(fam, 1):
            counts[fam] += n
            seen.add(f"{fam}: context")
        elif fam in alone:  # opens the gate; evidence for the pair's other occurrences only where
            seen.add(f"{fam}: context alone")  # the original word is absent (damaged throughout)
            if not any(sr.pairs[fam][0] in t for t in texts):
                counts[fam] = 1
    forms = {f: (sum(t.count(o) for t in texts), sum(t.count(w) for t in texts))
             for f, (o, w) in sr.pairs.items()}
    if force:
        return Gate({f: max(1, counts[f]) for f in sr.fingerprints}, len(seen), True,
                    {f: (1, 0) for f in sr.fingerprints})
    marks = tuple(name for name, present, absent, least in sr.site_marks  # spun, no pair's own print
                  if sum(len(present.findall(t)) for t in texts) >= least and not any(absent.search(t) for t in texts))
    seen.update(f"site: {m}" for m in marks)
    hits = sum(counts.values())
    no_own_sense = frozenset(f for f, own in sr.own_sense.items()  # (only the blocks holding the word are read)
                             if forms[f][1] and not any(own.search(t) for t in texts if sr.pairs[f][1] in t))
    return Gate(dict(counts), len(seen), len(seen) >= sr.min_distinct or hits >= sr.min_hits, forms,
                sr.dominant, sr.self_evident, scores, sr.vote_share, dict(votes), sr.weak_absence, marks, no_own_sense)


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


# A short heading or letter-spaced title (第一章 总 那么, 国 务 院 工 作 规 那么): the spaces between
# Han characters are typography, so the rules read it without them.
_SPACED = re.compile(rf"(?<=[{HAN_RANGES}])[ \u3000]+(?=[{HAN_RANGES}])")
_HEADING_MAX = 40


def _compact(text: str) -> tuple[str, list[int]] | None:
    """The text without the spaces between Han characters, and where each of its characters
    came from; None unless the block is a short heading-like line with such spaces."""
    if len(text) > _HEADING_MAX or not _SPACED.search(text) or any(ch in text for ch in "，。；,;"):
        return None
    out, where, last = [], [], 0
    for m in _SPACED.finditer(text):
        out.append(text[last:m.start()])
        where += range(last, m.start())
        last = m.end()
    out.append(text[last:])
    where += range(last, len(text))
    return "".join(out), [*where, len(text)]


def scan(text: str, g: Gate, skips: Any = lambda _rid: False,
         sr: SwapRules | None = None) -> tuple[list[Change], list[Finding]]:
    """Proposed edits and flags for one block. Unless the document's gate is open, only
    decisions strong enough to be their own evidence edit, and nothing is flagged."""
    sr = sr or load()
    compact = _compact(text)
    if compact is None:
        return _scan(text, g, skips, sr)
    ctext, where = compact
    changes, findings = _scan(ctext, g, skips, sr)
    out_c: list[Change] = []
    for c in changes:
        s, e = where[c.start], where[c.end - 1] + 1
        before = text[s:e]
        after = c.after
        if e - s != c.end - c.start:  # the spaces ran through the word: keep them in place
            if len(c.after) != len(c.before):
                findings.append(Finding(c.rule, c.start, c.end, c.before, f"{c.before} may stand for {c.after}"))
                continue
            chars = iter(c.after)
            after = "".join(next(chars) if not ch.isspace() else ch for ch in before)
        out_c.append(Change(c.rule, s, e, before, after, c.note + " (spaced heading)"))
    out_f = [Finding(f.rule, where[f.start], where[f.end - 1] + 1, text[where[f.start]:where[f.end - 1] + 1],
                     f.message, f.level) for f in findings]
    return out_c, out_f


def _scan(text: str, g: Gate, skips: Any, sr: SwapRules) -> tuple[list[Change], list[Finding]]:
    changes: list[Change] = []
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for rule in sr.rules:
        if skips(rule.id):
            continue
        for m in rule.pattern.finditer(text):
            ws, we = m.span()  # the whole match: guards look around it
            rs, re_ = m.span(1) if m.re.groups else (ws, we)  # the swapped word: context around it
            if any(ws < b and a < we for a, b in taken) or _guarded(rule, text, ws, we):
                continue
            action, cue = rule.decide(_context(text, rs, re_), g.level(rule.family), g.scores.get((rule.id, text, rs)))
            if action == "keep":
                continue
            level = g.level(rule.family)
            if level == 0:  # not spun: nothing to say
                continue
            before = text[rs:re_]
            after = rule.replace or sr.pairs[rule.family][0]
            taken.append((ws, we))
            if action == "restore" and sr.edits_allowed(rule) and level >= rule.needs(cue):
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


def propose(text: str, facts: Facts) -> tuple[list[Change], list[Finding]]:
    """The detector's proposals (changes.DETECTORS), inside this document's gate."""
    return scan(text, facts.gate, facts.skips)
