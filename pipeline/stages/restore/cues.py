"""What a swap rule reads around a match, and the conditions (cues) it tests there: the
clause and sentence context, jieba's compounds (Lexicon) and each ``when``/``cue`` table of
``rules/restore/swaps.toml`` (Cond). The rules themselves are in swap_rules."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pipeline import rules
from pipeline.stages.restore.collocations import Collocations
from pipeline.errors import PipelineError
from pipeline.text import SENTENCE_FINAL
from pipeline.text import HAN as _HAN

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


def _has(before: str, word: str) -> bool:
    """``word`` occurs in the sentence before the match; "^": nothing does (it opens the sentence)."""
    return before == "" if word == "^" else word in before


_LINKS = "的和与及、"
_QUOTED_NAME = re.compile(r"^[“〝\"《][^”〞\"》，。；]{1,30}[”〞\"》]")


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


def _echoes(c: Context, w: str) -> bool:
    """X则…X: the clause before ends in ``w`` and the clause after is one or two Han characters and ``w``."""
    return (c.left.endswith(w) and 1 <= len(c.right) - len(w) <= 2 and c.right.endswith(w)
            and all(_HAN.match(ch) for ch in c.right))


# Each word-list field of a condition and what it finds in the context (the word that matched).
_FINDERS: dict[str, Any] = {
    "left": lambda k, c: _ends(c.left, k.left, "^"),
    "right": lambda k, c: _starts(c.right, k.right, "$"),
    "left_has": lambda k, c: next((w for w in k.left_has if w in c.left), None),
    "before": lambda k, c: next((w for w in k.before if _has(c.before, w)), None),
    "after": lambda k, c: next((w for w in k.after if w in c.after), None),
    "echo": lambda k, c: next((w for w in k.echo if _echoes(c, w)), None),
}


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
    echo: tuple[str, ...] = ()  # X则…X, one of the words closing both halves (see _echoes)
    left_re: re.Pattern[str] | None = None
    right_re: re.Pattern[str] | None = None
    before_re: re.Pattern[str] | None = None
    after_re: re.Pattern[str] | None = None
    block_re: re.Pattern[str] | None = None
    object: dict[str, Any] | None = None
    # "restore" / "keep": the text around the match forms a word of the lexicon table
    # (rules/restore/lexicon.toml, from jieba's dictionary) of that kind, the longest one deciding
    lexicon: str | None = None
    lex: Lexicon | None = None
    # {min = N, at_least = x, tags = [...], side = "right"}: the run of text after (side "left":
    # before; "both": the two added; "tail": the clause's last characters) the match, seen at least
    # N times in real text (rules/restore/collocations.toml), has a log-ratio (original over
    # swapped form) of at least x (``at_most`` x: at most, a vote for the swapped form), and its
    # word next to the match one of those parts of speech (any, if the list is empty)
    collocation: dict[str, Any] | None = None
    colloc: Collocations | None = None
    action: Action = "restore"
    weight: int = 0
    note: str = ""
    # the word-list tests this condition has, in _FINDERS' order (built once: a rule's cues run on
    # every occurrence of its word, in the gate and in the scan)
    _finders: tuple[Any, ...] = dataclasses.field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_finders", tuple(f for name, f in _FINDERS.items() if getattr(self, name)))

    @classmethod
    def parse(cls, d: dict[str, Any], where: str, path: Any = None, lex: Lexicon | None = None,
              colloc: Collocations | None = None) -> Cond:
        lists = ("left", "left_not", "right", "right_not", "left_has", "before", "before_not", "after", "echo")
        known = set(lists) | {"left_re", "right_re", "before_re", "after_re", "block_re", "object", "action", "weight",
                              "note", "lexicon", "collocation"}
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
        for k in ("left_re", "right_re", "before_re", "after_re", "block_re"):
            if k in d:
                kw[k] = rules.compile_rule(d[k], path)
        for k in ("object", "action", "weight", "note"):
            if k in d:
                kw[k] = d[k]
        return cls(**kw)

    def test(self, c: Context) -> str | None:
        """The cue that matched (for the edit's note), or None."""
        cues: list[str] = []
        for find in self._finders:
            hit = find(self, c)
            if hit is None:
                return None
            cues.append(hit)
        if self.left_not and _ends(c.left, self.left_not, "^"):
            return None
        if self.right_not and _starts(c.right, self.right_not, "$"):
            return None
        if self.before_not and any(_has(c.before, w) for w in self.before_not):
            return None
        for pat, text, how in ((self.left_re, c.left, "search"), (self.right_re, c.right, "match"),
                               (self.before_re, c.before, "search"), (self.after_re, c.after, "match"),
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
        if self.collocation is not None and self.colloc is not None:
            hit = self.colloc.vote(c.left, c.right, self.collocation)
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
        """An activity object within a few characters (开展…活动), not a noun compound. A quoted
        name first counts as one word (开展“文明礼仪伴我行”主题教育)."""
        o = self.object or {}
        if right[:1] and right[0] in o.get("first_not", ""):  # 开展的…: a noun use, not a verb with an object
            return None
        right = _QUOTED_NAME.sub("", right, count=1)
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
