"""Put back the full-width punctuation the site folded to ASCII, and its broken quotes.

NFKC turned ，：；（）？！～… into , : ; ( ) ? ! ~ ... and the site wrote 〞 for ”. Which ASCII
mark was once full-width can be read from its neighbours: between Han characters it was, in a
number, a URL or an English phrase it was not. Protected spans are masked first so no rule can
reach into them. All decisions are made on the text as restore received it (one coordinate
system with the other detectors); neighbours are read with earlier conversions applied.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import rules
from .changes import Change, Finding
from .model import PipelineError

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class PunctRules:
    cjk: frozenset[str]
    mask: tuple[re.Pattern[str], ...]
    rules: dict[str, dict[str, Any]]  # id -> rule table

    def by_char(self) -> dict[str, dict[str, Any]]:
        """The one-character rules (, ; : ? ! ~), keyed by their ASCII character."""
        return {r["from"]: r for r in self.rules.values() if "when" in r}


@cache
def load() -> PunctRules:
    cjk, mask, table = "", [], {}
    for path, data in rules.load("restore"):
        cjk = data.get("cjk", cjk)
        try:
            mask += [re.compile(p) for p in data.get("mask", [])]
        except re.error as e:
            raise PipelineError(f"{path.name}: bad mask pattern: {e}") from e
        for r in data.get("rule", []):
            if str(r.get("id", "")).startswith(("punct.", "quote.")):
                table[r["id"]] = r
    return PunctRules(frozenset(cjk), tuple(mask), table)


def is_han(ch: str) -> bool:
    return bool(ch) and HAN.match(ch) is not None


def protected(text: str, pr: PunctRules) -> list[bool]:
    """Which characters sit inside a masked span (numbers, URLs, English …)."""
    prot = [False] * len(text)
    for p in pr.mask:
        for m in p.finditer(text):
            for i in range(*m.span()):
                prot[i] = True
    return prot


class _Work:
    """The block text with the conversions decided so far, for neighbour tests."""

    def __init__(self, text: str, pr: PunctRules):
        self.text = text
        self.pr = pr
        self.eff = list(text)  # effective character at each original index
        self.changes: list[Change] = []
        self.findings: list[Finding] = []

    def c(self, i: int) -> bool:
        if i < 0 or i >= len(self.eff):
            return False
        ch = self.eff[i]
        return is_han(ch[:1]) or ch[:1] in self.pr.cjk

    def change(self, rule: str, start: int, end: int, after: str, note: str) -> None:
        self.changes.append(Change(rule, start, end, self.text[start:end], after, note))
        self.eff[start] = after
        for i in range(start + 1, end):
            self.eff[i] = ""

    def flag(self, rule: str, start: int, end: int, message: str) -> None:
        self.findings.append(Finding(rule, start, end, self.text[start:end], message))


def _neighbour(w: _Work, i: int, test: str) -> bool:
    t = w.text
    prev = t[i - 1] if i > 0 else ""
    nxt = t[i + 1] if i + 1 < len(t) else ""
    if test == "c_before":
        return w.c(i - 1)
    if test == "c_after":
        return w.c(i + 1)
    if test == "c_after_space":
        j = i + 1
        while j < len(t) and t[j] == " ":
            j += 1
        return j > i + 1 and w.c(j)
    if test == "alnum_before_c_after":
        return bool(prev) and (prev.isdigit() or bool(LATIN.match(prev))) and w.c(i + 1)
    if test == "digit_both":
        return prev.isdigit() and nxt.isdigit()
    if test == "latin_before_digit_after":
        return bool(LATIN.match(prev or " ")) and nxt.isdigit()
    if test == "digit_range_han":
        return prev.isdigit() and nxt.isdigit() and bool(re.match(r"\d+(?:\.\d+)?[\u4e00-\u9fff]", t[i + 1:]))
    raise PipelineError(f"unknown punctuation neighbour test {test!r}")


def scan(text: str, skips: Any = lambda _rid: False, pr: PunctRules | None = None
         ) -> tuple[list[Change], list[Finding]]:
    """Proposed punctuation edits and flags for one block, in the order of §4.2 of the design:
    quotes, ellipses, parentheses, single marks, ASCII quotes."""
    pr = pr or load()
    w = _Work(text, pr)
    prot = protected(text, pr)
    on = lambda rid: rid in pr.rules and not skips(rid)  # noqa: E731

    if on("quote.prime"):
        r = pr.rules["quote.prime"]
        table = dict(zip(r["from"], r["to"]))
        for i, ch in enumerate(text):
            if ch in table:
                w.change("quote.prime", i, i + 1, table[ch], "double-prime quote")
    _ellipsis(w, prot, on)
    _parens(w, prot, on)
    single = pr.by_char()
    for i, ch in enumerate(text):
        r = single.get(ch)
        if r is None or prot[i] or not on(r["id"]):
            continue
        if any(_neighbour(w, i, t) for t in r.get("never", [])):
            continue
        why = next((t for t in r["when"] if _neighbour(w, i, t)), None)
        if why:
            w.change(r["id"], i, i + 1, r["to"], why)
    _ascii_quotes(w, prot, on, '"', "quote.ascii")
    _ascii_quotes(w, prot, on, "'", "quote.ascii-single")
    return w.changes, w.findings


def _ellipsis(w: _Work, prot: list[bool], on: Any) -> None:
    if not on("punct.ellipsis"):
        return
    for m in re.finditer(r"\.{3,}", w.text):
        s, e = m.span()
        if any(prot[s:e]) or not (w.c(s - 1) or w.c(e)):
            continue
        n = e - s
        if n % 3:
            w.flag("punct.ellipsis", s, e, f"{n} dots: not a whole number of folded …; left as is")
        else:
            w.change("punct.ellipsis", s, e, "…" * (n // 3), f"{n} dots next to Chinese text")


def _parens(w: _Work, prot: list[bool], on: Any) -> None:
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, ch in enumerate(w.text):
        if prot[i]:
            continue
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            if stack:
                pairs.append((stack.pop(), i))
            elif on("punct.paren-unbalanced"):
                w.flag("punct.paren-unbalanced", i, i + 1, "closing parenthesis without an opening one")
    if on("punct.paren-unbalanced"):
        for i in stack:
            w.flag("punct.paren-unbalanced", i, i + 1, "opening parenthesis never closed")
    for s, e in sorted(pairs):
        inside = w.text[s + 1:e]
        if any(is_han(ch) for ch in inside):
            rule, note = "punct.paren", "Han inside"
        else:
            prev = w.text[s - 1] if s > 0 else ""
            if prev.isalnum() and not is_han(prev):
                continue  # f(x), Latin word (…)
            if not (w.c(s - 1) or w.c(e + 1)):
                continue
            rule, note = "punct.paren-outer", "Chinese text outside"
        if on(rule):
            w.change(rule, s, s + 1, "（", note)
            w.change(rule, e, e + 1, "）", note)


def _ascii_quotes(w: _Work, prot: list[bool], on: Any, mark: str, rule: str) -> None:
    if not on(rule) or not any(is_han(ch) for ch in w.text):
        return
    spots = [i for i, ch in enumerate(w.text) if ch == mark and not prot[i]]
    if mark == "'":  # apostrophes: don't, it's
        spots = [i for i in spots if not any(LATIN.match(w.text[j]) for j in (i - 1, i + 1)
                                             if 0 <= j < len(w.text))]
    if not spots:
        return
    if len(spots) % 2:
        w.flag(rule, spots[0], spots[0] + 1, f"odd number ({len(spots)}) of ASCII {mark}: cannot pair them")
        return
    opening, closing = ("“", "”") if mark == '"' else ("‘", "’")
    for k, i in enumerate(spots):
        w.change(rule, i, i + 1, opening if k % 2 == 0 else closing, "paired by alternation")


def audit(text: str, max_open: int = 300) -> list[Finding]:
    """Quote and bracket pairing in the restored paragraph: review, never repair."""
    out: list[Finding] = []
    for o, c in (("“", "”"), ("‘", "’"), ("（", "）"), ("《", "》")):
        open_at: int | None = None
        for i, ch in enumerate(text):
            if ch == o:
                if open_at is not None:
                    out.append(Finding("quote.audit", i, i + 1, ch, f"{o} while a {o}…{c} is still open"))
                open_at = i
            elif ch == c:
                if open_at is None:
                    out.append(Finding("quote.audit", i, i + 1, ch, f"{c} without an opening {o}"))
                elif i - open_at > max_open:
                    out.append(Finding("quote.audit", open_at, i + 1, text[open_at:i + 1][:20],
                                       f"{o}…{c} spans {i - open_at} characters"))
                open_at = None
        if open_at is not None:
            out.append(Finding("quote.audit", open_at, open_at + 1, o, f"{o} never closed in this paragraph"))
    return out
