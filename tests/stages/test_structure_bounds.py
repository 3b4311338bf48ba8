"""Structure's heading and run-in decisions at their bounds: each threshold of
rules/structure/structure.toml on both sides (at the bound and one past it), each guard with an
input it must stop. Expected values are written out by hand."""
from __future__ import annotations

from pipeline.model import Block, Document, Meta
from pipeline.options import Options
from pipeline.stages.structure import headings, runin, structure
from pipeline.stages.structure import rules as structure_rules

R = structure_rules.load()
BODY = "这是一段用来说明情况的正文，内容完整。"  # running text: ends a sentence
H40 = "加强基层组织建设推动经济社会发展" * 2 + "全面提升治理水平"  # 40 Han characters
H41 = H40 + "好"


def test_the_fixtures_are_as_long_as_they_say() -> None:
    assert (len(H40), len(H41)) == (40, 41)


def heads(texts: list[str]) -> list[tuple[str, int]]:
    doc = Document(source="t", meta=Meta(),
                   blocks=[Block(id=f"b{i:04d}", text=t) for i, t in enumerate(texts)])
    return [(b.text, b.level) for b in structure(doc, Options()).body if b.kind == "heading"]


# --- the shape every heading shares ------------------------------------------------------------

def test_heading_words_length_bound_on_both_sides() -> None:
    assert headings.heading_words(H40, R, 40) is True
    assert headings.heading_words(H41, R, 40) is False
    assert headings.heading_words("  " + H40 + "  ", R, 40) is True  # surrounding space does not count
    assert headings.heading_words("", R, 40) is False
    assert headings.heading_words("   ", R, 40) is False


def test_heading_words_needs_two_han_characters() -> None:
    assert headings.heading_words("总则", R, 40) is True
    assert headings.heading_words("总A", R, 40) is False
    assert headings.heading_words("ABC", R, 40) is False


def test_heading_words_stops_a_line_that_goes_on_and_a_date() -> None:
    assert headings.heading_words("各位领导：", R, 40) is False
    assert headings.heading_words("一是加强学习，", R, 40) is False
    assert headings.heading_words("2023年4月14日", R, 40) is False
    assert headings.heading_words("附件1：", R, 40) is False
    assert headings.heading_words("——在全市会议上的讲话", R, 40) is False


def test_a_forty_character_numbered_heading_is_a_heading_and_forty_one_is_not() -> None:
    assert headings.is_numbered_heading("一、" + H40, "一、", R) is True
    assert headings.is_numbered_heading("一、" + H41, "一、", R) is False
    assert heads([BODY, "一、" + H40, BODY]) == [("一、" + H40, 1)]
    assert heads([BODY, "一、" + H41, BODY]) == []


def test_a_forty_character_shape_heading_is_a_heading_and_forty_one_is_not() -> None:
    assert headings.is_shape_candidate(H40, R) is True
    assert headings.is_shape_candidate(H41, R) is False
    assert heads([BODY, H40, BODY, "另一个部分的标题", BODY]) == [(H40, 1), ("另一个部分的标题", 1)]
    assert heads([BODY, H41, BODY, "另一个部分的标题", BODY]) == [("另一个部分的标题", 1)]


def test_a_numbered_line_with_a_whole_sentence_before_more_words_is_no_heading() -> None:
    assert headings.is_numbered_heading("一、加强领导。明确责任", "一、", R) is False
    assert heads([BODY, "一、加强领导。明确责任", BODY]) == []
    # one sentence, at its end, is still a heading (（一）把握好总体原则。)
    assert headings.is_numbered_heading("一、加强领导。", "一、", R) is True
    assert headings.is_numbered_heading("一、加强领导。”", "一、", R) is True
    assert heads([BODY, "一、加强领导。", BODY]) == [("一、加强领导。", 1)]


def test_a_numbered_line_with_a_clause_mark_is_no_heading() -> None:
    assert headings.is_numbered_heading("一、加强领导，明确责任", "一、", R) is False
    assert headings.is_numbered_heading("一、加强领导；明确责任", "一、", R) is False
    assert headings.is_numbered_heading("一、加强领导：", "一、", R) is False


def test_a_shape_candidate_has_no_sentence_mark_anywhere() -> None:
    assert headings.is_shape_candidate("加强领导明确责任", R) is True
    assert headings.is_shape_candidate("加强领导。明确责任", R) is False
    assert headings.is_shape_candidate("加强领导明确责任。", R) is False


# --- what the number and the sentence end are ------------------------------------------------

def test_numbering_needs_words_after_the_marker() -> None:
    fam, marker = headings.numbering("（二）完善制度", R)
    assert (fam.id, marker) == ("heading.numbered.cn-paren", "（二）")
    fam, marker = headings.numbering("一、 加强领导", R)
    assert (fam.id, marker) == ("heading.numbered.cn-comma", "一、 ")
    assert headings.numbering("一、", R) is None
    assert headings.numbering("加强领导", R) is None


def test_ends_sentence_looks_past_closing_quotes_and_only_at_the_end() -> None:
    assert headings.ends_sentence("他说：“好。”", R) is True
    assert headings.ends_sentence("要求如下；", R) is True
    assert headings.ends_sentence("好。不", R) is False
    assert headings.ends_sentence("”", R) is False
    assert headings.ends_sentence("", R) is False
    assert headings.core("  好。”） ", R) == "好。"


def test_opens_section_needs_running_text_or_a_numbered_line_after() -> None:
    assert headings.opens_section(None, R) is False
    assert headings.opens_section(BODY, R) is True
    assert headings.opens_section("（一）工作目标", R) is True
    assert headings.opens_section("2023年4月14日", R) is False
    assert headings.opens_section("某某单位", R) is False


def test_levels_count_from_one_or_two_and_stop_at_four() -> None:
    fams = {f.id: f for f in R.families}
    chosen = [fams[i] for i in ("heading.numbered.cn-comma", "heading.numbered.cn-paren",
                                "heading.numbered.arabic-dot", "heading.numbered.outline-2")]
    assert headings.levels(chosen, below_shape=False) == {
        "heading.numbered.cn-comma": 1, "heading.numbered.cn-paren": 2,
        "heading.numbered.arabic-dot": 3, "heading.numbered.outline-2": 4}
    assert headings.levels(chosen, below_shape=True) == {
        "heading.numbered.cn-comma": 2, "heading.numbered.cn-paren": 3,
        "heading.numbered.arabic-dot": 4, "heading.numbered.outline-2": 4}
    chapter = fams["heading.numbered.chapter"]
    assert headings.levels([chapter], below_shape=False) == {"heading.numbered.chapter": 1}


# --- run-in heads -------------------------------------------------------------------------------

REST = "这里是这一段后面的正文内容"  # 13 characters of paragraph after the head


def test_a_lead_is_four_to_thirty_characters() -> None:
    assert runin.candidate("加强领导。" + REST, R) == "加强领导。"
    assert runin.candidate("加强领。" + REST, R) is None
    words30 = "建立健全长效推进机制" * 3
    assert runin.candidate(words30 + "。" + REST, R) == words30 + "。"
    assert runin.candidate(words30 + "好。" + REST, R) is None


def test_a_lead_needs_ten_characters_of_paragraph_after_it() -> None:
    assert runin.candidate("加强领导。" + "一二三四五六七八九十", R) == "加强领导。"
    assert runin.candidate("加强领导。" + "一二三四五六七八九", R) is None
    assert runin.candidate("加强领导" + REST, R) is None  # no sentence end at all


def test_a_lead_with_a_clause_mark_a_figure_or_a_statement_is_no_candidate() -> None:
    assert runin.candidate("加强领导，明确责任。" + REST, R) is None
    assert runin.candidate("落实3项措施。" + REST, R) is None
    assert runin.candidate("山东是农业大省。" + REST, R) is None
    assert runin.candidate("坚持实事求是。" + REST, R) == "坚持实事求是。"


def test_a_lead_is_read_from_the_given_start() -> None:
    assert runin.candidate("一、联建组织。" + REST, R, start=2) == "一、联建组织。"  # number included
    assert runin.candidate("一、联建。" + REST, R, start=2) is None  # 2 words after the number
    assert runin.candidate("一、联建。" + REST, R, start=0) == "一、联建。"
    assert runin.candidate("甲。乙丙丁戊。" + REST, R, start=2) == "甲。乙丙丁戊。"  # the sentence end before start is not its end


def test_same_form_length_difference_and_shared_affix_on_both_sides() -> None:
    assert runin.same_form("加强领导。", "明确各方责任。", R) is False  # 4 vs 6, nothing shared
    assert runin.same_form("加强领导。", "明确责任好。", R) is True  # 4 vs 5
    assert runin.same_form("工作甲。", "工作乙丙丁戊。", R) is True  # shared opening of 2
    assert runin.same_form("工甲。", "工乙丙丁戊。", R) is False  # shared opening of 1
    assert runin.same_form("甲机制。", "乙丙丁戊机制。", R) is True  # shared ending of 2


def test_parallel_leads_need_a_run_of_two_of_comparable_length() -> None:
    four, ten, eleven = "加强领导。", "一二三四五六七八九十。", "一二三四五六七八九十一。"
    assert runin.parallel_leads([None, four], R) == [False, False]
    assert runin.parallel_leads([None, four, "明确责任。"], R) == [False, True, True]
    assert runin.parallel_leads([None, four, ten], R) == [False, True, True]  # 10 = 2.5 × 4
    assert runin.parallel_leads([None, four, eleven], R) == [False, False, False]
    assert runin.parallel_leads([None, four, None, "明确责任。"], R) == [False] * 4


def test_the_first_lead_is_an_introduction_unless_it_has_the_next_ones_form() -> None:
    intro, a, b = "山东农业大省情况。", "加强领导。", "明确责任。"
    assert runin.parallel_leads([intro, a, b], R) == [False, True, True]
    assert runin.parallel_leads(["落实措施。", a, b], R) == [True, True, True]
    assert runin.parallel_leads([intro, a], R) == [False, False]
    assert runin.parallel_leads([a], R) == [False]
    assert runin.parallel_leads([], R) == []
