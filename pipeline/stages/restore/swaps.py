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
from functools import cache
from typing import Any, Literal

from pipeline import rules
from pipeline.stages.restore.changes import Change, Finding, owned_rules
from pipeline.errors import PipelineError
from pipeline.stages.restore.punctuation import SENTENCE_FINAL

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


_HAN = re.compile(r"[\u4e00-\u9fff]")
_LINKS = "的和与及、"


@dataclass(frozen=True)
class Lexicon:
    """One pair's compounds from jieba's dictionary (rules/restore/lexicon.toml, built by
    bench/build_lexicon.py): the text around a swapped form that makes a word with the original
    (参加度 → 参与度) or is a word as it stands (系统工程)."""

    words: dict[tuple[str, str], tuple[str, str]]  # (text left of S, text right of S) -> (kind, note)
    max_left: int
    max_right: int

    @classmethod
    def build(cls, data: dict[str, Any], swapped: str) -> Lexicon:
        words: dict[tuple[str, str], tuple[str, str]] = {}
        for kind in ("keep", "restore"):  # a restore entry wins a tie: it is the rarer, stronger fact
            for text, at, f_original, f_seen in data.get(kind, []):
                if text[at:at + len(swapped)] != swapped:
                    raise PipelineError(f"lexicon: {text!r} has no {swapped} at {at}")
                words[(text[:at], text[at + len(swapped):])] = (kind, f"lex {text} {f_original}/{f_seen}")
        return cls(words, max((len(a) for a, _ in words), default=0), max((len(b) for _, b in words), default=0))

    def find(self, left: str, right: str) -> tuple[str, str] | None:
        """(kind, note) of the longest word the match makes with its neighbours, or None. A word
        that adds one character after the match (参与度, 发展商) counts only where that character
        ends the word (参加度和满意度), not where it starts the next one (开展商务活动)."""
        best, size = None, 0
        for a in range(min(self.max_left, len(left)) + 1):
            lp = left[len(left) - a:]
            for b in range(min(self.max_right, len(right)) + 1):
                hit = self.words.get((lp, right[:b]))
                if hit is None or a + b <= size:
                    continue
                if a == 0 and b == 1 and len(right) > 1 and _HAN.match(right[1]) and right[1] not in _LINKS:
                    continue
                best, size = hit, a + b
        return best


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
    # "restore" / "keep": the text around the match forms a word of the lexicon table
    # (rules/restore/lexicon.toml, from jieba's dictionary) of that kind, the longest one deciding
    lexicon: str | None = None
    lex: Lexicon | None = None
    action: Action = "restore"
    weight: int = 0
    note: str = ""

    @classmethod
    def parse(cls, d: dict[str, Any], where: str, path: Any = None, lex: Lexicon | None = None) -> Cond:
        lists = ("left", "left_not", "right", "right_not", "left_has", "before", "before_not", "after")
        known = set(lists) | {"left_re", "right_re", "block_re", "object", "action", "weight", "note", "lexicon"}
        if unknown := set(d) - known:
            raise PipelineError(f"{where}: unknown condition field(s) {sorted(unknown)}")
        if d.get("action", "restore") not in ("restore", "keep", "flag"):
            raise PipelineError(f"{where}: action must be restore, keep or flag")
        if d.get("lexicon", "restore") not in ("restore", "keep"):
            raise PipelineError(f"{where}: lexicon must be restore or keep")
        if "lexicon" in d and lex is None:
            raise PipelineError(f"{where}: no lexicon table for this family")
        kw: dict[str, Any] = {k: tuple(d[k]) for k in lists if k in d}
        if "lexicon" in d:
            kw["lexicon"], kw["lex"] = d["lexicon"], lex
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
        if self.lexicon is not None and self.lex is not None:
            found = self.lex.find(c.left, c.right)
            if found is None or found[0] != self.lexicon:
                return None
            cues.append(found[1])
        if self.object is not None:
            hit = self._object(c.right)
            if hit is None:
                return None
            cues.append(hit)
        return "+".join(cues) or "·"

    def _object(self, right: str) -> str | None:
        """An activity object within a few characters (开展…活动), not a noun compound."""
        o = self.object or {}
        if right[:1] and right[0] in o.get("first_not", ""):  # 开展的…: a noun use, not a verb with an object
            return None
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
    scored: tuple[int, int, int, int] | None = None  # (restore_at, keep_at, strong_at, flag_at)
    conds: tuple[Cond, ...] = ()
    # Added to the context score by the document's evidence for this pair (Gate.level: 0 none,
    # 1 spun document, 2 the pair's own fingerprint, 3 fingerprint and the original word absent).
    prior: tuple[int, int, int, int] = (0, 0, 0, 0)
    min_level: int = 2  # the document evidence (Gate.level) an edit needs

    def needs(self, note: str) -> int:
        """The document evidence an edit decided with ``note`` needs: a scored decision whose
        context alone reaches strong_at (经济开展的, 国家开展改革委) is its own evidence: no undamaged
        text holds it (the clean corpora check), so it needs no fingerprint."""
        if self.scored is not None and note.startswith("ctx "):
            if int(note[4:note.index(" ", 4)]) >= self.scored[2]:
                return 0
        return self.min_level

    def decide(self, c: Context, level: int = 0) -> tuple[Action, str]:
        """What to do with one match, and the cue that decided it: context and document
        evidence as one score. A `keep` cue is final; a `flag` (or the default flag) becomes a
        restore only when the document's evidence for the pair reaches 2 (see `prior`)."""
        bonus = self.prior[min(level, 3)]
        doc = f" doc{level}{bonus:+d}" if bonus else ""
        if self.scored is not None:
            restore_at, keep_at, _strong, flag_at = self.scored
            score, cues = 0, []
            for cond in self.conds:
                hit = cond.test(c)
                if hit is not None:
                    score += cond.weight
                    cues.append(f"{hit}{cond.weight:+d}")
            note = f"ctx {score:+d} score {score + bonus:+d}: " + (" ".join(cues) or "no cue") + doc
            if score <= keep_at:  # a keep cue is never outvoted by document evidence
                return "keep", note
            score += bonus
            if score >= restore_at:
                return "restore", note
            return ("flag" if score >= flag_at else "keep"), note
        action, note = self.default, "default"
        for cond in self.conds:
            hit = cond.test(c)
            if hit is not None:
                action, note = cond.action, cond.note or hit
                break
        if action == "flag" and bonus >= 2:
            return "restore", note + doc
        return action, note


@dataclass(frozen=True)
class SwapRules:
    rules: tuple[Rule, ...]
    fingerprints: dict[str, tuple[re.Pattern[str], ...]]
    pairs: dict[str, tuple[str, str]]
    min_distinct: int
    min_hits: int
    min_confidence: float
    # family -> how many times the original's count the swapped form must reach for the
    # document to count as damaged throughout (Gate.level 3) while some originals are left
    dominant: dict[str, float] = dataclasses.field(default_factory=dict)
    # family -> how many swapped forms, with the original absent, are evidence on their own
    # (效劳 ×3 and 服务 ×0 in a notice with no other fingerprint: Gate.level 2)
    self_evident: dict[str, int] = dataclasses.field(default_factory=dict)

    def edits_allowed(self, rule: Rule) -> bool:
        """The data switch: flag-mode rules, and rules measured below the bar, never edit."""
        return rule.mode != "flag" and rule.confidence >= self.min_confidence


@cache
def load() -> SwapRules:
    """Parse every swap rule file once per process."""
    rule_list: list[Rule] = []
    fps: dict[str, tuple[re.Pattern[str], ...]] = {}
    pairs: dict[str, tuple[str, str]] = {}
    dominant: dict[str, float] = {}
    self_evident: dict[str, int] = {}
    gate: dict[str, Any] = {}
    lexicon: dict[str, dict[str, Any]] = {}
    for path, data in rules.load("restore"):
        gate.update(data.get("gate", {}))
        lexicon.update({k: v for k, v in data.get("lexicon", {}).items() if isinstance(v, dict)})
        for name, fam in data.get("family", {}).items():
            fps[name] = tuple(rules.compile_rule(p, path) for p in fam.get("fingerprints", []))
            pairs[name] = tuple(fam["pair"])  # type: ignore[assignment]
            if "dominant" in fam:
                dominant[name] = float(fam["dominant"])
            if "self_evident" in fam:
                self_evident[name] = int(fam["self_evident"])
    lexica = {f: Lexicon.build(lexicon[f], pairs[f][1]) for f in lexicon if f in pairs}
    for path, r in owned_rules("swaps"):
        where = f"{path.name}: rule {r['id']}"
        try:
            rule_list.append(_parse_rule(r, where, path, lexica.get(r.get("family", ""))))
        except KeyError as e:
            raise PipelineError(f"{where}: missing {e}") from e
        except (re.error, TypeError, ValueError) as e:
            raise PipelineError(f"{where}: {e}") from e
    for r in rule_list:
        if r.family not in pairs:
            raise PipelineError(f"rule {r.id}: unknown family {r.family!r}")
    return SwapRules(tuple(rule_list), fps, pairs, int(gate.get("min_distinct", 2)),
                     int(gate.get("min_hits", 3)), float(gate.get("min_confidence", 0.98)), dominant, self_evident)


def _parse_rule(r: dict[str, Any], where: str, path: Any = None, lex: Lexicon | None = None) -> Rule:
    if r["mode"] not in ("high", "context", "flag"):
        raise ValueError(f"mode must be high, context or flag, not {r['mode']!r}")
    scored = r.get("scored")
    conds = tuple(Cond.parse(c, where, path, lex) for c in r.get("cue" if scored else "when", []))
    both = r.get("guard_both")
    return Rule(
        id=r["id"], family=r["family"], pattern=rules.compile_rule(r["match"], path), replace=r.get("replace", ""),
        mode=r["mode"], confidence=float(r["confidence"]), default=r.get("default", "keep"),
        guard_left=r.get("guard_left", ""), guard_right=r.get("guard_right", ""),
        guard_both=(both["left"], both["right"]) if both else None,
        scored=(int(scored["restore_at"]), int(scored["keep_at"]), int(scored.get("strong_at", 99)),
                int(scored.get("flag_at", int(scored["keep_at"]) + 1))) if scored else None,
        conds=conds, prior=_prior(r.get("prior", [0, 0, 0, 0])), min_level=int(r.get("min_level", 2)),
    )


def _prior(v: Any) -> tuple[int, int, int, int]:
    if not (isinstance(v, list) and len(v) == 4 and all(isinstance(x, int) for x in v)):
        raise ValueError("prior must be a list of 4 integers (document evidence levels 0-3)")
    return (v[0], v[1], v[2], v[3])


# --- gating --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Gate:
    """Per-document decision: is this spun text at all, and which swap families show up?"""

    counts: dict[str, int]  # family -> fingerprint hits
    distinct: int
    open: bool
    forms: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)  # family -> (original, swapped) counts
    dominant: dict[str, float] = dataclasses.field(default_factory=dict)  # see SwapRules.dominant
    self_evident: dict[str, int] = dataclasses.field(default_factory=dict)  # see SwapRules.self_evident

    def active(self, family: str) -> bool:
        return self.open and self.counts.get(family, 0) > 0

    def level(self, family: str) -> int:
        """The document's evidence for one pair: 0 not spun, 1 spun (some fingerprint), 2 this
        pair's own fingerprint, 3 that and the original word absent while the swapped form
        recurs (the spinner replaced every occurrence, as on the sample: 开展 ×46, 发展 ×0), or
        the swapped form outnumbering the original far beyond what undamaged text holds
        (``dominant``: 发展 is the commoner word in such text, so 开展 ≥ 2 × 发展 means most
        开展 were 发展 even where the spinner left some 发展 alone)."""
        original, swapped = self.forms.get(family, (1, 0))
        if original == 0 and swapped >= self.self_evident.get(family, 10**9):  # see SwapRules.self_evident
            return 3 if self.active(family) else 2
        if not self.open:
            return 0
        if not self.active(family):
            return 1
        if swapped >= 2 and (original == 0 or (family in self.dominant and swapped >= self.dominant[family] * original)):
            return 3
        return 2

    def as_info(self) -> dict[str, Any]:
        return {"open": self.open, "distinct": self.distinct,
                "fingerprints": {k: v for k, v in sorted(self.counts.items()) if v},
                "levels": {k: self.level(k) for k in sorted(self.forms) if self.level(k) >= 2}}


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
    forms = {f: (sum(t.count(o) for t in texts), sum(t.count(w) for t in texts))
             for f, (o, w) in sr.pairs.items()}
    if force:
        return Gate({f: max(1, counts[f]) for f in sr.fingerprints}, len(seen), True,
                    {f: (1, 0) for f in sr.fingerprints})
    hits = sum(counts.values())
    return Gate(dict(counts), len(seen), len(seen) >= sr.min_distinct or hits >= sr.min_hits, forms, sr.dominant, sr.self_evident)


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
_SPACED = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")
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
            action, cue = rule.decide(_context(text, rs, re_), g.level(rule.family))
            if action == "keep":
                continue
            level = g.level(rule.family)
            if level == 0 and not (action == "restore" and rule.needs(cue) == 0 and sr.edits_allowed(rule)):
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
