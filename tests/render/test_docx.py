"""The DOCX renderer: GB/T 9704 house style, Word-readable structure, reproducible bytes, and
(when LibreOffice is installed) the layout LibreOffice gives it."""
from __future__ import annotations

import collections
import importlib.util
import io
import re
import subprocess
import unicodedata
import zipfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree

from pipeline.render import pagecount
from pipeline.model import Block, Document, Meta, PipelineError
from pipeline.options import Options
from pipeline.render.docx import REFERENCE, render_docx

ROOT = Path(__file__).parents[2]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "sample-structured.json"
# The numbers the renderers put before the fixture's three unnumbered level-1 headings (written out
# here, not taken from presentation.heading_prefixes, so a bug there shows).
SAMPLE_NUMBERS = {"b0003": "一、", "b0008": "二、", "b0013": "三、"}
MM = 72 / 25.4  # pt
PITCH, CHAR = 28.95, 15.75  # pt: 579 twips; 16 pt tracked −0.25 pt
LEFT, RIGHT, TOP, BOTTOM = 28 * MM, 184 * MM, 37 * MM, 262 * MM  # the 版心, from the page's top left
CLOSING = set("，。、；：！？”’）》」』】…—")  # marks Word and LibreOffice hang past the line end


@pytest.fixture(scope="module")
def sample() -> Document:
    return Document.from_json(FIXTURE.read_text(encoding="utf-8"))


def make_doc(*blocks: Block, **meta: object) -> Document:
    m = Meta(site="huiwen", site_name="汇文网", title="测试报告", doc_id="42", date="2023-04-14",
             keywords=["党建", "调研"], pages=1)
    return Document(source="t.txt", meta=replace(m, **meta), blocks=list(blocks), stages=["structure"])


def tiny() -> Document:
    return make_doc(
        Block("b0000", "关于基层工作的调研报告", kind="title"),
        Block("b0001", "编者按：本文介绍基层工作。", kind="summary"),
        Block("b0002", "工作现状", kind="heading", level=1),
        Block("b0003", "组织建设", kind="heading", level=2),
        Block("b0004", "实施组织联建。统筹城乡基层党建工作，需要有效载体。", kind="paragraph", lead="实施组织联建。"),
        Block("b0005", "这是一段普通的正文，没有加粗的引导句。", kind="paragraph"),
    )


def read(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def xml(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read(name))


def w(el: etree._Element, path: str) -> etree._Element:
    found = el.find(path.replace("w:", "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"))
    assert found is not None, path
    return found


def attr(el: etree._Element, name: str) -> str | None:
    return el.get(qn(f"w:{name}"))


# --- structure a Word user sees ------------------------------------------------------------

def test_title_headings_and_run_in_heads_read_back_with_their_styles(sample):
    out = read(render_docx(sample, Options()))
    pars = out.paragraphs
    blocks = sample.body  # all of it: the summary is kept by default
    assert len(pars) == len(blocks) == 18
    want = {"title": "Title", "summary": "Abstract", "paragraph": "Normal"}
    for p, b in zip(pars, blocks):
        assert p.style.name == (f"Heading {b.level}" if b.kind == "heading" else want[b.kind])
        assert p.text == SAMPLE_NUMBERS.get(b.id, "") + b.text
        bold = "".join(r.text for r in p.runs if r.bold)
        assert bold == b.lead  # the run-in head and nothing else
    assert [p.text[:2] for p in pars if p.style.name == "Heading 1"] == ["一、", "二、", "三、"]


def test_summary_is_set_apart_in_kai_and_dropped_on_request(sample):
    kept = read(render_docx(sample, Options()))
    abstract = [p for p in kept.paragraphs if p.style.name == "Abstract"]
    assert [p.text for p in abstract] == [b.text for b in sample.body if b.kind == "summary"]
    style = kept.styles["Abstract"].element
    assert attr(w(style, "w:rPr/w:rFonts"), "eastAsia") == "楷体_GB2312"
    assert int(attr(w(style, "w:pPr/w:ind"), "left")) > 0 and int(attr(w(style, "w:pPr/w:ind"), "right")) > 0
    dropped = read(render_docx(sample, Options(keep_summary=False)))
    assert not [p for p in dropped.paragraphs if p.style.name == "Abstract"]
    assert len(dropped.paragraphs) == len(kept.paragraphs) - len(abstract)


def test_heading_numbers_follow_the_option_and_the_source():
    doc = tiny()
    numbered = [p.text for p in read(render_docx(doc, Options())).paragraphs if p.style.name.startswith("Heading")]
    assert numbered == ["一、工作现状", "（一）组织建设"]
    plain = [p.text for p in read(render_docx(doc, Options(number_headings=False))).paragraphs
             if p.style.name.startswith("Heading")]
    assert plain == ["工作现状", "组织建设"]
    doc.block("b0002").text = "一、工作现状"  # the source numbers its own level 1: not twice
    own = [p.text for p in read(render_docx(doc, Options())).paragraphs if p.style.name.startswith("Heading")]
    assert own == ["一、工作现状", "（一）组织建设"]


def test_deep_headings_use_the_deepest_heading_style():
    doc = make_doc(Block("b0000", "标题", kind="title"), Block("b0001", "细目", kind="heading", level=4))
    assert read(render_docx(doc, Options())).paragraphs[1].style.name == "Heading 3"


def test_a_document_without_body_text_is_refused():
    doc = make_doc(Block("b0000", "广告", layer="chrome"))
    with pytest.raises(PipelineError, match="nothing to render"):
        render_docx(doc, Options())


def test_text_that_cannot_be_xml_is_refused_with_the_block_id():
    doc = make_doc(Block("b0000", "标题", kind="title"), Block("b0001", "正文\x01", kind="paragraph"))
    with pytest.raises(PipelineError, match="b0001"):
        render_docx(doc, Options())


# --- GB/T 9704 page and styles -------------------------------------------------------------

def test_page_is_a4_with_gbt9704_margins_and_a_22_line_grid():
    sect = w(xml(render_docx(tiny(), Options()), "word/document.xml"), "w:body/w:sectPr")
    size, mar, grid = w(sect, "w:pgSz"), w(sect, "w:pgMar"), w(sect, "w:docGrid")
    assert (attr(size, "w"), attr(size, "h")) == ("11906", "16838")  # 210 × 297 mm
    twips = {k: round(int(attr(mar, k)) / 20 / MM) for k in ("top", "left", "right", "bottom")}
    assert twips == {"top": 37, "left": 28, "right": 26, "bottom": 35}
    assert (attr(grid, "type"), attr(grid, "linePitch")) == ("lines", "579")
    assert 22 * 579 <= int(attr(size, "h")) - int(attr(mar, "top")) - int(attr(mar, "bottom")) < 23 * 579


def test_styles_carry_the_house_style():
    out = read(render_docx(tiny(), Options()))

    def fonts_size(name: str) -> tuple[str | None, int | None]:
        rpr = out.styles[name].element.find(qn("w:rPr"))
        rf = rpr.find(qn("w:rFonts")) if rpr is not None else None
        sz = rpr.find(qn("w:sz")) if rpr is not None else None
        return (attr(rf, "eastAsia") if rf is not None else None, int(attr(sz, "val")) if sz is not None else None)

    assert fonts_size("Normal") == ("仿宋_GB2312", 32)  # 3号
    assert fonts_size("Title") == ("方正小标宋简体", 44)  # 2号
    assert fonts_size("Heading 1")[0] == "黑体"
    assert fonts_size("Heading 2")[0] == "楷体_GB2312"
    normal = out.styles["Normal"].element
    spacing = w(normal, "w:pPr/w:spacing")
    assert (attr(spacing, "line"), attr(spacing, "lineRule")) == ("579", "exact")
    assert attr(w(normal, "w:rPr/w:spacing"), "val") == "-5"  # −0.25 pt: 28 chars per line
    assert attr(w(normal, "w:pPr/w:ind"), "firstLineChars") == "200"
    assert out.styles["Title"].paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    for name in ("Title", "Heading 1", "Heading 2"):
        assert not out.styles[name].font.bold  # 黑体/楷体 carry the weight, not faux bold
    assert [out.styles[f"Heading {n}"].element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}").get(qn("w:val"))
            for n in (1, 2)] == ["0", "1"]  # Word's navigation pane and TOC levels


def test_east_asian_fonts_are_named_on_styles_and_runs_and_no_theme_font_overrides():
    data = render_docx(tiny(), Options())
    out = read(data)
    for p in out.paragraphs:
        style_font = out.styles[p.style.name].element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        for r in p.runs:
            rf = r._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
            assert attr(rf, "eastAsia") == attr(style_font, "eastAsia"), p.text
            assert attr(rf, "hint") == "eastAsia"
    for name in ("word/styles.xml", "word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        assert not re.search(rb"w:(ascii|hAnsi|eastAsia|cs)[Tt]heme=", zipfile.ZipFile(io.BytesIO(data)).read(name))
    styles = xml(data, "word/styles.xml")
    assert attr(w(styles, "w:docDefaults/w:rPrDefault/w:rPr/w:lang"), "eastAsia") == "zh-CN"
    assert attr(w(styles, "w:docDefaults/w:rPrDefault/w:rPr/w:rFonts"), "eastAsia") == "仿宋_GB2312"
    assert attr(w(xml(data, "word/settings.xml"), "w:themeFontLang"), "eastAsia") == "zh-CN"


def test_page_numbers_sit_right_on_odd_pages_and_left_on_even_pages():
    data = render_docx(tiny(), Options())
    out = read(data)
    assert out.settings.odd_and_even_pages_header_footer
    sec = out.sections[0]
    for footer, align, side in ((sec.footer, "right", "right"), (sec.even_page_footer, "left", "left")):
        p = footer._element.find(qn("w:p"))
        assert attr(w(p, "w:pPr/w:jc"), "val") == align
        assert int(attr(w(p, "w:pPr/w:ind"), side)) == 280  # 空一字 of 4号 = 14 pt
        field = w(p, "w:fldSimple")
        assert attr(field, "instr").strip() == "PAGE"
        texts = [t.text for t in p.iter(qn("w:t"))]
        assert texts[0] == "— " and texts[-1] == " —"  # U+2014 一字线, not hyphens


# --- metadata and bytes --------------------------------------------------------------------

def test_core_properties_come_from_the_site_metadata(sample):
    data = render_docx(sample, Options())
    cp = read(data).core_properties
    assert cp.title == "城乡党建推动科学发展调研报告"
    assert cp.keywords.split(", ") == sample.meta.keywords
    assert cp.subject == "汇文网"
    assert "汇文网" in cp.comments and "728690" in cp.comments
    assert cp.created == cp.modified == datetime(2023, 4, 14, tzinfo=timezone.utc)
    assert cp.author == "" and cp.last_modified_by == "" and cp.revision == 1
    app = zipfile.ZipFile(io.BytesIO(data)).read("docProps/app.xml")
    assert b"Pages" not in app and b"python-docx" not in data


def test_same_input_gives_identical_bytes_with_the_sites_date_in_the_zip(sample):
    first, second = render_docx(sample, Options()), render_docx(sample, Options())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 4, 14, 0, 0, 0)}
        assert z.namelist()[0] == "[Content_Types].xml"
    assert render_docx(sample, Options(keep_summary=False)) != first


# --- the style set: committed, rebuildable, swappable --------------------------------------

def load_make_reference():
    spec = importlib.util.spec_from_file_location("make_reference", ROOT / "templates/docx/make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_reference_docx_is_built_from_the_style_data():
    assert load_make_reference().build() == REFERENCE.read_bytes(), "run templates/docx/make_reference.py"


def restyled_reference(tmp_path: Path, east_asia: str = "", align: str = "", drop: str = "") -> str:
    """The committed reference with one change, as a user's own style set would have."""
    ref = docx.Document(str(REFERENCE))
    normal = ref.styles["Normal"].element
    if east_asia:
        w(normal, "w:rPr/w:rFonts").set(qn("w:eastAsia"), east_asia)
    if align:
        w(normal, "w:pPr/w:jc").set(qn("w:val"), align)
    if drop:
        ref.styles[drop].element.getparent().remove(ref.styles[drop].element)
    path = tmp_path / "mine.docx"
    ref.save(str(path))
    return str(path)


def test_a_users_reference_docx_replaces_the_house_style(tmp_path):
    opts = Options(reference_docx=restyled_reference(tmp_path, east_asia="宋体"))
    out = read(render_docx(tiny(), opts))
    body = [p for p in out.paragraphs if p.style.name == "Normal"]
    assert body and all(attr(r._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}"), "eastAsia") == "宋体"
                        for p in body for r in p.runs)
    heading = next(p for p in out.paragraphs if p.style.name == "Heading 1")
    assert attr(heading.runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}"), "eastAsia") == "黑体"


def test_a_reference_docx_without_a_needed_style_is_refused(tmp_path):
    opts = Options(reference_docx=restyled_reference(tmp_path, drop="Abstract"))
    with pytest.raises(PipelineError, match="Abstract"):
        render_docx(tiny(), opts)
    render_docx(tiny(), replace(opts, keep_summary=False))  # not needed without the summary
    with pytest.raises(PipelineError, match="reference DOCX"):
        render_docx(tiny(), Options(reference_docx=str(tmp_path / "missing.docx")))
    (tmp_path / "notes.docx").write_text("not a zip")
    with pytest.raises(PipelineError, match="reference DOCX"):
        render_docx(tiny(), Options(reference_docx=str(tmp_path / "notes.docx")))


# --- LibreOffice ---------------------------------------------------------------------------

def test_page_count_is_none_without_libreoffice(monkeypatch):
    monkeypatch.setattr(pagecount.shutil, "which", lambda name: None)
    assert pagecount.docx_pages(render_docx(tiny(), Options())) is None


needs_lo = pytest.mark.needs("soffice")
needs_fonts = pytest.mark.needs("fonts")


@pytest.fixture(scope="module")
def lo_pdf(sample, tmp_path_factory) -> Path:
    """The sample's DOCX (summary kept) as LibreOffice lays it out: converted once."""
    path = tmp_path_factory.mktemp("lo") / "sample.pdf"
    path.write_bytes(pagecount.docx_to_pdf(render_docx(sample, Options())))
    return path


Line = collections.namedtuple("Line", "x0 top x1 bottom text")


def pdf_lines(path: Path) -> list[list[Line]]:
    """Text lines per page from poppler's layout analysis, top-down coordinates in pt."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True))
    pages = []
    for page in root.iter("{*}page"):
        lines = []
        for line in page.iter("{*}line"):
            text = "".join(wd.text or "" for wd in line.iter("{*}word"))
            lines.append(Line(float(line.get("xMin")), float(line.get("yMin")), float(line.get("xMax")),
                              float(line.get("yMax")), text))
        pages.append(lines)
    return pages


def body_lines(page: list[Line]) -> list[Line]:
    return [ln for ln in page if ln.bottom <= BOTTOM + 2]


def footer_lines(page: list[Line]) -> list[Line]:
    return [ln for ln in page if ln.top > BOTTOM + 2]


@needs_lo
@needs_fonts
def test_libreoffice_counts_the_sites_pages(sample, lo_pdf):
    assert pagecount.pdf_pages(lo_pdf.read_bytes()) == sample.meta.pages == 8


@needs_lo
@needs_fonts
def test_a_full_page_holds_22_lines_on_the_579_twip_grid(lo_pdf):
    pages = pdf_lines(lo_pdf)
    full = body_lines(pages[1])
    assert len(full) == 22
    assert full[0].top >= TOP - 2
    steps = [(b.top - a.top) / PITCH for a, b in zip(full, full[1:])]
    assert all(abs(s - 1) < 0.01 for s in steps), steps
    height = full[0].bottom - full[0].top
    for page in pages:  # every 3号 line of every page sits on the same grid (the title is 2号)
        for ln in body_lines(page):
            if abs(ln.bottom - ln.top - height) < 0.5:
                slot = (ln.top - full[0].top) / PITCH
                assert abs(slot - round(slot)) < 0.02 and 0 <= round(slot) < 22, ln


@needs_lo
@needs_fonts
def test_a_full_line_holds_28_characters(lo_pdf):
    lengths = collections.Counter()
    for page in pdf_lines(lo_pdf):
        for ln in body_lines(page):
            ink = ln.x1 - ln.x0
            if ln.text[-1] in CLOSING and ln.x1 > RIGHT + 1:
                ink -= CHAR  # a hanging mark: outside the 版心 by design (Word does the same)
            assert ln.x0 >= LEFT - 1 and ink <= 28 * CHAR + 1.5, ln
            if abs(ln.x0 - LEFT) < 1 and ln.x1 > RIGHT - 2 and re.fullmatch(r"[\u3000-\u9fff\uff00-\uffef“”‘’—…]+", ln.text):
                lengths[len(ln.text) - (ln.x1 > RIGHT + 1)] += 1
    assert lengths.most_common(1)[0][0] == 28 and max(lengths) == 28, lengths


def walk_lines(want: str, lines: list[str]) -> list[str]:
    """Match the expected text against the PDF's lines in order; return the characters that
    are missing, each of which must be a closing mark at the end of a line."""
    dropped, i = [], 0
    for n, line in enumerate(lines):
        assert want[i:i + len(line)] == line, (want[i:i + len(line) + 5], line)
        i += len(line)
        following = lines[n + 1] if n + 1 < len(lines) else ""
        while i < len(want) and want[i] in CLOSING and not following.startswith(want[i]):
            dropped.append(want[i])
            i += 1
    assert i == len(want)
    return dropped


def pdf_body_text_lines(path: Path) -> list[str]:
    lines = ["".join(unicodedata.normalize("NFC", ln.text).split()) for page in pdf_lines(path) for ln in page]
    return [ln for ln in lines if ln and not re.fullmatch(r"—\d+—", ln)]


@needs_lo
@needs_fonts
def test_every_character_of_the_body_survives_libreoffice(sample, lo_pdf, tmp_path):
    want = "".join("".join((SAMPLE_NUMBERS.get(b.id, "") + b.text).split()) for b in sample.body)
    # LibreOffice 7.4 silently drops some line-final marks that should hang past the margin in
    # justified lines (toolchain.md §5); Word hangs them. Only that loss is tolerated here.
    dropped = walk_lines(want, pdf_body_text_lines(lo_pdf))
    assert len(dropped) <= 8, dropped
    # The loss is LibreOffice's justification, not the DOCX: left-aligned, every mark is there.
    left = Options(reference_docx=restyled_reference(tmp_path, align="left"))
    pdf = tmp_path / "left.pdf"
    pdf.write_bytes(pagecount.docx_to_pdf(render_docx(sample, left)))
    assert walk_lines(want, pdf_body_text_lines(pdf)) == []


@needs_lo
@needs_fonts
def test_page_number_dash_sits_7mm_below_the_type_area_on_the_outer_side(lo_pdf):
    for n, page in enumerate(pdf_lines(lo_pdf)[:2], start=1):
        (foot,) = footer_lines(page)
        assert foot.text.replace(" ", "") == f"—{n}—"
        if n % 2:
            assert abs(foot.x1 - (RIGHT - 14)) <= MM  # 空一字 on the right
        else:
            assert abs(foot.x0 - (LEFT + 14)) <= MM
        # The ink of the first dash, rasterised: its vertical centre is the 一字线's position.
        dpi = 288
        scale = dpi / 72
        box = (foot.x0 + 2, foot.top - 4, 8, foot.bottom - foot.top + 8)  # x, y, w, h in pt
        pgm = subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(n), "-l", str(n),
                              *(a for k, v in zip(("-x", "-y", "-W", "-H"), box) for a in (k, str(round(v * scale)))),
                              str(lo_pdf)], capture_output=True, check=True).stdout
        _, dims, _, pixels = pgm.split(b"\n", 3)
        width, height = map(int, dims.split())
        ink = [y for y in range(height) if min(pixels[y * width:(y + 1) * width]) < 128]
        centre = box[1] + (sum(ink) / len(ink) + 0.5) / scale
        assert abs(centre / MM - 269) <= 1, centre / MM


@needs_lo
@needs_fonts
def test_libreoffice_uses_the_free_faces_the_aliases_name(lo_pdf):
    names = subprocess.run(["pdffonts", str(lo_pdf)], capture_output=True, text=True, check=True).stdout
    for face in ("FandolFang", "FandolKai", "NotoSansCJK", "NotoSerifCJK"):
        assert face in names, names
    assert "DejaVu" not in names  # fallback would mean an alias missed


@needs_lo
@needs_fonts
def test_docx_pages_counts_a_one_page_document():
    assert pagecount.docx_pages(render_docx(tiny(), Options())) == 1
    assert pagecount.soffice_version().startswith("LibreOffice")


def test_long_title_breaks_into_the_same_lines_as_the_pdf() -> None:
    title = "关于进一步加强城乡基层党组织建设推动科学发展的调研报告"
    doc = Document(source="t", blocks=[Block(id="b0", text=title, kind="title"),
                                       Block(id="b1", text="正文。", kind="paragraph")])
    d = docx.Document(io.BytesIO(render_docx(doc, Options())))
    lines = d.paragraphs[0].text.split("\n")
    assert lines == ["关于进一步加强城乡基层党组织", "建设推动科学发展的调研报告"]  # as test_pdf's title lines
