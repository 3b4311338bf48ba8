"""What both renderers derive the same way: heading numbers and output names."""
from __future__ import annotations

from pipeline.model import Block, Document, Meta
from pipeline.options import Options
from pipeline.render.presentation import cn_number, heading_prefixes, output_stem


def heads(*specs: tuple[str, int]) -> Document:
    return Document(source="t", blocks=[Block(id=f"b{i}", text=t, kind="heading", level=lv)
                                        for i, (t, lv) in enumerate(specs)])


def test_unnumbered_levels_get_numbers_restarting_under_each_section() -> None:
    doc = heads(("总体要求", 1), ("目标", 2), ("原则", 2), ("主要任务", 1), ("组织", 2))
    assert heading_prefixes(doc, Options()) == {"b0": "一、", "b1": "（一）", "b2": "（二）",
                                                "b3": "二、", "b4": "（一）"}


def test_a_level_the_source_numbers_gets_no_second_number() -> None:
    doc = heads(("总体要求", 1), ("（一）目标", 2), ("主要任务", 1), ("（一）组织", 2))
    assert heading_prefixes(doc, Options()) == {"b0": "一、", "b2": "二、"}
    numbered = heads(("一、总体要求", 1), ("二、主要任务", 1))
    assert heading_prefixes(numbered, Options()) == {}


def test_numbering_can_be_switched_off() -> None:
    assert heading_prefixes(heads(("总体要求", 1)), Options(number_headings=False)) == {}


def test_chinese_numerals() -> None:
    assert [cn_number(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十", "二十三"]


def test_output_named_after_the_site_title_made_safe_for_a_file_name() -> None:
    doc = Document(source="t", meta=Meta(title="报告/2023:终稿?"))
    assert output_stem(doc, "page") == "报告_2023_终稿_"
    assert output_stem(Document(source="t"), "page") == "page"
