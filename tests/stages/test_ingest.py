"""Ingest: encodings detected, odd spaces normalised and counted, HTML made text, bad input refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.stages.ingest import ingest
from pipeline.model import PipelineError

CASES = Path(__file__).parents[1] / "cases"
SIMPLIFIED = (CASES / "huiwen.txt").read_text(encoding="utf-8")
TRADITIONAL = (CASES / "renrendoc-traditional.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "codec", "detected"),
    [
        (SIMPLIFIED, "utf-8", "utf_8"),
        (SIMPLIFIED, "utf-8-sig", "utf_8"),
        (SIMPLIFIED, "utf-16", "utf_16"),
        (SIMPLIFIED, "gb18030", "gb18030"),
        (SIMPLIFIED, "gbk", "gb18030"),  # GB18030 is the superset: same text, safer decoder
        (SIMPLIFIED, "gb2312", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
        (TRADITIONAL, "utf-16", "utf_16"),
    ],
)
def test_encodings_are_detected(text: str, codec: str, detected: str) -> None:
    doc = ingest(text.encode(codec), "page.txt")
    assert doc.raw == text
    assert doc.info["ingest"]["encoding"] == detected
    assert doc.info["ingest"]["bom"] == (codec in ("utf-8-sig", "utf-16"))


@pytest.mark.parametrize("text", ["党建", "开展", "开展调研", "关于加强基层党建\n"])
def test_short_gbk_is_not_read_as_big5(text: str) -> None:
    """Two GBK characters decode as Big5 too (开展 → 羲桯): Simplified wins a tie."""
    doc = ingest(text.encode("gbk"), "p.txt")
    assert (doc.raw, doc.info["ingest"]["encoding"]) == (text, "gb18030")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", ["党建", "开展调研取得成效", "一、总体要求\n我们开展了调研。\n", SIMPLIFIED])
def test_utf16_without_bom_is_detected(text: str, codec: str) -> None:
    doc = ingest(text.encode(codec), "p.txt")
    assert (doc.raw, doc.info["ingest"]["encoding"], doc.info["ingest"]["bom"]) == (text, codec.replace("-", "_"), False)


@pytest.mark.parametrize("text", ["党建", "开展", "学习"])
@pytest.mark.parametrize("declaration", [
    '<meta charset="{}">',
    '<meta http-equiv="Content-Type" content="text/html; charset={}">',
])
def test_short_gbk_html_follows_its_declared_charset(text: str, declaration: str) -> None:
    head = declaration.format("gbk") + '<link rel="stylesheet" href="/a.css"><script src="/x.js"></script>'
    html = f"<!DOCTYPE html><html><head>{head}</head><body><p>{text}</p></body></html>"
    doc = ingest(html.encode("gbk"), "page.html")
    assert (doc.raw, doc.info["ingest"]["encoding"]) == (text + "\n", "gb18030")


def test_xml_declaration_is_a_charset_and_a_stale_one_loses_to_utf8() -> None:
    xhtml = '<?xml version="1.0" encoding="{}"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>正文</p></body></html>'
    assert ingest(xhtml.format("gbk").encode("gbk"), "p.html").info["ingest"]["encoding"] == "gb18030"
    doc = ingest(xhtml.format("gbk").encode("utf-8"), "p.html")  # re-saved as UTF-8, declaration left
    assert (doc.raw, doc.info["ingest"]["encoding"]) == ("正文\n", "utf_8")


def test_short_big5_is_not_mistaken_for_utf16() -> None:
    text = "已閱讀5頁,還剩53頁未讀\n"  # charset-normalizer's first guess for these bytes is UTF-16BE
    assert ingest(text.encode("big5"), "p.txt").raw == text


def test_odd_spaces_and_line_ends_are_normalised_and_counted() -> None:
    data = "标题\r\n第一段\u00a0内容\u3000\u3000继续\r\n零\u200b宽\ufeff字符\r末行".encode()
    doc = ingest(data, "p.txt")
    assert doc.raw == "标题\n第一段 内容 继续\n零宽字符\n末行"
    counts = doc.info["ingest"]["normalised"]
    assert counts == {"crlf": 2, "cr": 1, "line_separators": 0, "controls": 0, "noncharacters": 0, "zero_width": 2, "nbsp": 1,
                      "ideographic_space_runs": 1}


def test_control_characters_become_line_breaks_or_are_dropped() -> None:
    """XML (so DOCX) forbids C0/C1 controls: separators become line breaks, the rest go."""
    doc = ingest("标题\n第一行\x0b第二行\x0c第三行\u2028第四\u2029第五\x85第六。\x01\x7f\x9f\t完\n".encode(), "p.txt")
    assert doc.raw == "标题\n第一行\n第二行\n第三行\n第四\n第五\n第六。\t完\n"
    assert doc.info["ingest"]["normalised"]["line_separators"] == 5
    assert doc.info["ingest"]["normalised"]["controls"] == 3


def test_clean_utf8_text_is_left_alone() -> None:
    text = "第一行 iPhone 12\n\n第二行,有逗号。\n"
    doc = ingest(text.encode(), "p.txt")
    assert doc.raw == text
    assert not any(doc.info["ingest"]["normalised"].values())
    assert doc.text_view() == doc.raw  # 01-ingest.txt is the normalised text itself
    assert doc.stages == ["ingest"]


def test_saved_html_page_gives_visible_text_in_blocks() -> None:
    doc = ingest((CASES / "360docs.html").read_bytes(), "page.html")
    lines = doc.raw.splitlines()
    assert doc.info["ingest"]["html"] is True
    for gone in ("tracker", "下载统计脚本", "color: red", "文档分类", "隐藏的广告文字", "另一段隐藏文字",
                 "请开启脚本", "360文档中心"):  # script, style, nav, hidden, noscript, <head>
        assert gone not in doc.raw
    assert "小区停车管理规定" in lines and "合集下载" in lines
    assert "第一条 为规范小区内车辆停放,保障消防通道畅通,制定本规定。" in lines  # &nbsp; normalised
    # <br> breaks a line; block elements are separated by a blank line
    i = lines.index("第二条 外来车辆进入小区须登记,临时停放不超过两小时。")
    assert lines[i + 1] == "业主车辆凭停车证进出。"
    assert lines[i + 2] == ""


def test_html_in_gbk_declared_by_meta_charset() -> None:
    html = '<html><head><meta charset="gbk"></head><body><p>第一段文字内容。</p><p>第二段。</p></body></html>'
    doc = ingest(html.encode("gbk"), "page.html")
    assert doc.raw.split() == ["第一段文字内容。", "第二段。"]


def test_html_form_controls_dropped_pre_kept_title_lifted() -> None:
    html = ("<html><head><title>停车规定 - 某文库</title></head><body><pre>  缩进代码\n\n\n    第二行</pre>"
            "<form><select><option>选项一</option></select><button>下载</button><p>正文内容。</p></form></body></html>")
    doc = ingest(html.encode(), "page.html")
    assert doc.raw == "  缩进代码\n\n\n    第二行\n\n正文内容。\n"  # <form> itself may wrap a whole page
    assert doc.info["ingest"]["html_title"] == "停车规定 - 某文库"


def test_text_mentioning_tags_is_not_parsed_as_html() -> None:
    text = "请在网页中使用<body>标签包裹正文。\n"
    assert ingest(text.encode(), "p.txt").raw == text


@pytest.mark.parametrize(("codec", "damage"), [
    ("utf-8", lambda b: b[:-1]),  # the last character cut
    ("utf-8", lambda b: b[:-2]),
    ("gb18030", lambda b: b[:-1]),
    ("utf-8", lambda b: b[:500] + b"\xff" + b[500:]),  # one stray byte (inside a character)
    ("gb18030", lambda b: b[:500] + b"\xff" + b[500:]),
])
def test_a_few_bad_bytes_are_replaced_and_flagged(codec: str, damage) -> None:
    text = SIMPLIFIED.rstrip("\n") + "结束"
    data = damage(text.encode(codec))
    doc = ingest(data, "p.txt")
    assert doc.info["ingest"]["encoding"] == codec.replace("-", "_")
    bad = doc.info["ingest"]["undecodable"]
    assert 1 <= bad <= 3 and doc.raw.count("\ufffd") == bad
    assert "".join(doc.raw.replace("\ufffd", "").split())[:200] == "".join(text.split())[:200]
    assert [(f.stage, f.rule, f.level) for f in doc.flags] == [("ingest", "ingest.undecodable-bytes", "warning")]
    assert str(bad) in doc.flags[0].message


def test_clean_input_has_no_undecodable_flag() -> None:
    doc = ingest(SIMPLIFIED.encode("gb18030"), "p.txt")
    assert not doc.flags and doc.info["ingest"]["undecodable"] == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\r\n\t", "empty file"),
        ("\ufeff".encode("utf-16"), "empty file"),
        (b"\xef\xbb\xbf\x00\x00\x01", "no text: only 3 control or noncharacter code point(s)"),
        (b"\x00\n\x00", "no text: only 2 control or noncharacter code point(s)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file (PDF)"),
        (b"PK\x03\x04\x14\x00\x06\x00", "binary file (ZIP or DOCX)"),
        (bytes(range(256)) * 4, "binary or undecodable"),
        (b"<html><head><title>x</title></head><body><script>a()</script></body></html>", "no visible text"),
        (b"<!DOCTYPE html>", "no visible text"),
        (b"<!DOCTYPE html>\n<html><!-- only a comment --></html>", "no visible text"),
        (SIMPLIFIED.encode()[:3000] + bytes(range(128, 256)), "binary or undecodable"),  # 128 bad bytes
    ],
)
def test_bad_input_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(PipelineError, match=reason.replace("(", r"\(").replace(")", r"\)")) as e:
        ingest(data, "bad")
    assert "\n" not in str(e.value)
