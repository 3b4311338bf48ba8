"""Structure stage: title, farm summary, headings (numbered and by shape), run-in heads, and the
cases where each rule must not fire. Inputs are built here, without the other stages."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.stages.structure import headings
from pipeline import rules
from pipeline.stages.structure import runin
from pipeline.stages.structure import rules as structure_rules
from pipeline.model import Block, Document, Meta, PipelineError
from pipeline.options import Options
from pipeline.stages.structure import structure

REPO = Path(__file__).parents[2]
SAMPLE = REPO / "samples" / "huiwen-728690.txt"
SITE_TITLE = "2023年城乡党建推动科学发展调研报告"
# The nine run-in heads issue 5 names, as the site serves them (before restore).
SAMPLE_LEADS = [
    "基层党建工作创新开展的重大机遇。", "基层党建工作模式的重大变革。", "基层党建工作方式的重大挑战。",
    "实施组织联建。", "推动开展联扶。", "坚持责任联担。",
    "把握好总体原那么。", "注重主动跟进、快速跟进、有效跟进。", "建立健全长效推进机制。",
]
# A simple stand-in for the restore stage: full-width punctuation and the swapped words back.
RESTORED = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "〞": "”"}
WORDS_BACK = {"开展": "发展", "原那么": "原则", "效劳": "服务"}

R = structure_rules.load()


def restored(text: str) -> str:
    text = text.translate(str.maketrans(RESTORED))
    for before, after in WORDS_BACK.items():
        text = text.replace(before, after)
    return text


def sample_segments() -> list[str]:
    """The sample's body as the site gives it: one long line, paragraphs joined by spaces."""
    line = max(SAMPLE.read_text(encoding="utf-8").splitlines(), key=len).strip()
    return line.split(" ")


def doc_of(texts: list[str], title: str = "") -> Document:
    return Document(source="test", meta=Meta(title=title),
                    blocks=[Block(id=f"b{i:04d}", text=t) for i, t in enumerate(texts)])


def kinds(doc: Document) -> list[str]:
    return [b.kind + (str(b.level) if b.kind == "heading" else "") + ("*" if b.lead else "") for b in doc.body]


# --- the sample -----------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["as-served", "restored"])
@pytest.mark.parametrize("site_title", [SITE_TITLE, ""])
def test_sample_structure(variant: str, site_title: str) -> None:
    segs = sample_segments()
    if variant == "restored":
        segs = [restored(s) for s in segs]
    assert len(segs) == 18
    doc = doc_of(segs, site_title)
    out = structure(doc, Options())

    assert kinds(out) == (["title", "summary", "paragraph", "heading1", "paragraph"] + ["paragraph*"] * 3
                          + ["heading1", "paragraph"] + ["paragraph*"] * 3
                          + ["heading1", "paragraph"] + ["paragraph*"] * 3)
    assert out.body[0].text == segs[0]
    assert out.body[1].text.startswith("编者按")
    # The summary names the three sections in order, and they are the headings found.
    heads = [b.text for b in out.body if b.kind == "heading"]
    assert out.info["structure"]["summary"] == {"block": "b0001", "topics": 3, "topics_found": 3}
    assert all(h in out.body[1].text for h in heads)
    assert sum(b.kind == "paragraph" for b in out.body) == 13
    leads = [b.lead for b in out.body if b.lead]
    expected = [restored(x) for x in SAMPLE_LEADS] if variant == "restored" else SAMPLE_LEADS
    assert leads == expected
    assert all(b.text.startswith(b.lead) for b in out.body)
    # 山东是一个农业大省。 opens its section: an introduction, not a head.
    assert next(b for b in out.body if b.text.startswith("山东")).lead == ""
    # No word changed, nothing lost or duplicated.
    assert [b.text for b in out.body] == segs
    assert out.body_text() == "".join(segs).replace(" ", "")
    assert out.edits == []
    assert not [f for f in out.flags if f.level == "warning"]
    assert out.stages == ["structure"]
    info = out.info["structure"]
    assert info["evidence"] == "shape"
    assert info["headings"] == {"by_numbering": 0, "by_shape": 3, "confirmed_by_summary": 3, "levels": {"1": 3}}
    assert info["run_in_heads"] == {"by_parallel_form": 9, "by_numbering": 0}
    assert info["title"]["rule"] == ("title.site-title" if site_title else "title.first-block")


def test_sample_title_agrees_with_site_title_despite_year_and_swaps() -> None:
    out = structure(doc_of(sample_segments(), SITE_TITLE), Options())
    assert out.info["structure"]["title"]["site_title_similarity"] >= 0.9
    assert not [f for f in out.flags if "title" in f.rule]


def test_stage_is_pure_and_idempotent() -> None:
    doc = doc_of(sample_segments(), SITE_TITLE)
    before = doc.to_json()
    once = structure(doc, Options())
    assert doc.to_json() == before
    twice = structure(once, Options())
    assert [(b.kind, b.level, b.lead, b.rule) for b in twice.blocks] == \
           [(b.kind, b.level, b.lead, b.rule) for b in once.blocks]
    assert Document.from_json(once.to_json()).to_json() == once.to_json()


def test_every_block_names_its_rule() -> None:
    out = structure(doc_of(sample_segments()), Options())
    ids = {b.rule for b in out.body}
    assert ids == {"title.first-block", "summary.farm-note", "paragraph.body", "heading.shape", "lead.parallel"}


def test_chrome_blocks_are_left_alone() -> None:
    doc = doc_of(sample_segments())
    doc.blocks.insert(0, Block(id="c0000", text="下载文档", layer="chrome", rule="huiwen.buttons"))
    out = structure(doc, Options())
    assert (out.blocks[0].kind, out.blocks[0].rule) == ("text", "huiwen.buttons")
    assert out.body[0].kind == "title"


# --- skipping rules ---------------------------------------------------------------------------

def test_skipping_the_lead_family_removes_every_run_in_head() -> None:
    out = structure(doc_of(sample_segments()), Options(skip_rules=frozenset({"lead."})))
    assert not any(b.lead for b in out.body)
    assert sum(b.kind == "heading" for b in out.body) == 3


def test_skipping_shape_headings_leaves_a_guess_and_warns() -> None:
    out = structure(doc_of(sample_segments()), Options(skip_rules=frozenset({"heading.shape"})))
    assert not any(b.kind == "heading" for b in out.body)
    assert [f.rule for f in out.flags if f.level == "warning"] == ["structure.guess"]
    assert out.info["structure"]["evidence"] == "none"
    # The summary still names three sections; each is reported as not found.
    assert sum(f.rule == "summary.farm-note" for f in out.flags) == 3


# --- numbered headings ------------------------------------------------------------------------

PLAN = [
    "关于推进乡村振兴的实施方案",
    "为深入贯彻落实中央决策部署，加快推进乡村振兴，结合本地实际，制定本方案。",
    "一、总体要求",
    "（一）指导思想",
    "以新时代中国特色社会主义思想为指导，坚持农业农村优先发展，推动乡村全面振兴。",
    "（二）主要目标",
    "1.产业发展目标",
    "到2025年，全市农业总产值达到500亿元，农产品加工转化率达到70%以上。",
    "（1）粮食生产",
    "稳定粮食播种面积，确保粮食总产量稳定在100万吨以上。",
    "（2）特色产业",
    "培育特色产业集群，打造一批区域公用品牌。",
    "2.生态建设目标",
    "农村人居环境明显改善，生活垃圾得到有效处理。",
    "二、重点任务",
    "（一）加强组织领导。各级党委要把乡村振兴摆在重要位置，主要负责同志亲自抓。",
    "（二）强化要素保障。加大财政投入力度，引导社会资本投向农业农村。",
]


@pytest.mark.parametrize("punct", ["full-width", "ascii"])
def test_numbered_headings_take_levels_from_their_family(punct: str) -> None:
    texts = PLAN if punct == "full-width" else [t.replace("（", "(").replace("）", ")").replace("，", ",") for t in PLAN]
    out = structure(doc_of(texts), Options())
    assert kinds(out) == ["title", "paragraph", "heading1", "heading2", "paragraph", "heading2", "heading3",
                          "paragraph", "heading4", "paragraph", "heading4", "paragraph", "heading3", "paragraph",
                          "heading1", "paragraph*", "paragraph*"]
    heads = {b.text: b.rule for b in out.body if b.kind == "heading"}
    assert heads[texts[2]] == "heading.numbered.cn-comma"
    assert heads[texts[8]] == "heading.numbered.arabic-paren"
    assert [b.lead for b in out.body if b.lead] == [texts[15][:texts[15].index("。") + 1],
                                                     texts[16][:texts[16].index("。") + 1]]
    info = out.info["structure"]
    assert info["evidence"] == "numbering"
    assert info["headings"]["levels"] == {"1": 2, "2": 2, "3": 2, "4": 2}
    assert info["run_in_heads"] == {"by_parallel_form": 0, "by_numbering": 2}


def test_chapters_and_sections_rank_above_articles() -> None:
    texts = [
        "某某市档案管理办法",
        "第一章 总则",
        "第一条 为了规范档案管理工作，提高档案利用水平，制定本办法。",
        "第二条 本办法适用于本市各级机关、团体和企事业单位。",
        "第二章 管理职责",
        "第一节 机构设置",
        "第三条 市档案馆负责全市档案的收集、整理和保管工作。",
    ]
    out = structure(doc_of(texts), Options())
    assert kinds(out) == ["title", "heading1", "paragraph", "paragraph", "heading1", "heading2", "paragraph"]
    assert [b.rule for b in out.body if b.kind == "heading"] == [
        "heading.numbered.chapter", "heading.numbered.chapter", "heading.numbered.section"]


def test_unnumbered_sections_above_numbered_subheadings() -> None:
    texts = [
        "年度工作总结",
        "今年以来，我们围绕中心工作，扎实推进各项任务，取得了明显成效。",
        "主要工作成效",
        "（一）产业发展",
        "全年新增产业项目十二个，带动就业两千余人。",
        "存在的主要问题",
        "一些干部思想不够解放，工作作风不够扎实。",
    ]
    out = structure(doc_of(texts), Options())
    assert kinds(out) == ["title", "paragraph", "heading1", "heading2", "paragraph", "heading1", "paragraph"]
    assert out.info["structure"]["evidence"] == "numbering+shape"


# --- a page with real line breaks ---------------------------------------------------------------

NOTICE = """关于做好2023年度安全生产工作的通知
各单位：
为切实做好今年安全生产工作，有效防范各类事故发生，现将有关事项通知如下。
一、提高思想认识
各单位要充分认识安全生产工作的重要性，切实增强责任感和紧迫感。
二、落实工作责任
各单位主要负责人是安全生产第一责任人，要亲自部署、亲自检查。
三、加强督促检查
市安委会办公室将适时组织检查，对工作不力的单位予以通报。
XX市安全生产委员会办公室
2023年4月14日"""


def test_newline_separated_page() -> None:
    texts = NOTICE.split("\n")
    out = structure(doc_of(texts), Options())
    assert kinds(out) == ["title", "paragraph", "paragraph", "heading1", "paragraph", "heading1", "paragraph",
                          "heading1", "paragraph", "paragraph", "paragraph"]
    # salutation, signature and date stay paragraphs; no short unnumbered line became a heading
    assert out.body[1].text == "各单位：" and out.body[-2].kind == out.body[-1].kind == "paragraph"
    assert [b.text for b in out.body] == texts


SPEECH = """在全市经济工作会议上的讲话
——市长 张三
同志们：
这次会议的主要任务是总结去年工作，部署今年任务。
一年来的工作回顾
过去一年，全市经济运行稳中有进，主要指标好于预期。
今年的主要任务
今年要抓好三方面工作，确保完成全年目标。
市人民政府
二〇二三年四月十四日"""


def test_unnumbered_page_finds_headings_by_shape_not_bylines_or_signatures() -> None:
    out = structure(doc_of(SPEECH.split("\n")), Options())
    assert kinds(out) == ["title", "paragraph", "paragraph", "paragraph", "heading1", "paragraph", "heading1",
                          "paragraph", "paragraph", "paragraph"]


# --- no headings --------------------------------------------------------------------------------

def test_long_document_without_headings_is_flagged_as_a_guess() -> None:
    para = "统筹城乡基层党建工作是一项系统工程，涉及方方面面，需要在实践中不断创新完善。" * 4
    out = structure(doc_of(["城乡党建调研报告"] + [para] * 10), Options())
    assert kinds(out) == ["title"] + ["paragraph"] * 10
    warnings = [f for f in out.flags if f.level == "warning"]
    assert [f.rule for f in warnings] == ["structure.guess"]
    assert out.info["structure"]["evidence"] == "none"


def test_short_document_without_headings_is_not_a_guess() -> None:
    out = structure(doc_of(["通知", "请各单位于本周五前报送材料，逾期不候。"]), Options())
    assert not [f for f in out.flags if f.level == "warning"]


def test_no_title_when_the_page_starts_with_running_text() -> None:
    out = structure(doc_of(["请各单位于本周五前报送材料，逾期不候。", "联系人：张三。"]), Options())
    assert out.body[0].kind == "paragraph"
    assert out.info["structure"]["title"] is None
    assert [f.level for f in out.flags if f.rule.startswith("title.")] == ["info"]


def test_title_differing_from_the_site_title_is_reported() -> None:
    out = structure(doc_of(["关于加强档案管理的通知", "请各单位认真落实档案管理规定。"], "2023年安全生产工作总结"),
                    Options())
    assert out.body[0].kind == "title"
    assert any(f.rule == "title.first-block" and "differs" in f.message for f in out.flags)


# --- must NOT fire ------------------------------------------------------------------------------

INTRO = "积极探索城乡党建资源统筹整合的途径和方式"
REST = "统筹城乡基层党建工作，把党的组织优势转化为发展优势，需要有效的载体和途径。"


@pytest.mark.parametrize("intro", ["山东是一个农业大省。", "全省农村面积广大。"])
def test_short_first_paragraph_under_a_heading_is_an_introduction(intro: str) -> None:
    texts = ["调研报告", "这是前言部分的内容，介绍了调研的背景和方法。", INTRO,
             intro + REST, "实施组织联建。" + REST, "推动发展联扶。" + REST]
    out = structure(doc_of(texts), Options())
    assert [b.lead for b in out.body[3:]] == ["", "实施组织联建。", "推动发展联扶。"]


def test_first_paragraph_joins_the_run_when_it_has_the_same_form() -> None:
    texts = ["调研报告", "这是前言部分的内容，介绍了调研的背景和方法。", INTRO,
             "加强组织领导。" + REST, "强化宣传引导。" + REST, "严格考核问责。" + REST]
    out = structure(doc_of(texts), Options())
    assert [b.lead for b in out.body[3:]] == ["加强组织领导。", "强化宣传引导。", "严格考核问责。"]


def test_lone_short_first_sentence_is_not_a_head() -> None:
    texts = ["调研报告", "前言部分介绍了调研的背景和方法，以及主要结论。", INTRO,
             "这是一段很长的开头，说明了情况，分析了原因，提出了建议。" + REST,
             "实施组织联建。" + REST,
             "这是一段很长的结尾，总结了经验，指出了不足，明确了方向。" + REST]
    out = structure(doc_of(texts), Options())
    assert not any(b.lead for b in out.body)


def test_one_line_sentence_ending_with_full_stop_is_not_a_heading() -> None:
    texts = ["工作简报", "本周各项工作进展顺利，重点任务按计划推进。", "会议要求各单位认真落实。",
             "下周将继续做好各项工作，确保任务按期完成。"]
    out = structure(doc_of(texts), Options())
    assert kinds(out) == ["title", "paragraph", "paragraph", "paragraph"]


def test_enumeration_inside_a_paragraph_stays_running_text() -> None:
    para = "在实际工作中，主要采取四种类型。一是产业延伸型。紧跟产业链条。二是农村社区聚集型。依托中心村组建。"
    texts = ["调研报告", "前言部分介绍了调研的背景和方法，以及主要结论。", INTRO, para,
             "一是加强领导。" + REST, "二是强化保障。" + REST]
    out = structure(doc_of(texts), Options())
    assert [b.text for b in out.body] == texts
    assert not any(b.lead for b in out.body)
    assert kinds(out)[3:] == ["paragraph"] * 3


def test_statements_in_parallel_are_not_heads() -> None:
    texts = ["调研报告", "前言部分介绍了调研的背景和方法，以及主要结论。", INTRO,
             "前面是一段很长的开头，说明了情况，分析了原因，提出了建议。" + REST,
             "这是一个好机会。" + REST, "这是一个新挑战。" + REST]
    out = structure(doc_of(texts), Options())
    assert not any(b.lead for b in out.body)


def test_numbered_list_of_sentences_is_not_headings() -> None:
    texts = ["会议通知", "定于下周召开全市工作会议，现将有关事项通知如下。", "1.会议时间。", "2.会议地点。"]
    out = structure(doc_of(texts), Options())
    assert kinds(out) == ["title", "paragraph", "paragraph", "paragraph"]


def test_summary_only_right_after_the_title() -> None:
    note = "编者按:本文主要从工作背景;主要做法;进行讲述。其中,主要包括:做法,具体材料请详见:"
    texts = ["调研报告", "前言部分介绍了调研的背景和方法。", "正文继续，说明具体情况。", "后文继续，说明其他情况。", note]
    out = structure(doc_of(texts), Options())
    assert not any(b.kind == "summary" for b in out.body)
    assert out.info["structure"]["summary"] is None


def test_summary_topics_are_a_hint_never_the_only_evidence() -> None:
    # The summary names 主要做法, and a block says so — but it is a sentence, so no heading.
    note = "编者按:本文主要从主要做法;存在问题;进行讲述。其中,主要包括:做法,具体材料请详见:"
    texts = ["调研报告", note, "主要做法。我们采取了一系列措施，取得了明显成效。", "存在问题。还有一些不足需要改进，需要继续努力。"]
    out = structure(doc_of(texts), Options())
    assert not any(b.kind == "heading" for b in out.body)
    assert sum(f.rule == "summary.farm-note" for f in out.flags) == 2


def test_byline_under_the_title_needs_the_summary_to_be_a_heading() -> None:
    texts = ["关于城乡党建的调研报告", "XX县委组织部课题组", "近年来，我县坚持统筹城乡发展，取得了明显成效。"]
    out = structure(doc_of(texts), Options())
    assert kinds(out) == ["title", "paragraph", "paragraph"]


@pytest.mark.parametrize("text, fires", [
    ("充分认识基层党建工作创新开展面临的机遇和挑战", True),
    ("坚持问题导向，推动工作落实", True),
    ("会议要求各单位认真落实。", False),       # a sentence
    ("各单位：", False),                       # a salutation
    ("2023年4月14日", False),                  # a date line
    ("二〇二三年四月十四日", False),
    ("（2023年4月14日）", False),
    ("——在全市工作会议上的讲话", False),       # a subtitle
    ("附件1:", False),
    ("2023", False),                           # no words
    ("这是一个非常非常非常非常长的句子但是它没有任何标点符号所以它看起来像标题可实际上它太长了不可能是标题", False),
])
def test_shape_candidate(text: str, fires: bool) -> None:
    assert headings.is_shape_candidate(text, R) is fires


@pytest.mark.parametrize("text, family", [
    ("一、总体要求", "heading.numbered.cn-comma"),
    ("（一）指导思想", "heading.numbered.cn-paren"),
    ("(一)指导思想", "heading.numbered.cn-paren"),
    ("1.产业发展目标", "heading.numbered.arabic-dot"),
    ("1、产业发展目标", "heading.numbered.arabic-dot"),
    ("（1）粮食生产", "heading.numbered.arabic-paren"),
    ("第一章 总则", "heading.numbered.chapter"),
    ("第三节 机构设置", "heading.numbered.section"),
    ("1.4万名党员参加了培训。", None),       # a decimal, not a number
    ("一是产业延伸型。", None),               # an enumeration
    ("2023年以来，全省选聘干部。", None),
    ("一、", None),                          # a number with nothing after it
])
def test_numbering_families(text: str, family: str | None) -> None:
    n = headings.numbering(text, R)
    assert (n[0].id if n else None) == family


@pytest.mark.parametrize("text, lead", [
    ("实施组织联建。统筹城乡基层党建工作，需要有效的载体和途径。", "实施组织联建。"),
    ("注重主动跟进、快速跟进、有效跟进。基层党建工作应强化服务意识。", "注重主动跟进、快速跟进、有效跟进。"),
    ("山东是一个农业大省。近年来高度重视统筹城乡发展问题。", None),      # a statement
    ("一是产业延伸型。紧跟农村经济合作组织的发展步伐。", None),          # an enumeration
    ("近年来成效明显。全省各级党组织积极探索新路子。", None),            # a time opener
    ("全省已建立1.4万个。吸纳农村党员二十二万名。", None),               # figures
    ("建立以工促农、以城带乡长效机制,形成一体化新格局。代表了方向。", None),  # a clause chain
    ("实施组织联建。很短。", None),                                        # nothing follows
    ("实施。统筹城乡基层党建工作，需要有效的载体和途径。", None),          # too short
    ("坚持实事求是。一切从实际出发，因地制宜推进各项工作。", "坚持实事求是。"),  # 是 closes an idiom
    ("这项工作是关键。一切从实际出发，因地制宜推进各项工作。", None),      # copula in the middle
    ("基层组织是基础。一切从实际出发，因地制宜推进各项工作。", None),
])
def test_lead_candidate(text: str, lead: str | None) -> None:
    assert runin.candidate(text, R) == lead


def test_idiom_ending_in_shi_heads_a_parallel_run() -> None:
    rest = "要把各项工作落到实处，确保取得实效，让群众真正得到实惠。"
    texts = ["工作报告", "总体要求", "山东是一个农业大省。" + rest,
             "坚持实事求是。" + rest, "坚持群众路线。" + rest, "坚持开拓创新。" + rest]
    out = structure(doc_of(texts), Options())
    assert [b.lead for b in out.body[2:]] == ["", "坚持实事求是。", "坚持群众路线。", "坚持开拓创新。"]


def test_han_includes_extension_a() -> None:
    # 㐀 (U+3400) and 䶵 (U+4DB5) are Extension A: words, like any Han character.
    assert R.cjk.fullmatch("㐀") and R.cjk.fullmatch("䶵") and R.cjk.fullmatch("中")
    assert headings.heading_words("䶮䶮", R, 40)  # two Extension A characters meet min_cjk
    assert not R.cjk.search("2023-04 ABC")


def test_parallel_leads_need_a_run_of_comparable_length() -> None:
    a, b, c = "实施组织联建。", "推动发展联扶。", "坚持责任联担。"
    assert runin.parallel_leads([None, a, b, c], R) == [False, True, True, True]
    assert runin.parallel_leads([None, a, None, b], R) == [False] * 4
    assert runin.parallel_leads([a, b], R) == [True, True]  # same form: the intro joins
    assert runin.parallel_leads(["全省农村面积广大。", a, b], R) == [False, True, True]
    long = "注重主动跟进、快速跟进、有效跟进、全面跟进、持续跟进。"
    assert runin.parallel_leads([None, "实施联建。", long], R) == [False, False, False]


# --- the rule file ------------------------------------------------------------------------------

def test_merge_adds_and_replaces_numbering_families_by_id() -> None:
    base = {"numbering": [{"id": "a", "pattern": "x", "rank": 1}], "lead": {"min_chars": 4, "max_chars": 30}}
    user = {"numbering": [{"id": "a", "pattern": "y", "rank": 1}, {"id": "b", "pattern": "z", "rank": 2}],
            "lead": {"max_chars": 20}}
    merged = structure_rules.merge([base, user])
    assert merged["numbering"] == user["numbering"]
    assert merged["lead"] == {"min_chars": 4, "max_chars": 20}


def test_bad_pattern_is_a_one_line_error() -> None:
    data = structure_rules.merge([rules.load("structure")[0][1], {"lead": {"no_inside": "[。"}}])
    with pytest.raises(PipelineError, match="lead.no_inside"):
        structure_rules.compile_rules(data)


def test_user_rule_file_adds_a_numbering_family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "structure").mkdir()
    (tmp_path / "structure" / "circled.toml").write_text(
        "[[numbering]]\nid = \"heading.numbered.circled\"\npattern = '^[①②③④⑤⑥⑦⑧⑨⑩]'\nrank = 6\n",
        encoding="utf-8")
    # Under 一、 an unnumbered line is no heading; the user's family makes ① one, one level down.
    texts = ["工作方案", "为做好相关工作，制定本方案。", "一、保障措施", "①组织保障", "各单位要加强领导，明确责任。"]
    monkeypatch.setenv("SCRAPE2DOC_RULES", str(tmp_path))
    rules.load.cache_clear()
    structure_rules.load.cache_clear()
    try:
        out = structure(doc_of(texts), Options())
    finally:
        monkeypatch.delenv("SCRAPE2DOC_RULES")
        rules.load.cache_clear()
        structure_rules.load.cache_clear()
    assert (out.body[3].kind, out.body[3].level, out.body[3].rule) == (
        "heading", 2, "heading.numbered.circled")
    assert structure(doc_of(texts), Options()).body[3].kind == "paragraph"


@pytest.mark.parametrize(("kind", "name", "body", "error"), [
    ("structure", "structure.toml", "[title]\nmax_char = 60\n", "unknown key 'max_char' in [title]"),
    ("structure", "mine.toml", "[[numbering]]\nid = \"x\"\npattern = 'a'\nrank = 1\nlevel = 2\n", "unknown key 'level' in numbering[0]"),
    ("restore", "mine.toml", "[[rule]]\nid = \"num.x\"\npattern = 'a'\nmessage = \"m\"\nlevle = \"info\"\n", "unknown key 'levle' in rule num.x"),
    ("restore", "mine.toml", "[family.x]\npair = [\"a\", \"b\"]\nfingerprint = []\n", "unknown key 'fingerprint' in [family.x]"),
    ("restore", "mine.toml", "[[rules]]\nid = \"num.x\"\n", "unknown key 'rules' in the file"),
])
def test_every_rule_kind_rejects_an_unknown_key_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                kind: str, name: str, body: str, error: str) -> None:
    from pipeline.stages.restore import numbers, punctuation, swaps

    (tmp_path / kind).mkdir()
    (tmp_path / kind / name).write_text(body, encoding="utf-8")
    monkeypatch.setenv("SCRAPE2DOC_RULES", str(tmp_path))
    loaders = [structure_rules.load] if kind == "structure" else [numbers.load, punctuation.load, swaps.load]
    for f in (rules.load, *loaders):
        f.cache_clear()
    try:
        with pytest.raises(PipelineError, match=__import__("re").escape(error)) as e:
            for load in loaders:
                load()
        assert name in str(e.value)
    finally:
        monkeypatch.delenv("SCRAPE2DOC_RULES")
        for f in (rules.load, *loaders):
            f.cache_clear()
