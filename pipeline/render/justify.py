"""Flush CJK lines in WeasyPrint: inter-character justification (CSS ``text-justify:
inter-character``), which WeasyPrint lacks.

WeasyPrint's ``text-align: justify`` stretches only U+0020 and U+00A0 (layout/inline.py,
``justify_line``), so a Chinese line, which has none, stays ragged: a line whose last character
was carried down because the next one may not start a line (，。、；：？！）》” …) ends a full
character short. A typesetter spreads that remainder over the line's character gaps. This
module does the same, after WeasyPrint has broken the lines (Pango's UAX #14 rules, which keep
the 禁则) and before it draws them: each text box on a justified line gets its letter-spacing
raised by the same amount, so the last glyph ends on the right edge of the measure. No character
is inserted, so the text copied out of the PDF is the document's text.

``install()`` replaces ``weasyprint.layout.inline.justify_line`` (a module-level function the
line layout looks up at call time). Lines with no CJK character keep WeasyPrint's own word
spacing. The hook is checked against the installed WeasyPrint by tests/test_render_pdf.py.
"""
from __future__ import annotations


from typing import Any
from pipeline.text import WIDE

CJK = WIDE

_original: Any = None


def _text_boxes(box: Any, boxes: Any) -> list[Any]:
    if isinstance(box, boxes.TextBox):
        return [box]
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return [t for child in box.children if child.is_in_normal_flow() for t in _text_boxes(child, boxes)]
    return []


def _spread(box: Any, boxes: Any, extra: float, x_advance: float) -> float:
    """Raise each text box's letter-spacing by ``extra`` per character and move the boxes
    after it along (the shape of WeasyPrint's add_word_spacing)."""
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        style = box.style.copy()  # boxes of one element share a style: copy before changing
        spacing = style["letter_spacing"]
        style["letter_spacing"] = (0 if spacing == "normal" else spacing) + extra
        box.style = style  # drawing re-creates the Pango layout from box.style (draw/text.py)
        grown = extra * len(box.text)  # WeasyPrint counts one letter-spacing per character
        box.width += grown
        return x_advance + grown
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _spread(child, boxes, extra, x_advance)
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)  # an atomic inline
    return x_advance


def justify_line(context: Any, line: Any, extra_width: float) -> None:
    """WeasyPrint's justify_line, with CJK lines spread between characters."""
    from weasyprint.formatting_structure import boxes

    texts = _text_boxes(line, boxes)
    chars = sum(len(t.text) for t in texts)
    if chars < 2 or not any(CJK.search(t.text) for t in texts):
        _original(context, line, extra_width)
        return
    # The line's width counts a trailing letter-spacing after its last glyph; take it back so
    # the last glyph, not its spacing, meets the right edge: chars·d − (s + d) = extra_width.
    last = texts[-1].style["letter_spacing"]
    last = 0 if last == "normal" else last
    _spread(line, boxes, (extra_width + last) / (chars - 1), 0)


def install() -> None:
    """Hook the justification into WeasyPrint's line layout (idempotent)."""
    global _original
    from weasyprint.layout import inline

    if inline.justify_line is not justify_line:
        _original = inline.justify_line
        inline.justify_line = justify_line
