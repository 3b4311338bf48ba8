"""Restore's decisions at their bounds: the document gate (min_distinct fingerprints OR min_hits),
a family's evidence level on both sides of each threshold, a family without a fingerprint of its
own that may only flag, and how changes are applied, shifted and checked. Expected values are
written out by hand."""
from __future__ import annotations

import dataclasses

import pytest

from pipeline.errors import PipelineError
from pipeline.stages.restore import changes, swaps
from pipeline.stages.restore.changes import Change, Finding

FP = "坚持科学开展观"  # one fazhan fingerprint (科学开展观)
FAST = "快速反响"  # one fanying fingerprint, counted once


@pytest.fixture(scope="module")
def strict() -> swaps.SwapRules:
    """The rules with the gate the loader falls back to: 2 distinct fingerprints or 3 hits."""
    return dataclasses.replace(swaps.load(), min_distinct=2, min_hits=3)


def test_the_gate_opens_on_two_distinct_fingerprints_or_three_hits(strict: swaps.SwapRules) -> None:
    one = swaps.gate([FAST], strict)
    assert (one.counts, one.distinct, one.open) == ({"fanying": 1}, 1, False)
    twice = swaps.gate([FAST, FAST], strict)
    assert (twice.counts, twice.distinct, twice.open) == ({"fanying": 2}, 1, False)
    thrice = swaps.gate([FAST, FAST, FAST], strict)  # 3 hits of 1 fingerprint: hits alone open it
    assert (thrice.counts, thrice.distinct, thrice.open) == ({"fanying": 3}, 1, True)
    two = swaps.gate([FAST, "化学反响"], strict)  # 2 distinct in 2 hits: distinct alone opens it
    assert (two.counts, two.distinct, two.open) == ({"fanying": 2}, 2, True)


def test_the_shipped_gate_opens_on_one_fingerprint() -> None:
    assert swaps.gate([FP]).open is True
    assert swaps.gate(["坚持科学发展观"]).open is False


def test_a_family_without_its_own_fingerprint_only_flags_once_the_gate_is_open() -> None:
    text = "处置要及时反响。"  # 及时反响: a restore by context, but not a fingerprint of 反应/反响
    open_elsewhere = swaps.gate([FP, text])
    assert (open_elsewhere.open, open_elsewhere.level("fanying"), open_elsewhere.active("fanying")) == (True, 1, False)
    edits, flags = swaps.scan(text, open_elsewhere)
    assert edits == [] and flags == [Finding("swap.fanying", 5, 7, "反响", "反响 may stand for 反应 "
                                             "(no fanying fingerprint in this document; cue: 及时)")]
    own = swaps.gate([FP, "建立应急反响机制", text, "化学反应"])  # 反应 left once: level 2, not 3
    assert (own.level("fanying"), own.active("fanying")) == (2, True)
    edits, flags = swaps.scan(text, own)
    assert [(c.rule, c.before, c.after) for c in edits] == [("swap.fanying", "反响", "反应")] and flags == []
    closed = swaps.gate([text])
    assert (closed.open, closed.level("fanying")) == (False, 0)
    assert swaps.scan(text, closed) == ([], [])


def gate(forms: dict[str, tuple[int, int]], active: bool = True, open_: bool = True) -> swaps.Gate:
    return swaps.Gate({"fazhan": 1 if active else 0}, 1, open_, forms, {"fazhan": 2.0}, {"fuwu": 2})


def test_level_dominant_form_on_both_sides() -> None:
    assert gate({"fazhan": (2, 4)}).level("fazhan") == 3  # 4 ≥ 2.0 × 2
    assert gate({"fazhan": (2, 3)}).level("fazhan") == 2
    assert gate({"fazhan": (0, 2)}).level("fazhan") == 3  # no original left, the swap recurs
    assert gate({"fazhan": (0, 1)}).level("fazhan") == 2  # once is not "recurs"
    assert gate({"fazhan": (1, 2)}).level("fazhan") == 3
    assert gate({"fazhan": (2, 4)}, active=False).level("fazhan") == 1
    assert gate({"fazhan": (2, 4)}, active=False, open_=False).level("fazhan") == 0
    assert gate({}).level("fazhan") == 2  # forms unknown: no evidence from them
    plain = swaps.Gate({"fanying": 1}, 1, True, {"fanying": (1, 2)}, {}, {})  # no dominant ratio for 反应
    assert plain.level("fanying") == 2
    assert swaps.Gate({"fanying": 1}, 1, True, {"fanying": (0, 2)}, {}, {}).level("fanying") == 3
    # no self_evident count: however often the swapped form alone recurs, a shut gate gives nothing
    assert swaps.Gate({}, 0, False, {"fanying": (0, 500)}, {}, {}).level("fanying") == 0


def test_level_self_evident_form_on_both_sides() -> None:
    g = swaps.Gate({}, 0, False, {"fuwu": (0, 2)}, {}, {"fuwu": 2})
    assert g.level("fuwu") == 2  # 效劳 twice, 服务 never: evidence even with the gate shut
    assert swaps.Gate({}, 0, False, {"fuwu": (0, 1)}, {}, {"fuwu": 2}).level("fuwu") == 0
    assert swaps.Gate({}, 0, False, {"fuwu": (1, 5)}, {}, {"fuwu": 2}).level("fuwu") == 0
    assert swaps.Gate({"fuwu": 1}, 1, True, {"fuwu": (0, 2)}, {}, {"fuwu": 2}).level("fuwu") == 3


def test_as_info_lists_the_fingerprints_and_the_levels_of_two_or_more() -> None:
    g = swaps.Gate({"fazhan": 2, "fuwu": 0, "fanying": 1}, 1, True,
                   {"fazhan": (0, 3), "fuwu": (4, 0), "fanying": (5, 1)}, {}, {})
    assert g.as_info() == {"open": True, "distinct": 1, "fingerprints": {"fanying": 1, "fazhan": 2},
                           "levels": {"fanying": 2, "fazhan": 3}}


def test_a_forced_gate_is_open_for_every_family_with_no_form_evidence() -> None:
    g = swaps.gate(["没有指纹"], force=True)
    assert g.open and g.distinct == 0 and g.counts["fuwu"] == 1 and g.forms["fuwu"] == (1, 0)
    assert set(g.counts) == set(g.forms) == set(swaps.load().fingerprints)
    assert g.level("fuwu") == 2


def test_a_spaced_heading_is_read_without_spaces_only_up_to_forty_characters() -> None:
    g = swaps.gate(["坚持原那么"])
    short = "第一章 总 那么"
    assert swaps._compact(short) == ("第一章总那么", [0, 1, 2, 4, 6, 7, 8])
    long40 = "第" + "一" * 33 + "章 总 那么"
    assert len(long40) == 40 and swaps._compact(long40) is not None
    assert swaps._compact(long40 + "。") is None
    assert swaps._compact("第一章 总，那么") is None
    assert swaps._compact("第一章总那么") is None
    assert swaps._compact("附X件 那么") == ("附X件那么", [0, 1, 2, 4, 5, 6])  # only ，。；,; stop it
    edits, _ = swaps.scan(short, g)
    assert [(c.start, c.end, c.before, c.after) for c in edits] == [(6, 8, "那么", "则")]


def test_a_word_spaced_through_is_restored_space_for_space_or_flagged() -> None:
    fuwu = swaps.gate(["强化培训效劳", "优化效劳流程"])  # 效劳 twice, 服务 never: self-evident
    assert swaps.scan("强 化 培 训 效 劳", fuwu) == (
        [Change("swap.fuwu", 8, 11, "效 劳", "服 务", "default (spaced heading)")], [])
    ze = swaps.gate(["坚持原那么"])  # 那么 → 则 is shorter: the spaces cannot be kept, so a flag
    assert swaps.scan("第七章 附 那 么", ze) == ([], [Finding("swap.ze-compound2", 6, 9, "那 么", "那么 may stand for 则")])
    open_elsewhere = swaps.gate([FP])  # a flag found in the compacted text is mapped back, spaces and all
    assert swaps.scan("要 及 时 反 响 处 置", open_elsewhere) == ([], [Finding(
        "swap.fanying", 6, 9, "反 响", "反响 may stand for 反应 (no fanying fingerprint in this document; cue: 及时)")])


def test_each_flag_says_why_it_is_no_edit() -> None:
    shipped = swaps.load()  # no shipped rule is flag-only now: one made so here
    flag_only = dataclasses.replace(shipped, rules=tuple(
        dataclasses.replace(r, mode="flag") if r.id == "swap.fanying" else r for r in shipped.rules))
    assert swaps.scan("反响速度快", swaps.gate(["反响机制"]), sr=flag_only) == ([], [Finding(
        "swap.fanying", 0, 2, "反响", "反响 may stand for 反应 (flag-only rule; cue: 速度)")])
    strict = dataclasses.replace(swaps.load(), min_confidence=1.01)
    assert swaps.scan("反响速度快", swaps.gate(["反响机制"]), sr=strict) == ([], [Finding(
        "swap.fanying", 0, 2, "反响", "反响 may stand for 反应 (rule confidence 1.00 below 1.01; cue: 速度)")])


def test_a_guard_looks_at_the_neighbours_not_around_the_text() -> None:
    g = swaps.gate(["反响机制"])
    # 反响 opens the text: nothing is to its left (the 相 at the end is not its neighbour)
    assert swaps.scan("反响速度快相", g) == ([Change("swap.fanying", 0, 2, "反响", "反应", "速度")], [])
    assert swaps.scan("相反响速度快", g) == ([], [])  # 相反 + 响: guarded
    assert swaps._span("甲，乙丙丁，", 2, 2, "，") == (2, 5)
    assert swaps._span("甲，乙丙丁，", 2, 3, "，") == (2, 5)


def test_a_guarded_or_unproven_match_does_not_stop_the_rules_later_matches() -> None:
    assert swaps.scan("相反响速度快，快速反响机制", swaps.gate(["反响机制"])) == (
        [Change("swap.fanying", 9, 11, "反响", "反应", "快速")], [])
    edits, flags = swaps.scan("推动开展联扶，报国家开展改革委审批", swaps.gate(["在此根底上"]))  # spun, no 发展 print
    assert [(c.start, c.before, c.after) for c in edits] == [(10, "开展", "发展")] and flags == []
    fuwu_ze = swaps.gate(["坚持原那么", "强化培训效劳", "优化效劳流程"])
    assert swaps.scan("细 那 么 与 效 劳 流 程", fuwu_ze) == (
        [Change("swap.fuwu", 8, 11, "效 劳", "服 务", "default (spaced heading)")],
        [Finding("swap.ze-xize", 2, 5, "那 么", "那么 may stand for 则")])


def test_a_kept_match_or_a_skipped_rule_does_not_stop_the_others() -> None:
    text = "政权稳固，进一步稳固成果"
    assert swaps.scan(text, swaps.gate([text])) == ([Change("swap.gonggu", 8, 10, "稳固", "巩固", "成果")], [])
    edits, _ = swaps.scan("坚持科学开展观", swaps.gate(["坚持科学开展观"]), skips=lambda rid: rid == "swap.ze-idiom")
    assert [(c.rule, c.before, c.after) for c in edits] == [("swap.fazhan", "开展", "发展")]


# --- applying changes ------------------------------------------------------------------------------

def test_apply_runs_right_to_left_and_touching_changes_are_fine() -> None:
    text = "甲乙丙丁"
    new, order = changes.apply(text, [Change("r", 0, 1, "甲", "一"), Change("r", 1, 3, "乙丙", "二")])
    assert new == "一二丁" and [c.start for c in order] == [1, 0]


def test_apply_refuses_overlapping_or_stale_changes() -> None:
    with pytest.raises(ValueError, match="overlapping or stale"):
        changes.apply("甲乙丙丁", [Change("r", 0, 2, "甲乙", "一"), Change("r", 1, 3, "乙丙", "二")])
    with pytest.raises(ValueError, match="overlapping or stale"):
        changes.apply("甲乙丙丁", [Change("r", 0, 1, "乙", "一")])
    with pytest.raises(ValueError, match="overlapping or stale"):
        changes.apply("甲乙", [Change("r", 1, 3, "乙", "二")])  # past the end


def test_shift_counts_the_changes_that_end_at_or_before_the_offset() -> None:
    cs = [Change("r", 2, 4, "效劳", "服务好"), Change("r", 6, 7, "，", "")]
    assert [changes.shift(p, cs) for p in (0, 3, 4, 5, 6, 7, 8)] == [0, 3, 5, 6, 7, 7, 8]


def test_remap_moves_findings_onto_the_restored_text() -> None:
    cs = [Change("r", 0, 2, "效劳", "服务好")]
    found = changes.remap([Finding("f", 3, 5, "开展", "m", "info")], cs, "服务好的开展工作")
    assert found == [Finding("f", 4, 6, "开展", "m", "info")]


def test_require_names_every_missing_key() -> None:
    from pathlib import Path
    with pytest.raises(PipelineError, match=r"^u\.toml: rule swap\.x: missing mode, match$"):
        changes.require(Path("/x/u.toml"), {"id": "swap.x", "family": "f"}, ("family", "mode", "match"))
    changes.require(Path("/x/u.toml"), {"id": "swap.x", "mode": "m"}, ("mode",))


def test_owned_rules_are_each_detectors_own_in_file_order_with_only_their_keys() -> None:
    from pipeline.stages.restore.swap_rules import RULE_KEYS
    ids = [r["id"] for _, r in changes.owned_rules("swaps", RULE_KEYS)]
    assert ids[:3] == ["swap.ze-idiom", "swap.ze-paired", "swap.yuanze"] and all(i.startswith("swap.") for i in ids)
    unknown = r"^rule file swaps\.toml: unknown key 'confidence' in rule swap\.ze-idiom \(allowed: id\)$"
    with pytest.raises(PipelineError, match=unknown):
        changes.owned_rules("swaps", frozenset({"id"}))
    assert changes.OWNERS == {"punct.": "punctuation", "quote.": "punctuation", "swap.": "swaps",
                              "num.": "numbers", "meta.": "numbers", "text.": "numbers"}


@pytest.fixture()
def user_rule_file(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """Write one user restore file; the rule loaders read it until the test ends."""
    from pipeline import rules

    def write(text: str) -> None:
        (tmp_path / "restore").mkdir(exist_ok=True)
        (tmp_path / "restore" / "user.toml").write_text(text, encoding="utf-8")
        monkeypatch.setenv("SCRAPE2DOC_RULES", str(tmp_path))
        rules.load.cache_clear()

    yield write
    monkeypatch.delenv("SCRAPE2DOC_RULES", raising=False)
    rules.load.cache_clear()


@pytest.mark.parametrize("text, message", [
    ('[[rule]]\nmatch = "x"\n', r"^user\.toml: rule 0 has no id$"),
    ('[[rule]]\nid = "swap.a"\n[[rule]]\nid = ""\n', r"^user\.toml: rule 1 has no id$"),
    ('[[rule]]\nid = 7\n', r"^user\.toml: rule 0 has no id$"),
    ('rule = ["swap.a"]\n', r"^user\.toml: rule 0 has no id$"),
    ('[[rule]]\nid = "swp.a"\n', r"^user\.toml: rule swp\.a: no restore detector runs this id \(it must start with "
                                 r"one of punct\., quote\., swap\., num\., meta\., text\.\)$"),
    ('[[rule]]\nid = "swap.fuwu"\n', r"^user\.toml: rule swap\.fuwu: id already used in swaps\.toml$"),
])
def test_every_rule_needs_a_unique_id_a_detector_runs(user_rule_file, text: str, message: str) -> None:
    user_rule_file(text)
    with pytest.raises(PipelineError, match=message):
        changes.owned_rules("nobody", frozenset())  # no detector of that name: only the ids are checked


def test_a_flag_for_an_ambiguous_context_says_so_with_its_score() -> None:
    g = swaps.gate(["坚持科学开展观，要发展经济", "开展", "开展", "开展"])  # fazhan at level 3
    assert swaps.scan("党的工作同步开展，实现对接", g) == ([], [Finding(
        "swap.fazhan", 6, 8, "开展",
        "开展 may stand for 发展 (context is ambiguous; cue: ctx -1 score +2: $+1 同步-2 doc3+3)")])


def test_context_votes_add_to_a_familys_fingerprints_and_count_once_per_family() -> None:
    both = swaps.gate([FP, "统筹城乡开展是一项复杂的系统工程"])  # a fingerprint, and two 开展 voting 发展
    assert (both.counts, both.votes, both.distinct, both.open) == ({"fazhan": 3}, {"fazhan": 2}, 2, True)
    two = swaps.gate(["统筹城乡开展是一项复杂的系统工程", "推动区域经济开展的新动能", "形成鼓励效应",
                      "加强关爱鼓励"])  # votes alone, two families
    assert (two.counts, two.distinct, two.open) == ({"fazhan": 2, "jili": 2}, 2, True)


def test_a_family_with_a_vote_share_but_no_votes_stays_at_level_two() -> None:
    g = swaps.Gate({"fazhan": 1}, 1, True, {"fazhan": (5, 3)}, {}, {}, {}, {"fazhan": 0.4}, {}, frozenset())
    assert g.level("fazhan") == 2
    voted = dataclasses.replace(g, votes={"fazhan": 2})  # 2 of 3 开展 vote: at least 0.4 of them
    assert voted.level("fazhan") == 3


def test_an_occurrence_kept_does_not_stop_the_rule_at_the_next_one() -> None:
    text = "开展专项整治，统筹城乡开展是一项复杂的系统工程"  # a clear activity, then 开展 for 发展
    edits, flags = swaps.scan(text, swaps.gate([FP, text]))
    assert [(c.rule, c.start, c.end, c.before, c.after) for c in edits] == [("swap.fazhan", 11, 13, "开展", "发展")]
    assert flags == []


def test_every_occurrence_in_a_block_votes_past_a_guarded_one_or_an_earlier_vote() -> None:
    guarded_first = swaps.gate(["召开展览会，统筹城乡开展是一项复杂的系统工程，推动区域经济开展的新动能"])  # 开展览: 展览, no vote
    assert (guarded_first.counts, guarded_first.votes, guarded_first.open) == ({"fazhan": 2}, {"fazhan": 2}, True)
    one_block = swaps.gate(["形成鼓励效应，加强关爱鼓励"])  # jili needs 2 votes: both in one block
    assert (one_block.counts, one_block.votes) == ({"jili": 2}, {"jili": 2})


def test_a_statutes_activity_words_are_no_fingerprints() -> None:
    """Undamaged statutes write 组织协调开展防治, 开展战略研究, 开展环境、社会和治理信息披露: the
    发展 prints need the word to close its phrase (区域协调开展。, 融合开展的, 开展战略，)."""
    for clean in ("组织协调开展疫病防治", "融合开展线上线下培训", "开展战略研究", "支持企业开展环境、社会和治理信息披露"):
        g = swaps.gate([clean])
        assert (g.open, g.counts) == (False, {}), clean
    for spun in ("推动区域协调开展。", "城乡融合开展的新路径", "实施开展战略，"):
        assert swaps.gate([spun]).counts == {"fazhan": 1}, spun


def test_in_a_document_spun_throughout_a_statutes_activities_stay() -> None:
    """With no 发展 left (level 3) every 开展 leans to 发展, yet a statute's own 开展 keep their
    word: a compound that only looks like 发展's (战略性, 规模化, 安全知识), how a body carries it out
    (依法), a subject with its object (单位和个人开展培训), a relative clause on an activity."""
    g = swaps.gate(["坚持科学开展观", "推动经济社会开展", "开展", "开展"])
    assert g.level("fazhan") == 3
    for statute in ("鼓励开展战略性研究", "开展规模化畜禽养殖", "开展安全知识宣传", "依法开展监督检查",
                    "单位和个人开展急救培训", "拒绝依法开展的审计监督", "在区域内开展消毒", "会同有关部门开展风险会商",
                    "引导用水单位开展水平衡测试"):
        assert swaps.scan(statute, g) == ([], []), statute
    assert swaps.scan("推动区域开展。", g)[0][0].after == "发展"  # the place word still counts without an object


def test_in_a_document_spun_throughout_a_schools_activities_stay() -> None:
    """Level 3 again, with a school's and a company's 开展: an exam period (期中) is no 发展期, an
    activity named after 开展的 makes a relative clause, and a quoted name counts as one word
    before the activity it names."""
    g = swaps.gate(["坚持科学开展观", "推动经济社会开展", "开展", "开展"])
    for text in ("学校将于下周开展期中考试质量分析。", "工会开展的职工运动会吸引了三百多名职工参加。",
                 "图书馆开展的公益讲座每月一期。"):
        assert swaps.scan(text, g)[0] == [], text
    assert swaps.scan("各班开展“文明礼仪伴我行”主题教育，效果良好。", g) == ([], [])  # not even a flag


def test_a_statutes_set_phrases_are_prints_of_their_pairs() -> None:
    """巩固国防, 巩固已取得的成果, 守信联合激励, 激励与约束 spun are prints; the words in their own
    sense (稳固的国防, 鼓励和支持) are not."""
    for spun, family in (("建设和稳固国防", "gonggu"), ("稳固已取得的成果", "gonggu"), ("稳固中国共产党的领导", "gonggu"),
                         ("实施守信联合鼓励", "jili"), ("建立鼓励与约束相结合的机制", "jili"), ("实行信用鼓励", "jili")):
        assert swaps.gate([spun]).counts == {family: 1}, spun
    for clean in ("建设稳固的国防", "国家鼓励和支持创新", "对取得成绩的予以鼓励"):
        assert swaps.gate([clean]).counts == {}, clean


def test_a_work_reports_set_phrases_are_prints_of_their_pairs() -> None:
    """Work reports' own terms spun are prints (发展新质生产力, 以人民为中心的发展思想, 日喀则, 人才激励
    评价, 激励与保障并重, 巩固军政军民团结); the words in their own sense (开展新质生产力专题调研 is an
    activity, 精神鼓励等形式, 那么日喀…) are not."""
    for spun, family in (("因地制宜开展新质生产力", "fazhan"), ("坚持以人民为中心的开展思想", "fazhan"),
                         ("日喀那么机场", "ze"), ("完善人才鼓励评价体系", "jili"), ("坚持约束与鼓励并重", "jili"),
                         ("健全培养、使用、鼓励等机制", "jili"), ("稳固军政军民团结", "gonggu"),
                         ("稳固和增强回升势头", "gonggu")):
        assert list(swaps.gate([spun]).counts) == [family], spun  # 日喀那么 twice: a print and a vote
    for clean in ("开展新质生产力专题调研", "采取物质奖励、精神鼓励等形式", "民族团结更加稳固", "鼓励人才到基层",
                  "同临近国家的贸易往来", "临近村的村民赶来帮忙"):  # real text writes 临近 for 邻近 there
        assert swaps.gate([clean]).counts == {}, clean


def test_one_occurrence_at_vote_alone_is_a_fingerprint() -> None:
    """fazhan's vote_alone = 5: a short item whose one 开展 scores 5 on its own (为学生的终身开展奠基:
    终身 +4, 为…奠基 +2, an object -1) opens the gate and is restored, but is no evidence for the
    pair's other 开展 where some 发展 is left (level 1: 学校开展。 at +1 stays a flag) and evidence
    where none is (level 3: restored); at 4 (医学的开展日新月异: 的 +2,
    日新月异 +3, -1) it does not open it, nor does the 5 without vote_alone: one vote is under
    votes = 2."""
    strong, weak = "学校始终坚持为学生的终身开展奠基。", "医学的开展日新月异。"
    sr = swaps.load()
    rule = next(r for r in sr.rules if r.id == "swap.fazhan")
    assert [rule.context_score(swaps._context(t, t.index("开展"), t.index("开展") + 2))[0] for t in (strong, weak)] == [5, 4]
    left = [strong, "学校开展。", "要发展经济"]
    g = swaps.gate(left)
    assert (g.open, g.counts, g.level("fazhan")) == (True, {}, 1)
    assert [(c.before, c.after) for c in swaps.scan(strong, g)[0]] == [("开展", "发展")]
    assert swaps.scan("学校开展。", g)[0] == [] and [f.rule for f in swaps.scan("学校开展。", g)[1]] == ["swap.fazhan"]
    g = swaps.gate(left[:2])  # no 发展 left: the pair's evidence, and 学校开展。 is restored
    assert (g.counts, g.level("fazhan")) == ({"fazhan": 1}, 3)
    assert [(c.before, c.after) for c in swaps.scan("学校开展。", g)[0]] == [("开展", "发展")]
    assert swaps.gate([weak]).counts == {}
    assert swaps.gate([strong], dataclasses.replace(sr, vote_alone={})).counts == {}


def test_a_voting_family_without_votes_counts_one_vote() -> None:
    """`votes` defaults to 1: a family that sets only vote_at takes each occurrence its context
    alone decides as a fingerprint (the shipped families all set 2; one vote is then nothing)."""
    sr = swaps.load()
    one = dataclasses.replace(sr, votes={k: v for k, v in sr.votes.items() if k != "fazhan"})
    text = "统筹城乡开展是一项复杂的系统工程"
    assert (swaps.gate([text], sr).counts, swaps.gate([text], one).counts) == ({}, {"fazhan": 1})
    three = dataclasses.replace(sr, votes={**sr.votes, "fazhan": 3}, vote_alone={})
    two = [text, "推动区域经济开展的新动能"]
    assert (swaps.gate(two, sr).counts, swaps.gate(two, three).counts) == ({"fazhan": 2}, {})
