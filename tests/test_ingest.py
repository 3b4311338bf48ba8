"""Ingest: encodings detected, odd spaces normalised and counted, HTML made text, bad input refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import ingest
from pipeline.model import PipelineError

CASES = Path(__file__).parent / "cases"
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


def test_short_big5_is_not_mistaken_for_utf16() -> None:
    text = "已閱讀5頁,還剩53頁未讀\n"  # charset-normalizer's first guess for these bytes is UTF-16BE
    assert ingest(text.encode("big5"), "p.txt").raw == text


def test_odd_spaces_and_line_ends_are_normalised_and_counted() -> None:
    data = "标题\r\n第一段\u00a0内容\u3000\u3000继续\r\n零\u200b宽\ufeff字符\r末行".encode()
    doc = ingest(data, "p.txt")
    assert doc.raw == "标题\n第一段 内容 继续\n零宽字符\n末行"
    counts = doc.info["ingest"]["normalised"]
    assert counts == {"crlf": 2, "cr": 1, "zero_width": 2, "nbsp": 1, "ideographic_space_runs": 1}


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


def test_text_mentioning_tags_is_not_parsed_as_html() -> None:
    text = "请在网页中使用<body>标签包裹正文。\n"
    assert ingest(text.encode(), "p.txt").raw == text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\r\n\t", "empty file"),
        ("\ufeff".encode("utf-16"), "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file (PDF)"),
        (b"PK\x03\x04\x14\x00\x06\x00", "binary file (ZIP or DOCX)"),
        (bytes(range(256)) * 4, "binary or undecodable"),
        (b"<html><head><title>x</title></head><body><script>a()</script></body></html>", "no visible text"),
    ],
)
def test_bad_input_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(PipelineError, match=reason.replace("(", r"\(").replace(")", r"\)")) as e:
        ingest(data, "bad")
    assert "\n" not in str(e.value)
