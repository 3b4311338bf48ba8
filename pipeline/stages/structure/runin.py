"""Run-in heads: a paragraph's short first sentence that heads it (实施组织联建。……).

Many short first sentences are not heads (山东是一个农业大省。 introduces its section), so a
lead needs evidence beyond its length: a number before it, or parallel form — consecutive
sibling paragraphs that all open the same way, the way a writer sets out 3 measures.
"""
from __future__ import annotations

from os.path import commonprefix

from pipeline.stages.structure.rules import StructureRules


def candidate(text: str, r: StructureRules, start: int = 0) -> str | None:
    """The first sentence from ``start`` when it could be a head: short, a phrase (no clause
    marks or figures inside), no statement or enumeration, with paragraph text after it."""
    cfg = r["lead"]
    m = r.lead_end.search(text, start)
    if m is None:
        return None
    words = text[start:m.start()].strip()
    if not cfg["min_chars"] <= len(words) <= cfg["max_chars"]:
        return None
    if len(text) - m.end() < cfg["min_rest"] or r.lead_no_inside.search(words):
        return None
    if any(p.search(words) for p in r.not_lead):
        return None
    return text[:m.end()]


def _words(lead: str, r: StructureRules) -> str:
    return r.lead_end.sub("", lead)


def same_form(a: str, b: str, r: StructureRules) -> bool:
    """Two leads read as siblings: (nearly) equal length, or a shared opening or ending
    (基层党建工作…的重大机遇 / 基层党建工作…的重大变革)."""
    cfg = r["lead"]
    a, b = _words(a, r), _words(b, r)
    affix = max(len(commonprefix([a, b])), len(commonprefix([a[::-1], b[::-1]])))
    return abs(len(a) - len(b)) <= cfg["intro_length_diff"] or affix >= cfg["intro_affix"]


def parallel_leads(leads: list[str | None], r: StructureRules) -> list[bool]:
    """Which paragraphs of one section (in order; None = no candidate) carry a run-in head.

    A head needs a run of at least ``min_run`` consecutive candidates of comparable length.
    The section's first paragraph is its introduction unless its lead has the same form as the
    next one."""
    cfg = r["lead"]
    leads = list(leads)
    if len(leads) > 1 and leads[0] and leads[1] and not same_form(leads[0], leads[1], r):
        leads[0] = None
    out = [False] * len(leads)
    i = 0
    while i < len(leads):
        j = i
        while j < len(leads) and leads[j]:
            j += 1
        run = [len(_words(x, r)) for x in leads[i:j] if x]
        if len(run) >= cfg["min_run"] and max(run) <= cfg["max_length_ratio"] * min(run):
            out[i:j] = [True] * (j - i)
        i = j + 1
    return out
