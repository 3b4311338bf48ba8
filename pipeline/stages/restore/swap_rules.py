"""The swap rules as data: the families (a pair of words and their fingerprints), each rule's
cues and guards, and the lexicon entries, read from ``rules/restore/swaps.toml`` (and a user's
files) and validated once per process."""
from __future__ import annotations

import re
import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pipeline import rules
from pipeline.stages.restore.changes import owned_rules
from pipeline.stages.restore.collocations import Collocations
from pipeline.errors import PipelineError
from pipeline.text import SENTENCE_FINAL
from pipeline.text import HAN as _HAN

# The keys of a family and of the gate (rules.Checker rejects any other).
FAMILY_KEYS = frozenset({"pair", "fingerprints", "dominant", "self_evident", "vote_at", "votes", "vote_share", "absence"})
GATE_KEYS = frozenset({"min_distinct", "min_hits", "min_confidence"})
# The keys a rule of this detector may have (rules.Checker rejects any other).
RULE_KEYS = frozenset({"confidence", "cue", "default", "family", "guard_both", "guard_left", "guard_right", "id", "match", "min_level", "mode", "prior", "replace", "scored", "tests", "when"})

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
    after_re: re.Pattern[str] | None = None
    block_re: re.Pattern[str] | None = None
    object: dict[str, Any] | None = None
    # "restore" / "keep": the text around the match forms a word of the lexicon table
    # (rules/restore/lexicon.toml, from jieba's dictionary) of that kind, the longest one deciding
    lexicon: str | None = None
    lex: Lexicon | None = None
    # {min = N, at_least = x, tags = [...]}: the run of text after the match, seen at least N times
    # in real text (rules/restore/collocations.toml), has a log-ratio (original over swapped form)
    # of at least x, and its first word one of those parts of speech
    collocation: dict[str, Any] | None = None
    colloc: Collocations | None = None
    action: Action = "restore"
    weight: int = 0
    note: str = ""

    @classmethod
    def parse(cls, d: dict[str, Any], where: str, path: Any = None, lex: Lexicon | None = None,
              colloc: Collocations | None = None) -> Cond:
        lists = ("left", "left_not", "right", "right_not", "left_has", "before", "before_not", "after")
        known = set(lists) | {"left_re", "right_re", "after_re", "block_re", "object", "action", "weight", "note", "lexicon",
                              "collocation"}
        if unknown := set(d) - known:
            raise PipelineError(f"{where}: unknown condition field(s) {sorted(unknown)}")
        if d.get("action", "restore") not in ("restore", "keep", "flag"):
            raise PipelineError(f"{where}: action must be restore, keep or flag")
        if d.get("lexicon", "restore") not in ("restore", "keep"):
            raise PipelineError(f"{where}: lexicon must be restore or keep")
        if "lexicon" in d and lex is None:
            raise PipelineError(f"{where}: no lexicon table for this family")
        kw: dict[str, Any] = {k: tuple(d[k]) for k in lists if k in d}
        if "collocation" in d:
            if colloc is None:
                raise PipelineError(f"{where}: no collocation table for this family")
            kw["collocation"], kw["colloc"] = colloc.cue(d["collocation"], where), colloc
        if "lexicon" in d:
            kw["lexicon"], kw["lex"] = d["lexicon"], lex
        for k in ("left_re", "right_re", "after_re", "block_re"):
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
                               (self.after_re, c.after, "match"), (self.block_re, c.block.strip(), "fullmatch")):
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
        if self.collocation is not None and self.colloc is not None:
            hit = self.colloc.vote(c.right, self.collocation)
            if hit is None:
                return None
            cues.append(hit)
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
        by_first = _by_first(tuple(o.get("words", [])))
        gap_not, unless = o.get("gap_not", ""), o.get("unless", [])
        for k in range(min(int(o.get("within", 3)), len(right) - 1) + 1):
            if k and right[k - 1] in gap_not:
                return None
            for w in by_first.get(right[k], ()):
                if right.startswith(w, k) and not any(right.startswith(u, k + len(w)) for u in unless):
                    return w
        return None


@cache
def _by_first(words: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The words by their first character, in list order (the first listed word wins)."""
    out: dict[str, list[str]] = {}
    for w in words:
        out.setdefault(w[:1], []).append(w)
    return {k: tuple(v) for k, v in out.items()}


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
        context alone reaches strong_at (经济开展的, 国家开展改革委) needs no fingerprint of its own
        pair, but still a spun document (level 1): statutes hold such contexts undamaged
        (志愿服务开展情况, 帮助少数民族开展具有…的活动)."""
        if self.scored is not None and note.startswith("ctx "):
            if int(note[4:note.index(" ", 4)]) >= self.scored[2]:
                return min(1, self.min_level)
        return self.min_level

    def context_score(self, c: Context) -> tuple[int, list[str]]:
        """A scored rule's context alone: the sum of its cues' weights, and the cues."""
        score, cues = 0, []
        for cond in self.conds:
            hit = cond.test(c)
            if hit is not None:
                score += cond.weight
                cues.append(f"{hit}{cond.weight:+d}")
        return score, cues

    def decide(self, c: Context, level: int = 0, scored: tuple[int, list[str]] | None = None) -> tuple[Action, str]:
        """What to do with one match, and the cue that decided it: context and document
        evidence as one score. A `keep` cue is final; a `flag` (or the default flag) becomes a
        restore only when the document's evidence for the pair reaches 2 (see `prior`). ``scored``
        is this rule's context_score when the document's gate already computed it."""
        bonus = self.prior[min(level, 3)]
        doc = f" doc{level}{bonus:+d}" if bonus else ""
        if self.scored is not None:
            restore_at, keep_at, _strong, flag_at = self.scored
            score, cues = scored or self.context_score(c)
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
    # family -> the context score (of its scored rule, before any document evidence) at which an
    # occurrence of the swapped form counts as one of the family's fingerprints (经济开展的)
    vote_at: dict[str, int] = dataclasses.field(default_factory=dict)
    # family -> how many occurrences its `when` rules restore from context alone (稳固党的执政地位)
    # make those occurrences count as the family's fingerprints
    votes: dict[str, int] = dataclasses.field(default_factory=dict)
    # family -> the share of the swapped form's occurrences whose context alone votes for the
    # original (vote_at, votes) at which the document counts as damaged throughout (Gate.level
    # 3) while some originals are left: undamaged text holds no vote at all
    vote_share: dict[str, float] = dataclasses.field(default_factory=dict)
    # families whose original word is the rarer one in undamaged text (激励 beside 鼓励, absence =
    # "weak"): a document without it is not damaged throughout for that alone
    weak_absence: frozenset[str] = frozenset()

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
    vote_at: dict[str, int] = {}
    votes: dict[str, int] = {}
    vote_share: dict[str, float] = {}
    weak_absence: set[str] = set()
    gate: dict[str, Any] = {}
    lexicon: dict[str, dict[str, Any]] = {}
    colloc: dict[str, Collocations] = {}
    for path, data in rules.load("restore"):
        check = rules.Checker(path)
        gate.update(check.keys(data.get("gate", {}), GATE_KEYS, "[gate]"))
        lexicon.update({k: v for k, v in data.get("lexicon", {}).items() if isinstance(v, dict)})
        colloc.update({k: Collocations.build(v, f"{path.name}: [collocation.{k}]")
                       for k, v in data.get("collocation", {}).items()})
        for name, fam in data.get("family", {}).items():
            check.keys(fam, FAMILY_KEYS, f"[family.{name}]")
            fps[name] = tuple(rules.compile_rule(p, path) for p in fam.get("fingerprints", []))
            pairs[name] = tuple(fam["pair"])  # type: ignore[assignment]
            if "dominant" in fam:
                dominant[name] = float(fam["dominant"])
            if "self_evident" in fam:
                self_evident[name] = int(fam["self_evident"])
            if "vote_at" in fam:
                vote_at[name] = int(fam["vote_at"])
            if "votes" in fam:
                votes[name] = int(fam["votes"])
            if "vote_share" in fam:
                vote_share[name] = float(fam["vote_share"])
            if fam.get("absence", "strong") not in ("strong", "weak"):
                raise PipelineError(f"{path.name}: [family.{name}] absence must be strong or weak")
            if fam.get("absence") == "weak":
                weak_absence.add(name)
    lexica = {f: Lexicon.build(lexicon[f], pairs[f][1]) for f in lexicon if f in pairs}
    for path, r in owned_rules("swaps", RULE_KEYS):
        where = f"{path.name}: rule {r['id']}"
        try:
            fam = r.get("family", "")
            rule_list.append(_parse_rule(r, where, path, lexica.get(fam), colloc.get(fam)))
        except KeyError as e:
            raise PipelineError(f"{where}: missing {e}") from e
        except (re.error, TypeError, ValueError) as e:
            raise PipelineError(f"{where}: {e}") from e
    for r in rule_list:
        if r.family not in pairs:
            raise PipelineError(f"rule {r.id}: unknown family {r.family!r}")
    return SwapRules(tuple(rule_list), fps, pairs, int(gate.get("min_distinct", 2)),
                     int(gate.get("min_hits", 3)), float(gate.get("min_confidence", 0.98)), dominant, self_evident, vote_at, votes, vote_share,
                     frozenset(weak_absence))


def _parse_rule(r: dict[str, Any], where: str, path: Any = None, lex: Lexicon | None = None,
                colloc: Collocations | None = None) -> Rule:
    if r["mode"] not in ("high", "context", "flag"):
        raise ValueError(f"mode must be high, context or flag, not {r['mode']!r}")
    scored = r.get("scored")
    conds = tuple(Cond.parse(c, where, path, lex, colloc) for c in r.get("cue" if scored else "when", []))
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
