"""Which script a page is written in, and Traditional folded to Simplified (OpenCC).

Mirrors of simplified sites serve the same pages converted to Traditional characters. Rules and
lexicons are written once, in Simplified: a Traditional page is matched through a folded copy of
each line, while its text stays as the page has it unless the user asks for ``--to-simplified``.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

import opencc

from pipeline.text import HAN

Fold = Callable[[str], str]
SAMPLE = 20000  # Han characters looked at: enough to decide, cheap on a huge page
TRADITIONAL_SHARE = 0.05  # of Han characters that change under t2s: Simplified text has ~0


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def detect(text: str) -> str:
    """"traditional", "simplified", or "" for a page without Han characters."""
    han = "".join(HAN.findall(text[:SAMPLE * 4]))[:SAMPLE]
    if not han:
        return ""
    changed = sum(a != b for a, b in zip(han, to_simplified(han)))
    return "traditional" if changed >= TRADITIONAL_SHARE * len(han) else "simplified"


def folder(script: str) -> Fold:
    """What rules see of a line: the Simplified form of a Traditional page when it keeps every
    offset (OpenCC maps characters one to one almost always), else the line as it is."""
    if script != "traditional":
        return lambda s: s

    def fold(s: str) -> str:
        t = to_simplified(s)
        return t if len(t) == len(s) else s
    return fold
