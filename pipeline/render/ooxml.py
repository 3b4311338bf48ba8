"""Small WordprocessingML helpers python-docx lacks: East Asian fonts, ordered children, a
reproducible zip. Word validates the order of children in ``rPr``/``pPr`` (LibreOffice does
not), so every element is inserted at its schema position."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

RPR_ORDER = ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps",
             "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof",
             "w:snapToGrid", "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern",
             "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
             "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
             "w:specVanish", "w:oMath")
PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
             "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
             "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
             "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
             "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
             "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
             "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
# Theme attributes win over font names in Word, so they must go wherever fonts are named.
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
FONT_SLOTS = ("ascii", "hAnsi", "eastAsia", "cs", "hint")
# docProps/app.xml without Word's statistics: python-docx never updates <Pages>, so none is better.
APP_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           b"<Application>scrape2doc</Application></Properties>")


def put(parent: etree._Element, tag: str, order: tuple[str, ...], **attrs: object) -> etree._Element:
    """Replace child ``tag`` with a new one carrying ``attrs``, at its schema position."""
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    el = OxmlElement(tag, {qn(f"w:{k}"): str(v) for k, v in attrs.items()})
    later = {qn(t) for t in order[order.index(tag) + 1:]}
    for i, child in enumerate(parent):
        if child.tag in later:
            parent.insert(i, el)
            return el
    parent.append(el)
    return el


def pin_fonts(rpr: etree._Element, east_asia: str, latin: str) -> None:
    """Name all four font slots and drop theme fonts; the hint makes Word draw “ ” — … in the
    East Asian face, i.e. full width."""
    set_fonts(rpr, {"ascii": latin, "hAnsi": latin, "eastAsia": east_asia, "cs": latin, "hint": "eastAsia"})


def set_fonts(rpr: etree._Element, fonts: dict[str, str]) -> None:
    if not fonts:  # a style set that names no fonts (theme fonts only): leave the run alone
        return
    rf = rpr.find(qn("w:rFonts"))
    if rf is None:
        rf = put(rpr, "w:rFonts", RPR_ORDER)
    for a in THEME_ATTRS:
        rf.attrib.pop(qn(a), None)
    for slot, name in fonts.items():
        rf.set(qn(f"w:{slot}"), name)


def style_fonts(style: object) -> dict[str, str]:
    """The font slots a paragraph style resolves to through its ``basedOn`` chain, then the
    document defaults: what a run in that style should name explicitly."""
    found: dict[str, str] = {}
    chain = []
    while style is not None:
        chain.append(style.element)  # type: ignore[attr-defined]
        style = style.base_style  # type: ignore[attr-defined]
    defaults = chain[0].getparent().find(qn("w:docDefaults")) if chain else None
    if defaults is not None:
        chain.append(defaults.find(qn("w:rPrDefault")))
    for el in chain:
        rf = el.find(f"{qn('w:rPr')}/{qn('w:rFonts')}") if el is not None else None
        if rf is None:
            continue
        for slot in FONT_SLOTS:
            v = rf.get(qn(f"w:{slot}"))
            if v is not None:
                found.setdefault(slot, v)
    return found


def reproducible_zip(data: bytes, when: datetime, replace: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a zip with fixed timestamps, attributes and order (python-docx stamps the wall
    clock), optionally replacing members' contents: the same input gives the same bytes."""
    replace = replace or {}
    out = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            zout.writestr(zi, replace.get(info.filename, zin.read(info)))
    return out.getvalue()
