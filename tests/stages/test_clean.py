"""Clean: site recognised, metadata lifted, chrome marked (never lost), paragraphs found.

Site pages in tests/cases/ are written for these tests in each site's layout; bodies are invented.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.stages.clean import paragraphs
from pipeline.stages.clean import profiles
from pipeline import rules
from pipeline.stages.clean import clean
from pipeline.stages.ingest import ingest
from pipeline.model import Document, PipelineError
from pipeline.options import Options

ROOT = Path(__file__).parents[2]
CASES = Path(__file__).parents[1] / "cases"


def run(text: str, opts: Options = Options()) -> Document:
    return clean(ingest(text.encode("utf-8"), "page.txt"), opts)


def case(name: str) -> Document:
    return clean(ingest((CASES / name).read_bytes(), name), Options())


def nonspace(text: str) -> str:
    return "".join(text.split())


def assert_nothing_lost(doc: Document) -> None:
    """Every character of the page is in a body block or a chrome block, in page order."""
    blocks = sorted(doc.blocks, key=lambda b: b.span)
    assert nonspace("".join(b.text for b in blocks)) == nonspace(doc.raw)
    for b in doc.chrome:
        assert [(e.rule, e.before, e.after) for e in doc.edits if e.block == b.id] == [(b.rule, b.text, "")]
        assert doc.raw[b.span[0]:b.span[1]] == b.text


# --- the sample --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample() -> Document:
    return clean(ingest((ROOT / "samples" / "huiwen-728690.txt").read_bytes(), "sample"), Options())


def test_sample_body_is_title_summary_and_16_segments(sample: Document) -> None:
    body_line = max(sample.raw.splitlines(), key=len)
    lines = sample.text_view().splitlines()
    assert lines == body_line.split(" ")  # the site's joining spaces, and only those, are breaks
    assert len(lines) == 18
    assert lines[0] == "城乡党建推动科学开展调研报告"
    assert lines[1].startswith("编者按:本文") and lines[1].endswith("具体材料请详见:")  # words untouched
    assert lines[2].startswith("党的十七届四中全会")
    splits = [e for e in sample.edits if e.rule == "huiwen.split_spaces"]
    assert len(splits) == 17 and all((e.before, e.after) == (" ", "\n") for e in splits)
    assert all(sample.raw[e.start:e.end] == " " for e in splits)


def test_sample_metadata(sample: Document) -> None:
    m = sample.meta
    assert (m.site, m.site_name) == ("huiwen", "汇文网")
    assert m.filename == "2023年城乡党建推动科学发展调研报告.docx"
    assert m.title == "2023年城乡党建推动科学发展调研报告"
    assert (m.doc_id, m.size, m.pages, m.format, m.date) == ("728690", "16.24KB", 8, "DOCX", "2023-04-14")
    assert m.keywords == ["2023", "城乡", "党建", "推动", "科学", "发展", "调研", "报告"]


def test_sample_chrome_is_marked_not_lost(sample: Document) -> None:
    assert_nothing_lost(sample)
    rules_used = {b.rule for b in sample.chrome}
    assert rules_used == {"huiwen.buttons", "huiwen.meta", "huiwen.notice", "huiwen.service",
                          "huiwen.keyword_line", "huiwen.footer", "huiwen.related"}
    assert not sample.flags  # 8 pages, a full body: not a truncated preview
    assert [b.id for b in sample.blocks] == [f"b{i:04d}" for i in range(len(sample.blocks))]
    assert sample.stages == ["ingest", "clean"]


# --- each site ---------------------------------------------------------------------------------
SITES = [
    # file, profile, metadata expected, first body line, last body line
    ("huiwen.txt", "huiwen",
     {"doc_id": "512340", "size": "21.5KB", "pages": 1, "format": "DOCX", "date": "2022-09-03",
      "title": "2022年社区图书角建设情况汇报"},
     "社区图书角建设情况汇报", "继续扩大藏书规模,争取年底前达到两千册。"),
    ("renrendoc.txt", "renrendoc", {"title": "城市公园养护手册"},
     "城市公园养护手册", "草坪修剪高度以五至八厘米为宜,雨后不宜立即修剪。"),
    ("renrendoc-traditional.txt", "renrendoc", {"title": "社區圖書館管理辦法"},
     "社區圖書館管理辦法", "第二條 圖書館每週開放六天,週一閉館整理。"),
    ("31ppt.txt", "31ppt",
     {"filename": "水资源保护宣传课件.ppt", "title": "水资源保护宣传课件", "doc_id": "4455667",
      "size": "2.31MB", "pages": 4, "format": "PPT", "site_name": "三一办公"},
     "水资源保护宣传,节约用水从我做起,", "分享给家人和朋友。"),
    ("jinchutou.txt", "jinchutou",
     {"uploader": "li****88", "doc_id": "9087654", "date": "2021-06-18", "format": "PPT", "pages": 30,
      "size": "1.25MB", "title": "校园安全教育主题班会"},
     "1、校园安全教育主题班会,", "2、课间活动注意安全,不在走廊奔跑。"),
    ("360docs.html", "360docs", {"title": "小区停车管理规定"},  # the only title line stays body
     "小区停车管理规定", "第三条 禁止在消防通道、绿地上停车。"),
    ("golddoc.txt", "golddoc",
     {"filename": "乡村小学午餐改善方案.docx", "doc_id": "20200512093012345", "size": "35.2KB",
      "format": "DOCX", "date": "2020-05-12", "keywords": ["乡村", "小学", "午餐", "改善", "方案"]},
     "乡村小学午餐改善方案", "增加蔬菜和蛋类的供应。"),  # the title glued to the first heading is split off
    ("unknown-site.txt", "generic",
     {"filename": "家庭教育讲座讲稿.doc", "doc_id": "778899", "size": "18KB", "pages": 4, "format": "DOC",
      "date": "2019-11-02"},
     "家庭教育讲座讲稿", "每天陪孩子读书二十分钟,坚持一学期就能看到变化。"),
]


@pytest.mark.parametrize(("name", "profile", "meta", "first", "last"), SITES, ids=[s[0] for s in SITES])
def test_site_profile(name: str, profile: str, meta: dict, first: str, last: str) -> None:
    doc = case(name)
    assert doc.meta.site == profile
    assert doc.info["clean"]["profile"] == profile
    for field, value in meta.items():
        assert getattr(doc.meta, field) == value, field
    body = doc.text_view().splitlines()
    assert body[0].startswith(first)
    assert body[-1].endswith(last)
    assert_nothing_lost(doc)
    assert all(e.rule.startswith((profile + ".", "generic.")) for e in doc.edits)  # the site's rules, then everyone's


def test_31doc_mirror_extends_31ppt() -> None:
    page = (CASES / "31ppt.txt").read_text(encoding="utf-8").replace("三一办公31ppt.com", "三一文库31doc.com")
    doc = run(page.replace("欢迎来到三一办公", "欢迎来到三一文库"))
    assert (doc.meta.site, doc.meta.site_name) == ("31doc", "三一文库")
    assert any(b.rule == "31doc.login" for b in doc.chrome)  # the rule inherited from 31ppt
    assert doc.text_view().startswith("水资源保护宣传")


def test_page_markers_inside_a_line_are_cut_out_and_the_rest_kept() -> None:
    doc = run("正文第一句。第 3 页 共 8 页正文第二句。\n另一段落的内容。\n")
    assert [b.text for b in doc.chrome] == ["第 3 页 共 8 页"]
    assert doc.text_view() == "正文第一句。\n正文第二句。\n另一段落的内容。\n"
    assert_nothing_lost(doc)


# --- truncated previews ------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "rule"), [
    ("renrendoc.txt", "renrendoc.truncated"),
    ("renrendoc-traditional.txt", "renrendoc.truncated"),
    ("jinchutou.txt", "jinchutou.more"),
    ("unknown-site.txt", "generic.short_body"),  # 4 pages but a few lines of text
])
def test_truncated_preview_is_flagged_and_still_built(name: str, rule: str) -> None:
    doc = case(name)
    assert [(f.rule, f.level, f.stage) for f in doc.flags] == [(rule, "warning", "clean")]
    assert doc.body and doc.info["clean"]["truncated"] is True


def test_truncation_prompt_inside_a_line_of_an_unknown_site() -> None:
    doc = run("某某报告\n正文内容写在这里。\n已阅读5页,还剩12页未读\n")
    assert [f.rule for f in doc.flags] == ["generic.truncated_inline"]
    assert doc.text_view() == "某某报告\n正文内容写在这里。\n"


def test_full_document_is_not_flagged() -> None:
    assert not case("huiwen.txt").flags and not case("golddoc.txt").flags


# --- what must NOT be removed or split ---------------------------------------------------------
def test_body_words_that_look_like_chrome_stay() -> None:
    body = case("huiwen.txt").text_view()
    assert "居民可以把读过的书拿来分享,也可以扫码下载电子书。" in body
    assert "新到的iPhone 12 使用手册也放在工具书一栏。" in body  # a space between Latin text: no break
    doc = run("工作总结\n分享经验\n下载文档时请注意网络。\n我们要收藏好每一份资料。\n")
    assert not doc.chrome
    assert doc.text_view().splitlines() == ["工作总结", "分享经验", "下载文档时请注意网络。", "我们要收藏好每一份资料。"]


def test_notice_and_related_heading_inside_the_body_stay() -> None:
    """Words a site's chrome uses are chrome only in the page's head or tail, not mid-body."""
    notice = ("关于期末考试安排的通知\n各位同学：期末考试将于下周举行，请做好准备。\n温馨提示：\n"
              "1. 请携带学生证和身份证。\n2. 考试开始后30分钟不得入场。\n3. 严禁携带手机进入考场。\n教务处\n")
    doc = run(notice)
    assert not doc.chrome and doc.text_view() == notice
    related = "项目说明书\n本说明介绍系统的安装方法。\n相关文档\n安装指南\n用户手册\n接口说明\n以上文档可在官网获取。\n"
    doc = run(related)
    assert not doc.chrome and doc.text_view() == related


def test_notice_in_the_head_and_related_list_in_the_tail_are_chrome() -> None:
    page = ("温馨提示：\n1. 本站文档仅供预览。\n2. 下载前请核对页数。\n会议纪要\n会议讨论了下半年的工作安排。\n"
            "此文档下载收益归作者所有\n相关文档\n会议纪要范文\n工作安排模板\n")
    doc = run(page)
    assert doc.text_view() == "会议纪要\n会议讨论了下半年的工作安排。\n"
    assert [b.rule for b in doc.chrome] == ["generic.notice"] * 3 + ["generic.footer"] + ["generic.related_heading"] * 3
    assert_nothing_lost(doc)


def test_a_related_list_on_its_labels_own_line_in_the_tail_is_chrome() -> None:
    """A site that prints its related documents after the label on one line (相关文档推荐：A | B)
    ends the body there, as the label on a line of its own does; in the body the line stays."""
    page = "工作计划\n本年度重点做好三件事。\n相关文档推荐：季度总结 | 会议记录\n猜你喜欢：工作计划模板\n"
    doc = run(page)
    assert doc.text_view() == "工作计划\n本年度重点做好三件事。\n"
    assert [b.rule for b in doc.chrome] == ["generic.related", "generic.related"]
    assert_nothing_lost(doc)
    inside = ("工作计划\n本年度重点做好三件事。\n第一件事是调研。\n相关文档推荐：季度总结 | 会议记录\n"
              "第二件事是培训。\n第三件事是总结。\n")
    assert run(inside).text_view() == inside


def test_360docs_title_line_stays_in_the_body_unless_the_body_repeats_it() -> None:
    doc = case("360docs.html")
    assert doc.meta.title == "小区停车管理规定"
    assert doc.text_view().splitlines()[0] == "小区停车管理规定"
    assert [b.text for b in doc.chrome][:2] == ["合集下载", "1、下载文档前请自行甄别文档内容的完整性,平台不提供额外的编辑服务。"]
    html = (CASES / "360docs.html").read_text(encoding="utf-8")
    repeated = html.replace('<div class="content">', '<div class="content"><h2>小区停车管理规定</h2>')
    doc = clean(ingest(repeated.encode(), "p.html"), Options())
    assert doc.meta.title == "小区停车管理规定"
    assert doc.text_view().count("小区停车管理规定") == 1  # the page's copy is chrome, the body's kept
    assert doc.chrome[0].text == "小区停车管理规定" and doc.chrome[0].rule == "360docs.page_title"


def test_html_title_is_the_title_when_the_page_gives_none() -> None:
    html = ("<html><head><title>社区垃圾分类实施方案 - 某某文库</title></head><body>"
            "<p>一、工作目标</p><p>全面推行生活垃圾分类。</p></body></html>")
    doc = clean(ingest(html.encode(), "p.html"), Options())
    assert doc.meta.title == "社区垃圾分类实施方案"
    assert "社区垃圾分类实施方案" not in doc.text_view()  # metadata only, never a second body copy
    skipped = clean(ingest(html.encode(), "p.html"), Options(skip_rules=frozenset({"generic.html_title"})))
    assert skipped.meta.title == ""


@pytest.mark.parametrize(("caption", "title"), [
    ("城乡党建报告v1.2_第1页", "城乡党建报告v1.2"),  # not a document extension: kept
    ("城乡党建报告.docx_第1页", "城乡党建报告"),
    ("城乡党建报告.RTF_第1页", "城乡党建报告"),
])
def test_title_loses_only_a_document_extension(caption: str, title: str) -> None:
    doc = run(f"{caption}\n正文第一段内容。\n")
    assert doc.meta.title == title


def test_a_page_without_chrome_is_kept_whole() -> None:
    text = "社区志愿服务总结\n一、基本情况\n全年开展志愿服务四十余次。\n"
    doc = run(text)
    assert doc.meta.site == "generic" and not doc.chrome and not doc.edits
    assert doc.text_view() == text


def test_one_site_word_does_not_decide_the_site() -> None:
    doc = run("汇文网读书心得\n我在汇文网上读到一篇好文章,收获很大。\n")
    assert doc.meta.site == "generic"
    assert doc.text_view().startswith("汇文网读书心得\n")


def test_rejected_rule_is_skipped() -> None:
    skip = frozenset({"huiwen.buttons", "generic.buttons", "generic.context"})
    doc = clean(ingest((CASES / "huiwen.txt").read_bytes(), "p"), Options(skip_rules=skip))
    assert "分享" in doc.text_view().splitlines()
    assert not any(b.rule in skip for b in doc.chrome)


# --- paragraphs --------------------------------------------------------------------------------
def test_farm_summary_glued_to_title_and_body_is_split_off() -> None:
    page = (CASES / "huiwen.txt").read_text(encoding="utf-8")
    glued = page.replace("汇报 编者按", "汇报编者按").replace("详见: 一、", "详见:一、")
    doc = run(glued)
    lines = doc.text_view().splitlines()
    assert lines[:3] == ["社区图书角建设情况汇报",
                         "编者按:本文主要从图书角的选址;藏书的来源;借阅的管理等进行讲述。其中,主要包括:选址、藏书、借阅等,具体材料请详见:",
                         "一、基本情况"]
    rules_used = [e.rule for e in doc.edits if e.after == "\n"]
    assert rules_used.count("huiwen.summary_start") == 1 and rules_used.count("huiwen.summary_end") == 1


@pytest.mark.parametrize(("text", "breaks"), [
    ("第一段。 第二段", ["第一段。", "第二段"]),
    ("标题 正文开始", ["标题", "正文开始"]),
    ("详见: 党的工作", ["详见:", "党的工作"]),  # ASCII colon left by NFKC after CJK text
    ("总体要求。 1、加强领导", ["总体要求。", "1、加强领导"]),
    ("新的iPhone 12 手机", ["新的iPhone 12 手机"]),  # Latin/digit neighbours: never a break
    ("使用Web 2.0技术", ["使用Web 2.0技术"]),
    ("增长了5% 以上", ["增长了5% 以上"]),
    ("两个  空格", ["两个  空格"]),  # only a single space is the site's joiner
])
def test_space_breaks(text: str, breaks: list[str]) -> None:
    cuts = paragraphs.space_breaks(text)
    parts, last = [], 0
    for k in cuts:
        parts.append(text[last:k])
        last = k + 1
    assert parts + [text[last:]] == breaks


def test_hard_wrapped_lines_are_joined_without_spaces() -> None:
    doc = case("wrapped.txt")
    assert doc.text_view().splitlines() == [
        "河道清理工作总结",
        "一、工作开展情况",
        "今年以来,我镇组织力量对辖区内十二条河道开展了集中清理，共清除淤泥三千余立方米，拆除违章建筑十五处，河道面貌明显改善，群众满意度不断提升。",
        "二、存在的问题",
        "部分村组保洁人员不足，日常巡查不到位，个别河段仍有垃圾漂浮的现象，需要在下一阶段重点解决。",
    ]
    joins = [e for e in doc.edits if e.rule == "generic.join_wrapped"]
    assert len(joins) == 3 and all((e.before, e.after) == ("\n", "") for e in joins)


def test_wrapped_latin_words_get_one_space() -> None:
    line = "The quick brown fox jumps over the lazy dog and keeps running"
    doc = run(f"{line}\nfar away into the woods and then some more words here again\nto the end.\n{line}.\n")
    assert doc.text_view().splitlines()[0] == f"{line} far away into the woods and then some more words here again to the end."


@pytest.mark.parametrize("text", [
    "参考文献\n"
    "[1] 张三. 城乡基层党建工作创新研究[J]. 党建研究, 2020, 12(3): 45-50\n"
    "[2] 李四. 统筹城乡发展中的基层组织建设问题[J]. 中国行政管理, 2019, 8(2): 11-19\n"
    "［3］ 王五. 新时代农村基层党组织建设路径探析[J]. 理论探讨, 2021, 5(4): 88-95\n"
    "[4] 赵六. 乡村振兴战略背景下的基层治理[M]. 北京: 人民出版社, 2018: 1-300\n",
    "项目名称 城乡基层党建示范点建设项目 负责单位 县委组织部 完成时间 2023年12月\n"
    "项目名称 农村党员干部教育培训基地建设 负责单位 县委党校 完成时间 2024年06月\n"
    "项目名称 城市社区党群服务中心提档升级 负责单位 街道党工委 完成时间 2024年03月\n",
])
def test_references_and_table_rows_are_not_joined(text: str) -> None:
    doc = run(text)
    assert [b.text for b in doc.body] == text.splitlines()
    assert not any(e.rule == "generic.join_wrapped" for e in doc.edits)


def test_a_line_narrower_than_the_column_is_not_wrapped() -> None:
    full = "我镇组织力量对辖区内十二条河道开展了集中清理，共清除淤泥三千余立方米"  # 35 characters
    lines = [full, "拆除违章建筑十五处，河道面貌明显改善，群众满意度不断提升同时还", full, "提升"]
    assert paragraphs.wrapped(lines) == {0, 2}  # 32 characters, no sentence end: still not wrapped


def test_one_paragraph_per_line_is_not_joined() -> None:
    text = "关于加强城乡基层党组织建设若干问题的意见和建议\n" + "这是第一段正文内容，句子写得比较长，一直写到这一行的末尾才结束。\n" * 3
    assert run(text).text_view() == text


# --- refusals and profile validation -----------------------------------------------------------
def test_page_with_only_chrome_is_refused() -> None:
    page = "分享\n下载文档\n收藏 分享赚钱\n网站客服:3074922707\n此文档下载收益归作者所有\n你可能关注的文档\n收起\n展开\n"
    with pytest.raises(PipelineError, match="no body text"):
        run(page)


@pytest.fixture
def user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A user rule directory; caches are cleared so the built-in profiles come back afterwards."""
    (tmp_path / "sites").mkdir()
    monkeypatch.setenv("SCRAPE2DOC_RULES", str(tmp_path))
    rules.load.cache_clear()
    profiles.load.cache_clear()
    yield tmp_path / "sites"
    monkeypatch.delenv("SCRAPE2DOC_RULES")
    rules.load.cache_clear()
    profiles.load.cache_clear()


@pytest.mark.parametrize(("body", "error"), [
    ('id = "mysite"\nname = "X"\n[detect]\nsignals = ["a", "b"]\n[[chrome]]\nid = "x"\nmatch = ["(unclosed"]\n',
     "bad regex"),
    ('id = "mysite"\nname = "X"\ncolour = 1\n', "unknown key 'colour'"),
    ('id = "mysite"\nname = "X"\n[detect]\nsignals = ["只有一个词"]\nmin = 1\n', "at least 2 signals"),
    ('id = "mysite"\n[detect]\nsignals = ["a", "b"]\n', "missing key 'name'"),
    ('id = "other"\nname = "X"\n', "must equal the file name"),
    ('id = "mysite"\nname = "X"\n[detect]\nsignals = ["a", "b"]\n[[chrome]]\nid = "x"\nmatch = ["(?P<colour>.+)"]\n',
     "not a Meta field"),
    ('id = "mysite"\nname = "X"\n[detect]\nsignals = ["a", "b"]\n[[chrome]]\nid = "x"\n', "exactly one of"),
])
def test_bad_profile_is_refused_naming_the_file(user_profiles: Path, body: str, error: str) -> None:
    (user_profiles / "mysite.toml").write_text(body, encoding="utf-8")
    with pytest.raises(PipelineError, match=error) as e:
        profiles.load()
    assert "mysite.toml" in str(e.value)


def test_a_site_is_added_by_writing_one_file(user_profiles: Path) -> None:
    (user_profiles / "mysite.toml").write_text(
        'id = "mysite"\nname = "我的文库"\n[detect]\nsignals = [\'^我的文库$\', \'^立即阅读全文$\']\n'
        "[[chrome]]\nid = \"buttons\"\nmatch = ['我的文库', '立即阅读全文']\n", encoding="utf-8")
    doc = run("我的文库\n立即阅读全文\n正文第一段。\n")
    assert (doc.meta.site, doc.meta.site_name) == ("mysite", "我的文库")
    assert doc.text_view() == "正文第一段。\n"
    assert {b.rule for b in doc.chrome} == {"mysite.buttons"}


# --- the cross-site classifier (no profile names these pages) -----------------------------------
def test_body_only_paste_of_the_sample_is_kept_whole_and_split_into_its_paragraphs() -> None:
    raw = (ROOT / "samples" / "huiwen-728690.txt").read_text(encoding="utf-8")
    body = max(raw.splitlines(), key=len)
    for text in (body, body.replace(" ", "\n")):  # on one line, or one paragraph a line
        doc = run(text)
        assert doc.meta.site == "generic" and not doc.chrome
        assert len(doc.body) == 18 and doc.body[0].text == "城乡党建推动科学开展调研报告"


@pytest.mark.parametrize(("rows", "meta"), [
    ("文档编号:3146226\n上传时间:2021-06-18\n格式:DOCX\n页数:23\n大小:79.99KB\n",  # one field a line
     {"doc_id": "3146226", "date": "2021-06-18", "format": "DOCX", "pages": 23, "size": "79.99KB"}),
    ("• 文档编号:3146226\n- 上传时间：2021-06-18\n• 格式: DOCX\n",  # bullets and dashes
     {"doc_id": "3146226", "date": "2021-06-18", "format": "DOCX"}),
    ("上传人:b****6 文档编号:7176216 格式:DOCX 页数:23 大小:79.99KB\n",  # one row
     {"uploader": "b****6", "doc_id": "7176216", "format": "DOCX", "pages": 23, "size": "79.99KB"}),
    ("    •  资源ID:4455667       资源大小:2.31 MB        全文页数:4页\n",  # indented, spaced
     {"doc_id": "4455667", "size": "2.31MB", "pages": 4}),
    ("• 报告页数\n18 页\n• 报告大小\n1.26 MB\n",  # a label on its line, the value on the next
     {"pages": 18, "size": "1.26MB"}),
    ("文件大小：36KB  共3页  上传时间：2025-10-12  格式：DOC\n",  # 共N页 among a row's fields
     {"size": "36KB", "pages": 3, "date": "2025-10-12", "format": "DOC"}),
])
def test_metadata_in_any_layout(rows: str, meta: dict) -> None:
    page = "首页 > 文库 > 工作总结\n立即下载\n" + rows + "收藏\n工作总结\n" + "今年以来，我们认真落实各项工作任务，取得了较好的成绩。\n" * 3
    doc = run(page)
    for field, value in meta.items():
        assert getattr(doc.meta, field) == value, field
    assert doc.text_view().splitlines()[0] == "工作总结"
    assert all(b.rule in ("generic.meta", "generic.breadcrumb", "generic.buttons") for b in doc.chrome)


def test_a_line_between_chrome_lines_is_chrome_but_the_title_before_the_body_stays() -> None:
    page = ("某某文库\n首页\n教育频道\n登录 注册\n社区志愿服务总结\n"
            "今年以来，社区志愿服务队坚持每周开展活动，服务居民一千余人次。\n队员们的热情受到居民的好评。\n"
            "相关文档推荐\n志愿服务心得\n关于我们\n")
    doc = run(page)
    assert doc.text_view() == ("社区志愿服务总结\n今年以来，社区志愿服务队坚持每周开展活动，服务居民一千余人次。\n"
                               "队员们的热情受到居民的好评。\n")
    assert [(b.text, b.rule) for b in doc.chrome] == [
        ("某某文库", "generic.lexicon"), ("首页", "generic.buttons"), ("教育频道", "generic.context"),
        ("登录 注册", "generic.lexicon"), ("相关文档推荐", "generic.related"), ("志愿服务心得", "generic.related"),
        ("关于我们", "generic.related")]
    assert all(e.note for e in doc.edits if e.rule == "generic.context")  # every removal says why


def test_a_body_only_page_keeps_short_lines_at_its_end() -> None:
    page = "关于开展安全检查的通知\n各单位：\n为切实做好节前安全工作，经研究决定开展一次安全大检查。\n县安委会办公室\n2024年1月20日\n"
    doc = run(page)
    assert not doc.chrome and doc.text_view() == page


@pytest.mark.parametrize("notice", [
    "还剩5页未读,继续阅读", "还剩5页未读，继续阅读", "已阅读3页，还剩12页未读 继续免费阅读",
    "(未完,全文共1109字,当前显示253字)", "本资源只提供10页预览,全部文档请下载后查看!喜欢就下载吧",
])
def test_truncation_is_warned_in_any_punctuation_and_the_notice_leaves_the_body(notice: str) -> None:
    page = (CASES / "huiwen.txt").read_text(encoding="utf-8").replace("此文档下载收益归作者所有", notice + "\n此文档下载收益归作者所有")
    doc = run(page)
    assert [f.level for f in doc.flags] == ["warning"] and "truncated preview" in doc.flags[0].message
    assert notice not in doc.text_view() and "未读" not in doc.text_view() and "当前显示" not in doc.text_view()
    assert doc.text_view().splitlines()[-1] == "继续扩大藏书规模,争取年底前达到两千册。"  # the body's own 继续 stays
    assert doc.text_view().splitlines()[0] == "社区图书角建设情况汇报"


def test_preview_chunk_numbers_are_cut_and_the_sentence_joined() -> None:
    page = ("上传人:a****1 文档编号:123456 上传时间:2023-01-05 格式:DOC 页数:3 大小:20.00KB\n返回 下载 相关 举报\n"
            "1、会议纪要本次会议研究了下半年的工作安排，明确了各部门的任务，同时\n"
            "2、,要求各部门在月底前报送工作计划。二、工作要求各部门要高度重视，\n"
            "3、认真抓好落实。\n")
    doc = run(page)
    assert doc.text_view().splitlines() == [
        "会议纪要",  # the title the first chunk glued to the first sentence
        "本次会议研究了下半年的工作安排，明确了各部门的任务，同时,要求各部门在月底前报送工作计划。",
        "二、工作要求", "各部门要高度重视，认真抓好落实。"]
    assert [b.text for b in doc.chrome if b.rule == "generic.chunk_number"] == ["1、", "2、", "3、"]


@pytest.mark.parametrize(("text", "parts"), [
    ("为做好工作，特制定本方案。二、工作目标到年底完成全部任务，确保质量。",
     ["为做好工作，特制定本方案。", "二、工作目标", "到年底完成全部任务，确保质量。"]),
    ("二、工作目标（一）近期目标到2025年底，覆盖全部小区。",
     ["二、工作目标", "（一）近期目标", "到2025年底，覆盖全部小区。"]),
    ("一、指导思想以改善人居环境为目标，坚持政府推动。", ["一、指导思想", "以改善人居环境为目标，坚持政府推动。"]),
    ("（二）阶段目标 第一季度完成宣传动员。", ["（二）阶段目标", "第一季度完成宣传动员。"]),
    # not a heading glued to text: a word that goes on, a clause too short, an Arabic item
    ("一、工作目标是实现全覆盖，不留死角。", ["一、工作目标是实现全覆盖，不留死角。"]),
    ("（一）基本情况良好，运行平稳。", ["（一）基本情况良好，运行平稳。"]),
    ("全年增长了1.5亿元，比上年提高2.3个百分点。", ["全年增长了1.5亿元，比上年提高2.3个百分点。"]),
])
def test_glued_headings_are_split_only_where_the_boundary_is_clear(text: str, parts: list[str]) -> None:
    assert run(f"工作方案\n{text}\n").text_view().splitlines()[1:] == parts


def test_traditional_mirror_pinyin_is_cut_and_the_script_is_recorded() -> None:
    page = "社區數(shù)字化建設方案\n下載本文檔\n為推進社區數(shù)字化建設，現制定本方案，請各單位認真執行。\n還剩5頁未讀，繼續(xù)閱讀\n"
    doc = run(page)
    assert doc.meta.script == "traditional"
    assert doc.text_view() == "社區數字化建設方案\n為推進社區數字化建設，現制定本方案，請各單位認真執行。\n"
    assert [f.rule for f in doc.flags] == ["generic.truncated"]  # 繼續(xù)閱讀 read as 继续阅读
    folded = run(page, Options(to_simplified=True))
    assert folded.text_view() == "社区数字化建设方案\n为推进社区数字化建设，现制定本方案，请各单位认真执行。\n"
    assert folded.meta.title == "社区数字化建设方案"
    assert {e.rule for e in folded.edits} >= {"generic.to_simplified", "generic.pinyin_gloss"}


def test_simplified_page_is_recorded_as_such() -> None:
    assert run("工作总结\n今年的工作取得了新的进展。\n").meta.script == "simplified"


@pytest.mark.parametrize(("page", "title"), [
    ("<html><head><title>(转)员工培训管理制度 - 老周的博客 - 博客园</title></head><body><p>登录</p><p>注册</p>"
     "<h1>(转)员工培训管理制度</h1><p>第一条 为提高员工的业务能力和综合素质，规范培训工作，特制定本制度。</p></body></html>",
     "员工培训管理制度"),
    ("家庭教育讲座讲稿文档格式.docx\n立即下载\n各位家长：今天和大家聊一聊孩子的阅读习惯，每天陪孩子读书二十分钟。\n",
     "家庭教育讲座讲稿"),
    ("当前位置:文档库 › 机关食堂管理制度\n机关食堂管理制度\n7、勤学如春起之苗,不见其增,日有所长。——陶渊明\n"
     "第一条 为加强机关食堂管理,保障饮食安全,结合本单位实际,制定本制度。\n", "机关食堂管理制度"),
])
def test_title_from_any_candidate_without_site_junk(page: str, title: str) -> None:
    name = "p.html" if page.startswith("<html>") else "p.txt"
    doc = structure_of(clean(ingest(page.encode(), name), Options()))
    assert doc.meta.title == title
    assert [b.text for b in doc.body if b.kind == "title"] == [title]


def structure_of(doc: Document) -> Document:
    from pipeline.stages.structure import structure
    return structure(doc, Options())
