"""Restore stage: rule examples from the data files, the 汇文网 sample acceptance criteria, offset
consistency, gating on clean text, and the measured-precision switch (rules under the bar flag)."""
from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest

from tests.fixtures import spinner
from pipeline.text import HAN_RANGES
from pipeline.stages.restore import numbers
from pipeline.stages.restore import punctuation
from pipeline import rules
from pipeline.stages.restore import swaps
from pipeline.stages.restore import cues
from pipeline.model import Block, Document, Meta, PipelineError
from pipeline.options import Options
from pipeline.stages.restore import restore, restore_text

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "huiwen-728690.txt"
HAN = f"[{HAN_RANGES}]"


def sample_doc() -> Document:
    """The sample as clean would hand it over: one body block per space-separated segment."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    body = max(lines, key=len)
    blocks = [Block(id=f"b{i:04d}", text=seg) for i, seg in enumerate(body.split(" "))]
    return Document(source=str(SAMPLE), meta=Meta(title="2023年城乡党建推动科学发展调研报告"), blocks=blocks)


@pytest.fixture(scope="module")
def restored() -> tuple[Document, Document]:
    before = sample_doc()
    return before, restore(sample_doc(), Options())


def run_example(text: str) -> tuple[str, list, list]:
    """One rule example, as its own paragraph, with the swap gate forced open."""
    g = swaps.gate([text], force=True)
    return restore_text(text, "b0000", g, numbers.era([text]), Options())


def rule_table() -> dict[str, dict]:
    return {r["id"]: r for _p, d in rules.load("restore") for r in d.get("rule", [])}


def rule_examples() -> list[tuple[str, str, str, bool]]:
    """(rule id, kind of example, text, edits allowed) from every restore rule file."""
    sr = swaps.load()
    out = []
    for _path, data in rules.load("restore"):
        for r in data.get("rule", []):
            editing = r.get("mode") != "flag" and float(r.get("confidence", 1.0)) >= sr.min_confidence
            for kind in ("fire", "flag", "no_fire"):
                out += [(r["id"], kind, t, editing) for t in r.get("tests", {}).get(kind, [])]
    return out


@pytest.mark.parametrize("rule_id,kind,text,editing", rule_examples())
def test_rule_examples(rule_id: str, kind: str, text: str, editing: bool) -> None:
    _, edits, flags = run_example(text)
    edited = any(e.rule == rule_id for e in edits)
    flagged = any(f.rule == rule_id for f in flags)
    host = rule_table()[rule_id].get("attaches_to")
    if host:  # a reason added to another rule's flag
        flagged = any(f.rule == host and rule_id.split(".")[1] + ":" in f.message for f in flags)
    if kind == "no_fire":
        assert not edited and not flagged, (edits, flags)
    elif kind == "flag" or not editing or rule_id.startswith(("num.", "text.", "meta.", "quote.audit")) \
            or rule_id == "punct.paren-unbalanced":
        assert flagged and not edited, (edits, flags)
    else:
        assert edited, (edits, flags)


def test_every_rule_has_examples_both_ways() -> None:
    examples = rule_examples()
    for rid in set(rule_table()) - {"meta.title-year"}:  # a document-level rule, tested on the sample
        kinds = {k for r, k, _t, _e in examples if r == rid}
        assert kinds & {"fire", "flag"} and "no_fire" in kinds, rid


# --- the 汇文网 sample ------------------------------------------------------------------------

def test_sample_swapped_words_are_gone(restored) -> None:
    _, doc = restored
    text = "\n".join(b.text for b in doc.body)
    for bad in ("效劳", "原那么", "根底", "稳固", "快速反响", "广阔党员", "〞"):
        assert bad not in text, bad
    assert not re.search(f"{HAN}[,;:?!()]{HAN}", text)
    assert "科学发展观" in text and "城乡党建推动科学发展调研报告" in text
    assert "基层党组织发展的新趋势" in text and "实现村企共同发展" in text and "关键则在县委" in text


def test_sample_real_kaizhan_stays(restored) -> None:
    before, doc = restored
    text = "\n".join(b.text for b in doc.body)
    for real in ("广泛开展“城乡手拉手", "开展党的活动", "这项工作开展的实效"):
        assert real in text, real
    assert text.count("开展") == 3
    # The document holds no 发展 at all: that evidence settles the run-in head and 为…服务.
    assert "推动发展联扶" in text and "在为经济社会发展服务中" in text
    # The same phrase is restored alike in the heading and in the lead sentence (创新发展).
    assert "创新开展" not in text and text.count("基层党建工作创新发展") >= 3
    kaizhan = sum(b.text.count("开展") for b in before.body)
    assert len([e for e in doc.edits if e.rule == "swap.fazhan"]) == kaizhan - 3 == 43
    assert not any(f.rule == "swap.fazhan" for f in doc.flags)
    assert doc.info["restore"]["gate"]["levels"]["fazhan"] == 3


def test_sample_numbers_flagged_not_repaired(restored) -> None:
    before, doc = restored
    by_rule: dict[str, list[str]] = {}
    for f in doc.flags:
        by_rule.setdefault(f.rule, []).append(f.text)
    assert by_rule["num.year-digits"] == ["202223", "202223"]
    assert sorted(by_rule["num.embedded-year"]) == ["1202354", "622023"]
    assert by_rule["num.anachronism"] == ["2023"]
    assert by_rule["meta.title-year"] == ["2023年"]
    text = "".join(b.text for b in doc.body)
    assert by_rule["text.placeholder"] == ["XX省"] * text.count("XX省") and "XX省" in text
    outlier = next(f for f in doc.flags if f.text == "1202354")
    assert "outlier:" in outlier.message
    assert "outlier:" not in next(f for f in doc.flags if f.text == "622023").message
    for n in ("202223年以来", "1202354个", "622023个", "8797个", "30.5亿元", "1.4万个"):
        assert n in text
    assert not any(e.rule.startswith("num.") for e in doc.edits)


def test_sample_edits_replay_and_carry_rule_ids(restored) -> None:
    before, doc = restored
    assert doc.stages[-1] == "restore"
    assert all(e.stage == "restore" and e.rule and e.note for e in doc.edits)
    for b0, b1 in zip(before.body, doc.body):
        text = b0.text
        for e in (e for e in doc.edits if e.block == b0.id):
            assert text[e.start:e.end] == e.before
            text = text[:e.start] + e.after + text[e.end:]
        assert text == b1.text
        for f in (f for f in doc.flags if f.block == b0.id and f.end > f.start):
            assert b1.text[f.start:f.end] == f.text


def test_flags_point_into_restored_text_after_shortening_edits() -> None:
    text = "坚持原那么，坚持原那么，推动开展联扶。"
    g = swaps.gate([text], force=True)
    new, _edits, flags = restore_text(text, "b0", g, None, Options())
    f = next(f for f in flags if f.rule == "swap.fazhan")
    assert new[f.start:f.end] == "开展" == f.text


def test_no_restore_is_a_pass_through() -> None:
    doc = restore(sample_doc(), Options(restore=False))
    assert doc.stages == ["restore"] and not doc.edits and not doc.flags
    assert [b.text for b in doc.body] == [b.text for b in sample_doc().body]


def test_skipped_rules_are_not_applied() -> None:
    doc = restore(sample_doc(), Options(skip_rules=frozenset({"swap.fazhan", "quote.prime"})))
    assert not any(e.rule in ("swap.fazhan", "quote.prime") for e in doc.edits)
    assert any(e.rule == "swap.fuwu" for e in doc.edits)
    assert "科学开展观" in "".join(b.text for b in doc.body)
    family = restore(sample_doc(), Options(skip_rules=frozenset({"swap."})))
    assert not any(e.rule.startswith("swap.") for e in family.edits)
    assert any(e.rule == "punct.comma" for e in family.edits)


def test_chrome_blocks_are_untouched() -> None:
    doc = sample_doc()
    doc.blocks.append(Block(id="b9999", text="编者按:效劳", layer="chrome", rule="huiwen.summary"))
    out = restore(doc, Options())
    assert out.block("b9999").text == "编者按:效劳"
    assert not any(e.block == "b9999" for e in out.edits)


# --- punctuation and boundaries ---------------------------------------------------------------

def test_punctuation_masks_numbers_urls_and_times() -> None:
    text = "会议于2023-04-14上午8:30召开,大小16.24KB,详见https://a.b/c?x=1,2,投资30.5亿元,共1,000人:好"
    changes, _ = punctuation.scan(text)
    for c in changes:
        assert c.before in ",:" and text[c.start] == c.before
    touched = {c.start for c in changes}
    for protected in ("2023-04-14", "8:30", "16.24KB", "https://a.b/c?x=1,2", "30.5", "1,000"):
        i = text.index(protected)
        assert not touched & set(range(i, i + len(protected))), protected
    assert "." not in {c.before for c in changes}


def test_letter_spaced_headings_are_read_without_spaces() -> None:
    g = swaps.gate(["坚持原那么"])
    for text, want in (("第一章 总 那么", "第一章 总 则"), ("国 务 院 工 作 规 那么", "国 务 院 工 作 规 则"),
                       ("第七章　附那么", "第七章　附则")):
        new, edits, _ = restore_text(text, "b0", g, None, Options())
        assert new == want and edits[0].before == "那么", (text, new)
    # a long sentence is not a heading: its spaces stay word boundaries
    new, edits, _ = restore_text("他 总 那么 说，" + "我" * 40, "b0", g, None, Options())
    assert not edits


def test_document_evidence_decides_the_ambiguous_cases() -> None:
    """推动开展联扶 alone is a flag; in a document where the spinner replaced every 发展 (level 3)
    the same words are restored; in an unspun document nothing happens."""
    head = "推动开展联扶。"
    spun_all = swaps.gate(["坚持科学开展观", "促进经济社会开展"])
    spun_some = swaps.gate(["坚持科学开展观", "要发展经济"])
    clean = swaps.gate(["坚持科学发展观"])
    assert (spun_all.level("fazhan"), spun_some.level("fazhan"), clean.level("fazhan")) == (3, 2, 0)
    new, edits, _ = restore_text(head, "b0", spun_all, None, Options())
    assert new == "推动发展联扶。" and "doc3+3" in edits[0].note
    new, edits, flags = restore_text(head, "b0", spun_some, None, Options())
    assert new == head and [f.rule for f in flags] == ["swap.fazhan"]
    assert restore_text(head, "b0", clean, None, Options())[1:] == ([], [])
    # a context this strong (国家开展改革委) needs no fingerprint of its own pair, but a spun
    # document: statutes hold strong-looking 开展 undamaged
    spun_other = swaps.gate(["在此根底上"])
    assert (spun_other.open, spun_other.level("fazhan")) == (True, 1)
    assert restore_text("报国家开展改革委审批", "b0", spun_other, None, Options())[0] == "报国家发展改革委审批"
    assert restore_text("报国家开展改革委审批", "b0", clean, None, Options())[1:] == ([], [])


def test_document_evidence_from_the_forms_alone() -> None:
    """Some 发展 left but 开展 far outnumbering them (dominant) is level 3, as is a document with
    no 发展 at all. A 效劳 the fuwu rule restores from its context (效劳流程) is a fingerprint on
    its own (votes = 1: 19.8 M characters of real official text hold 效劳 twice, 无效劳动 and
    为…效劳), so a short notice with one opens the gate for every pair, and 效劳 ×2 with no 服务
    is the pair damaged throughout (self_evident); 乐意效劳 is no evidence at all. At level 3 an
    ambiguous 开展 (同步开展) is a flag, at level 2 it is left alone, and a clear activity
    (开展专项整治) is kept at every level."""
    some_left = swaps.gate(["坚持科学开展观，要发展经济", "开展", "开展", "开展"])
    few = swaps.gate(["坚持科学开展观，要发展经济", "发展", "开展"])
    assert (some_left.level("fazhan"), few.level("fazhan")) == (3, 2)
    notice = swaps.gate(["强化培训效劳", "优化效劳流程"])
    one = swaps.gate(["优化效劳流程，开展"])
    assert (notice.open, notice.level("fuwu"), one.open, one.level("fuwu"), one.level("fazhan")) == (True, 3, True, 2, 1)
    assert (swaps.gate(["我很乐意效劳"]).open, swaps.gate(["我很乐意效劳"]).level("fuwu")) == (False, 0)
    new, edits, _ = restore_text("强化培训效劳", "b0", notice, None, Options())
    assert new == "强化培训服务" and edits[0].rule == "swap.fuwu"
    mixed = "乐意效劳，强化培训效劳"
    assert restore_text(mixed, "b0", swaps.gate([mixed]), None, Options())[0] == "乐意效劳，强化培训服务"
    same = "党的工作同步开展，实现对接"
    _, edits, flags = restore_text(same, "b0", some_left, None, Options())
    assert not edits and [f.rule for f in flags] == ["swap.fazhan"]
    assert restore_text(same, "b0", few, None, Options())[1:] == ([], [])
    for g in (some_left, few):
        assert restore_text("开展专项整治", "b0", g, None, Options())[1:] == ([], [])


def test_one_off_contexts_edit_in_any_spun_document() -> None:
    """激励 and 巩固 often occur once in a short news item or statute, with no fingerprint of
    their own (level 1). Their clear contexts (褒扬、鼓励; 建立和稳固 + object) are restored once
    another pair shows the spinner (one 效劳 is enough), and left alone where nothing does (the
    gate stays closed)."""
    lines = ["给予褒扬、鼓励：", "建立和稳固民兵组织"]
    spun = swaps.gate(["强化培训效劳", *lines])
    assert [spun.level(f) for f in ("jili", "gonggu")] == [1, 1]
    assert [restore_text(t, "b0", spun, None, Options())[0] for t in lines] == ["给予褒扬、激励：", "建立和巩固民兵组织"]
    clean = swaps.gate(lines)
    assert not clean.open
    assert [restore_text(t, "b0", clean, None, Options())[1:] for t in lines] == [([], [])] * 2


def test_a_lone_swapped_ze_is_restored_where_the_writer_never_uses_its_own_sense() -> None:
    """A spun document whose 那么 never has a use 则 lacks (opening a sentence, 那么多, 没有…那么…)
    is written, not spoken: its lone 那么 is the spinner's 则 (level 2, restored). One such use
    anywhere in it (an interview, a doctor's talk) and the lone 那么 stays a flag (level 1); a
    document the spinner did not visibly touch is left alone."""
    line = "城区学校那么面临师资短缺"
    written = swaps.gate(["强化培训效劳", line])
    assert written.level("ze") == 2 and written.as_info()["no_own_sense"] == ["ze"]
    assert restore_text(line, "b0", written, None, Options())[0] == "城区学校则面临师资短缺"
    for own in ("。那么我们该怎么办", "来了那么多人", "没有想象的那么难", "憋着那么一股劲"):
        spoken = swaps.gate(["强化培训效劳", line, own])
        assert spoken.level("ze") == 1, own
        text, edits, flags = restore_text(line, "b0", spoken, None, Options())
        assert (text, edits, [f.rule for f in flags]) == (line, [], ["swap.ze-loose"]), own
    for compound in ("遵守原那么多项要求", "按照细那么大力推进"):  # 则 compounds are no own use
        compounded = swaps.gate(["强化培训效劳", line, compound])
        assert (compounded.level("ze"), compounded.no_own_sense) == (2, frozenset({"ze"})), compound
    clean = swaps.gate([line])
    assert not clean.open and restore_text(line, "b0", clean, None, Options())[1:] == ([], [])


def test_guangda_and_lijie_contexts_edit_in_any_spun_document() -> None:
    """广阔 before a group of people and 懂得 as a noun, in a row of attitudes or inside the raw
    replacement of a longer word (合理解决 → 合懂得决) are never written so: restored once another
    pair shows the spinner (level 1), and left alone in a document that shows nothing."""
    lines = ["欢迎广阔网友收看直播", "尊重、懂得、关爱老人", "及时合懂得决群众诉求", "认真学习、懂得文件精神"]
    spun = swaps.gate(["强化培训效劳", *lines])
    assert [spun.level(f) for f in ("guangda", "lijie")] == [1, 1]
    assert [restore_text(t, "b0", spun, None, Options())[0] for t in lines] == \
        ["欢迎广大网友收看直播", "尊重、理解、关爱老人", "及时合理解决群众诉求", "认真学习、理解文件精神"]
    kept = ["为学生提供广阔发展空间", "孩子们懂得尊重他人", "我们懂得，幸福是奋斗出来的"]
    assert [restore_text(t, "b0", spun, None, Options())[0] for t in kept] == kept
    clean = swaps.gate(lines)
    assert not clean.open
    assert [restore_text(t, "b0", clean, None, Options())[1:] for t in lines] == [([], [])] * 4


def test_the_sites_punctuation_pass_marks_a_page_spun() -> None:
    """The site folds every comma to ASCII and every closing ” to 〞 after spinning: three folded
    commas between Han characters with no full-width comma left, or a 〞 with no ” left, make a page
    spun (level 1, no pair's own print) and a clear context there is restored (为了学校的开展).
    Two folded commas, a full-width comma beside them, or a ” beside the 〞 are no mark (a
    writer's slip)."""
    folded = "为了学校的开展,大家献计献策,办学水平不断提高,师生满意度稳步提升。"
    g = swaps.gate([folded])
    assert (g.open, g.counts, g.level("fazhan"), g.level("fuwu")) == (True, {}, 1, 1)
    assert g.as_info()["site_marks"] == ["commas folded to ASCII"]
    assert restore_text(folded, "b0", g, None, Options())[0] == "为了学校的发展，大家献计献策，办学水平不断提高，师生满意度稳步提升。"
    quoted = "为了学校的开展，践行“立德树人〞"
    assert swaps.gate([quoted]).open is True
    for clean in ("为了学校的开展,大家献计献策,办学水平不断提高。",
                  "为了学校的开展,大家献计献策,办学水平不断提高,师生满意度稳步提升，家长认可。",
                  "为了学校的开展，践行“立德树人〞，“五育”并举"):
        closed = swaps.gate([clean])
        assert closed.open is False, clean
        assert not any(e.rule.startswith("swap.") for e in restore_text(clean, "b0", closed, None, Options())[1])


def test_ze_between_a_topic_and_its_verb_is_evidence_of_its_own() -> None:
    """那么 between a topic and a verb the adverb does not take (王主任那么负责…) is 则 from its
    context alone, and one such occurrence is a fingerprint (ze's votes = 1): a short item with
    nothing else spun is restored. A verb outside that list (面临) leaves the gate closed; a 那么
    opening a sentence is speech's "so" and 那么一股劲 the adverb: kept even where every 则 was
    swapped, while a 那么 after a comma inside the sentence is restored there."""
    topic = "王主任那么负责术后随访"
    g = swaps.gate([topic])
    assert (g.open, g.votes, g.level("ze")) == (True, {"ze": 1}, 2)
    assert restore_text(topic, "b0", g, None, Options())[0] == "王主任则负责术后随访"
    formal_if = swaps.gate(["若逾期未整改，那么按规定处理"])  # 若…，则: the same evidence
    assert (formal_if.open, formal_if.votes, formal_if.level("ze")) == (True, {"ze": 1}, 2)
    assert swaps.gate(["如果逾期未整改，那么按规定处理"]).open is False
    other = "城区学校那么面临师资短缺"
    closed = swaps.gate([other])
    assert (closed.open, closed.votes) == (False, {"ze": 0})
    assert restore_text(other, "b0", closed, None, Options())[1:] == ([], [])
    opener, measure, comma = "病例多见于老年人。那么在我国，发病率逐年上升", "保持那么一股劲", "一经发现，那么在三日内上报"
    spun = swaps.gate(["坚持原那么", opener, measure, comma])
    assert spun.level("ze") == 3
    assert [restore_text(t, "b0", spun, None, Options())[1:] for t in (opener, measure)] == [([], [])] * 2
    assert restore_text(comma, "b0", spun, None, Options())[0] == "一经发现，则在三日内上报"


def test_context_votes_are_fingerprints_at_their_threshold() -> None:
    """fazhan's vote_at = 2 and votes = 2: a 开展 whose context alone scores 2 (城乡开展是) is a
    vote, but one vote is no evidence (an undamaged class plan held one strong-looking 开展);
    two votes make a short notice spun for the pair, and it is restored there; a 开展 scoring 1
    (在保税区开展。) never votes. jili's votes = 2 likewise: one context restore (形成鼓励效应)
    is not evidence, two are."""
    two, other, one = "统筹城乡开展是一项复杂的系统工程", "推动区域经济开展的新动能", "研发机构在保税区开展。"
    alone, both, weak = swaps.gate([two]), swaps.gate([two, other]), swaps.gate([one, two])
    assert (alone.open, alone.votes, alone.counts, alone.level("fazhan")) == (False, {"fazhan": 1}, {}, 0)
    assert (weak.open, weak.votes, weak.counts) == (False, {"fazhan": 1}, {})
    assert (both.open, both.counts, both.level("fazhan")) == (True, {"fazhan": 2}, 3)
    assert restore_text(two, "b0", alone, None, Options())[1:] == ([], [])
    assert restore_text(two, "b0", both, None, Options())[0] == "统筹城乡发展是一项复杂的系统工程"
    assert restore_text(other, "b0", both, None, Options())[0] == "推动区域经济发展的新动能"
    single = swaps.gate(["形成鼓励效应"])
    pair = swaps.gate(["形成鼓励效应", "加强关爱鼓励"])
    assert (single.counts, single.level("jili")) == ({}, 0)
    assert (pair.counts, pair.level("jili")) == ({"jili": 2}, 3)
    assert restore_text("形成鼓励效应", "b0", single, None, Options())[1:] == ([], [])
    assert restore_text("形成鼓励效应", "b0", pair, None, Options())[0] == "形成激励效应"


def _cues(text: str) -> tuple[int, list[str]]:
    """swap.fazhan's context score of the first 开展 in ``text``, and its cues."""
    rule = next(r for r in swaps.load().rules if r.id == "swap.fazhan")
    i = text.index("开展")
    return rule.context_score(swaps._context(text, i, i + 2))


def test_collocations_from_real_text_decide_fazhan() -> None:
    """The committed table (counts from real undamaged official text): 发展离不开 is common there and
    开展离不开 never met, so 学校开展离不开 is restored in a document damaged throughout and flagged
    where the pair has only its fingerprint; 开展体制机制创新 gets no vote although 发展体制机制 is
    common too (体制 is a noun: 开展's object), nor does 开展主要粮食品种 (主要 is no verb)."""
    one = "学校开展离不开家长的配合"
    assert _cues(one) == (0, ["coll 离不开 27/0+2", "离-1", "学校-1"])
    spun_all = swaps.gate(["坚持科学开展观", "促进经济社会开展"])
    spun_some = swaps.gate(["坚持科学开展观", "要发展经济"])
    assert restore_text(one, "b0", spun_all, None, Options())[0] == "学校发展离不开家长的配合"
    new, edits, flags = restore_text(one, "b0", spun_some, None, Options())
    assert (new, edits, [f.rule for f in flags]) == (one, [], ["swap.fazhan"])
    assert _cues("乡村开展迈上新台阶") == (5, ["乡村+2", "coll 迈上新 30/0+2", "coll 台阶 72/0+2", "迈-1"])
    for keep in ("鼓励各地开展体制机制创新", "为开展主要粮食品种收购做好准备"):
        assert not [c for c in _cues(keep)[1] if c.startswith("coll")]
        assert restore_text(keep, "b0", spun_all, None, Options())[1] == []


def _tables(**given: str) -> str:
    """A user collocations.toml: the given families' tables, and for every other family (and every
    side a given table leaves out) a table of one count, under every cue's minimum: it decides
    nothing, but the shipped rules that read it still load."""
    out = []
    for family in ("fazhan", "xiangmu", "canyu"):
        body = given.get(family, "totals = [1, 1]")
        body += "".join(f'\n{side} = """\n之 1 0 x\n"""' for side in ("left", "right", "tail") if f"{side} = " not in body)
        out.append(f"[collocation.{family}]\n{body}\n")
    return "".join(out)


def test_collocation_thresholds_both_sides(user_rules) -> None:
    """swaps.toml's collocation cue (min 10 in all, log-ratio at least 2.0, the run after the word a
    verb or function word) against a table of known counts: totals 60 发展 / 100 开展, so 10/1 is
    ln(10.5/60) - ln(1.5/100) = 2.46 (a vote) and 10/2 is 1.95 (none); 9/0 is under the minimum
    count and 40/0 tagged n is a noun."""
    user_rules("collocations.toml", _tables(fazhan='totals = [60, 100]\n'
               'right = """\n离不开 10 1 v\n靠不住 10 2 v\n离不了 9 0 v\n体制机 40 0 n\n体制 10 0 v\n"""'))
    assert "coll 离不开 10/1+2" in _cues("学校开展离不开支持")[1]
    for text in ("学校开展靠不住", "学校开展离不了", "学校开展体制机制创新"):
        assert not [c for c in _cues(text)[1] if c.startswith("coll")], text
    # the longest run seen often enough decides: 体制 (a shorter run) is not read past 体制机
    assert not [c for c in _cues("学校开展体制机制")[1] if c.startswith("coll")]
    assert "coll 体制 10/0+2" in _cues("学校开展体制改革")[1]


def test_clause_tail_thresholds_both_sides(user_rules) -> None:
    """swaps.toml's tail cues (the clause's last two Han characters, min 10 in all: log-ratio at
    least 2.0 is +2, at most -2.5 is -1) against known counts, totals 60 发展 / 100 开展: 产业 10/1
    is ln(10.5/60) - ln(1.5/100) = 2.46 and 产品 10/2 is 1.95; 试点 0/10 is -2.53 and 督查 1/10
    -1.43; 检查 0/9 is under the minimum. The tail is read only where the clause after the word has
    three Han characters or more and at most 25 characters."""
    user_rules("collocations.toml", _tables(fazhan='totals = [60, 100]\n'
               'tail = """\n产业 10 1 n\n产品 10 2 n\n试点 0 10 n\n督查 1 10 vn\n检查 0 9 vn\n"""'))

    def tails(text: str) -> list[str]:
        return [c for c in _cues(text)[1] if c.startswith("coll")]
    assert tails("积极开展特色产业，") == ["coll 产业 10/1+2"]
    assert tails("积极开展农业试点，") == ["coll 试点 0/10-1"]
    for text in ("积极开展特色产品，", "积极开展专项督查，", "积极开展安全检查，", "积极开展产业，",
                 "积极开展" + "一二三四五六七八九十" * 3 + "特色产业，"):
        assert tails(text) == [], text


def test_a_run_reads_a_pair_in_runs_as_its_original(user_rules) -> None:
    """fuwu and jichu are in_runs: the table counts real text, where 服务 stands, so a spun
    document's 效劳好 is looked up as 服务好 (and a clause's tail 效劳 as 服务), while 那么 (ze is not
    in_runs) is read as written; in_runs on a pair of words of unequal length is an error."""
    user_rules("collocations.toml", _tables(fazhan='totals = [60, 100]\n'
               'right = """\n服务好 10 1 v\n那么好 10 1 v\n"""\ntail = """\n服务 10 1 vn\n"""'))
    assert [c for c in _cues("学校开展效劳好")[1] if c.startswith("coll")] == ["coll 服务好 10/1+2"]
    assert [c for c in _cues("积极开展社区养老效劳，")[1] if c.startswith("coll")] == ["coll 服务 10/1+2"]
    assert [c for c in _cues("学校开展那么好")[1] if c.startswith("coll")] == ["coll 那么好 10/1+2"]
    assert [c for c in _cues("学校开展则好")[1] if c.startswith("coll")] == []
    user_rules("user.toml", '[family.ze]\npair = ["则", "那么"]\nin_runs = true\nfingerprints = []\n')
    with pytest.raises(PipelineError, match=r"^user\.toml: \[family\.ze\] in_runs must be true, for a pair of "
                                            r"words of one length$"):
        swaps.load()


def test_collocation_before_the_word_thresholds_both_sides(user_rules) -> None:
    """swap.xiangmu reads the runs before and after 工程: restore at a log-ratio (the two sides
    added) of 3.0 or more, each run seen at least 20 times, flag from 2.0 with at least 10. Totals
    100/100: 签约 20/0 is ln(41) = 3.71 (restore),
    旗舰 19/0 has too few counts to restore (ln 39 = 3.66: a flag), 示范 20/1 is ln(20.5/1.5) = 2.61
    (a flag), 民生 10/2 is 1.44 and 以上 9/0 under the minimum (neither)."""
    user_rules("collocations.toml", _tables(xiangmu='totals = [100, 100]\nleft = """\n签约 20 0 v\n旗舰 19 0 n\n'
               '示范 20 1 v\n民生 10 2 n\n以上 9 0 f\n之签约 1 0 v\n标志性 5 20 n\n"""\nright = """\n落地 20 0 v\n"""'))
    g = swaps.gate(["x"], force=True)
    decided = {}
    for left in ("签约", "旗舰", "示范", "民生", "以上"):
        changes, findings = swaps.scan(f"推进{left}工程。", g)
        decided[left] = "restore" if changes else "flag" if findings else "none"
    assert decided == {"签约": "restore", "旗舰": "flag", "示范": "flag", "民生": "none", "以上": "none"}
    assert swaps.scan("签约工程。", g)[0]  # a clause opening with the run reads it whole
    # both sides add up: 落地 after (ln 41 = 3.71) restores alone, and 标志性 before (5/20: -1.32)
    # brings it down to a flag
    assert swaps.scan("推进工程落地。", g)[0] and swaps.scan("推进标志性工程落地。", g)[0] == []
    assert swaps.scan("推进标志性工程落地。", g)[1]


def test_canyu_collocation_thresholds_both_sides(user_rules) -> None:
    """swap.canyu restores 参加 at a log-ratio of 3.5 or more (runs seen at least 20 times) and
    flags from 2.0: totals 100/100, 资本 25/0 is ln(51) = 3.93 (restore), 市场 33/1 is
    ln(33.5/1.5) = 3.11 (a flag), 组织 10/2 is 1.44 (neither)."""
    user_rules("collocations.toml", _tables(canyu='totals = [100, 100]\nleft = """\n资本 25 0 n\n市场 33 1 n\n'
                                                  '组织 10 2 n\n"""\nright = """\n之 1 0 x\n"""'))
    g = swaps.gate(["x"], force=True)
    decided = {}
    for left in ("资本", "市场", "组织"):
        changes, findings = swaps.scan(f"推动{left}参加建设。", g)
        decided[left] = "restore" if changes else "flag" if findings else "none"
    assert decided == {"资本": "restore", "市场": "flag", "组织": "none"}


@pytest.mark.parametrize("body, match", [
    ('totals = [60, 0]', r"collocations\.toml: \[collocation\.fazhan\]: bad collocation table"),
    ('right = """\n离不开 1 0\n"""', r"collocations\.toml: \[collocation\.fazhan\]: bad collocation table \(.*totals"),
    ('totals = [60, 100]\nright = """\n离不开 x 0 v\n"""', r"collocations\.toml: \[collocation\.fazhan\]: bad collocation"),
    ('totals = [60, 100]\nright = """\n改革 10 1 v w\n"""', r"collocations\.toml: \[collocation\.fazhan\]: bad collocation"),
    ('totals = [60, 100]\nright = """\n离不开 10', r"collocations\.toml"),
])
def test_bad_collocation_table_names_its_file(user_rules, body: str, match: str) -> None:
    user_rules("collocations.toml", "[collocation.fazhan]\n" + body + "\n")
    with pytest.raises(PipelineError, match=match) as e:
        swaps.load()
    assert "\n" not in str(e.value)


def test_lexicon_is_jiebas_dictionary_precomputed() -> None:
    """lexicon.toml is exactly what bench/build_lexicon.py makes from the installed jieba
    dictionary (regenerate it after changing a pair), and its words decide as documented."""
    import importlib.util
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("build_lexicon", root / "bench" / "build_lexicon.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    import jieba
    freq = build.read_dict(Path(jieba.__file__).parent / "dict.txt")
    table = next(d["lexicon"] for _p, d in rules.load("restore") if "lexicon" in d)
    sr = swaps.load()
    for fam in build.FAMILIES:
        assert build.entries(freq, *sr.pairs[fam]) == (table[fam]["restore"], table[fam]["keep"]), fam

    def lex(fam: str) -> cues.Lexicon:
        return cues.Lexicon.build(table[fam], sr.pairs[fam][1])
    assert lex("canyu").find("提高群众的", "度和满意度")[0] == "restore"
    assert lex("canyu").find("", "度假") is None  # one character after the match must end the word
    assert lex("fazhan").find("", "商务活动") is None and lex("fazhan").find("", "商。")[0] == "restore"
    assert lex("fazhan").find("", "中国家")[1] == "lex 开展中国家 1135/0"  # the longest word decides
    assert lex("xiangmu").find("系统", "")[0] == "keep"


def test_industries_to_the_clause_end_and_activity_nouns() -> None:
    """开展 + industries and nothing else to the clause's end (or to its 成效) is 发展: +4, enough
    on its own (推进开展高新技术产业成效明显: 4 + 1 - 1), and after a modal (要开展…种养业: 4 - 1 - 3
    = 0) restored where the document holds no 发展 (level 3), a flag at level 2; a clause ending
    in 经济 (real text's tail, +2) is restored at level 2 too. An activity noun the dictionary
    files as a plain noun (资产盘点, 厂房代建, 文艺汇演) gets nothing for lacking a verb: -1, a
    flag where the document holds no 发展 (level 3), never an edit. The same industries with an
    activity closing the clause (…旅游相关主题活动) get no such cue: never an edit."""
    level3 = swaps.gate(["坚持科学开展观", "开展", "开展"])
    level2 = swaps.gate(["坚持科学开展观，要发展经济", "发展"])
    assert (level3.level("fazhan"), level2.level("fazhan")) == (3, 2)
    new, edits, _ = restore_text("推进开展高新技术产业成效明显的地区", "b0", level2, None, Options())
    assert new == "推进发展高新技术产业成效明显的地区" and "ctx +4" in edits[0].note
    modal = "要开展县域物流和林下种养业，"
    new, edits, _ = restore_text(modal, "b0", level3, None, Options())
    assert new == "要发展县域物流和林下种养业，" and "ctx +0" in edits[0].note
    _, edits, flags = restore_text(modal, "b0", level2, None, Options())
    assert not edits and [f.rule for f in flags] == ["swap.fazhan"]
    new, edits, _ = restore_text("要开展县域物流和林下经济，", "b0", level2, None, Options())
    assert new == "要发展县域物流和林下经济，" and "ctx +2" in edits[0].note and "coll 经济" in edits[0].note
    for activity in ("开展年度资产盘点，", "支持园区开展标准厂房代建。", "开展群众文艺汇演；"):
        _, edits, flags = restore_text(activity, "b0", level3, None, Options())
        assert not edits and [f.rule for f in flags] == ["swap.fazhan"], activity
        assert restore_text(activity, "b0", level2, None, Options())[1:] == ([], []), activity
    kept = "组织开展休闲农业和乡村旅游相关主题活动"
    assert not restore_text(kept, "b0", level3, None, Options())[1]
    assert restore_text(kept, "b0", level2, None, Options())[1:] == ([], [])
    # 开展对外贸易: an activity, not an industry of the cue; a 、 list is read to its end
    assert restore_text("要开展对外贸易，", "b0", level2, None, Options())[1:] == ([], [])
    listed = "鼓励开展特色农产品、手工艺品等品牌展示和推介。"
    assert not restore_text(listed, "b0", level3, None, Options())[1]
    new, edits, _ = restore_text("推进开展清洁能源、新材料等，", "b0", level2, None, Options())
    assert new == "推进发展清洁能源、新材料等，" and "ctx +4" in edits[0].note


def test_vote_share_makes_a_document_with_originals_left_level_3() -> None:
    """fazhan's vote_share = 0.4: with 发展 left in the document, 开展 whose context alone votes
    for 发展 (科学开展观, 经济社会开展的) making at least 0.4 of all 开展 (and at least 2) put the
    pair at level 3; 2 of 6 (0.33, 发展 ×4: not dominant either) leave it at level 2. Undamaged text holds no vote at all."""
    votes = ["坚持科学开展观", "促进经济社会开展的新格局"]
    high = swaps.gate([*votes, "发展", "发展", "发展", "开展", "开展", "开展"])
    low = swaps.gate([*votes, "发展", "发展", "发展", "发展", "开展", "开展", "开展", "开展"])
    assert (high.votes, high.forms["fazhan"], high.level("fazhan")) == ({"fazhan": 2}, (3, 5), 3)
    assert (low.forms["fazhan"], low.level("fazhan")) == ((4, 6), 2)
    assert swaps.gate(["坚持科学开展观", "发展", "发展", "开展"]).level("fazhan") == 2  # one vote is not a share


def test_jili_absence_is_weak_evidence() -> None:
    """鼓励 is the commoner word (absence = "weak"): a notice with one 鼓励机制 and three real 鼓励
    and no 激励 stays at level 2 (1 vote of 4), so its 精神鼓励 is a flag, not an edit; two votes
    of four (0.5, jili's vote_share) lift it to 3, one of three more (0.4) does not."""
    notice = ["建立健全志愿服务鼓励机制", "鼓励居民参与", "给予精神鼓励", "鼓励企业参与"]
    g = swaps.gate(notice)
    assert (g.forms["jili"], g.votes.get("jili", 0), g.level("jili")) == ((0, 4), 1, 2)
    _, edits, flags = restore_text("给予精神鼓励", "b0", g, None, Options())
    assert not edits and [f.rule for f in flags] == ["swap.jili"]
    two = swaps.gate(["健全鼓励机制", "加大鼓励力度", "鼓励居民参与", "鼓励企业参与"])
    assert (two.votes["jili"], two.level("jili")) == (2, 3)
    five = swaps.gate(["健全鼓励机制", "加大鼓励力度", "鼓励居民参与", "鼓励企业参与", "鼓励社会参与"])
    assert (five.votes["jili"], five.level("jili")) == (2, 2)
    assert restore_text("给予精神鼓励", "b0", two, None, Options())[0] == "给予精神激励"


def test_jili_noun_after_jingshen_or_dui_de_needs_level_3() -> None:
    """精神鼓励 / 物质鼓励 (words of jieba's too) and 对…的鼓励 closing a clause are flags: restored
    only in a document whose 激励 the spinner replaced throughout (level 3), flagged at level 2
    (激励 left, 2 votes of 5 鼓励)."""
    level3 = swaps.gate(["健全鼓励机制", "强化鼓励约束"])
    level2 = swaps.gate(["健全鼓励机制", "强化鼓励约束", "激励", "激励", "鼓励居民参与", "鼓励企业参与", "鼓励社会参与"])
    assert (level3.level("jili"), level2.level("jili")) == (3, 2)
    for text, want in (("给予物质鼓励和精神鼓励", "给予物质激励和精神激励"), ("加强对科研人员的鼓励。", "加强对科研人员的激励。")):
        assert restore_text(text, "b0", level3, None, Options())[0] == want
        _, edits, flags = restore_text(text, "b0", level2, None, Options())
        assert not edits and flags and {f.rule for f in flags} == {"swap.jili"}
    assert restore_text("对成绩突出的予以鼓励。", "b0", level3, None, Options())[1:] == ([], [])


def test_restore_loads_no_segmenter() -> None:
    """No dictionary load at process start: the restore stage never imports jieba."""
    import subprocess
    import sys
    code = ("import sys; from tests.stages.test_restore import sample_doc; "
            "from pipeline.stages.restore import restore; from pipeline.options import Options; "
            "restore(sample_doc(), Options()); print('jieba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"


# --- gating and honest measurement ------------------------------------------------------------

@pytest.mark.parametrize("path", [spinner.DEV, spinner.HELDOUT, spinner.REGISTERS], ids=["dev", "heldout", "registers"])
def test_clean_documents_get_no_edits(path: Path) -> None:
    score = spinner.run(path, damage=False)
    assert sum(score.fp.values()) == 0 and sum(score.tp.values()) == 0
    assert sum(score.flags.values()) == 0


def test_the_other_registers_keep_their_words_even_with_the_gate_open() -> None:
    """A 范文 page spun only in its other words (效劳, 原那么) opens the gate: its own 开展, 鼓励,
    稳固 still stay (由讲师开展, 委托培训机构开展, 常态化开展, 以鼓励为主, 公司鼓励、支持员工, 理论根底浅,
    那么年轻就)."""
    score = spinner.run(spinner.REGISTERS, damage=False, force_gate=True)
    assert sum(score.fp.values()) == 0, {r: score.fp_examples[r][:3] for r in score.fp if score.fp[r]}
    assert 2600 <= score.chars <= 2900  # the whole fixture was read


def test_simulator_log_undoes_the_damage() -> None:
    clean = "克服务必坚持原则，发展“经济”……（GDP）3～5年，否则广大"
    text, log = spinner.simulate(clean, spinner.HUIWEN, 1.0, random.Random(0))
    assert "效劳" in text and "〞" in text and "," in text
    for e in sorted(log, key=lambda e: e.offset, reverse=True):
        assert text[e.offset:e.offset + len(e.swapped)] == e.swapped
        text = text[:e.offset] + e.original + text[e.offset + len(e.swapped):]
    assert text == clean


def test_undeclared_spinner_pairs_are_left_alone() -> None:
    score = spinner.measure(spinner.HELDOUT, rates=(1.0,), seeds=(0,), profile="watch")
    assert not any(r.startswith("swap.") for r in score.tp + score.fp)


@pytest.fixture(scope="module")
def heldout_both() -> spinner.Score:
    """The committed held-out corpus damaged by both vocabularies, rates 1.0/0.8/0.5 × 3 seeds."""
    return spinner.measure(spinner.HELDOUT, profile="both")


# Swap edits each rule made on the held-out corpus (the measurement above, counted by hand from
# bench/restore_eval.py's table): a rule that edits documents must have measured precision, so
# each has hits there; fewer than these means the rule stopped firing or the corpus lost its text.
MIN_EDITS = {"swap.ze-idiom": 20, "swap.ze-paired": 20, "swap.yuanze": 35, "swap.ze-guize": 5,
             "swap.ze-fouze": 20, "swap.ze-zhunze": 5, "swap.ze-xize": 12, "swap.ze-compound2": 25,
             "swap.ze-compound3": 10, "swap.ze-free": 12, "swap.ze-loose": 20, "swap.fazhan": 200,
             "swap.fuwu": 170, "swap.jichu": 70, "swap.gonggu": 65, "swap.fanying": 25, "swap.guangda": 20,
             "swap.jili": 40, "swap.linjin": 3, "swap.xiangmu-double": 10, "swap.xiangmu": 18, "swap.canyu": 20,
             "swap.ziliao": 10, "swap.shulian": 12, "swap.jiandan": 12, "swap.lijie": 20, "swap.sousuo": 16,
             "swap.qubie": 12, "swap.ze-measure": 4}


def test_every_editing_rule_has_measured_precision(heldout_both: spinner.Score) -> None:
    """Issue 20: no rule edits unmeasured. Every rule allowed to edit has hits on the held-out
    corpus and reaches the bar there; its recorded confidence claims no more than was measured;
    and a rule that only flags makes no edit."""
    sr = swaps.load()
    s = heldout_both
    editing = {r.id for r in sr.rules if sr.edits_allowed(r)}
    assert editing == set(MIN_EDITS)
    for rule in sr.rules:
        n = s.tp[rule.id] + s.fp[rule.id]
        if rule.id not in editing:
            assert n == 0, rule.id
            continue
        assert n >= MIN_EDITS[rule.id], (rule.id, n)
        p = s.tp[rule.id] / n
        assert p >= 0.98 and rule.confidence <= p + 1e-9, (rule.id, p, s.fp_examples[rule.id][:5])


def test_precision_every_pair_and_no_wrong_swap_edit(heldout_both: spinner.Score) -> None:
    s = heldout_both
    swapped = [r for r in {*s.tp, *s.fp} if r.startswith("swap.")]
    assert len(swapped) == len(MIN_EDITS)
    assert sum(s.fp[r] for r in swapped) == 0, {r: s.fp_examples[r][:3] for r in swapped if s.fp[r]}


# Recall floors per pair, measured on the committed held-out corpus (bench/restore_eval.py prints
# the table), a little under what was measured. Pooled over rates 1.0/0.8/0.5:
FLOORS = {"fazhan": 0.90, "fuwu": 0.95, "ze": 0.92, "jichu": 0.97, "gonggu": 0.90, "jili": 0.78,
          "guangda": 0.95, "fanying": 0.95, "canyu": 0.45, "xiangmu": 0.38, "ziliao": 0.50, "linjin": 0.15,
          "shulian": 0.95, "jiandan": 0.42, "lijie": 0.58, "sousuo": 0.54, "qubie": 0.62}
# and apart, in the two damage modes (every occurrence swapped; some left, rate 0.5), for
# the pairs the issue sets bars for (fazhan ≥ 0.90, fuwu/ze/jichu ≥ 0.90, gonggu ≥ 0.80, jili ≥ 0.70):
MODE_FLOORS = {1.0: {"fazhan": 0.92, "fuwu": 0.98, "ze": 0.95, "jichu": 0.98, "gonggu": 0.90, "jili": 0.81},
               0.5: {"fazhan": 0.89, "fuwu": 0.94, "ze": 0.90, "jichu": 0.92, "gonggu": 0.90, "jili": 0.68}}


def test_every_family_has_a_floor() -> None:
    assert set(FLOORS) == set(swaps.load().pairs)


@pytest.mark.parametrize("family", sorted(FLOORS))
def test_recall_floor_per_pair(heldout_both: spinner.Score, family: str) -> None:
    r = heldout_both.recall(family)
    assert r is not None and FLOORS[family] <= r <= 1.0, (family, r, heldout_both.fn_examples[family][:5])


@pytest.mark.parametrize("rate", sorted(MODE_FLOORS))
def test_recall_floor_per_damage_mode(rate: float) -> None:
    s = spinner.measure(spinner.HELDOUT, rates=(rate,), profile="both")
    low = {f: s.recall(f) for f, floor in MODE_FLOORS[rate].items() if not floor <= (s.recall(f) or 0) <= 1.0}
    assert not low, low


def test_recall_floor_can_fail() -> None:
    """The floor test measures the rules: without them the same measurement falls under it."""
    s = spinner.measure(spinner.HELDOUT, rates=(1.0,), seeds=(0,), profile="both",
                        opts=Options(skip_rules=frozenset({"swap.fazhan", "swap.lijie"})))
    assert s.recall("fazhan") == 0.0 < FLOORS["fazhan"] and s.recall("lijie") == 0.0


# --- rule data drives the code, and bad rule files fail loudly --------------------------------

def test_punctuation_targets_come_from_the_data() -> None:
    pr = punctuation.load()
    changed = {**pr.rules,
               "punct.ellipsis": {**pr.rules["punct.ellipsis"], "to": "⋯"},
               "punct.paren": {**pr.rules["punct.paren"], "to": "〔〕"},
               "quote.ascii": {**pr.rules["quote.ascii"], "to": "「」"}}
    pr2 = dataclasses.replace(pr, rules=changed)
    text = '开展"我为群众办实事"活动,县(市)等等......'
    new = text
    for c in sorted(punctuation.scan(text, pr=pr2)[0], key=lambda c: c.start, reverse=True):
        new = new[:c.start] + c.after + new[c.end:]
    assert new == "开展「我为群众办实事」活动，县〔市〕等等⋯⋯"
    audit = dataclasses.replace(pr, rules={**pr.rules, "quote.audit": {**pr.rules["quote.audit"], "pairs": ["〔〕"]}})
    assert [f.text for f in punctuation.audit("县〔市", audit)] == ["〔"]
    assert punctuation.audit("《意见", audit) == []


@pytest.fixture()
def user_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a user restore rule file; the loaders see it until the test ends."""
    def clear() -> None:
        for f in (rules.load, punctuation.load, swaps.load, numbers.load):
            f.cache_clear()

    def write(name: str, text: str) -> None:
        (tmp_path / "restore").mkdir(exist_ok=True)
        (tmp_path / "restore" / name).write_text(text, encoding="utf-8")
        monkeypatch.setenv("SCRAPE2DOC_RULES", str(tmp_path))
        clear()

    yield write
    monkeypatch.delenv("SCRAPE2DOC_RULES", raising=False)
    clear()


@pytest.mark.parametrize("body, load, match", [
    ('id = "punct.plus"\nfrom = "+"\nto = "＋"\nwhen = ["c_beforr"]', "punctuation",
     r"user\.toml: rule punct\.plus: unknown neighbour test.*c_beforr"),
    ('id = "punct.plus"\nfrom = "+"\nto = "＋"\nwhen = ["c_before"]\nnever = ["digit_bot"]', "punctuation",
     "punct.plus: unknown neighbour"),
    ('id = "punct.plus"\nfrom = "+"\nto = "＋"', "punctuation", r"user\.toml: rule punct\.plus: missing when"),
    # a user file named like the built-in one replaces it
    ('id = "quote.audit"\nmax_open = 3', "punctuation", r"punctuation\.toml: rule quote\.audit: missing pairs"),
    ('id = "num.big"\npattern = "\\\\d{9}"', "numbers", r"user\.toml: rule num\.big: missing message"),
    ('id = "num.big"\npattern = "(\\\\d"\nmessage = "x"', "numbers", "num.big: bad pattern"),
    ('id = "swap.x"\nfamily = "fuwu"\nmatch = "效劳"', "swaps", r"user\.toml: rule swap\.x: missing 'mode'"),
    ('id = "swp.fuwu"\nmatch = "效劳"', "swaps", r"user\.toml: rule swp\.fuwu: no restore detector"),
    ('id = "swap.x"\nfamily = "fuwu"\nmatch = "效劳"\nmode = "high"\nconfidence = 1.0\n[[rule.when]]\n'
     'collocation = { min = 10, at_least = 2.0, tags = ["v"] }', "swaps",
     r"user\.toml: rule swap\.x: no collocation table for this family"),
    ('id = "swap.x"\nfamily = "fazhan"\nmatch = "开展"\nmode = "high"\nconfidence = 1.0\n[[rule.when]]\n'
     'collocation = { min = 10, at_least = 2.0 }', "swaps",
     r"user\.toml: rule swap\.x: collocation needs min, tags and at_least or at_most \(and side: right, left, both, tail\)"),
    ('id = "swap.x"\nfamily = "fazhan"\nmatch = "开展"\nmode = "high"\nconfidence = 1.0\n[[rule.when]]\n'
     'collocation = { min = 10, at_least = 2.0, at_most = -2.0, tags = [] }', "swaps",
     r"user\.toml: rule swap\.x: collocation needs min, tags and at_least or at_most"),
    ('id = "swap.x"\nfamily = "xiangmu"\nmatch = "工程"\nmode = "high"\nconfidence = 1.0\n[[rule.when]]\n'
     'collocation = { min = 10, at_most = -2.0, tags = [], side = "tail" }', "swaps",
     r"user\.toml: rule swap\.x: this family's collocation table counts no clause tails"),
    ('id = "swap.x"\nfamily = "fazhan"\nmatch = "开展"\nmode = "high"\nconfidence = 1.0\n[[rule.when]]\n'
     'collocation = { min = 10, at_least = 2.0, tags = [], side = "left" }', "swaps",
     r"user\.toml: rule swap\.x: this family's collocation table counts no runs before the word"),
    ('id = "swp.fuwu"\nmatch = "效劳"', "numbers", "swp.fuwu: no restore detector"),
    ('id = "punct.comma"\nfrom = ","\nto = "，"\nwhen = ["c_before"]', "punctuation", "punct.comma: id already used"),
])
def test_bad_user_rule_is_a_one_line_error(user_rules, body: str, load: str, match: str) -> None:
    name = "punctuation.toml" if "quote.audit" in body else "user.toml"
    user_rules(name, "[[rule]]\n" + body + "\n")
    loader = {"punctuation": punctuation.load, "numbers": numbers.load, "swaps": swaps.load}[load]
    with pytest.raises(PipelineError, match=match) as e:
        loader()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("family, match", [
    ('fingerprints = ["(那么"]', "bad pattern: "), ('own_sense = "(那么"', "bad pattern: "),
    ("own_sense = 3", "bad pattern: "), ('fingerprints = "原那么"', "fingerprints must be a list of patterns$"),
    ('dominant = "2"', "dominant must be a number$"), ("vote_share = true", "vote_share must be a number$"),
    ("votes = 1.5", "votes must be a whole number$"), ("self_evident = [2]", "self_evident must be a whole number$"),
    ('vote_at = "2"', "vote_at must be a whole number$"), ("vote_alone = 2.0", "vote_alone must be a whole number$")])
def test_a_bad_family_value_is_a_one_line_error(user_rules, family: str, match: str) -> None:
    user_rules("user.toml", f'[family.ze]\npair = ["则", "那么"]\n{family}\n')
    with pytest.raises(PipelineError, match=r"^user\.toml: \[family\.ze\] " + match) as e:
        swaps.load()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("gate, match", [('min_distinct = "2"', "min_distinct must be a whole number$"),
                                         ("min_hits = 1.5", "min_hits must be a whole number$"),
                                         ('min_confidence = "high"', "min_confidence must be a number$")])
def test_a_bad_gate_value_is_a_one_line_error(user_rules, gate: str, match: str) -> None:
    user_rules("user.toml", f"[gate]\n{gate}\n")
    with pytest.raises(PipelineError, match=r"^user\.toml: \[gate\] " + match):
        swaps.load()


def test_a_familys_numbers_load_as_written(user_rules) -> None:
    user_rules("user.toml", '[family.ze]\npair = ["则", "那么"]\ndominant = 3\nvote_share = 0.25\nvotes = 4\n')
    sr = swaps.load()
    assert (sr.dominant["ze"], sr.vote_share["ze"], sr.votes["ze"]) == (3.0, 0.25, 4)
    assert isinstance(sr.dominant["ze"], float) and isinstance(sr.votes["ze"], int)


@pytest.mark.parametrize("pair", ["", 'pair = "则"\n', 'pair = ["则"]\n', 'pair = ["则", 3]\n'])
def test_a_family_without_its_pair_is_a_one_line_error(user_rules, pair: str) -> None:
    user_rules("user.toml", f'[family.ze]\n{pair}fingerprints = []\n')
    with pytest.raises(PipelineError, match=r"^user\.toml: \[family\.ze\] needs pair = \[original, swapped form\]$"):
        swaps.load()


@pytest.mark.parametrize("mark", ['name = "x"\npresent = "("\nabsent = "，"\nleast = 3',
                                  'name = "x"\npresent = "〞"\nabsent = "”"',
                                  'name = "x"\npresent = "〞"\nabsent = "”"\nleast = "many"',
                                  'name = "x"\npresent = "〞"\nabsent = "”"\nleast = 1\nwhere = "body"'])
def test_a_bad_site_mark_is_a_one_line_error(user_rules, mark: str) -> None:
    user_rules("user.toml", f"[[gate.site_marks]]\n{mark}\n")
    with pytest.raises(PipelineError, match=r"^user\.toml: \[\[gate\.site_marks\]\] needs name, present, absent "
                                            r"and least") as e:
        swaps.load()
    assert "\n" not in str(e.value)


def test_user_rules_that_load_run(user_rules) -> None:
    user_rules("user.toml", '[[rule]]\nid = "punct.plus"\nfrom = "+"\nto = "＋"\nwhen = ["c_before"]\n'
                            'never = ["digit_both"]\n[[rule]]\nid = "text.redacted"\npattern = "■+"\n'
                            'message = "redacted by the uploader"\nlevel = "info"\n')
    new, edits, flags = restore_text("甲+乙，1+2，姓名■■", "b0", swaps.gate([""]), None, Options())
    assert new == "甲＋乙，1+2，姓名■■" and [e.rule for e in edits] == ["punct.plus"]
    assert [(f.rule, f.text, f.level) for f in flags] == [("text.redacted", "■■", "info")]
