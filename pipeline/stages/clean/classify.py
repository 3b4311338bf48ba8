"""Body or chrome, from what a line looks like: the jusText idea, fitted to Chinese pages.

Site profiles know some sites; this module knows none. Each line gets a class from its own
shape (Pomikálek's context-free step): ``good`` (grammatical prose: long, punctuated, dense in
function characters), ``near`` (shorter prose, a salutation, a numbered heading), ``short``
(anything else) or ``chrome`` (a rule or the cross-site lexicon claimed it). The body is then the
run of the page with the most prose in it (a maximum-sum segment: prose counts for it, chrome
against it), so a long site notice far from the body cannot pull the body's edge towards it.
What lies outside that run is the page's head and tail, where clean lets a line between chrome
lines be chrome too (the context step); inside it only a rule removes anything.

The numbers live in the ``[lexicon]`` table of ``rules/sites/generic.toml``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.text import HAN, NUMBERED

LineClass = Literal["good", "near", "short", "chrome"]
# Marks inside a line that make it prose rather than a label, a menu or a title.
PUNCT = re.compile(r"[，。！？；、,;!?]")
SENTENCE_END = re.compile(r"[。！？!?][”’」』）)]?$")
ENDS_OPEN = re.compile(r"[：:]$")  # 各位家长： — a salutation or a lead-in goes on into the body


@dataclass(frozen=True)
class Lexicon:
    """The cross-site chrome lexicon and the classifier's thresholds (see generic.toml)."""

    strong: tuple[str, ...]  # words only a site's chrome uses: 下载 会员 积分 验证码…
    weak: tuple[str, ...]  # words chrome uses often and a body sometimes: 分享 文档 首页…
    function_chars: frozenset[str]
    good_chars: int  # Han characters a line needs to be prose on its own
    near_chars: int
    min_function_share: float
    edge_max_chars: int  # a short line with one strong word is chrome at the page's edges
    dense_share: float  # strong words per Han character that make a line chrome anywhere

    @classmethod
    def from_table(cls, t: dict[str, Any]) -> Lexicon:
        return cls(
            strong=tuple(sorted(t["strong"], key=len, reverse=True)),
            weak=tuple(sorted(t["weak"], key=len, reverse=True)),
            function_chars=frozenset(t["function_chars"]),
            good_chars=t["good_chars"],
            near_chars=t["near_chars"],
            min_function_share=t["min_function_share"],
            edge_max_chars=t["edge_max_chars"],
            dense_share=t["dense_share"],
        )


def _hits(text: str, words: tuple[str, ...]) -> set[str]:
    """Distinct lexicon words in ``text``, longest first, each character counted once."""
    found, taken = set(), [False] * len(text)
    for w in words:
        start = text.find(w)
        while start >= 0:
            if not any(taken[start:start + len(w)]):
                found.add(w)
                taken[start:start + len(w)] = [True] * len(w)
            start = text.find(w, start + 1)
    return found


@dataclass(frozen=True)
class Features:
    han: int  # Han characters
    punct: int  # prose punctuation marks
    function_share: float
    strong: int  # distinct strong lexicon words
    weak: int
    numbered: bool  # opens like a heading or list item: 一、 （一） 1.1 第一章
    opens: bool  # ends with a colon: a salutation or lead-in (各位家长：) that the body follows
    sentence: bool  # ends a sentence (。！？): a button or a menu never does

    def lexicon_chrome(self, lex: Lexicon, edge: bool) -> bool:
        """Chrome by its words: dense in site words anywhere; at the page's edges, a short
        line that is mostly site words (立即下载, 上传文档, 分享到 微信)."""
        if self.strong >= 3 or (self.strong >= 2 and self.strong / max(self.han, 1) >= lex.dense_share):
            return True
        if not edge or self.numbered or self.han > lex.edge_max_chars or self.punct > 1 or self.sentence:
            return False
        return self.strong >= 1 or self.weak >= 2

    def prose(self, lex: Lexicon) -> LineClass:
        if self.han >= lex.good_chars and self.punct and self.function_share >= lex.min_function_share:
            return "good"
        if self.han >= lex.near_chars and self.punct or (self.numbered or self.opens) and self.han >= 2:
            return "near"
        return "short"


def features(text: str, lex: Lexicon) -> Features:
    han = HAN.findall(text)
    return Features(
        han=len(han),
        punct=len(PUNCT.findall(text)),
        function_share=sum(c in lex.function_chars for c in han) / len(han) if han else 0.0,
        strong=len(_hits(text, lex.strong)),
        weak=len(_hits(text, lex.weak)),
        numbered=bool(NUMBERED.match(text)),
        opens=bool(ENDS_OPEN.search(text)),
        sentence=bool(SENTENCE_END.search(text)),
    )


def line_class(f: Features, lex: Lexicon, ruled: bool) -> LineClass:
    """The context-free class; ``ruled``: a site or generic rule would take the line."""
    return "chrome" if ruled or f.lexicon_chrome(lex, edge=True) else f.prose(lex)


def score(c: LineClass, f: Features) -> float:
    """What a line adds to a run's claim to be the body: prose for, chrome against."""
    if c == "good":
        return float(f.han)
    if c == "near":
        return f.han / 2
    if c == "chrome":
        return -(8 + f.han / 2)
    return -1.0


def core(classes: list[LineClass], feats: list[Features]) -> tuple[int, int] | None:
    """(first, last) line of the body: the maximum-sum run, trimmed to prose at both ends.
    None when the page has no prose at all (a slide deck of bare lines, a word list)."""
    best, best_span, run, start = 0.0, None, 0.0, 0
    for i, (c, f) in enumerate(zip(classes, feats)):
        if run <= 0:
            run, start = 0.0, i
        run += score(c, f)
        if run > best:
            best, best_span = run, (start, i)
    if best_span is None:
        return None
    prose = [i for i in range(best_span[0], best_span[1] + 1) if classes[i] in ("good", "near")]
    return (prose[0], prose[-1]) if prose else None
