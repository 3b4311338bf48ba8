"""Flag numbers and dates the site mangled (202223年, 1202354个); never repair them.

One document shows several shapes of the same rewrite (a clean 2023年, a 202223年, a count with
2023 spliced in), so no rule can recover the original; a reviewer must. Each flag carries the
reason and the sentence it sits in. Rules and wording live in rules/restore/numbers.toml.
"""
from __future__ import annotations

import bisect
import functools
import re
import statistics
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline import rules
from pipeline.stages.restore.changes import Facts, Finding, owned_rules, require
from pipeline.errors import PipelineError
from pipeline.text import SENTENCE_FINAL

# The keys a rule of this detector may have (rules.Checker rejects any other).
RULE_KEYS = frozenset({"anchors", "attaches_to", "contains", "id", "level", "max_gap", "message", "pattern", "ratio", "tests"})

SENTENCE = re.compile(f"[^{SENTENCE_FINAL}]*[{SENTENCE_FINAL}]?")
# The rules with a handler of their own and the keys it reads. Any other num./meta./text. rule
# is a plain flag: each match of `pattern` is flagged with `message` (text.placeholder).
HANDLED: dict[str, tuple[str, ...]] = {
    "num.year-digits": ("pattern", "message"),
    "num.embedded-year": ("pattern", "contains", "message"),
    "num.outlier": ("pattern", "ratio", "message"),
    "num.anachronism": ("pattern", "max_gap", "message", "anchors"),
    "meta.title-year": ("pattern", "message"),
}
PLAIN = ("pattern", "message")


@dataclass(frozen=True)
class NumberRules:
    table: dict[str, dict[str, Any]]
    patterns: dict[str, re.Pattern[str]]

    def pattern(self, rid: str) -> re.Pattern[str]:
        return self.patterns[rid]

    def plain(self) -> list[str]:
        """The plain flag rules, in file order."""
        return [rid for rid in self.table if rid not in HANDLED]


@cache
def load() -> NumberRules:
    table: dict[str, dict[str, Any]] = {}
    patterns: dict[str, re.Pattern[str]] = {}
    for path, r in owned_rules("numbers", RULE_KEYS):
        rid = r["id"]
        require(path, r, HANDLED.get(rid, PLAIN))
        try:
            patterns[rid] = rules.compile_rule(r["pattern"], path)
            if "contains" in r:
                re.compile(r["contains"])
        except re.error as e:
            raise PipelineError(f"{path.name}: rule {rid}: bad pattern: {e}") from e
        table[rid] = r
    return NumberRules(table, patterns)


@functools.lru_cache(maxsize=8)
def _sentence_ends(text: str) -> list[int]:
    """Where each sentence of ``text`` ends (exclusive), computed once per block."""
    return [i + 1 for i, ch in enumerate(text) if ch in SENTENCE_FINAL]


def _sentence(text: str, pos: int) -> tuple[int, str]:
    """(start, text) of the sentence holding ``pos``: a lookup, not a scan, so a block with
    thousands of flags stays linear."""
    ends = _sentence_ends(text)
    k = bisect.bisect_right(ends, pos)
    start = ends[k - 1] if k else 0
    end = ends[k] if k < len(ends) else len(text)
    return start, text[start:end]


def _quote(sentence: str, limit: int = 80) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit] + "…"


def era(texts: list[str], nr: NumberRules | None = None) -> tuple[str, int] | None:
    """The latest party-congress anchor the document mentions: the era it was written in."""
    nr = nr or load()
    rule = nr.table.get("num.anachronism")
    if rule is None:
        return None
    found = [(year, name) for name, year in rule["anchors"] if any(name in t for t in texts)]
    if not found:
        return None
    year, name = max(found)
    return name, year


def scan(text: str, doc_era: tuple[str, int] | None, skips: Any = lambda _rid: False,
         nr: NumberRules | None = None) -> list[Finding]:
    """Number, date and placeholder flags for one block."""
    nr = nr or load()
    t = nr.table
    out: list[Finding] = []
    on = lambda rid: rid in t and not skips(rid)  # noqa: E731
    if on("num.year-digits"):
        for m in nr.pattern("num.year-digits").finditer(text):
            msg = t["num.year-digits"]["message"].format(digits=len(m.group(0)))
            out.append(_finding("num.year-digits", m, text, msg, t))
    if on("num.embedded-year"):
        year_in = re.compile(t["num.embedded-year"]["contains"])
        for m in nr.pattern("num.embedded-year").finditer(text):
            y = year_in.search(m.group(0))
            if not y:
                continue
            msg = t["num.embedded-year"]["message"].format(number=m.group(0), year=y.group(0))
            if on("num.outlier"):
                msg += _outlier(text, m, nr)
            out.append(_finding("num.embedded-year", m, text, msg, t))
    if on("num.anachronism") and doc_era is not None:
        r = t["num.anachronism"]
        for m in nr.pattern("num.anachronism").finditer(text):
            year = int(m.group(1))
            gap = year - doc_era[1]
            if gap > int(r["max_gap"]):
                msg = r["message"].format(year=year, gap=gap, anchor=doc_era[0], anchor_year=doc_era[1])
                out.append(_finding("num.anachronism", m, text, msg, t, group=1))
    for rid in nr.plain():
        if on(rid):
            out += [_finding(rid, m, text, t[rid]["message"], t) for m in nr.pattern(rid).finditer(text)]
    return out


def _finding(rid: str, m: re.Match[str], text: str, msg: str, t: dict[str, Any], group: int = 0) -> Finding:
    s, e = m.span(group)
    _, sent = _sentence(text, s)
    return Finding(rid, s, e, text[s:e], f"{msg}; in: {_quote(sent)}", t[rid].get("level", "warning"))


def _outlier(text: str, m: re.Match[str], nr: NumberRules) -> str:
    """The extra reason when a count dwarfs its siblings (same unit, same sentence)."""
    r = nr.table["num.outlier"]
    unit = text[m.end():m.end() + 1]
    start, sent = _sentence(text, m.start())
    siblings = [float(s.group(0)) for s in nr.pattern("num.outlier").finditer(sent)
                if s.group(1) == unit and start + s.start() != m.start()]
    if not siblings:
        return ""
    median = statistics.median(siblings)
    ratio = float(m.group(0)) / median if median else 0.0
    if ratio < float(r["ratio"]):
        return ""
    shown = ", ".join(f"{v:g}" for v in siblings)
    return "; " + r["message"].format(ratio=ratio, siblings=shown)


def title_year(site_title: str, own_title: str, nr: NumberRules | None = None) -> Finding | None:
    """A year prefix the site added to the document's name (2023年城乡党建… vs 城乡党建…)."""
    nr = nr or load()
    r = nr.table.get("meta.title-year")
    if r is None:
        return None
    p = nr.pattern("meta.title-year")
    m = p.match(site_title)
    if not m or p.match(own_title.strip()):
        return None
    return Finding("meta.title-year", 0, 0, m.group(0), r["message"].format(year=m.group(1)), r.get("level", "info"))


def check(text: str, facts: Facts) -> list[Finding]:
    """The restored block's mangled numbers (changes.DETECTORS): flags only."""
    return scan(text, facts.era, facts.skips)
