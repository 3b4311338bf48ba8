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
from pathlib import Path
from typing import Any, Callable

from pipeline.text import HAN, HAN_RANGES
from pipeline import rules
from pipeline.stages.restore.changes import Change, Facts, Finding, owned_rules, require
from pipeline.errors import PipelineError

# The keys a rule of this detector may have (rules.Checker rejects any other).
RULE_KEYS = frozenset({"confidence", "from", "id", "max_open", "mode", "never", "pairs", "tests", "to", "when"})

# Han characters: the URO, Extension A and the compatibility ideographs. The one definition the
# restore detectors and the structure stage share.
# Marks that end a sentence, full-width and as the site folds them to ASCII.
LATIN = re.compile(r"[A-Za-z]")

# Rules with a handler of their own, and the keys each reads; every other punct./quote. rule is
# a one-character rule (`from`, `to`, `when`, optional `never`).
SPECIAL: dict[str, tuple[str, ...]] = {
    "quote.prime": ("from", "to"),
    "punct.ellipsis": ("from", "to"),
    "punct.paren": ("from", "to"),
    "punct.paren-outer": ("from", "to"),
    "punct.paren-unbalanced": ("from",),
    "quote.ascii": ("from", "to"),
    "quote.ascii-single": ("from", "to"),
    "quote.audit": ("max_open", "pairs"),
}
PARENS = ("punct.paren", "punct.paren-outer", "punct.paren-unbalanced")


@dataclass(frozen=True)
class PunctRules:
    cjk: frozenset[str]
    mask: tuple[re.Pattern[str], ...]
    rules: dict[str, dict[str, Any]]  # id -> rule table

    def by_char(self) -> dict[str, dict[str, Any]]:
        """The one-character rules (, ; : ? ! ~), keyed by their ASCII character."""
        return {r["from"]: r for rid, r in self.rules.items() if rid not in SPECIAL}

    def parens(self) -> str | None:
        """The folded bracket pair, e.g. "()" (all paren rules fold the same pair)."""
        return next((self.rules[rid]["from"] for rid in PARENS if rid in self.rules), None)


@cache
def load() -> PunctRules:
    cjk, mask = "", []
    for path, data in rules.load("restore"):
        cjk = data.get("cjk", cjk)
        try:
            mask += [rules.compile_rule(p, path) for p in data.get("mask", [])]
        except re.error as e:
            raise PipelineError(f"{path.name}: bad mask pattern: {e}") from e
    table = {}
    for path, r in owned_rules("punctuation", RULE_KEYS):
        _check(path, r)
        table[r["id"]] = r
    if len({table[rid]["from"] for rid in PARENS if rid in table}) > 1:
        raise PipelineError(f"restore rules: {', '.join(PARENS)} must fold the same bracket pair")
    return PunctRules(frozenset(cjk), tuple(mask), table)


def _check(path: Path, r: dict[str, Any]) -> None:
    """Catch at load time what would otherwise make a rule silently do nothing."""
    rid = r["id"]
    require(path, r, SPECIAL.get(rid, ("from", "to", "when")))
    where = f"{path.name}: rule {rid}"
    shapes = {"punct.paren": (2, 2), "punct.paren-outer": (2, 2), "punct.paren-unbalanced": (2, None),
              "quote.ascii": (1, 2), "quote.ascii-single": (1, 2)}
    if rid == "quote.prime" and len(r["from"]) != len(r["to"]):
        raise PipelineError(f"{where}: from and to must have the same length")
    elif rid == "punct.ellipsis" and (not r["from"] or set(r["from"]) != {r["from"][0]}):
        raise PipelineError(f"{where}: from must repeat one character (...)")
    elif rid == "quote.audit" and not all(isinstance(p, str) and len(p) == 2 for p in r["pairs"]):
        raise PipelineError(f"{where}: pairs must be opening+closing strings like “”")
    elif rid in shapes or rid not in SPECIAL:
        n_from, n_to = shapes.get(rid, (1, None))
        if len(r["from"]) != n_from or (n_to is not None and len(r["to"]) != n_to):
            raise PipelineError(f"{where}: from must be {n_from} character(s)"
                                + (f" and to {n_to}" if n_to else ""))
    for key in ("when", "never"):
        if unknown := [t for t in r.get(key, []) if t not in NEIGHBOURS]:
            raise PipelineError(f"{where}: unknown neighbour test(s) {unknown} in {key} "
                                f"(known: {', '.join(NEIGHBOURS)})")


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


def _space_then_c(w: _Work, i: int) -> bool:
    j = i + 1
    while j < len(w.text) and w.text[j] == " ":
        j += 1
    return j > i + 1 and w.c(j)


def _at(t: str, i: int) -> str:
    return t[i] if 0 <= i < len(t) else ""


def _digit(ch: str) -> bool:
    return ch.isdigit()


def _latin(ch: str) -> bool:
    return bool(ch) and LATIN.match(ch) is not None


_RANGE_HAN = re.compile(rf"(?<!\d)\d++(?:\.\d++)?[{HAN_RANGES}]")

# The neighbour tests a rule may name in `when` / `never` (documented in punctuation.toml).
NEIGHBOURS: dict[str, Callable[[_Work, int], bool]] = {
    "c_before": lambda w, i: w.c(i - 1),
    "c_after": lambda w, i: w.c(i + 1),
    "c_after_space": _space_then_c,
    "alnum_before_c_after": lambda w, i: (_digit(_at(w.text, i - 1)) or _latin(_at(w.text, i - 1))) and w.c(i + 1),
    "digit_both": lambda w, i: _digit(_at(w.text, i - 1)) and _digit(_at(w.text, i + 1)),
    "latin_before_digit_after": lambda w, i: _latin(_at(w.text, i - 1)) and _digit(_at(w.text, i + 1)),
    "latin_beside": lambda w, i: _latin(_at(w.text, i - 1)) or _latin(_at(w.text, i + 1)),
    "digit_range_han": lambda w, i: (_digit(_at(w.text, i - 1)) and _digit(_at(w.text, i + 1))
                                     and _RANGE_HAN.match(w.text, i + 1) is not None),
}


def _vetoed(w: _Work, i: int, r: dict[str, Any]) -> bool:
    return any(NEIGHBOURS[t](w, i) for t in r.get("never", []))


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
    if on("punct.ellipsis"):
        _ellipsis(w, prot, pr.rules["punct.ellipsis"])
    _parens(w, prot, on)
    single = pr.by_char()
    for i, ch in enumerate(text):
        r = single.get(ch)
        if r is None or prot[i] or not on(r["id"]) or _vetoed(w, i, r):
            continue
        why = next((t for t in r["when"] if NEIGHBOURS[t](w, i)), None)
        if why:
            w.change(r["id"], i, i + 1, r["to"], why)
    for rid in ("quote.ascii", "quote.ascii-single"):
        if on(rid):
            _ascii_quotes(w, prot, pr.rules[rid])
    return w.changes, w.findings


def _ellipsis(w: _Work, prot: list[bool], r: dict[str, Any]) -> None:
    """Runs of the folded dots next to Chinese text, whole multiples of `from` only."""
    unit = len(r["from"])
    for m in re.finditer(f"{re.escape(r['from'][0])}{{{unit},}}", w.text):
        s, e = m.span()
        if any(prot[s:e]) or not (w.c(s - 1) or w.c(e)):
            continue
        n = e - s
        if n % unit:
            w.flag(r["id"], s, e, f"{n} dots: not a whole number of folded {r['to']}; left as is")
        else:
            w.change(r["id"], s, e, r["to"] * (n // unit), f"{n} dots next to Chinese text")


def _parens(w: _Work, prot: list[bool], on: Any) -> None:
    pair = w.pr.parens()
    if pair is None:
        return
    opening, closing = pair
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, ch in enumerate(w.text):
        if prot[i]:
            continue
        if ch == opening:
            stack.append(i)
        elif ch == closing:
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
            to = w.pr.rules[rule]["to"]
            w.change(rule, s, s + 1, to[0], note)
            w.change(rule, e, e + 1, to[1], note)


def _ascii_quotes(w: _Work, prot: list[bool], r: dict[str, Any]) -> None:
    """Pair straight quotes by alternation, in a paragraph with Chinese text, or flag an odd count."""
    mark, rule = r["from"], r["id"]
    if not any(is_han(ch) for ch in w.text):
        return
    spots = [i for i, ch in enumerate(w.text) if ch == mark and not prot[i] and not _vetoed(w, i, r)]
    if not spots:
        return
    if len(spots) % 2:
        w.flag(rule, spots[0], spots[0] + 1, f"odd number ({len(spots)}) of ASCII {mark}: cannot pair them")
        return
    for k, i in enumerate(spots):
        w.change(rule, i, i + 1, r["to"][k % 2], "paired by alternation")


def audit(text: str, pr: PunctRules | None = None) -> list[Finding]:
    """Quote and bracket pairing in the restored paragraph: review, never repair."""
    r = (pr or load()).rules["quote.audit"]
    max_open = int(r["max_open"])
    out: list[Finding] = []
    for o, c in r["pairs"]:
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
    return _capped(out)


MAX_AUDIT_FLAGS = 20  # per paragraph: a million stray ” is one problem, not a million warnings


def _capped(found: list[Finding]) -> list[Finding]:
    if len(found) <= MAX_AUDIT_FLAGS:
        return found
    rest = found[MAX_AUDIT_FLAGS:]
    last = rest[-1]
    summary = Finding("quote.audit", rest[0].start, last.end, rest[0].text,
                      f"and {len(rest)} more quote or bracket problems in this paragraph, up to position {last.end}")
    return found[:MAX_AUDIT_FLAGS] + [summary]


def propose(text: str, facts: Facts) -> tuple[list[Change], list[Finding]]:
    """The detector's proposals (changes.DETECTORS)."""
    return scan(text, facts.skips)


def check(text: str, facts: Facts) -> list[Finding]:
    """The quote audit of the restored block, when the rule is on."""
    return audit(text) if "quote.audit" in load().rules and not facts.skips("quote.audit") else []
