"""Clean's decisions at their bounds: how far a ``follow`` rule reaches, where ``head_only`` and
``edges_only`` rules may fire, when a metadata line must agree with the first, and the line
classifier's thresholds, each on both sides. The site profile here is written for these tests;
expected values are written out by hand."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import rules
from pipeline.model import Document, Meta
from pipeline.options import Options
from pipeline.stages.clean import clean, classify, profiles, sitemeta
from pipeline.stages.ingest import ingest

PROFILE = """id = "mysite"
name = "我的文库"
[detect]
signals = ['^我的文库$', '^立即阅读全文$']
[[chrome]]
id = "buttons"
match = ['我的文库', '立即阅读全文']
[[chrome]]
id = "tips"
match = ['下载须知如下']
follow = '※[^\\n]{1,40}'
follow_max = 2
[[chrome]]
id = "rights"
match = ['.{0,20}版权.{0,40}']
head_only = true
[[chrome]]
id = "edge_note"
match = ['本页说明']
edges_only = true
"""
P1 = "今年以来，我们认真落实各项工作任务，取得了较好的成绩。"
P2 = "全体干部职工团结一心，攻坚克难，推动各项事业向前发展。"
P3 = "下一步，我们将继续加强学习，不断提高工作能力和水平。"
BODY = f"{P1}\n{P2}\n{P3}\n"  # enough prose before a rule's lines that the body starts above them
RIGHTS = "本报告版权归编写组所有，引用时请注明出处。"


def _installed(profile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A user's site profile for the test's length; the rule caches cleared on both sides."""
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "mysite.toml").write_text(profile, encoding="utf-8")
    monkeypatch.setenv("SCRAPE2DOC_RULES", str(tmp_path))
    rules.load.cache_clear()
    profiles.load.cache_clear()
    yield
    monkeypatch.delenv("SCRAPE2DOC_RULES")
    rules.load.cache_clear()
    profiles.load.cache_clear()


@pytest.fixture
def mysite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from _installed(PROFILE, tmp_path, monkeypatch)


def run(text: str) -> Document:
    return clean(ingest(text.encode("utf-8"), "page.txt"), Options())


def chrome(doc: Document) -> list[tuple[str, str]]:
    return [(b.text, b.rule) for b in doc.chrome]


# --- follow, head_only, edges_only ----------------------------------------------------------------

def test_a_follow_rule_takes_at_most_follow_max_lines_then_the_body_goes_on(mysite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{BODY}下载须知如下\n※第一条\n※第二条\n※第三条说明\n{BODY}")
    assert chrome(doc) == [("我的文库", "mysite.buttons"), ("立即阅读全文", "mysite.buttons"),
                           ("下载须知如下", "mysite.tips"), ("※第一条", "mysite.tips"), ("※第二条", "mysite.tips")]
    assert doc.text_view() == f"{BODY}※第三条说明\n{BODY}"


def test_a_follow_rule_stops_at_the_first_line_its_pattern_does_not_match(mysite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{BODY}下载须知如下\n※第一条\n{P2}\n※第二条\n{BODY}")
    assert chrome(doc)[2:] == [("下载须知如下", "mysite.tips"), ("※第一条", "mysite.tips")]
    assert doc.text_view() == f"{BODY}{P2}\n※第二条\n{BODY}"


def test_a_head_only_rule_fires_above_the_body_and_never_inside_it(mysite: None) -> None:
    doc = run(f"我的文库\n{RIGHTS}\n立即阅读全文\n{BODY}{RIGHTS}\n{BODY}")
    assert chrome(doc) == [("我的文库", "mysite.buttons"), (RIGHTS, "mysite.rights"),
                           ("立即阅读全文", "mysite.buttons")]
    assert doc.text_view() == f"{BODY}{RIGHTS}\n{BODY}"


def test_an_edges_only_rule_fires_at_the_page_end_and_never_inside_the_body(mysite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{BODY}本页说明\n{BODY}本页说明\n")
    assert chrome(doc) == [("我的文库", "mysite.buttons"), ("立即阅读全文", "mysite.buttons"),
                           ("本页说明", "mysite.edge_note")]
    assert doc.chrome[-1].span[0] > doc.raw.rindex(P3)
    assert doc.text_view() == f"{BODY}本页说明\n{BODY}"


def test_the_generic_notice_follows_numbered_tips_at_the_head_only(mysite: None) -> None:
    tips = "温馨提示：\n1、请先看清说明。\n2、如有问题请反馈。\n"
    head = run(f"我的文库\n立即阅读全文\n{tips}{BODY}")
    assert [r for _, r in chrome(head)].count("generic.notice") == 3
    assert head.text_view() == BODY
    inside = run(f"我的文库\n立即阅读全文\n{BODY}{tips}{BODY}")
    assert inside.text_view() == f"{BODY}{tips}{BODY}"


# --- metadata: a second, different ID or filename is body text ----------------------------------

def lifter(**meta: str) -> sitemeta.Lifter:
    return sitemeta.Lifter(Meta(**meta), ())


def test_a_metadata_line_must_agree_with_the_id_already_lifted() -> None:
    generic = [p for p in profiles.load() if p.id == "generic"]
    assert sitemeta.meta_line(generic, "文档编号:3146226", lifter()) == {"doc_id": "3146226"}
    assert sitemeta.meta_line(generic, "文档编号:3146226", lifter(doc_id="3146226")) == {"doc_id": "3146226"}
    assert sitemeta.meta_line(generic, "文档编号:5550001", lifter(doc_id="3146226")) is None
    assert sitemeta.meta_line(generic, "报告.docx", lifter(filename="报告.docx")) == {"filename": "报告.docx"}
    assert sitemeta.meta_line(generic, "别的.docx", lifter(filename="报告.docx")) is None
    # dates and sizes may differ (posted and uploaded): only filename and ID must agree
    assert sitemeta.meta_line(generic, "上传时间:2021-06-19", lifter(date="2021-06-18")) == {"date": "2021-06-19"}


def test_a_labelled_filename_is_lifted_without_its_label() -> None:
    generic = [p for p in profiles.load() if p.id == "generic"]
    assert sitemeta.meta_line(generic, "文档名称:总结报告.docx", lifter()) == {"filename": "总结报告.docx"}
    assert sitemeta.meta_line(generic, "资源名称： 总结报告.pdf", lifter()) == {"filename": "总结报告.pdf"}
    assert sitemeta.meta_line(generic, "文件名:总结报告.docx 大小:52KB", lifter()) == {
        "filename": "总结报告.docx", "size": "52KB"}
    assert sitemeta.meta_line(generic, "总结报告.docx", lifter()) == {"filename": "总结报告.docx"}


def test_a_traditional_page_lifts_its_labelled_filename_in_its_own_script() -> None:
    page = ("首頁 > 文庫 > 工作總結\n文檔名稱:年度總結報告.docx\n文檔編號:3318842\n年度總結報告\n"
            "今年以來，我們認真推進各項工作，全年組織培訓十二次，業務能力明顯提升，成效較好。\n"
            "明年將繼續加強制度建設，抓好基層調研，把各項任務落到實處，確保年度目標全面完成。\n")
    doc = clean(ingest(page.encode(), "trad.txt"), Options())
    assert (doc.meta.filename, doc.meta.title, doc.meta.doc_id) == ("年度總結報告.docx", "年度總結報告", "3318842")


def test_a_conflicting_id_line_on_the_page_stays_body() -> None:
    page = ("首页 > 文库 > 工作总结\n立即下载\n文档编号:3146226\n收藏\n"
            "文档编号:5550001\n工作总结\n" + f"{P1}\n{P2}\n{P3}\n")
    doc = run(page)
    assert doc.meta.doc_id == "3146226"
    assert ("文档编号:3146226", "generic.meta") in chrome(doc)
    assert ("文档编号:5550001", "generic.meta") not in chrome(doc)


def test_a_metadata_row_may_carry_three_short_loose_words_not_four() -> None:
    generic = [p for p in profiles.load() if p.id == "generic"]
    three = "文档编号:3146226 甲乙 丙丁 戊己"
    assert sitemeta.meta_line(generic, three, lifter()) == {"doc_id": "3146226"}
    assert sitemeta.meta_line(generic, three + " 庚辛", lifter()) is None
    eight = "文档编号:3146226 一二三四五六七八"
    assert sitemeta.meta_line(generic, eight, lifter()) == {"doc_id": "3146226"}
    assert sitemeta.meta_line(generic, eight + "九", lifter()) is None


def test_a_lifted_field_keeps_its_first_value_and_the_filename_gives_the_title() -> None:
    lf = lifter()
    lf.lift("doc_id", "111")
    lf.lift("doc_id", "222")
    lf.lift("pages", "12")
    lf.lift("pages", "十二")
    lf.lift("date", "2021年6月8日")
    lf.lift("size", "1.5 mb")
    lf.lift("format", "docx")
    lf.lift("filename", "年度报告.docx")
    lf.lift("uploader", "  ")
    m = lf.meta
    assert (m.doc_id, m.pages, m.date, m.size, m.format) == ("111", 12, "2021-06-08", "1.5MB", "DOCX")
    assert (m.filename, m.title, m.uploader) == ("年度报告.docx", "年度报告", "")


def test_keywords_need_two_tokens_in_the_titles_order_covering_six_tenths() -> None:
    assert sitemeta.keywords("城乡 党建 报告", "城乡党建调研报告") == ["城乡", "党建", "报告"]  # 6 of 8
    assert sitemeta.keywords("城乡 党建", "城乡党建调研报告") is None  # 4 of 8
    assert sitemeta.keywords("党建 城乡 报告", "城乡党建调研报告") is None  # out of order
    assert sitemeta.keywords("城乡党建调研报告", "城乡党建调研报告") is None  # one token
    assert sitemeta.keywords("城乡 党建", "") is None


def test_clean_title_cuts_the_extension_and_site_junk_until_nothing_more_goes() -> None:
    import re
    strip = (re.compile(r"_人人文库$"),)
    assert sitemeta.clean_title("  年度  报告.docx_人人文库 ", strip) == "年度 报告"
    assert sitemeta.clean_title("年度报告.pdf.docx", ()) == "年度报告"


# --- the line classifier's thresholds (generic.toml [lexicon]) ----------------------------------

LEX = classify.Lexicon(strong=("下载", "会员"), weak=("分享", "文档"), function_chars=frozenset("的了是在和"),
                       good_chars=10, near_chars=5, min_function_share=0.1, edge_max_chars=8, dense_share=0.2)


def feat(**kw: object) -> classify.Features:
    base = dict(han=0, punct=0, function_share=0.0, strong=0, weak=0, numbered=False, opens=False, sentence=False)
    return classify.Features(**{**base, **kw})  # type: ignore[arg-type]


def test_prose_classes_at_their_thresholds() -> None:
    assert feat(han=10, punct=1, function_share=0.1).prose(LEX) == "good"
    assert feat(han=9, punct=1, function_share=0.1).prose(LEX) == "near"
    assert feat(han=10, punct=1, function_share=0.09).prose(LEX) == "near"
    assert feat(han=10, punct=0, function_share=0.5).prose(LEX) == "short"
    assert feat(han=5, punct=1).prose(LEX) == "near"
    assert feat(han=4, punct=1).prose(LEX) == "short"
    assert feat(han=2, numbered=True).prose(LEX) == "near"
    assert feat(han=1, numbered=True).prose(LEX) == "short"
    assert feat(han=2, opens=True).prose(LEX) == "near"
    assert feat(han=1, opens=True).prose(LEX) == "short"


def test_lexicon_chrome_dense_anywhere_at_three_words_or_the_share() -> None:
    assert feat(han=40, strong=3).lexicon_chrome(LEX, edge=False) is True
    assert feat(han=40, strong=2).lexicon_chrome(LEX, edge=False) is False
    assert feat(han=10, strong=2).lexicon_chrome(LEX, edge=False) is True  # 2/10 = 0.2
    assert feat(han=11, strong=2).lexicon_chrome(LEX, edge=False) is False
    assert feat(han=0, strong=2).lexicon_chrome(LEX, edge=False) is True  # no Han: counted as 1
    assert feat(han=3, strong=1).lexicon_chrome(LEX, edge=False) is False


def test_lexicon_chrome_at_the_edge_short_lines_of_site_words() -> None:
    assert feat(han=8, strong=1).lexicon_chrome(LEX, edge=True) is True
    assert feat(han=9, strong=1).lexicon_chrome(LEX, edge=True) is False
    assert feat(han=4, weak=2).lexicon_chrome(LEX, edge=True) is True
    assert feat(han=4, weak=1).lexicon_chrome(LEX, edge=True) is False
    assert feat(han=4, strong=1, punct=1).lexicon_chrome(LEX, edge=True) is True
    assert feat(han=4, strong=1, punct=2).lexicon_chrome(LEX, edge=True) is False
    assert feat(han=4, strong=1, numbered=True).lexicon_chrome(LEX, edge=True) is False
    assert feat(han=4, strong=1, sentence=True).lexicon_chrome(LEX, edge=True) is False


def test_features_of_a_line() -> None:
    f = classify.features("一、立即下载文档，分享下载的了。", LEX)
    assert f == classify.Features(han=13, punct=3, function_share=2 / 13, strong=1, weak=2, numbered=True,
                                  opens=False, sentence=True)
    assert classify.features("各位家长：", LEX).opens is True
    assert classify.features("abc", LEX) == feat()
    assert classify._hits("下载下载文档", ("下载文档", "下载")) == {"下载文档", "下载"}


def test_line_class_and_score() -> None:
    assert classify.line_class(feat(han=20, punct=2, function_share=0.5), LEX, ruled=True) == "chrome"
    assert classify.line_class(feat(han=3, strong=1), LEX, ruled=False) == "chrome"
    assert classify.line_class(feat(han=20, punct=2, function_share=0.5), LEX, ruled=False) == "good"
    assert classify.score("good", feat(han=20)) == 20.0
    assert classify.score("near", feat(han=5)) == 2.5
    assert classify.score("chrome", feat(han=4)) == -10.0
    assert classify.score("short", feat(han=30)) == -1.0


def test_core_is_the_heaviest_run_trimmed_to_prose() -> None:
    good, chrome_, short = feat(han=20), feat(han=4), feat(han=2)
    classes = ["chrome", "short", "good", "short", "good", "chrome", "chrome", "good"]
    feats = [chrome_, short, good, short, good, chrome_, chrome_, feat(han=5)]
    assert classify.core(classes, feats) == (2, 4)  # the last good line is too light to reach
    assert classify.core(["chrome", "short"], [chrome_, short]) is None
    assert classify.core(["short", "near", "short"], [short, feat(han=6), short]) == (1, 1)


def test_a_metadata_row_must_be_at_least_half_fields() -> None:
    generic = [p for p in profiles.load() if p.id == "generic"]
    assert sitemeta.meta_line(generic, "ID:123 甲乙 丙丁 戊己", lifter()) == {"doc_id": "123"}  # 6 of 12
    assert sitemeta.meta_line(generic, "ID:123 甲乙 丙丁 戊己庚", lifter()) is None  # 6 of 13
    assert sitemeta.meta_line(generic, "甲乙丙 ID:123", lifter()) == {"doc_id": "123"}
    assert sitemeta.meta_line(generic, "甲乙 丙丁 戊己庚 ID:123", lifter()) is None  # 6 of 13, the field last
    assert sitemeta.meta_line(generic, "浏览:12 甲乙", lifter()) is None  # loose words need a lifted field
    assert sitemeta.meta_line(generic, "浏览:12", lifter()) == {}
    assert sitemeta.meta_line(generic, "今天天气很好", lifter()) is None


def test_merged_spans_join_overlapping_and_touching_ones() -> None:
    assert sitemeta._merged([(5, 8), (0, 3), (3, 4), (7, 10), (12, 13)]) == [(0, 4), (5, 10), (12, 13)]


def test_values_that_are_not_values_are_not_lifted() -> None:
    lf = lifter()
    for name, value in (("date", "昨天"), ("title", ".docx"), ("doc_id", "  "), ("pages", "")):
        lf.lift(name, value)
    lf.lift("size", "约2 兆")
    m = lf.meta
    assert (m.date, m.title, m.doc_id, m.pages, m.size) == ("", "", "", None, "约2兆")
    assert lf.agrees("pages", "x") is False  # not a page count at all
    assert lf.agrees("pages", "3") is True


# --- where the body ends: a footer inside it, and whether the page is a site's at all ----------------

FOOTER = "此文档下载收益归作者所有"  # generic.footer: ends the body


def notes(doc: Document) -> list[tuple[str, str, str]]:
    return [(b.text, b.rule, next(e.note for e in doc.edits if e.block == b.id)) for b in doc.chrome]


def test_a_footer_inside_the_body_ends_it_when_less_prose_follows() -> None:
    doc = run(f"{BODY}{BODY}{FOOTER}\n{P1}\n")
    assert doc.text_view() == BODY + BODY
    assert notes(doc) == [(FOOTER, "generic.footer", ""),
                          (P1, "generic.context", "a line after the site's chrome began at the end of the page")]


def test_a_footer_followed_by_as_much_prose_or_more_leaves_it_body() -> None:
    assert run(f"{P1}\n{FOOTER}\n{P1}\n").text_view() == f"{P1}\n{P1}\n"  # as much after as before
    assert run(f"{P1}\n{FOOTER}\n{BODY}{BODY}").text_view() == f"{P1}\n{BODY}{BODY}"


def test_one_kind_of_chrome_inside_a_paste_is_the_documents_own() -> None:
    assert run(f"{P1}\n{P2}\n{P3}\n相关文档推荐\n{P1}\n").text_view() == f"{P1}\n{P2}\n{P3}\n相关文档推荐\n{P1}\n"
    assert run(f"{BODY}分享 推荐 热门\n").text_view() == f"{BODY}分享 推荐 热门\n"  # site words alone: no sign


def test_one_kind_of_chrome_at_the_pages_very_end_or_two_kinds_are_a_site() -> None:
    end = run(f"{P1}\n{P2}\n{P3}\n{P1}\n相关文档推荐\n")
    assert end.text_view() == f"{P1}\n{P2}\n{P3}\n{P1}\n" and notes(end) == [("相关文档推荐", "generic.related", "")]
    two = run(f"首页\n{BODY}分享 推荐 热门\n")
    assert two.text_view() == BODY
    assert notes(two) == [("首页", "generic.buttons", ""),
                          ("分享 推荐 热门", "generic.lexicon", "short line of site words at the page's edge")]


def test_a_line_dense_in_site_words_goes_anywhere() -> None:
    dense = "会员用户可以下载本站文库里的积分资料，欢迎上传。"
    doc = run(f"首页\n{P1}\n{dense}\n{P2}\n{P3}\n")
    assert doc.text_view() == f"{P1}\n{P2}\n{P3}\n"
    assert notes(doc)[1] == (dense, "generic.lexicon", "dense in site words")
    kept = clean(ingest(f"首页\n{P1}\n{dense}\n{P2}\n{P3}\n".encode(), "page.txt"),
                 Options(skip_rules=frozenset({"generic.lexicon"})))
    assert kept.text_view() == f"{P1}\n{dense}\n{P2}\n{P3}\n"


# --- the context step at the page's head --------------------------------------------------------------

TITLE = "社区志愿服务工作总结"
OPENING = "今年以来，社区志愿服务队坚持每周开展活动，服务居民一千余人次，受到好评。"


def test_the_sites_teaser_of_the_opening_goes_and_the_opening_stays() -> None:
    teaser = OPENING[:24] + "…"
    doc = run(f"首页\n{teaser}\n登录\n{TITLE}\n{OPENING}\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{OPENING}\n{BODY}"
    assert notes(doc)[1] == (teaser, "generic.context", "the site's teaser of the body's opening")


def test_the_sites_numbered_copy_of_a_known_title_goes() -> None:
    doc = run(f"首页 > 文库 > {TITLE}\n登录\n{TITLE}3\n{TITLE}\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}"
    assert notes(doc)[2] == (f"{TITLE}3", "generic.context", "the site's numbered copy of the title")
    # no title known from the site: nothing says the numbered line is a copy
    assert run(f"首页\n登录\n{TITLE}3\n{TITLE}\n{BODY}").text_view() == f"{TITLE}3\n{TITLE}\n{BODY}"


def test_at_most_six_lines_between_the_last_head_chrome_and_the_body_stay() -> None:
    six = "".join(f"第{i}行说明文字\n" for i in range(6))
    assert run(f"首页\n{six}{BODY}").text_view() == six + BODY
    doc = run(f"首页\n第九行说明文字\n{six}{BODY}")
    assert doc.text_view() == six + BODY
    assert notes(doc)[1] == ("第九行说明文字", "generic.context", "a line among the site's chrome before the body")


def test_a_title_among_the_chrome_is_given_back_when_the_body_opens_with_it() -> None:
    doc = run(f"首页\n{TITLE}\n登录\n{TITLE}篇1\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{TITLE}篇1\n{BODY}"
    assert [r for _, r, _ in notes(doc)] == ["generic.buttons", "generic.buttons"]
    assert doc.meta.title == TITLE


def test_a_page_without_prose_keeps_its_longest_run_of_unruled_lines() -> None:
    from pipeline.stages.clean.chrome import _longest_run
    classes = ["short", "chrome", "short", "near", "chrome", "short", "short"]
    feats = [feat(han=9), feat(han=3), feat(han=2), feat(han=3), feat(han=4), feat(han=3), feat(han=2)]
    assert _longest_run(classes, feats) == (0, 0)  # 9 > 5 = 2 + 3 = 3 + 2: the first of equals wins
    feats[0] = feat(han=5)
    assert _longest_run(classes, feats) == (0, 0)
    feats[0] = feat(han=4)
    assert _longest_run(classes, feats) == (2, 3)
    assert _longest_run(["chrome", "chrome"], [feat(han=3), feat(han=3)]) is None
    assert _longest_run(["short"], [feat(han=0)]) is None  # no Han at all: nothing to keep


def test_core_resets_a_run_at_zero_and_keeps_the_first_of_equal_runs() -> None:
    good5, near1, near_half, short, chrome0 = feat(han=5), feat(han=2), feat(han=1), feat(han=3), feat(han=0)
    assert classify.core(["near"], [near_half]) == (0, 0)  # 0.5 is a body, however small
    assert classify.core(["near", "short", "good"], [near_half, short, feat(han=20)]) == (2, 2)
    assert classify.core(["near", "short", "good"], [near1, short, feat(han=20)]) == (2, 2)  # 1 - 1 = 0: a new run
    assert classify.core(["near", "good"], [near1, feat(han=20)]) == (0, 1)
    assert classify.core(["good", "chrome", "good"], [good5, chrome0, good5]) == (0, 0)  # 5, then a fresh 5: not more


def test_hits_count_each_character_once_longest_first() -> None:
    assert classify._hits("下载文档", ("下载文档", "文档")) == {"下载文档"}
    assert classify._hits("下载X下载Y下载", ("下载", "载Y")) == {"下载"}  # every 下载 is taken, the middle one too
    assert classify._hits("AAB", ("A", "AB")) == {"A"}
    assert classify._hits("AAB", ("AB", "A", "B")) == {"AB", "A"}  # B only inside AB, taken already


def test_the_lexicon_table_is_read_longest_word_first() -> None:
    lex = classify.Lexicon.from_table({"strong": ["下载", "下载文档", "VIP会员"], "weak": ["文档", "相关文档"],
                                       "function_chars": "的了", "good_chars": 20, "near_chars": 8,
                                       "min_function_share": 0.04, "edge_max_chars": 16, "dense_share": 0.12})
    assert lex == classify.Lexicon(strong=("VIP会员", "下载文档", "下载"), weak=("相关文档", "文档"),
                                   function_chars=frozenset("的了"), good_chars=20, near_chars=8,
                                   min_function_share=0.04, edge_max_chars=16, dense_share=0.12)
    # longest first even where the shorter word sorts after the longer one (文 U+6587 > 下 U+4E0B)
    weak = classify.Lexicon.from_table({"strong": [], "weak": ["文档", "下载文档"], "function_chars": "的",
                                        "good_chars": 20, "near_chars": 8, "min_function_share": 0.04,
                                        "edge_max_chars": 16, "dense_share": 0.12}).weak
    assert weak == ("下载文档", "文档")


def test_the_dense_share_counts_a_line_without_han_as_one_character() -> None:
    lex = classify.Lexicon(strong=(), weak=(), function_chars=frozenset(), good_chars=10, near_chars=5,
                           min_function_share=0.1, edge_max_chars=8, dense_share=1.5)
    assert feat(han=1, strong=2).lexicon_chrome(lex, edge=False) is True  # 2 / 1 ≥ 1.5
    assert feat(han=2, strong=2).lexicon_chrome(lex, edge=False) is False  # 2 / 2 < 1.5


def test_keywords_at_their_bounds() -> None:
    assert sitemeta.keywords("城乡 党建", "城乡党建") == ["城乡", "党建"]  # two tokens are enough
    assert sitemeta.keywords("城乡 党建 报告", "城乡党建调研报告总结") == ["城乡", "党建", "报告"]  # 6 of 10
    assert sitemeta.keywords("城乡  党建 报告", "城乡党建调研报告") is None  # an empty token: no keyword line
    assert sitemeta.keywords("城乡 党建", "城乡党建城乡") == ["城乡", "党建"]  # the first 城乡, then on
    assert sitemeta.keywords("党建 城乡 党建", "城乡党建城乡") is None  # no second 党建 after the 城乡


def test_a_metadata_row_with_a_long_loose_word_anywhere_is_no_row() -> None:
    generic = [p for p in profiles.load() if p.id == "generic"]
    assert sitemeta.meta_line(generic, "甲乙丙丁戊己庚辛壬ID:1234567890123", lifter()) is None  # 9 characters before
    assert sitemeta.meta_line(generic, "甲乙丙丁戊己庚辛ID:1234567890123", lifter()) == {"doc_id": "1234567890123"}
    assert sitemeta.meta_line(generic, "ID:123 甲乙丙丁戊己庚辛壬 格式:DOCX", lifter()) is None


def test_a_group_that_did_not_take_part_lifts_nothing() -> None:
    lf = lifter()
    lf.lift("doc_id", None)
    assert lf.meta.doc_id == ""


# --- more of the page's regions, and lines taken or kept in the head and tail -------------------------

LONG = "我镇今年组织力量对辖区内的十二条河道开展了集中清理工作，共清除淤泥三千余立方米，拆除违章建筑十五处，河道面貌明显改善。"
NEAR = "详见附件说明，谢谢。"  # prose, but short: a "near" line
AFTER = (P1, "generic.context", "a line after the site's chrome began at the end of the page")


def test_two_kinds_of_chrome_anywhere_are_a_site() -> None:
    doc = run(f"{P1}\n{P2}\n{P3}\n相关文档推荐\n分享 推荐 热门\n谢谢\n")
    assert doc.text_view() == f"{P1}\n{P2}\n{P3}\n"
    assert [r for _, r, _ in notes(doc)] == ["generic.related"] * 3  # the list heading and what follows it


def test_a_paste_keeps_even_its_first_line_of_site_words() -> None:
    assert run(f"分享 推荐 热门\n{BODY}").text_view() == f"分享 推荐 热门\n{BODY}"


def test_a_footer_right_after_the_first_body_line_is_found() -> None:
    doc = run(f"{LONG}\n{FOOTER}\n{P1}\n")
    assert doc.text_view() == f"{LONG}\n" and notes(doc) == [(FOOTER, "generic.footer", ""), AFTER]


def test_a_footer_signal_in_the_head_does_not_hide_the_one_in_the_body() -> None:
    doc = run(f"首页\n相关文档推荐\n{LONG}\n{FOOTER}\n{P1}\n")
    assert doc.text_view() == f"{LONG}\n" and notes(doc)[-1] == AFTER


def test_the_body_ends_at_its_last_prose_line_before_the_footer_good_or_near() -> None:
    assert run(f"{LONG}\n{NEAR}\n{FOOTER}\n{P1}\n").text_view() == f"{LONG}\n{NEAR}\n"
    assert run(f"{NEAR}\n{LONG}\n{FOOTER}\n{P1}\n").text_view() == f"{NEAR}\n{LONG}\n"


def test_a_line_dense_in_site_words_is_a_sign_of_a_site() -> None:
    dense = "会员用户可以下载本站文库里的积分资料，欢迎上传。"
    doc = run(f"{P1}\n{dense}\n{P2}\n{P3}\n分享 推荐 热门\n")
    assert doc.text_view() == f"{P1}\n{P2}\n{P3}\n"
    assert notes(doc)[-1] == ("分享 推荐 热门", "generic.lexicon", "short line of site words at the page's edge")
    kept = clean(ingest(f"首页\n{BODY}分享 推荐 热门\n".encode(), "page.txt"),
                 Options(skip_rules=frozenset({"generic.lexicon"})))
    assert kept.text_view() == f"{BODY}分享 推荐 热门\n"


def test_the_line_above_a_metadata_row_is_the_title() -> None:
    doc = run(f"首页\n登录\n{TITLE}\n文档编号:3146226\n收藏\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}"
    assert [(t, r) for t, r, _ in notes(doc)] == [("首页", "generic.buttons"), ("登录", "generic.buttons"),
                                                  ("文档编号:3146226", "generic.meta"), ("收藏", "generic.buttons")]


def test_metadata_only_at_the_edges_and_only_while_the_rule_is_on() -> None:
    inside = run(f"首页\n{P1}\n上传时间:2021-06-18\n{P2}\n{P3}\n")
    assert inside.text_view() == f"{P1}\n上传时间:2021-06-18\n{P2}\n{P3}\n" and inside.meta.date == ""
    page = f"首页\n{P1}\n{P2}\n{P3}\n文档编号:3146226\n"
    assert run(page).meta.doc_id == "3146226"
    off = clean(ingest(page.encode(), "page.txt"), Options(skip_rules=frozenset({"generic.meta"})))
    assert off.meta.doc_id == "" and "generic.meta" not in {b.rule for b in off.chrome}


def test_a_short_last_line_is_no_label_without_a_value_after_it() -> None:
    assert run(f"首页\n{BODY}感谢阅读\n").text_view() == f"{BODY}感谢阅读\n"


def test_a_site_name_above_the_filename_is_not_its_label() -> None:
    doc = run(f"首页\n某某文库\n{TITLE}.docx\n{BODY}")
    assert doc.meta.filename == f"{TITLE}.docx" and doc.meta.title == TITLE


def test_a_filename_label_on_its_own_line_is_metadata_with_its_value() -> None:
    doc = run(f"首页\n文档名称\n{TITLE}.docx\n{BODY}")
    assert (doc.meta.filename, doc.meta.title) == (f"{TITLE}.docx", TITLE)
    assert [(t, r) for t, r, _ in notes(doc)] == [("首页", "generic.buttons"), ("文档名称", "generic.meta")]
    assert doc.text_view() == f"{TITLE}\n{BODY}"  # the filename's title line stays the document's title


def test_a_title_the_site_repeats_is_the_documents_opening() -> None:
    doc = run(f"首页\n{TITLE}\n{TITLE}\n{TITLE}\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}" and doc.meta.title == TITLE
    end = run(f"首页\n{BODY}谢谢阅读\n谢谢阅读\n")  # the same line twice at the very end
    assert end.text_view() == BODY and [r for _, r, _ in notes(end)][1:] == ["generic.repeated"] * 2


def test_a_title_shown_twice_above_a_body_without_it_keeps_one_copy() -> None:
    """The site's heading and the document's own title line, the same words, then only chrome
    (a metadata row) before the body: the second copy is the title, not a related-titles list."""
    page = f"首页 > 范文 > 总结\n{TITLE}\n{TITLE}\n下载积分:5\n{BODY}"
    doc = run(page)
    assert doc.text_view() == f"{TITLE}\n{BODY}" and doc.meta.title == TITLE
    assert [r for _, r, _ in notes(doc)] == ["generic.breadcrumb", "generic.repeated", "generic.meta"]
    other = run(f"首页\n年度总结报告.docx\n{TITLE}\n{TITLE}\n{BODY}")  # the filename names another title
    assert other.meta.title == "年度总结报告" and TITLE not in other.text_view()
    assert [r for _, r, _ in notes(other)].count("generic.repeated") == 2
    for line in ("热门范文推荐", "相关范文推荐"):  # repeated site words, no document title: both stay chrome
        assert run(f"首页\n{line}\n{line}\n{BODY}").text_view() == BODY
    short = run(f"首页\n通知\n通知\n下载积分:5\n{BODY}")  # too few words to name a document
    assert short.text_view() == BODY and short.meta.title == ""
    lead = run(f"首页\n现将有关工作总结如下：\n现将有关工作总结如下：\n下载积分:5\n{BODY}")  # no title's shape
    assert [r for _, r, _ in notes(lead)] == ["generic.buttons", "generic.repeated", "generic.repeated", "generic.meta"]
    between = run(f"首页\n{TITLE}\n{TITLE}\n2023年12月\n{BODY}")  # a line that is not chrome stands between
    assert between.text_view() == f"2023年12月\n{BODY}" and between.meta.title == ""
    bare = clean(ingest(page.encode(), "page.txt"), Options(skip_rules=frozenset({"generic.context"})))
    assert (bare.meta.title, bare.text_view()) == (TITLE, f"{TITLE}\n{BODY}")  # without the context step too


def test_the_filenames_title_keeps_its_line_among_the_chrome() -> None:
    doc = run(f"{TITLE}.docx\n首页\n{TITLE}\n登录\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}"


def test_without_the_chunk_rule_a_page_still_cleans() -> None:
    doc = clean(ingest(f"首页\n{BODY}".encode(), "page.txt"), Options(skip_rules=frozenset({"generic.chunk_number"})))
    assert doc.text_view() == BODY


def test_a_teaser_is_twenty_characters_or_more_of_a_longer_opening() -> None:
    teaser = "the site's teaser of the body's opening"
    for end in ("…", "..."):
        twenty = run(f"首页\n{OPENING[:20]}{end}\n登录\n{OPENING}\n{BODY}")
        assert twenty.text_view() == f"{OPENING}\n{BODY}"
        assert notes(twenty)[1] == (OPENING[:20] + end, "generic.context", teaser)
        nineteen = run(f"首页\n{OPENING[:19]}{end}\n登录\n{OPENING}\n{BODY}")
        assert nineteen.text_view() == f"{OPENING[:19]}{end}\n{OPENING}\n{BODY}"
    same = run(f"首页\n{OPENING[:20]}…\n登录\n{OPENING[:20]}\n{BODY}")  # the opening is no longer than it
    assert same.text_view() == f"{OPENING[:20]}…\n{OPENING[:20]}\n{BODY}"


def test_a_title_line_twice_in_a_row_in_the_body_is_kept_once() -> None:
    doc = run(f"首页\n{P1}\n工作总结\n工作总结\n{P2}\n{P3}\n")
    assert doc.text_view() == f"{P1}\n工作总结\n{P2}\n{P3}\n"
    assert notes(doc)[1] == ("工作总结", "generic.context", "a second copy of the line before")
    apart = run(f"首页\n{P1}\n工作总结\n{P2}\n工作总结\n{P3}\n")
    assert apart.text_view() == f"{P1}\n工作总结\n{P2}\n工作总结\n{P3}\n"


def test_only_what_follows_the_first_chrome_of_the_tail_goes() -> None:
    doc = run(f"首页\n{BODY}感谢\n相关文档推荐\n")
    assert doc.text_view() == f"{BODY}感谢\n"


def blocks(doc: Document) -> list[tuple[str, str, tuple[int, int]]]:
    return [(b.layer, b.text, b.span) for b in doc.blocks]


def test_chrome_inside_a_line_is_cut_out_at_its_place() -> None:
    doc = run(f"首页\n{P1}\n  前半句内容第1页/共5页 后半句内容。\n{P2}\n")
    assert blocks(doc) == [("chrome", "首页", (0, 2)), ("body", P1, (3, 30)), ("body", "前半句内容", (33, 38)),
                           ("chrome", "第1页/共5页", (38, 45)), ("body", "后半句内容。", (46, 52)),
                           ("body", P2, (53, 80))]
    assert [(e.rule, e.start, e.end, e.before) for e in doc.edits if e.rule != "generic.buttons"] == [
        ("generic.page_marker", 38, 45, "第1页/共5页")]


def test_preview_chunk_numbers_are_cut_where_they_stand() -> None:
    doc = run(f"首页\n{P1}\n1、第一段内容讲的是\n2、工作的安排，以及\n3、后续的计划。\n{P2}\n")
    assert blocks(doc) == [("chrome", "首页", (0, 2)), ("body", P1, (3, 30)), ("chrome", "1、", (31, 33)),
                           ("body", "第一段内容讲的是工作的安排，以及后续的计划。", (33, 61)),
                           ("chrome", "2、", (42, 44)), ("chrome", "3、", (53, 55)), ("body", P2, (62, 89))]
    # numbered lines that each end a sentence are a list, not chunks
    listed = run(f"首页\n{P1}\n1、第一项工作完成。\n2、第二项工作完成。\n{P2}\n")
    assert listed.text_view() == f"{P1}\n1、第一项工作完成。\n2、第二项工作完成。\n{P2}\n"


def test_two_kinds_of_chrome_inside_the_page_are_a_site_too() -> None:
    doc = run(f"{P1}\n{P2}\n{P3}\n分享 推荐 热门\n相关文档推荐\n谢谢。\n")
    assert doc.text_view() == f"{P1}\n{P2}\n{P3}\n"
    assert [r for _, r, _ in notes(doc)] == ["generic.lexicon", "generic.related", "generic.context"]


def test_the_sites_page_title_above_a_title_it_repeats_goes() -> None:
    doc = run(f"某单位{TITLE}\n首页\n{TITLE}\n{TITLE}\n{TITLE}　{P1}\n{P2}\n{P3}\n")
    assert doc.text_view() == f"{TITLE}\n{P1}\n{P2}\n{P3}\n" and doc.meta.title == TITLE  # split off its text
    assert notes(doc)[0] == (f"某单位{TITLE}", "generic.context", "the site's page title; the document repeats its own")


def test_after_a_footer_inside_the_body_the_edge_rules_fire() -> None:
    doc = run(f"{P1}\n{FOOTER}\n{BODY}温馨提示：\n{BODY}")
    assert doc.text_view() == f"{P1}\n{BODY}{BODY}"
    assert notes(doc) == [(FOOTER, "generic.footer", ""), ("温馨提示：", "generic.notice", "")]


def test_a_title_taken_among_the_chrome_comes_back_nearest_the_body() -> None:
    doc = run(f"首页\n工作总结报告\n收藏\n{TITLE}\n登录\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}" and doc.meta.title == TITLE
    assert notes(doc)[1] == ("工作总结报告", "generic.context", "a line among the site's chrome before the body")
    alone = run(f"首页\n{TITLE}\n登录\n{BODY}")
    assert alone.text_view() == f"{TITLE}\n{BODY}" and alone.meta.title == TITLE


def test_a_title_the_body_opens_with_exactly_is_not_given_back_twice() -> None:
    doc = run(f"首页\n{TITLE}\n登录\n{TITLE}\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}"
    assert notes(doc)[1] == (TITLE, "generic.context", "a line among the site's chrome before the body")


def test_a_four_character_title_is_given_back_when_the_body_opens_with_more() -> None:
    doc = run(f"首页\n年度总结\n登录\n年度总结篇1\n{BODY}")
    assert doc.text_view() == f"年度总结\n年度总结篇1\n{BODY}" and doc.meta.title == "年度总结"


def test_an_edges_only_rule_takes_lines_of_at_most_200_characters() -> None:
    c200 = "甲" * 78 + "版权所有" + "乙" * 118
    assert len(c200) == 200
    doc = run(f"首页\n{BODY}{c200}\n")
    assert doc.text_view() == BODY and notes(doc)[-1] == (c200, "generic.copyright", "")
    assert run(f"首页\n{BODY}{c200}乙\n").text_view() == f"{BODY}{c200}乙\n"


W1 = "今年以来我镇组织力量对辖区内十二条河道开展了集中清理，共清除"
W2 = "淤泥三千余立方米，拆除违章建筑十五处，河道面貌明显改善，群众满"
W3 = "意度不断提升，下一步还将继续巩固清理成果，建立长效管护机制。"
W4 = "部分村组保洁人员不足，日常巡查不到位，个别河段仍有垃圾漂浮的现"
W5 = "象，需要在下一阶段重点解决。"


@pytest.mark.parametrize("marker", ["- 2 -", "第2页/共5页"])
def test_a_wrapped_paragraph_joins_across_a_page_marker_but_not_across_a_blank_line(marker: str) -> None:
    joined = run(f"首页\n{W1}\n{marker}\n{W2}\n{W3}\n{W4}\n{W5}\n")
    assert joined.text_view() == f"{W1}{W2}{W3}\n{W4}{W5}\n"
    apart = run(f"首页\n{W1}\n\n{marker}\n{W2}\n{W3}\n{W4}\n{W5}\n")
    assert apart.text_view() == f"{W1}\n{W2}{W3}\n{W4}{W5}\n"


def test_the_longest_run_may_end_the_page_or_hold_one_han_character() -> None:
    from pipeline.stages.clean.chrome import _longest_run
    assert _longest_run(["chrome", "short", "short"], [feat(han=3), feat(han=2), feat(han=3)]) == (1, 2)
    assert _longest_run(["short"], [feat(han=1)]) == (0, 0)


def test_a_title_far_above_the_body_is_given_back_when_nothing_else_names_the_document() -> None:
    far = run(f"首页\n{TITLE}\n登录\n注册\n收藏\n分享\n{BODY}")
    assert far.text_view() == f"{TITLE}\n{BODY}" and far.meta.title == TITLE
    three = run(f"首页\n安全生产工作总结\n登录\n工作计划方案\n注册\n{TITLE}\n登录\n注册\n收藏\n分享\n{BODY}")
    assert three.text_view() == f"{TITLE}\n{BODY}" and three.meta.title == TITLE  # the one nearest the body
    assert [t for t, r, _ in notes(three) if r == "generic.context"] == ["安全生产工作总结", "工作计划方案"]


CHUNKED = ["1、", "2、"]


@pytest.mark.parametrize("page, text, cut", [
    # a chunk number after a blank line starts a paragraph
    (f"首页\n{W1}\n\n1、{W2}\n2、{W3}\n", f"{W1}\n{W2}{W3}\n", CHUNKED),
    # a gloss inside the first chunk closes up
    (f"首页\n{P1}\n1、第一段内(nèi)容讲的是\n2、工作的安排和计划。\n{P2}\n", f"{P1}\n第一段内容讲的是工作的安排和计划。\n{P2}\n",
     CHUNKED),
    # 1、 after a wrapped line, then a list whose items end their sentences: a list, not chunks
    (f"首页\n{W1}\n1、第一项工作完成。\n2、第二项工作完成。\n{P2}\n", f"{W1}\n1、第一项工作完成。\n2、第二项工作完成。\n{P2}\n", []),
    # a number before a heading marker breaks a sentence
    (f"首页\n{P1}\n1、第一段内容。\n2、一、工作的安排。\n{P2}\n", f"{P1}\n第一段内容。\n一、工作的安排。\n{P2}\n", CHUNKED),
    # a number the rule cut itself breaks a sentence
    (f"首页\n{P1}\n1、第一段内容。\n2、，工作的安排。\n{P2}\n", f"{P1}\n第一段内容。，工作的安排。\n{P2}\n", CHUNKED),
    # a wrapped line goes on across the first chunk number
    (f"首页\n{W1}\n1、{W2}\n2、{W3}\n", f"{W1}{W2}{W3}\n", CHUNKED),
], ids=["after-blank-line", "gloss-in-first-chunk", "list-not-chunks", "before-heading-marker", "cut-number", "wrapped-line"])
def test_where_preview_chunk_numbers_break_or_join_the_text(page: str, text: str, cut: list[str]) -> None:
    doc = run(page)
    assert doc.text_view() == text
    assert [t for t, r, _ in notes(doc) if r == "generic.chunk_number"] == cut


def test_two_chunk_numbers_are_enough_to_be_chunks() -> None:
    doc = run(f"首页\n{P1}\n1、第一段内容讲的是\n2、工作的安排和计划。\n{P2}\n")
    assert doc.text_view() == f"{P1}\n第一段内容讲的是工作的安排和计划。\n{P2}\n"
    assert [t for t, r, _ in notes(doc) if r == "generic.chunk_number"] == CHUNKED
    spaced = run(f"首页\n{P1}\n1、 第一段内容讲的是\n2、 工作的安排和计划。\n{P2}\n")  # the text starts after the space
    assert blocks(spaced)[2:] == [("chrome", "1、", (31, 33)), ("body", "第一段内容讲的是工作的安排和计划。", (34, 55)),
                                  ("chrome", "2、", (43, 45)), ("body", P2, (56, 83))]


def test_a_page_marker_after_a_pinyin_gloss_is_cut_at_its_place_in_the_text() -> None:
    doc = run(f"首页\n{P1}\n前半句中(zhōng)文第1页/共5页后半句。\n{P2}\n")
    assert blocks(doc)[2:] == [("body", "前半句中文", (31, 43)), ("chrome", "(zhōng)", (35, 42)),
                               ("chrome", "第1页/共5页", (43, 50)), ("body", "后半句。", (50, 54)), ("body", P2, (55, 82))]


# --- where each run of a line stands: its line (head or tail) and the blank line above it -----------

CONTEXT_END = "a line after the site's chrome began at the end of the page"


@pytest.mark.parametrize("tail_chrome, rule", [("上传时间:2021-06-19", "generic.meta"),
                                               ("分享 推荐 热门", "generic.lexicon")])
def test_a_metadata_or_site_words_line_after_the_body_starts_the_tail(tail_chrome: str, rule: str) -> None:
    doc = run(f"首页\n{BODY}{tail_chrome}\n谢谢。\n")
    assert doc.text_view() == BODY
    assert [(t, r) for t, r, _ in notes(doc)] == [("首页", "generic.buttons"), (tail_chrome, rule),
                                                  ("谢谢。", "generic.context")]
    assert notes(doc)[-1][2] == CONTEXT_END


def test_chrome_cut_out_of_a_line_after_the_body_starts_the_tail() -> None:
    notice = "本文档只提供3页预览，完整内容请下载"  # cut by a find rule, not a whole-line one
    doc = run(f"首页\n{BODY}{notice}\n谢谢。\n")
    assert doc.text_view() == BODY
    assert [(t, r) for t, r, _ in notes(doc)] == [("首页", "generic.buttons"), (notice, "generic.truncated_inline"),
                                                  ("谢谢。", "generic.context")]


def test_a_line_dense_in_site_words_inside_the_body_leaves_the_head_as_it_was() -> None:
    dense = "会员用户可以下载本站文库里的积分资料，欢迎上传。"
    doc = run(f"首页\n尊敬的各位领导：\n{P1}\n{dense}\n{P2}\n{P3}\n")
    assert doc.text_view() == f"尊敬的各位领导：\n{BODY}"


def test_a_blank_line_keeps_a_wrapped_line_from_the_one_before() -> None:
    assert run(f"首页\n{W1}\n\n{W2}\n{W3}\n").text_view() == f"{W1}\n{W2}{W3}\n"
    # body before a page marker cut out of its line keeps the blank line above it
    assert run(f"首页\n{W1}\n\n{W2}第2页/共5页\n{W3}\n").text_view() == f"{W1}\n{W2}{W3}\n"


def test_a_page_marker_inside_a_line_holds_no_blank_line_of_its_own() -> None:
    # the marker after the text and the text after the marker both go on the paragraph
    assert run(f"首页\n{W1}\n{W2}第2页/共5页\n{W3}\n").text_view() == f"{W1}{W2}{W3}\n"
    assert run(f"首页\n{W1}\n第2页/共5页 {W2}\n{W3}\n").text_view() == f"{W1}{W2}{W3}\n"


# --- which head copy of a known title stays ----------------------------------------------------------

def test_the_filenames_title_among_the_chrome_is_kept_as_body_not_taken() -> None:
    doc = run(f"{TITLE}.docx\n首页\n{TITLE}\n登录\n{BODY}")
    assert [(t, r) for t, r, _ in notes(doc)] == [(f"{TITLE}.docx", "generic.meta"), ("首页", "generic.buttons"),
                                                  ("登录", "generic.buttons")]


def test_a_known_title_shown_again_right_after_the_last_head_chrome_keeps_only_that_copy() -> None:
    doc = run(f"{TITLE}.docx\n首页\n{TITLE}\n登录\n{TITLE}\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}"
    assert notes(doc) == [(f"{TITLE}.docx", "generic.meta", ""), ("首页", "generic.buttons", ""),
                          (TITLE, "generic.context", "a line among the site's chrome before the body"),
                          ("登录", "generic.buttons", "")]


def test_the_line_above_a_metadata_row_is_the_title_though_another_is_nearer_the_body() -> None:
    doc = run(f"首页\n登录\n{TITLE}\n文档编号:3146226\n收藏\n工作计划方案\n注册\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}" and doc.meta.title == TITLE
    assert notes(doc)[4] == ("工作计划方案", "generic.context", "a line among the site's chrome before the body")
    # a title the site cut short (..) above the row names nothing: the line nearest the body does
    cut = run(f"首页\n登录\n社区志愿服务工作..\n文档编号:3146226\n收藏\n工作计划方案\n注册\n{BODY}")
    assert cut.text_view() == f"工作计划方案\n{BODY}" and cut.meta.title == "工作计划方案"


# --- named groups in find rules lift metadata from the text, past a converter's gloss ---------------

FIND_PROFILE = PROFILE + """[[chrome]]
id = "id_stamp"
find = ['〔编号(?P<doc_id>\\d{5,9})〕']
[[chrome]]
id = "lead_id"
find = ['^(?P<doc_id>\\d{5,9})号文档 ']
[[chrome]]
id = "joined_size"
find = ['《大小(?P<size>\\d{1,4}KB)》']
joins = true
[[chrome]]
id = "stamp_word"
find = ['〔编号']
[[chrome]]
id = "may_be_empty"
find = ['〓*']
[[chrome]]
id = "long_notice"
match = ['声明：.{1,600}']
"""


@pytest.fixture
def findsite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from _installed(FIND_PROFILE, tmp_path, monkeypatch)


def test_a_find_rules_named_group_lifts_its_value_where_it_stands_in_the_text(findsite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{P1}\n前(qián)文〔编号3146226〕后文。\n{P2}\n{P3}\n")
    assert doc.meta.doc_id == "3146226"
    assert [t for t, r in chrome(doc) if r == "mysite.id_stamp"] == ["〔编号3146226〕"]
    assert doc.text_view() == f"{P1}\n前文\n后文。\n{P2}\n{P3}\n"  # a cut that does not join splits the line


def test_a_named_group_at_the_lines_first_character_is_lifted(findsite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{P1}\n5550001号文档 其后的正文内容。\n{P2}\n{P3}\n")
    assert doc.meta.doc_id == "5550001" and doc.text_view() == f"{P1}\n其后的正文内容。\n{P2}\n{P3}\n"


def test_a_joining_find_rules_named_group_lifts_from_the_text(findsite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{P1}\n前文《大小56KB》后文。\n{P2}\n{P3}\n")
    assert doc.meta.size == "56KB"
    assert f"{P1}\n前文后文。\n" in doc.text_view()
    glossed = run(f"我的文库\n立即阅读全文\n{P1}\n前(qián)文《大小56KB》后文。\n{P2}\n{P3}\n")  # it reads the text
    assert glossed.meta.size == "56KB" and glossed.text_view() == f"{P1}\n前文后文。\n{P2}\n{P3}\n"


def test_the_body_core_counts_a_follow_rules_lines_as_chrome_up_to_follow_max(mysite: None) -> None:
    # both ※ lines are the rule's: the body starts after them, so 本页说明 is at the edge and goes
    two = run(f"我的文库\n立即阅读全文\n下载须知如下\n※{P1}\n※{P2}\n本页说明\n{BODY}")
    assert two.text_view() == BODY and chrome(two)[-1] == ("本页说明", "mysite.edge_note")
    # a third ※ line is past follow_max: prose, where the body starts, so 本页说明 is inside it and stays
    three = run(f"我的文库\n立即阅读全文\n下载须知如下\n※{P1}\n※{P2}\n※{P3}\n本页说明\n{BODY}")
    assert three.text_view() == f"※{P3}\n本页说明\n{BODY}"


# --- preview chunks: which numbered lines break a sentence ---------------------------------------------

# --- a label on its line, its value on the next; the keyword line ---------------------------------------

def test_a_label_on_the_last_but_one_line_takes_its_value_from_the_last() -> None:
    doc = run(f"首页\n{BODY}文档编号\n3146226\n")
    assert doc.meta.doc_id == "3146226" and doc.text_view() == BODY
    assert notes(doc)[1] == ("文档编号", "generic.meta", "")


def test_a_label_right_under_a_metadata_line_is_still_a_label() -> None:
    doc = run(f"首页\n{BODY}上传时间:2021-06-19\n文档编号\n3146226\n")
    assert (doc.meta.date, doc.meta.doc_id) == ("2021-06-19", "3146226")
    assert [(t, r) for t, r, _ in notes(doc)][1:3] == [("上传时间:2021-06-19", "generic.meta"), ("文档编号", "generic.meta")]


def test_the_keyword_line_is_chrome_and_lifts_the_keywords() -> None:
    doc = run(f"{TITLE}.docx\n首页\n社区 志愿服务 工作总结\n{BODY}")
    assert doc.meta.keywords == ["社区", "志愿服务", "工作总结"]
    assert notes(doc)[-1] == ("社区 志愿服务 工作总结", "generic.keyword_line", "")


def test_of_hits_at_one_place_the_longest_is_cut_and_every_later_hit_still_is(findsite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{P1}\n前文〔编号3146226〕中间〔编号5550001〕后文。\n{P2}\n{P3}\n")
    assert chrome(doc)[2:] == [("〔编号3146226〕", "mysite.id_stamp"), ("〔编号5550001〕", "mysite.id_stamp")]
    assert doc.text_view() == f"{P1}\n前文\n中间\n后文。\n{P2}\n{P3}\n"


def test_a_find_rule_matching_nothing_cuts_nothing(findsite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{BODY}")
    assert chrome(doc) == [("我的文库", "mysite.buttons"), ("立即阅读全文", "mysite.buttons")]  # no empty cuts


def test_a_whole_line_rule_looks_at_lines_of_at_most_500_characters(findsite: None) -> None:
    c500 = "声明：" + "甲" * 497
    assert len(c500) == 500
    doc = run(f"我的文库\n立即阅读全文\n{BODY}{c500}\n")
    assert doc.text_view() == BODY and chrome(doc)[-1] == (c500, "mysite.long_notice")
    longer = run(f"我的文库\n立即阅读全文\n{BODY}{c500}甲\n")
    assert longer.text_view() == f"{BODY}{c500}甲\n"


def test_a_head_title_with_a_gloss_inside_is_read_as_one_line() -> None:
    glossed = "社区志(zhì)愿服务工作总结"
    known = run(f"{TITLE}.docx\n首页\n{glossed}\n登录\n{BODY}")
    assert known.text_view() == f"{TITLE}\n{BODY}"
    assert [(t, r) for t, r, _ in notes(known)] == [(f"{TITLE}.docx", "generic.meta"), ("首页", "generic.buttons"),
                                                    ("(zhì)", "generic.pinyin_gloss"), ("登录", "generic.buttons")]
    unknown = run(f"首页\n{glossed}\n登录\n注册\n收藏\n{BODY}")
    assert unknown.text_view() == f"{TITLE}\n{BODY}" and unknown.meta.title == TITLE
    assert [r for _, r, _ in notes(unknown)] == ["generic.buttons", "generic.pinyin_gloss"] + ["generic.buttons"] * 3


def test_a_rule_line_inside_the_body_that_ends_nothing_leaves_the_edges_where_they_were(mysite: None) -> None:
    doc = run(f"我的文库\n立即阅读全文\n{BODY}我的文库\n{BODY}本页说明\n{BODY}")
    assert doc.text_view() == f"{BODY}{BODY}本页说明\n{BODY}"
    assert chrome(doc) == [("我的文库", "mysite.buttons"), ("立即阅读全文", "mysite.buttons"), ("我的文库", "mysite.buttons")]


def test_the_filenames_title_keeps_its_line_however_much_chrome_follows_it() -> None:
    doc = run(f"{TITLE}.docx\n首页\n{TITLE}\n登录\n注册\n收藏\n分享\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}"
    assert [(t, r) for t, r, _ in notes(doc)] == [(f"{TITLE}.docx", "generic.meta")] + [
        (w, "generic.buttons") for w in ("首页", "登录", "注册", "收藏", "分享")]


def test_a_line_dense_in_site_words_inside_the_body_leaves_the_lines_above_the_body_alone() -> None:
    dense = "会员用户可以下载本站文库里的积分资料，欢迎上传。"
    doc = run(f"首页\n第0行说明文字\n{P1}\n{dense}\n{P2}\n{P3}\n")
    assert doc.text_view() == f"第0行说明文字\n{BODY}"


@pytest.mark.parametrize("teaser, opening", [
    (OPENING[:24] + " …", OPENING),  # a space before the ellipsis is no part of the teaser
    ((OPENING + P1)[:40] + "另…", OPENING + P1),  # only the first 40 characters must agree
])
def test_a_teaser_is_compared_without_its_trailing_space_and_on_forty_characters(teaser: str, opening: str) -> None:
    doc = run(f"首页\n{teaser}\n登录\n{TITLE}\n{opening}\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{opening}\n{BODY}"
    assert notes(doc)[1] == (teaser, "generic.context", "the site's teaser of the body's opening")


def test_a_near_line_before_the_footer_is_inside_the_body_where_edge_rules_do_not_cut() -> None:
    assert run(f"{LONG}\n（转）{NEAR}\n{FOOTER}\n{P1}\n").text_view() == f"{LONG}\n（转）{NEAR}\n"
    after = run(f"{LONG}\n{FOOTER}\n（转）{NEAR}\n{P1}\n")  # after the footer: the edge, where it is cut
    assert after.text_view() == f"{LONG}\n" and ("（转）", "generic.repost_mark", "") in notes(after)


def test_the_title_above_a_metadata_row_is_the_line_right_above_it() -> None:
    # the line above that one (温馨提示：) is no title: only the row's own neighbour counts
    doc = run(f"首页\n温馨提示：\n{TITLE}\n文档编号:3146226\n收藏\n工作计划方案\n注册\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{BODY}" and doc.meta.title == TITLE
    assert notes(doc)[4] == ("工作计划方案", "generic.context", "a line among the site's chrome before the body")


def test_a_metadata_line_alone_is_a_sign_of_a_site() -> None:
    doc = run(f"上传时间:2021-06-19\n{BODY}")
    assert doc.text_view() == BODY and doc.meta.date == "2021-06-19"
    assert notes(doc) == [("上传时间:2021-06-19", "generic.meta", "")]


def test_a_body_opening_with_a_title_before_a_space_gives_back_no_other_title() -> None:
    doc = run(f"首页\n安全生产工作总结\n登录\n注册\n收藏\n分享\n{TITLE}　{P1}\n{P2}\n{P3}\n")
    assert notes(doc)[1] == ("安全生产工作总结", "generic.context", "a line among the site's chrome before the body")
    assert doc.meta.title == TITLE


T1 = "今年以來，我們認真落實各項工作任務，取得了較好的成績。"
T2 = "全體幹部職工團結一心，攻堅克難，推動各項事業向前發展。"
T3 = "下一步，我們將繼續加強學習，不斷提高工作能力和水平。"


@pytest.mark.parametrize("row", ["上傳者:張曉東", "上傳者\n張曉東"])
def test_a_value_is_lifted_in_the_pages_own_script(row: str) -> None:
    doc = run(f"首頁\n{T1}\n{T2}\n{T3}\n{row}\n")
    assert doc.meta.uploader == "張曉東" and doc.text_view() == f"{T1}\n{T2}\n{T3}\n"


def test_a_claimed_title_line_given_back_stays_body_though_another_title_is_known() -> None:
    doc = run(f"安全生产工作总结.docx\n360docs\n{TITLE}\n合集下载\n登录\n{BODY}")  # the body does not repeat it
    assert doc.text_view() == f"{TITLE}\n{BODY}" and doc.meta.title == "安全生产工作总结"
    assert [(t, r) for t, r, _ in notes(doc)] == [("安全生产工作总结.docx", "360docs.meta"), ("360docs", "generic.context"),
                                                  ("合集下载", "360docs.page_title"), ("登录", "generic.buttons")]


def test_a_known_title_the_bodys_first_line_repeats_goes_from_the_head() -> None:
    buttons = "登录\n注册\n收藏\n分享\n"
    doc = run(f"{P1}.docx\n首页\n{P1}\n{buttons}{buttons}{BODY}")  # the body's first line is the filename's title
    assert doc.text_view() == BODY
    assert notes(doc)[2] == (P1, "generic.context", "a line among the site's chrome before the body")


def test_a_line_mostly_cut_by_a_find_rule_counts_as_chrome_for_the_body_core() -> None:
    notice = "全文共3000字，当前显示800字"  # no site words: only the find rule says it is chrome
    doc = run(f"首页\n{BODY}{notice}\n谢谢。\n")
    assert doc.text_view() == BODY
    assert [(t, r) for t, r, _ in notes(doc)] == [("首页", "generic.buttons"), (notice, "generic.truncated_inline"),
                                                  ("谢谢。", "generic.context")]


def test_a_title_given_back_leaves_a_title_already_known() -> None:
    doc = run(f"安全生产工作总结.docx\n首页\n{TITLE}\n登录\n{TITLE}篇1\n{BODY}")
    assert doc.text_view() == f"{TITLE}\n{TITLE}篇1\n{BODY}" and doc.meta.title == "安全生产工作总结"
