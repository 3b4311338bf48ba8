"""The typeset PDF: checked with the tools a reader's machine has (poppler, qpdf, pypdf), on the
hand-structured sample and on small documents built to hit one rule each."""
from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline import fonts
from pipeline.model import Block, Document, Meta, PipelineError
from pipeline.options import Options
from pipeline.presentation import heading_prefixes, rendered_blocks
from pipeline.presentation import title_lines
from pipeline.render_pdf import oneline, render_pdf

ROOT = Path(__file__).parent.parent
SAMPLE = Path(__file__).parent / "fixtures" / "sample-structured.json"
MM = 72 / 25.4
PITCH = 28.95
PAGE_NUMBER = re.compile(r"^\s*—\s*\d+\s*—\s*$", re.M)
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
HANZI = "统筹城乡基层党建工作是一项系统工程涉及方方面面需要在实践中不断创新完善"


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
    prefixes = heading_prefixes(sample, Options())
    expected = "".join(prefixes.get(b.id, "") + b.text for b in rendered_blocks(sample, Options()))
    assert "".join(PAGE_NUMBER.sub("", text).split()) == "".join(expected.split())
    assert not re.search(f"{CJK} +{CJK}", text)


def test_one_outline_entry_per_heading_and_none_for_the_title(sample, sample_pdf):
    def flatten(items, depth=1):
        for item in items:
            if isinstance(item, list):
                yield from flatten(item, depth + 1)
            else:
                yield depth, item.title

    prefixes = heading_prefixes(sample, Options())
    headings = [(b.level, prefixes.get(b.id, "") + b.text) for b in sample.body if b.kind == "heading"]
    assert headings
    assert list(flatten(PdfReader(sample_pdf).outline)) == headings


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
        "from pipeline.render_pdf import render_pdf; "
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
    title = "关于2023年度全市城乡基层党建工作创新发展的调研报告及下一步工作打算"
    lines = title_lines(title)
    assert "".join(lines) == title and len(lines) == 2
    assert all(len(line) <= 20 for line in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 3
    book = title_lines("《中华人民共和国安全生产法》学习心得体会与实践思考总结报告")
    assert all(line.count("《") == line.count("》") for line in book)
    assert title_lines("城乡党建推动科学发展调研报告") == ["城乡党建推动科学发展调研报告"]


# --- fonts -------------------------------------------------------------------------------------


def test_harfbuzz_subsetter_is_installed():
    assert fonts.harfbuzz_subset_available()


def test_the_repository_fonts_cover_every_face():
    assert [face for face, path in fonts.available_faces(fonts.font_dir())] == list(fonts.FACES)


def test_missing_font_files_are_reported_by_name(tmp_path, caplog):
    (tmp_path / "FandolFang-Regular.otf").write_bytes((fonts.font_dir() / "FandolFang-Regular.otf").read_bytes())
    assert [f.file for f, p in fonts.available_faces(tmp_path)] == ["FandolFang-Regular.otf"]
    with caplog.at_level(logging.WARNING, logger="pipeline.fonts"):
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
