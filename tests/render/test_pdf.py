"""The typeset PDF: checked with the tools a reader's machine has (poppler, qpdf, pypdf), on the
hand-structured sample and on small documents built to hit one rule each."""
from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.render import justify as cjk_justify
from pipeline.render import fonts
from pipeline.model import Block, Document, Meta, PipelineError
from pipeline.options import Options
from pipeline.render.presentation import title_lines
from pipeline.render.pdf import oneline, render_pdf

ROOT = Path(__file__).parents[2]
SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample-structured.json"
# The numbers the renderers put before unnumbered level-1 headings, by heading text (written out
# here, not taken from presentation.heading_prefixes, so a bug there shows).
NUMBERS = {"充分认识基层党建工作创新发展面临的机遇和挑战": "一、", "积极探索城乡党建资源统筹整合的途径和方式": "二、",
           "在实践中不断创新完善": "三、", "基本情况": "一、",
           "统筹城乡基层党建工作中存在的主要问题以及进一步加强和改进的对策建议": "二、"}


def numbered(doc: Document) -> list[str]:
    """Each body block's text as set, number and all (the summary is kept by default)."""
    return [NUMBERS.get(b.text, "") + b.text if b.kind == "heading" else b.text for b in doc.body]
MM = 72 / 25.4
PITCH = 28.95
PAGE_NUMBER = re.compile(r"^\s*—\s*\d+\s*—\s*$", re.M)
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
HANZI = "统筹城乡基层党建工作是一项系统工程涉及方方面面需要在实践中不断创新完善"
LEFT, RIGHT = 28 * MM, (28 + 156) * MM  # the type area's edges: 79.37 and 521.57 pt
CHAR = 16 - 0.25  # one character of the 28-character grid
NO_LINE_START = "，。、；：？！）》”"  # 禁则
NO_LINE_END = "（《“"
# A long page written to catch ragged lines: punctuation that may not start a line lands at
# many line ends, with book titles, quotes, brackets, digits and percentages between.
SENTENCES = [
    "近年来，我市坚持以党的建设统领经济社会发展全局，把统筹城乡基层党建作为一项基础性、战略性工程来抓。",
    "全市共有基层党组织12876个、党员31.5万名，其中农村党员占43.2%。",
    "市委先后出台了《关于加强城乡基层党建工作的意见》《基层党组织建设三年行动计划》等文件。",
    "各级党组织围绕“建强堡垒、服务群众、推动发展”的目标，扎实开展“三级联创”活动。",
    "一是抓组织覆盖；二是抓队伍建设；三是抓制度保障；四是抓阵地建设。",
    "怎样让党组织真正成为群众的主心骨？关键在于服务。",
    "实践证明：只有把党建工作与中心工作紧密结合起来，才能形成推动发展的强大合力！",
    "市财政每年安排专项资金（不少于5000万元），用于村级组织运转和党员教育培训。",
    "2023年，全市新建、改扩建村级组织活动场所326个，总面积达到18.6万平方米。",
    "同时，也要清醒地看到，一些地方的基层党组织仍然存在软弱涣散、作用发挥不明显等问题。",
    "有的党员宗旨意识淡薄，有的干部作风不实、脱离群众，有的制度落实不到位、流于形式。",
    "对此，必须坚持问题导向，以“钉钉子”精神抓好整改落实。",
    "各地要结合实际，探索“党建+产业”“党建+治理”“党建+服务”等工作模式。",
    "要健全完善县、乡、村三级联动的工作机制，推动资源向基层倾斜、力量向基层下沉。",
    "要加强对基层党建工作的督促检查，把检查结果作为评先评优、选拔任用的重要依据。",
    "要深入开展“不忘初心、牢记使命”主题教育，引导广大党员坚定理想信念。",
    "农村党组织书记队伍建设是关键中的关键（这是多年实践得出的结论）。",
    "我们通过公开选拔、跨村任职、从优秀村干部中考录乡镇公务员等方式，拓宽了选人用人渠道。",
    "全市村党组织书记平均年龄下降到46.8岁，大专以上学历的占到37.5%。",
    "在城市社区，我们推行“网格化管理、组团式服务”，把党小组建在网格上。",
    "每个网格配备一名网格长、若干名网格员，做到“小事不出网格、大事不出社区”。",
    "在非公有制经济组织和社会组织中，我们坚持“应建尽建、应联尽联”的原则。",
    "目前，全市规模以上非公企业党组织覆盖率达到96.3%，社会组织党组织覆盖率达到87.1%。",
    "下一步，我们将继续深化城乡统筹，着力构建“城乡互动、优势互补、共同提高”的党建新格局。",
    "一要强化思想引领；二要夯实组织基础；三要完善保障机制；四要严格考核问责。",
    "各级党委（党组）要切实履行主体责任，书记要当好“第一责任人”。",
    "组织部门要发挥牵头抓总作用，加强统筹协调，形成齐抓共管的工作格局。",
    "广大党员干部要以时不我待的紧迫感、舍我其谁的责任感，投身到基层党建工作中去。",
]


@pytest.fixture(autouse=True)
def no_weasyprint_warnings():
    """Any WeasyPrint warning (a font that did not load, CSS it ignored) fails the test."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logging.getLogger("weasyprint").addHandler(handler)
    yield records  # a test that provokes a warning on purpose empties this list
    logging.getLogger("weasyprint").removeHandler(handler)
    assert not records, records


@pytest.fixture(scope="module")
def sample() -> Document:
    return Document.from_json(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_pdf(sample, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "sample.pdf"
    path.write_bytes(render_pdf(sample, Options()))
    return path


def tool(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_text(path: Path) -> str:
    return tool("pdftotext", "-enc", "UTF-8", "-nopgbrk", str(path), "-")


def write(tmp_path: Path, doc: Document, opts: Options = Options(), name: str = "doc.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(render_pdf(doc, opts))
    return path


def make_doc(*blocks: tuple[str, str] | tuple[str, str, int] | Block, date: str = "2023-04-14") -> Document:
    """Blocks as (kind, text) or (kind, text, level) tuples, numbered the way clean numbers them."""
    out = []
    for i, b in enumerate(blocks):
        if not isinstance(b, Block):
            b = Block(f"b{i:04d}", b[1], kind=b[0], level=b[2] if len(b) > 2 else 0)
        out.append(b)
    return Document(source="test.txt", meta=Meta(site="test", date=date, title="测试"), blocks=out)


@pytest.fixture(scope="module")
def long_page() -> Document:
    """24 paragraphs of one to four sentences, a short heading and one that wraps."""
    paras = ["".join(SENTENCES[(i * 5 + j) % len(SENTENCES)] for j in range(1 + i % 4)) for i in range(24)]
    return make_doc(("title", "关于统筹城乡基层党建工作的调研报告"), ("heading", "基本情况", 1),
                    *[("paragraph", p) for p in paras[:12]],
                    ("heading", "统筹城乡基层党建工作中存在的主要问题以及进一步加强和改进的对策建议", 1),
                    *[("paragraph", p) for p in paras[12:]])


@pytest.fixture(scope="module")
def long_pdf(long_page, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "long.pdf"
    path.write_bytes(render_pdf(long_page, Options()))
    return path


def layout_lines(path: Path) -> list[tuple[int, float, float, float, str]]:
    """The type area's lines in reading order as (page, top, left, right, text), from
    `pdftotext -bbox-layout` (the page numbers below the type area left out)."""
    xml = tool("pdftotext", "-bbox-layout", "-enc", "UTF-8", str(path), "-")
    out = []
    for n, page in enumerate(xml.split("<page ")[1:], start=1):
        for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</line>', page, re.S):
            if float(m[2]) < (37 + 225) * MM:
                out.append((n, float(m[2]), float(m[1]), float(m[3]), "".join(re.findall(r">([^<]*)</word>", m[4]))))
    return sorted(out)


def inner_lines(path: Path) -> list[tuple[int, float, float, float, str]]:
    """Lines inside a paragraph or heading, i.e. not its last: the next line, on this page or
    the next, goes on at the left margin instead of starting a new block at the indent."""
    lines = layout_lines(path)
    return [a for a, b in zip(lines, lines[1:]) if abs(b[2] - LEFT) < 1]


def struct_blocks(path: Path) -> list[tuple[str, str]]:
    """The tagged PDF's top-level structure elements in order, each with its text."""
    out: list[tuple[str, str]] = []
    for line in tool("pdfinfo", "-struct-text", str(path)).splitlines():
        if re.match(r"^  \w", line):
            out.append((line.split()[0], ""))
        elif line.strip().startswith('"') and out:
            out[-1] = (out[-1][0], out[-1][1] + line.strip()[1:-1])
    return out


def lines_by_page(path: Path) -> list[list[tuple[float, str, str]]]:
    """Per page, the text lines as (baseline from the page top, text, fonts used), from the
    PDF's own text matrices, so line positions do not depend on pdftotext's heuristics."""
    pages = []
    for page in PdfReader(path).pages:
        height = float(page.mediabox.height)
        runs: list[tuple[float, str, str]] = []

        def visit(text, cm, tm, font, size):  # noqa: ANN001 - pypdf's visitor signature
            if text.strip():
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append((round(height - y, 2), text.replace("\n", ""), str(font.get("/BaseFont", "")) if font else ""))

        page.extract_text(visitor_text=visit)
        lines: dict[float, tuple[str, set[str]]] = {}
        for y, text, font in runs:
            key = next((k for k in lines if abs(k - y) < 5), y)
            t, fs = lines.get(key, ("", set()))
            lines[key] = (t + text, fs | {font.split("+")[-1]})
        pages.append([(y, t, ",".join(sorted(fs))) for y, (t, fs) in sorted(lines.items())])
    return pages


def body_lines(page: list[tuple[float, str, str]]) -> list[tuple[float, str, str]]:
    """Lines inside the type area (37 mm from the top, 225 mm tall): not the page number."""
    return [line for line in page if line[0] < (37 + 225) * MM + 1]


# --- the sample ---------------------------------------------------------------------------


def test_sample_has_the_sites_page_count(sample, sample_pdf):
    pages = int(re.search(r"Pages:\s+(\d+)", tool("pdfinfo", str(sample_pdf)))[1])
    assert pages == sample.meta.pages == 8


def test_sample_passes_qpdf_check(sample_pdf):
    assert "No syntax or stream encoding errors" in tool("qpdf", "--check", str(sample_pdf))


def test_every_font_is_embedded_subset_and_mapped_to_unicode(sample_pdf):
    rows = tool("pdffonts", str(sample_pdf)).splitlines()[2:]
    assert rows
    for row in rows:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
    names = {row.split()[0].split("+")[-1] for row in rows}
    assert names == {"FandolFang", "FandolKai", "Noto-Sans-CJK-SC", "Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"}


def test_text_round_trips_without_spaces_between_hanzi(sample, sample_pdf):
    text = pdf_text(sample_pdf)
    expected = "".join(numbered(sample))
    assert "".join(PAGE_NUMBER.sub("", text).split()) == "".join(expected.split())
    assert not re.search(f"{CJK} +{CJK}", text)


def test_one_outline_entry_per_heading_and_none_for_the_title(sample, sample_pdf):
    def flatten(items, depth=1):
        for item in items:
            if isinstance(item, list):
                yield from flatten(item, depth + 1)
            else:
                yield depth, item.title

    assert list(flatten(PdfReader(sample_pdf).outline)) == [
        (1, "一、充分认识基层党建工作创新发展面临的机遇和挑战"), (1, "二、积极探索城乡党建资源统筹整合的途径和方式"),
        (1, "三、在实践中不断创新完善")]


def test_outline_nests_by_heading_level(tmp_path):
    doc = make_doc(("title", "标题"), ("heading", "总体情况", 1), ("heading", "主要做法", 2),
                   ("heading", "具体措施", 3), ("heading", "下步打算", 1), ("paragraph", "正文。"))
    outline = PdfReader(write(tmp_path, doc)).outline
    titles = [outline[0].title, outline[1][0].title, outline[1][1][0].title, outline[2].title]
    assert titles == ["一、总体情况", "（一）主要做法", "具体措施", "二、下步打算"]
    assert len(outline) == 3  # the title has no entry: the headings are the top level


def test_metadata_comes_from_the_site(sample, sample_pdf):
    reader = PdfReader(sample_pdf)
    info = reader.metadata
    assert info.title == "城乡党建推动科学发展调研报告"
    assert info["/Keywords"] == ", ".join(sample.meta.keywords)
    assert "728690" in info.subject
    assert info["/CreationDate"].startswith("D:20230414")
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_faces_follow_the_house_style(sample, sample_pdf):
    lines = [line for page in lines_by_page(sample_pdf) for line in page]

    def fonts_of(start: str) -> str:
        return next(f for y, t, f in lines if t.startswith(start))

    assert fonts_of("城乡党建推动") == "Noto-Serif-CJK-SC-Bold"  # title: real bold
    assert fonts_of("编者按") == "FandolKai"  # summary: 楷
    assert fonts_of("一、充分认识") == "Noto-Sans-CJK-SC"  # level 1: 黑
    assert fonts_of("党的十七届四中全会") == "FandolFang"  # body: 仿宋
    assert fonts_of("基层党建工作创新发展的重大机遇。") == "FandolFang,Noto-Serif-CJK-SC-Bold"  # run-in


def test_body_lines_sit_on_the_28_95pt_grid(sample_pdf):
    for page in lines_by_page(sample_pdf):
        body = [y for y, t, f in body_lines(page) if "Noto-Serif-CJK-SC-Bold" != f]  # the 22 pt title is off-grid
        steps = [(b - a) / PITCH for a, b in zip(body, body[1:])]
        assert all(abs(s - round(s)) < 0.01 for s in steps), steps


def test_page_numbers_alternate_sides(sample_pdf):
    bbox = tool("pdftotext", "-bbox", "-enc", "UTF-8", str(sample_pdf), "-")
    for n, page in enumerate(bbox.split("<page ")[1:], start=1):
        words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page)
        foot = [w for w in words if float(w[1]) > 262 * MM]
        assert "".join(w[4] for w in foot) == f"—{n}—"
        if n % 2:
            assert abs(max(float(w[2]) for w in foot) - (184 * MM - 14)) < MM  # right, one char in
        else:
            assert abs(min(float(w[0]) for w in foot) - (28 * MM + 14)) < MM  # left, one char in


def test_same_input_gives_the_same_bytes_in_and_across_processes(sample, sample_pdf):
    assert render_pdf(sample, Options()) == sample_pdf.read_bytes()
    code = (
        "import sys; from pipeline.model import Document; from pipeline.options import Options; "
        "from pipeline.render.pdf import render_pdf; "
        f"sys.stdout.buffer.write(render_pdf(Document.from_json(open({str(SAMPLE)!r}, encoding='utf-8').read()), Options()))"
    )
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True).stdout
    assert other == sample_pdf.read_bytes()


def test_summary_is_dropped_when_not_kept(sample, tmp_path):
    text = pdf_text(write(tmp_path, sample, Options(keep_summary=False)))
    summary = next(b.text for b in sample.body if b.kind == "summary")
    assert summary[:12] not in "".join(text.split())
    assert "党的十七届四中全会决定强调" in "".join(text.split())


@pytest.mark.parametrize("variant", ["pdf/a-3u", "pdf/ua-1"])
def test_variants_are_valid_and_reproducible(sample, tmp_path, variant):
    path = write(tmp_path, sample, Options(pdf_variant=variant))
    assert "No syntax or stream encoding errors" in tool("qpdf", "--check", str(path))
    assert render_pdf(sample, Options(pdf_variant=variant)) == path.read_bytes()
    root = PdfReader(path).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    if variant == "pdf/a-3u":
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    else:
        assert 'pdfuaid:part="1"' in xmp
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]


def test_unknown_variant_is_refused(sample):
    with pytest.raises(PipelineError, match="pdf/x-4"):
        render_pdf(sample, Options(pdf_variant="pdf/x-4"))


# --- flush lines, 禁则, tags: the sample and a long page ----------------------------------------


@pytest.mark.parametrize("name, inner, carried", [("sample_pdf", 138, 8), ("long_pdf", 70, 9)])
def test_lines_inside_a_paragraph_are_flush_with_both_margins(request, name, inner, carried):
    path = request.getfixturevalue(name)
    lines = inner_lines(path)
    assert len(lines) == inner
    for page, top, left, right, text in lines:
        assert abs(left - LEFT) < 0.5 or abs(left - (LEFT + 2 * CHAR + 0.5)) < 1, (page, text)
        # The last glyph meets the right margin: within 0.25 character, never over by 1 pt.
        assert -1 < RIGHT - right < CHAR / 4, (page, RIGHT - right, text)
    # Lines a character short before the characters were spread: the 禁则 carried one down.
    full = {True: 28, False: 26}
    assert sum(len(t) < full[abs(x - LEFT) < 0.5] and t.isascii() is False and not re.search("[0-9A-Za-z%.+]", t)
               for p, y, x, r, t in lines) == carried


@pytest.mark.parametrize("name", ["sample_pdf", "long_pdf"])
def test_no_closing_punctuation_starts_a_line_and_no_opening_one_ends_it(request, name):
    lines = [t for p, y, x, r, t in layout_lines(request.getfixturevalue(name))]
    assert [t for t in lines if t[0] in NO_LINE_START] == []
    assert [t for t in lines if t[-1] in NO_LINE_END] == []


def test_the_long_page_tests_every_prohibited_mark(long_page):
    text = "".join(b.text for b in long_page.body)
    assert set(NO_LINE_START + NO_LINE_END) <= set(text)
    assert sum(b.kind == "paragraph" for b in long_page.body) == 24


def test_spreading_the_characters_adds_no_spaces_to_the_text(long_page, long_pdf):
    text = PAGE_NUMBER.sub("", pdf_text(long_pdf))
    assert "".join(text.split("\n")) == "".join(numbered(long_page))
    assert int(re.search(r"Pages:\s+(\d+)", tool("pdfinfo", str(long_pdf)))[1]) == 5


def test_a_latin_paragraph_keeps_justifying_at_its_spaces(tmp_path):
    words = "the quick brown fox jumps over a lazy dog while typesetters spread the rest".split()
    text = " ".join(words * 4) + "."
    path = write(tmp_path, make_doc(("paragraph", text)))
    lines = inner_lines(path)
    assert len(lines) == 5
    assert all(-1 < RIGHT - right < CHAR / 4 for p, y, x, right, t in lines)
    assert " ".join(PAGE_NUMBER.sub("", pdf_text(path)).split()) == text


def test_the_justification_hook_is_installed_in_weasyprint(sample_pdf):
    from weasyprint.layout import inline

    assert inline.justify_line is cjk_justify.justify_line
    assert cjk_justify._original.__module__ == "weasyprint.layout.inline"


@pytest.mark.parametrize("name", ["sample_pdf", "long_pdf"])
def test_the_pdf_is_tagged_with_headings_and_paragraphs_in_reading_order(request, name):
    path = request.getfixturevalue(name)
    doc = request.getfixturevalue("sample" if name == "sample_pdf" else "long_page")
    assert re.search(r"Tagged:\s+yes", tool("pdfinfo", str(path)))
    blocks = struct_blocks(path)
    tag = {"title": "H1", "heading": "H2", "summary": "P", "paragraph": "P"}
    expected = [(tag[b.kind], text) for b, text in zip(doc.body, numbered(doc))]
    # A paragraph split by a page break is two P elements: join them back before comparing.
    joined: list[tuple[str, str]] = []
    for t, text in blocks:
        want = expected[len(joined) - 1][1] if joined else ""
        if t == "P" and joined and joined[-1][0] == "P" and joined[-1][1] != want:
            joined[-1] = ("P", joined[-1][1] + text)
        else:
            joined.append((t, text))
    assert joined == expected


# --- one rule at a time ---------------------------------------------------------------------


def test_a_page_holds_22_lines(tmp_path):
    doc = make_doc(*[("paragraph", f"第{i}段。") for i in range(30)])
    pages = [body_lines(p) for p in lines_by_page(write(tmp_path, doc))]
    assert [len(p) for p in pages] == [22, 8]
    assert pages[0][0][0] == pytest.approx(37 * MM + 16, abs=6)  # first line at the type area's top


def test_a_line_holds_28_chars_after_a_two_char_indent(tmp_path):
    text = (HANZI * 4)[: 26 + 28 * 3]
    one_more = (HANZI * 4)[: 26 + 28 * 3 + 1]
    doc = make_doc(("paragraph", text), ("paragraph", one_more))
    lines = [t for y, t, f in body_lines(lines_by_page(write(tmp_path, doc))[0])]
    assert [len(t) for t in lines] == [26, 28, 28, 28, 26, 28, 28, 28, 1]


def test_a_heading_never_ends_a_page(tmp_path):
    fill = [("paragraph", f"第{i}段。") for i in range(21)]
    doc = make_doc(*fill, ("heading", "新的一节", 1), ("paragraph", "正文。"))
    pages = [body_lines(p) for p in lines_by_page(write(tmp_path, doc))]
    assert len(pages[0]) == 21 and pages[1][0][1] == "一、新的一节"


def test_a_heading_with_room_below_stays_put(tmp_path):
    fill = [("paragraph", f"第{i}段。") for i in range(20)]
    doc = make_doc(*fill, ("heading", "新的一节", 1), ("paragraph", "正文。"))
    pages = [body_lines(p) for p in lines_by_page(write(tmp_path, doc))]
    assert [t for y, t, f in pages[0][-2:]] == ["一、新的一节", "正文。"]


def test_rare_hanzi_fall_back_without_leaving_the_grid(tmp_path):
    text = "王喆、李堃同志" + HANZI * 3  # 喆 and 堃 are outside FandolFang
    doc = make_doc(("paragraph", HANZI), ("paragraph", text), ("paragraph", HANZI))
    path = write(tmp_path, doc)
    lines = body_lines(lines_by_page(path)[0])
    steps = [b[0] - a[0] for a, b in zip(lines, lines[1:])]
    assert steps == pytest.approx([PITCH] * len(steps), abs=0.01)
    assert "王喆、李堃同志" in pdf_text(path)
    rare_line = next(f for y, t, f in lines if t.startswith("王喆"))
    assert rare_line.split(",") == ["FandolFang", "Noto-Serif-CJK-SC"]


def test_markup_in_the_text_is_printed_not_parsed(tmp_path):
    doc = make_doc(("paragraph", "比较<b>与</b>&amp;的写法。"))
    assert "比较<b>与</b>&amp;的写法。" in pdf_text(write(tmp_path, doc))


def test_newlines_inside_a_paragraph_do_not_become_spaces_between_hanzi(tmp_path):
    doc = make_doc(("paragraph", "第一行中文\n第二行中文，and Latin\nwords。"))
    text = pdf_text(write(tmp_path, doc))
    assert "第一行中文第二行中文，and Latin words。" in text


def test_no_site_date_means_no_creation_date(tmp_path):
    info = PdfReader(write(tmp_path, make_doc(("paragraph", "正文。"), date=""))).metadata
    assert "/CreationDate" not in info


def test_oneline_joins_hanzi_tightly_and_latin_with_a_space():
    assert oneline("中文\n 中文") == "中文中文"
    assert oneline("word\nword") == "word word"
    assert oneline("中文\nword") == "中文word"


def test_long_titles_split_evenly_at_word_boundaries():
    # at most 20 characters a line, the fewest lines, as even as whole words allow, no 《》 torn apart
    assert title_lines("关于2023年度全市城乡基层党建工作创新发展的调研报告及下一步工作打算") == [
        "关于2023年度全市城乡基层党建工作", "创新发展的调研报告及下一步工作打算"]
    assert title_lines("关于进一步加强城乡基层党组织建设推动科学发展的调研报告") == [
        "关于进一步加强城乡基层党组织", "建设推动科学发展的调研报告"]  # test_docx: the same lines in Word
    assert title_lines("《中华人民共和国安全生产法》学习心得体会与实践思考总结报告") == [
        "《中华人民共和国安全生产法》", "学习心得体会与实践思考总结报告"]
    assert title_lines("城乡党建推动科学发展调研报告") == ["城乡党建推动科学发展调研报告"]


# --- fonts -------------------------------------------------------------------------------------


def test_the_repository_fonts_cover_every_face():
    assert [face for face, path in fonts.available_faces(fonts.font_dir())] == list(fonts.FACES)


def test_missing_font_files_are_reported_by_name(tmp_path, caplog):
    (tmp_path / "FandolFang-Regular.otf").write_bytes((fonts.font_dir() / "FandolFang-Regular.otf").read_bytes())
    assert [f.file for f, p in fonts.available_faces(tmp_path)] == ["FandolFang-Regular.otf"]
    with caplog.at_level(logging.WARNING, logger="pipeline.render.fonts"):
        problems = fonts.startup_check(tmp_path)
    assert len(problems) == 1 and "NotoSerifCJKsc-Bold.otf" in problems[0]
    assert "FandolFang-Regular.otf" not in problems[0]
    assert not fonts.startup_check(fonts.font_dir())


@pytest.mark.skipif(bool(tool("fc-list", ":lang=zh").strip()), reason="this machine has system CJK fonts")
def test_without_any_cjk_font_the_render_fails_instead_of_printing_boxes(sample, tmp_path, monkeypatch,
                                                                        no_weasyprint_warnings):
    monkeypatch.setenv("SCRAPE2DOC_FONTS", str(tmp_path))
    with pytest.raises(PipelineError, match="unsupported by fonts"):
        render_pdf(sample, Options())
    no_weasyprint_warnings.clear()


def test_coverage_knows_what_fandol_lacks():
    covered = fonts.coverage(fonts.font_dir() / "FandolFang-Regular.otf")
    assert "党" in covered and "A" in covered and "喆" not in covered
