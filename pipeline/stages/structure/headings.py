"""Heading tests: what a numbered heading and an unnumbered (shape) heading look like.

Chinese documents number headings in families (第一章, 一、, （一）, 1., （1）) whose order
GB/T 9704 fixes, so a heading's level follows from its family, not from fonts the scrape lost.
Unnumbered headings are recognised by shape: a line with no sentence in it that opens a section.
"""
from __future__ import annotations

from pipeline.stages.structure.rules import Family, StructureRules


def core(text: str, r: StructureRules) -> str:
    """The text without surrounding space and trailing closing quotes or brackets."""
    return r.closers.sub("", text.strip())


def ends_sentence(text: str, r: StructureRules) -> bool:
    """True when the block ends like running text (…。 …。” …；)."""
    c = core(text, r)
    return bool(c) and any(m.end() == len(c) for m in r.sentence_end.finditer(c))


def has_sentence(text: str, r: StructureRules) -> bool:
    """True when a sentence ends anywhere in the text."""
    return r.sentence_end.search(text) is not None


def numbering(text: str, r: StructureRules) -> tuple[Family, str] | None:
    """The numbering family the block opens with and the marker itself (一、, （1）…)."""
    for fam in r.families:
        m = fam.pattern.match(text)
        if m and m.end() < len(text):
            return fam, m.group()
    return None


def heading_words(text: str, r: StructureRules, max_chars: int) -> bool:
    """Shape every heading shares: short, has Han characters, does not go on (no ，：、 at the
    end), and is no date, subtitle or attachment line."""
    t = text.strip()
    return (
        0 < len(t) <= max_chars
        and len(r.cjk.findall(t)) >= r["shape"]["min_cjk"]
        and not r.continues.search(t)
        and not any(p.search(t) for p in r.not_heading)
    )


def is_numbered_heading(text: str, marker: str, r: StructureRules) -> bool:
    """一、充分认识…… or （一）把握好总体原则。 alone: the words after the number are short and
    hold at most one sentence, at their end."""
    rest = text[len(marker):].strip()
    if not heading_words(rest, r, r["numbered"]["max_chars"]):
        return False
    inner = r.closers.sub("", rest)
    if r.heading_clause.search(inner):
        return False
    return not any(m.end() < len(inner) for m in r.sentence_end.finditer(inner))


def is_shape_candidate(text: str, r: StructureRules) -> bool:
    """充分认识基层党建工作创新开展面临的机遇和挑战: no sentence-final mark anywhere."""
    return heading_words(text, r, r["shape"]["max_chars"]) and not has_sentence(text, r)


def opens_section(next_text: str | None, r: StructureRules) -> bool:
    """What follows a heading: running text, or a numbered (lower) heading. Not nothing, not a
    date or another unpunctuated line (a signature above its date, a title above a byline)."""
    if next_text is None:
        return False
    return ends_sentence(next_text, r) or numbering(next_text, r) is not None


def levels(families: list[Family], below_shape: bool) -> dict[str, int]:
    """Family id → heading level: the families the document uses, in rank order, from 1 (or
    from 2 under unnumbered level-1 headings), capped at 4 like GB/T 9704's four levels."""
    base = 2 if below_shape else 1
    ranks = sorted({f.rank for f in families})
    return {f.id: min(base + ranks.index(f.rank), 4) for f in families}
