#!/usr/bin/env python3
"""Build templates/docx/reference.docx, the DOCX style set, from gbt9704.toml.

The renderer reads only the reference document (like pandoc's --reference-doc), so a user's
own Word file can replace it. Starting from python-docx's template, this drops the parts a
report never uses (stylesWithEffects, theme, numbering, customXml, thumbnail: 38 KB → a few KB),
replaces every style with the house style, and fixes python-docx's template traps: US Letter
paper, theme fonts that override named ones, ja-JP as the East Asian language, blue bold headings,
"python-docx" as the author.

Usage: .venv/bin/python templates/docx/make_reference.py [OUT]   (default: next to this file)
"""
from __future__ import annotations

import io
import sys
import tomllib
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import docx  # noqa: E402
from docx.enum.style import WD_STYLE_TYPE  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Mm  # noqa: E402

from pipeline.render.ooxml import APP_XML, PPR_ORDER, RPR_ORDER, pin_fonts, put, reproducible_zip  # noqa: E402
from pipeline.render.presentation import FALLBACK_DATE  # noqa: E402

SPEC = HERE / "gbt9704.toml"
OUT = HERE / "reference.docx"
KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList"}  # Word's defaults
DROP_RELS = ("stylesWithEffects", "webSettings", "customXml", "theme", "numbering", "thumbnail")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def twips(pt: float) -> int:
    return round(pt * 20)


def style_xml(style: Any, spec: dict[str, Any], page: dict[str, Any], size: float) -> None:
    """Write one style's pPr and rPr from its spec; ``size`` is the style's resolved size."""
    el = style.element
    for old in el.findall(qn("w:pPr")) + el.findall(qn("w:rPr")):
        el.remove(old)
    ppr, rpr = el.get_or_add_pPr(), el.get_or_add_rPr()
    if spec.get("keep_next"):
        put(ppr, "w:keepNext", PPR_ORDER)
    if "widow_control" in spec:
        put(ppr, "w:widowControl", PPR_ORDER, val=int(spec["widow_control"]))
    # No grid snapping: an exact line height is the whole grid, and a 22 pt title line must
    # never take two slots.
    put(ppr, "w:snapToGrid", PPR_ORDER, val=0)
    line = twips(spec["line_pt"]) if "line_pt" in spec else page["line_pitch_twips"]
    after = spec.get("space_after_lines", 0) * page["line_pitch_twips"]
    put(ppr, "w:spacing", PPR_ORDER, before=0, after=after, line=line, lineRule="exact")
    ind: dict[str, object] = {}
    if "first_line_chars" in spec:  # Word reads *Chars, LibreOffice 7.4 the twips
        ind |= {"firstLine": twips(spec["first_line_chars"] * size), "firstLineChars": spec["first_line_chars"] * 100}
    if "side_chars" in spec:
        n = spec["side_chars"]
        ind |= {"left": twips(n * size), "leftChars": n * 100, "right": twips(n * size), "rightChars": n * 100}
    if ind:
        put(ppr, "w:ind", PPR_ORDER, **ind)
    if "align" in spec:
        put(ppr, "w:jc", PPR_ORDER, val=spec["align"])
    if "outline_level" in spec:
        put(ppr, "w:outlineLvl", PPR_ORDER, val=spec["outline_level"])
    if "east_asia" in spec:
        pin_fonts(rpr, spec["east_asia"], spec.get("latin", page["latin"]))
    if "tracking_pt" in spec:
        put(rpr, "w:spacing", RPR_ORDER, val=twips(spec["tracking_pt"]))
    if "size_pt" in spec:
        put(rpr, "w:sz", RPR_ORDER, val=round(spec["size_pt"] * 2))
        put(rpr, "w:szCs", RPR_ORDER, val=round(spec["size_pt"] * 2))


def build_styles(d: Any, spec: dict[str, Any]) -> None:
    page, styles = spec["page"], spec["styles"]
    root = d.styles.element
    for el in root.findall(qn("w:latentStyles")):
        root.remove(el)
    for el in root.findall(qn("w:style")):
        if el.get(qn("w:styleId")) not in KEEP_STYLES:
            root.remove(el)
    normal = styles["Normal"]
    defaults = root.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    pin_fonts(rpr, normal["east_asia"], page["latin"])
    put(rpr, "w:sz", RPR_ORDER, val=round(normal["size_pt"] * 2))
    put(rpr, "w:szCs", RPR_ORDER, val=round(normal["size_pt"] * 2))
    put(rpr, "w:lang", RPR_ORDER, val="en-US", eastAsia=page["lang"], bidi="ar-SA")
    ppr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    put(ppr, "w:spacing", PPR_ORDER, before=0, after=0, line=page["line_pitch_twips"], lineRule="exact")
    for name, s in styles.items():
        style = d.styles["Normal"] if name == "Normal" else d.styles.add_style(
            name, WD_STYLE_TYPE.PARAGRAPH, builtin=not s.get("custom", False))
        for el in style.element.findall(qn("w:rsid")):
            style.element.remove(el)
        if name != "Normal":
            style.style_id = name.replace(" ", "")  # Word's ids: Heading1, Footer
            style.base_style = d.styles[s["based_on"]]
            if name != "Footer":
                style.next_paragraph_style = d.styles["Normal"]
            style.quick_style = True
        size = s.get("size_pt", normal["size_pt"])
        style_xml(style, s, page, size)


def build_section(d: Any, spec: dict[str, Any]) -> None:
    page = spec["page"]
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(page["width_mm"]), Mm(page["height_mm"])
    sec.top_margin, sec.bottom_margin = Mm(page["top_mm"]), Mm(page["bottom_mm"])
    sec.left_margin, sec.right_margin = Mm(page["left_mm"]), Mm(page["right_mm"])
    sec.header_distance, sec.footer_distance = Mm(page["header_mm"]), Mm(page["footer_mm"])
    sect = sec._sectPr
    for a in list(sect.attrib):
        if a.startswith(qn("w:rsid")):
            del sect.attrib[a]
    grid = sect.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")  # Word's page setup then shows 每页22行
    grid.set(qn("w:linePitch"), str(page["line_pitch_twips"]))
    d.settings.odd_and_even_pages_header_footer = True  # an empty even footer would hide numbers
    pn = spec["page_number"]
    for footer, align in ((sec.footer, pn["odd_align"]), (sec.even_page_footer, pn["even_align"])):
        footer.is_linked_to_previous = False
        page_number(footer.paragraphs[0], align, pn, spec["styles"]["Footer"])


def page_number(par: Any, align: str, pn: dict[str, Any], footer: dict[str, Any]) -> None:
    """"— N —" with the number a PAGE field, inset one character from its side."""
    size = footer["size_pt"]
    par.style = "Footer"
    ppr = par._p.get_or_add_pPr()
    inset = twips(pn["inset_chars"] * size)
    side = "right" if align == "right" else "left"
    put(ppr, "w:ind", PPR_ORDER, **{side: inset, f"{side}Chars": pn["inset_chars"] * 100})
    put(ppr, "w:jc", PPR_ORDER, val=align)
    par.add_run(pn["before"])
    field = OxmlElement("w:fldSimple", {qn("w:instr"): " PAGE "})
    par._p.append(field)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    par.add_run(pn["after"])
    for r in par._p.iter(qn("w:r")):
        pin_fonts(r.get_or_add_rPr(), footer["east_asia"], footer["latin"])


def build_settings(d: Any, spec: dict[str, Any]) -> None:
    s = d.settings.element
    s.find(qn("w:themeFontLang")).set(qn("w:eastAsia"), spec["page"]["lang"])
    for tag in ("w:rsids", "w:savePreviewPicture", "w:proofState", "w:attachedTemplate"):
        for el in s.findall(qn(tag)):
            s.remove(el)
    for el in s.findall("{http://schemas.microsoft.com/office/word/2010/wordml}docId"):
        s.remove(el)  # a random id per template


def font_table(spec: dict[str, Any]) -> bytes:
    rows = []
    for name, f in spec["fonts"].items():
        alt = f'<w:altName w:val={quoteattr(f["alt"])}/>' if "alt" in f else ""
        rows.append(f'<w:font w:name={quoteattr(name)}>{alt}<w:charset w:val="{f["charset"]}"/>'
                     f'<w:family w:val="{f["family"]}"/></w:font>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="{W_NS}">'
            + "".join(rows) + "</w:fonts>").encode()


def build(spec_path: Path = SPEC) -> bytes:
    spec = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    d = docx.Document()
    for part, rels in ((d.part, d.part.rels), (d.part.package, d.part.package.rels)):
        for rId, rel in list(rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in DROP_RELS:
                rels.pop(rId)
    build_styles(d, spec)
    build_section(d, spec)
    build_settings(d, spec)
    cp = d.core_properties
    cp.author = cp.last_modified_by = cp.comments = cp.title = cp.subject = cp.keywords = ""
    cp.created = cp.modified = FALLBACK_DATE
    cp.revision = 1
    buf = io.BytesIO()
    d.save(buf)
    return reproducible_zip(buf.getvalue(), FALLBACK_DATE,
                            {"word/fontTable.xml": font_table(spec), "docProps/app.xml": APP_XML})


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.write_bytes(build())
    print(f"{out}: {out.stat().st_size} bytes")
