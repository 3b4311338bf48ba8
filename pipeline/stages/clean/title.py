"""The document's title: kept apart from the first paragraph, and in the document."""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from pipeline.model import Edit, Meta
from pipeline.options import Options
from pipeline.text import HAN, NUMBERED
from pipeline.stages.clean import classify, paragraphs, profiles
from pipeline.stages.clean.page import STAGE, TITLE_LINE, TITLE_SPLIT, WORD, Piece, Seg, gap, split

COLON = re.compile(r"[:：]")
SENTENCE_INSIDE = re.compile(r"[。！？!?；;]")


def names_document(text: str) -> bool:
    """Enough words to name a document: four Han characters or Latin words between them."""
    return len(HAN.findall(text)) + len(WORD.findall(text)) >= 4


def title_like(text: str) -> bool:
    """A line shaped like a document's title: short words, no sentence, not a numbered head,
    not a row of label:value fields."""
    return (2 <= len(text) <= 60 and not SENTENCE_INSIDE.search(text) and not NUMBERED.match(text)
            and not classify.ENDS_OPEN.search(text) and len(COLON.findall(text)) < 2)


def fold_spaces(text: str) -> str:
    return "".join(text.split())


def place_title(segs: list[Seg], pieces: list[Piece], meta: Meta, opts: Options) -> list[Piece]:
    """Keep the title apart from the first paragraph and in the document.

    A body that opens with the site's title glued to its first sentence is split there; a body
    whose first block is not a title gets the page's filename line back as its title (the
    extension cut off, as an edit); a page that names no title takes its first title-like line."""
    if not pieces:
        return pieces
    first = pieces[0]
    title = meta.title
    if title and not opts.skips(TITLE_SPLIT):
        folded, want = fold_spaces(first.text), fold_spaces(title)
        if folded.startswith(want) and len(HAN.findall(folded[len(want):])) >= 2:
            k, seen = 0, 0
            while seen < len(want):
                seen += not first.text[k].isspace()
                k += 1
            return split(first, [gap(first.text, k)], TITLE_SPLIT) + pieces[1:]
    breaks = paragraphs.space_breaks(first.text)
    opening = first.text[:breaks[0]] if breaks else first.text  # a joined line's first paragraph
    if (title and not title_like(opening) and not opts.skips(TITLE_LINE)
            and SequenceMatcher(None, title, first.text[:len(title)]).ratio() < 0.6):
        line = next((s for s in reversed(segs) if s.rule_id and s.start < first.pos[0]
                     and s.text.startswith(title) and len(s.text) > len(title) and s.text == meta.filename), None)
        if line is not None:
            segs.remove(line)
            end = line.start + len(title)
            piece = Piece(title, list(range(line.start, end)),
                          [Edit(STAGE, TITLE_LINE, "", end, line.start + len(line.text), line.text[len(title):], "",
                                "the page's filename line, as the document's title")])
            return [piece] + pieces
    glued = profiles.generic().glued_title
    if not title and glued is not None and not opts.skips(TITLE_SPLIT) and (m := glued.match(first.text)):
        meta.title = m[1]  # 三年级语文《秋天的雨》教学设计本课是……: the page names no title
        return split(first, [gap(first.text, m.end(1))], TITLE_SPLIT) + pieces[1:]
    if not title and title_like(opening) and names_document(opening):
        meta.title = opening
    return pieces
