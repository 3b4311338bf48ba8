"""The swap rules as data: the families (a pair of words and their fingerprints), each rule's
cues and guards, and the lexicon entries, read from ``rules/restore/swaps.toml`` (and a user's
files) and validated once per process."""
from __future__ import annotations

import re
import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline import rules
from pipeline.stages.restore.changes import owned_rules
from pipeline.stages.restore.collocations import Collocations
from pipeline.stages.restore.cues import Action, Cond, Context, Lexicon
from pipeline.errors import PipelineError

# The keys of a family and of the gate (rules.Checker rejects any other).
FAMILY_KEYS = frozenset({"pair", "fingerprints", "dominant", "self_evident", "vote_at", "votes", "vote_alone", "vote_share", "in_runs",
                         "absence", "own_sense"})
GATE_KEYS = frozenset({"min_distinct", "min_hits", "min_confidence", "site_marks"})
# The keys a rule of this detector may have (rules.Checker rejects any other).
RULE_KEYS = frozenset({"confidence", "cue", "default", "family", "guard_both", "guard_left", "guard_right", "id", "match", "min_level", "mode", "prior", "replace", "scored", "tests", "when"})

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
    # family -> the context score at which one occurrence alone opens the gate (a short news item
    # with one 为学生的终身开展奠基 and nothing else: no undamaged document holds such a 开展); it is
    # evidence for the pair's other occurrences only where the original word is absent
    vote_alone: dict[str, int] = dataclasses.field(default_factory=dict)
    # family -> the share of the swapped form's occurrences whose context alone votes for the
    # original (vote_at, votes) at which the document counts as damaged throughout (Gate.level
    # 3) while some originals are left: undamaged text holds no vote at all
    vote_share: dict[str, float] = dataclasses.field(default_factory=dict)
    # families whose original word is the rarer one in undamaged text (激励 beside 鼓励, absence =
    # "weak"): a document without it is not damaged throughout for that alone
    weak_absence: frozenset[str] = frozenset()
    # the site's own rewriting pass, seen in the punctuation: (name, pattern, pattern that must not
    # occur, least matches) -- a document bearing one counts as spun (Gate.level 1) with no word
    # fingerprint
    site_marks: tuple[tuple[str, Any, Any, int], ...] = ()
    # family -> the swapped form in a use only it has (那么 opening a sentence): a spun document
    # without one has its pair evidenced (Gate.level 2)
    own_sense: dict[str, re.Pattern[str]] = dataclasses.field(default_factory=dict)

    def edits_allowed(self, rule: Rule) -> bool:
        """The data switch: flag-mode rules, and rules measured below the bar, never edit."""
        return rule.mode != "flag" and rule.confidence >= self.min_confidence


@cache
def load() -> SwapRules:
    """Parse every swap rule file once per process."""
    rule_list: list[Rule] = []
    fps: dict[str, tuple[re.Pattern[str], ...]] = {}
    pairs: dict[str, tuple[str, str]] = {}
    numbers: dict[str, dict[str, Any]] = {key: {} for key in _FAMILY_NUMBERS}  # key -> family -> value
    weak_absence: set[str] = set()
    own_sense: dict[str, re.Pattern[str]] = {}
    in_runs: set[str] = set()
    marks: tuple[tuple[str, Any, Any, int], ...] = ()
    gate: dict[str, Any] = {}
    lexicon: dict[str, dict[str, Any]] = {}
    colloc: dict[str, Collocations] = {}
    for path, data in rules.load("restore"):
        check = rules.Checker(path)
        given = check.keys(data.get("gate", {}), GATE_KEYS, "[gate]")
        gate.update({k: _number(v, _GATE_NUMBERS[k], f"{path.name}: [gate] {k}")
                     for k, v in given.items() if k in _GATE_NUMBERS})
        if "site_marks" in data.get("gate", {}):
            marks = _site_marks(data["gate"]["site_marks"], path)
        lexicon.update({k: v for k, v in data.get("lexicon", {}).items() if isinstance(v, dict)})
        colloc.update({k: Collocations.build(v, f"{path.name}: [collocation.{k}]")
                       for k, v in data.get("collocation", {}).items()})
        for name, fam in data.get("family", {}).items():
            check.keys(fam, FAMILY_KEYS, f"[family.{name}]")
            where = f"{path.name}: [family.{name}]"
            prints = fam.get("fingerprints", [])
            if not (isinstance(prints, list) and all(isinstance(p, str) for p in prints)):
                raise PipelineError(f"{where} fingerprints must be a list of patterns")
            try:
                fps[name] = tuple(rules.compile_rule(p, path) for p in prints)
                if "own_sense" in fam:
                    own_sense[name] = rules.compile_rule(fam["own_sense"], path)
            except (re.error, TypeError) as e:
                raise PipelineError(f"{where} bad pattern: {e}") from e
            pair = fam.get("pair")
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(w, str) and w for w in pair)):
                raise PipelineError(f"{where} needs pair = [original, swapped form]")
            pairs[name] = (pair[0], pair[1])
            for key, whole in _FAMILY_NUMBERS.items():
                if key in fam:
                    numbers[key][name] = _number(fam[key], whole, f"{where} {key}")
            if fam.get("absence", "strong") not in ("strong", "weak"):
                raise PipelineError(f"{where} absence must be strong or weak")
            if fam.get("absence") == "weak":
                weak_absence.add(name)
            if "in_runs" in fam:
                if fam["in_runs"] is not True or len(pairs[name][0]) != len(pairs[name][1]):
                    raise PipelineError(f"{where} in_runs must be true, for a pair of words of one length")
                in_runs.add(name)
    reads = tuple((pairs[f][1], pairs[f][0]) for f in sorted(in_runs))
    colloc = {k: dataclasses.replace(c, read_as=reads) for k, c in colloc.items()}
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
    return SwapRules(tuple(rule_list), fps, pairs, gate.get("min_distinct", 2), gate.get("min_hits", 3),
                     gate.get("min_confidence", 0.98), numbers["dominant"], numbers["self_evident"], numbers["vote_at"],
                     numbers["votes"], numbers["vote_alone"], numbers["vote_share"], frozenset(weak_absence), marks,
                     own_sense)


# The numbers of a family and of the gate, each a count (a whole number) or a ratio
_FAMILY_NUMBERS = {"dominant": False, "self_evident": True, "vote_at": True, "votes": True, "vote_alone": True,
                   "vote_share": False}
_GATE_NUMBERS = {"min_distinct": True, "min_hits": True, "min_confidence": False}


def _number(v: Any, whole: bool, where: str) -> Any:
    """A count or ratio as written in a rule file: a TOML number (a whole one for a count)."""
    if isinstance(v, bool) or not isinstance(v, int if whole else (int, float)):
        raise PipelineError(f"{where} must be a {'whole number' if whole else 'number'}")
    return v if whole else float(v)


def _site_marks(v: Any, path: Any) -> tuple[tuple[str, Any, Any, int], ...]:
    """[[gate.site_marks]]: each a name, a pattern present, a pattern absent and the least matches."""
    keys = {"name", "present", "absent", "least"}
    try:
        if not isinstance(v, list) or not all(isinstance(m, dict) and set(m) == keys for m in v):
            raise ValueError("unknown or missing keys")
        return tuple((str(m["name"]), rules.compile_rule(m["present"], path), rules.compile_rule(m["absent"], path),
                      int(m["least"])) for m in v)
    except (TypeError, ValueError, re.error) as e:
        raise PipelineError(f"{path.name}: [[gate.site_marks]] needs name, present, absent and least ({e})") from e


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
